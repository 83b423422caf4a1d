/* Compare any two versions of a document, on its comparison pages (kbtools/site/compare.py).
 *
 * The build publishes a snapshot of each version (history/<id>/versions/<key>.json: the
 * front matter as fields, the steps by id, the body). This script fetches the two the reader
 * picks and shows what changed with the build's own rules: the fields that changed, the steps
 * added, removed and changed, and the text, each as a word diff in <del> and <ins>. Every
 * value is set as textContent, never as markup.
 */
(function () {
  "use strict";

  var MAX_CELLS = 4000000; // words(a) x words(b): past this a text is shown as replaced whole
  var TOKEN = /\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

  function tokens(text) {
    return text.match(TOKEN) || [];
  }

  // Runs of [op, text] (op: same | del | ins) from the longest common subsequence of the words.
  // The words both texts start and end with are kept as they are; the LCS sees what is between.
  function wordDiff(oldText, newText) {
    if (oldText === newText) return [["same", oldText]];
    var a = tokens(oldText), b = tokens(newText), start = 0, end = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
    var runs = middleDiff(a.slice(start, a.length - end), b.slice(start, b.length - end));
    if (start) runs.unshift(["same", a.slice(0, start).join("")]);
    if (end) runs.push(["same", a.slice(a.length - end).join("")]);
    return runs;
  }

  function middleDiff(a, b) {
    var n = a.length, m = b.length;
    if ((n + 1) * (m + 1) > MAX_CELLS) return [["del", a.join("")], ["ins", b.join("")]].filter(function (r) { return r[1]; });
    var width = m + 1, table = new Uint32Array((n + 1) * width), i, j;
    for (i = n - 1; i >= 0; i--) {
      for (j = m - 1; j >= 0; j--) {
        table[i * width + j] = a[i] === b[j] ? table[(i + 1) * width + j + 1] + 1
          : Math.max(table[(i + 1) * width + j], table[i * width + j + 1]);
      }
    }
    var out = [];
    function push(op, text) {
      var last = out[out.length - 1];
      if (last && last[0] === op) last[1] += text; else out.push([op, text]);
    }
    i = 0; j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) { push("same", a[i]); i++; j++; }
      else if (j < m && (i === n || table[i * width + j + 1] >= table[(i + 1) * width + j])) { push("ins", b[j]); j++; }
      else { push("del", a[i]); i++; }
    }
    return out;
  }

  function el(name, text, cls) {
    var node = document.createElement(name);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function diffNode(name, oldText, newText, cls) {
    var node = el(name, undefined, cls);
    wordDiff(oldText, newText).forEach(function (run) {
      node.appendChild(el(run[0] === "same" ? "span" : run[0], run[1]));
    });
    return node;
  }

  function fieldRows(table, before, after) {
    var names = Object.keys(before);
    Object.keys(after).forEach(function (k) { if (names.indexOf(k) < 0) names.push(k); });
    var count = 0;
    names.forEach(function (name) {
      var old = before[name] || "", now = after[name] || "";
      if (old === now) return;
      var row = el("tr");
      row.appendChild(el("th", name));
      row.appendChild(diffNode("td", old, now, "kb-diff"));
      table.appendChild(row);
      count++;
    });
    return count;
  }

  function render(out, a, b) {
    out.textContent = "";
    out.appendChild(el("h2", "Version " + (a.label || a.version) + " and " + (b.label || b.version) + " compared"));
    out.appendChild(el("h3", "Front matter"));
    var table = el("table", undefined, "kb-compare-fields"), body = el("tbody");
    table.appendChild(body);
    if (fieldRows(body, a.fields, b.fields)) out.appendChild(table);
    else out.appendChild(el("p", "No field changed.", "kb-empty"));

    out.appendChild(el("h3", "Steps"));
    var list = el("ul", undefined, "kb-compare-steps"), same = 0, seen = Object.create(null);
    var oldSteps = Object.create(null); // (no prototype: a step may be called "constructor")
    a.steps.forEach(function (s) { oldSteps[s.id] = s.fields; });
    function step(id, state, before, after) {
      var item = el("li", undefined, "kb-compare-step kb-compare-step--" + state);
      item.appendChild(el("strong", id));
      item.appendChild(document.createTextNode(": " + state));
      var t = el("table"), tb = el("tbody");
      t.appendChild(tb);
      fieldRows(tb, before, after);
      item.appendChild(t);
      list.appendChild(item);
    }
    b.steps.forEach(function (s) {
      seen[s.id] = true;
      var before = oldSteps[s.id];
      if (before === undefined) step(s.id, "added", {}, s.fields);
      else if (JSON.stringify(before) !== JSON.stringify(s.fields)) step(s.id, "changed", before, s.fields);
      else same++;
    });
    a.steps.forEach(function (s) { if (!seen[s.id]) step(s.id, "removed", s.fields, {}); });
    if (list.childNodes.length) out.appendChild(list);
    out.appendChild(el("p", same + (same === 1 ? " step" : " steps") + " unchanged.", "kb-note"));

    out.appendChild(el("h3", "Text"));
    if (a.body === b.body) out.appendChild(el("p", "The text did not change.", "kb-empty"));
    else out.appendChild(diffNode("div", a.body, b.body, "kb-diff kb-diff--body"));
  }

  function snapshot(base, version) {
    return fetch(base + encodeURIComponent(version) + ".json", { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("version " + version + " is not published (" + r.status + ")");
      return r.json();
    });
  }

  function start(form) {
    var out = document.getElementById("kb-compare-result");
    if (!out) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var from = form.elements.namedItem("from").value, to = form.elements.namedItem("to").value;
      out.textContent = "Comparing…";
      Promise.all([snapshot(form.dataset.snapshots, from), snapshot(form.dataset.snapshots, to)])
        .then(function (pair) { render(out, pair[0], pair[1]); })
        .catch(function (error) { out.textContent = "Could not compare: " + error.message; });
    });
  }

  var form = document.querySelector("form.kb-compare-form");
  if (form) start(form);
})();
