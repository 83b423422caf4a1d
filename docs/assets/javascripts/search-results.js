// The search box, narrowed (docs/overrides/main.html loads it before the theme's bundle).
//
// Material's search worker answers every query. This script takes each answer
// before Material renders it and keeps only the documents of the type,
// department and status chosen above the results, so the count, the list and
// its scrolling stay Material's own. The values come from
// search/kb-facets.json, which the build writes beside the index
// (kbtools/site/search.py). On the internal site, a search that finds nothing
// offers "Report a knowledge gap" with the query filled in (gaps/?q=...), and
// the gap page takes that query into its question field. (Material would open
// the search with any ?q= on a page: on the gap page the query is taken out of
// the address first, before Material reads it.)
//
// Everything is built with the DOM and set as text: nothing from the index or
// the query is parsed as markup.
(function () {
  "use strict";

  // The gap page: the question asked of the search (run now, before Material's page set-up).
  var gapForm = document.querySelector("form.kb-gap[name=gap]");
  var params = new URLSearchParams(location.search);
  if (gapForm && params.has("q")) {
    var question = gapForm.elements.namedItem("question");
    if (question && !question.value) question.value = (params.get("q") || "").slice(0, 2000);
    params.delete("q");
    var rest = params.toString();
    history.replaceState(history.state, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
  }

  var RESULT = 3; // Material's SearchMessageType.RESULT
  var Native = window.Worker;
  if (typeof Native !== "function" || typeof WeakSet !== "function") return;

  var state = { worker: null, last: null, data: null, chosen: {}, selects: [], gap: null };
  var passed = new WeakSet(); // the answers this script hands on

  // Material's bundle, loaded next, creates its worker as it loads.
  window.Worker = class extends Native {
    constructor(url, options) {
      super(url, options);
      var worker = this;
      state.worker = worker;
      worker.addEventListener("message", function (ev) {
        if (passed.has(ev) || !ev.data || ev.data.type !== RESULT) return;
        state.last = ev.data;
        if (!narrowing()) return showGap();
        ev.stopImmediatePropagation();
        deliver();
      });
    }
  };

  function narrowing() {
    return state.data !== null && state.data.facets.some(function (f) { return !!state.chosen[f.key]; });
  }

  function keep(group) {
    if (!group.length) return false;
    var values = state.data.pages[String(group[0].location).split("#")[0]];
    if (!values) return false;
    return state.data.facets.every(function (facet, i) {
      var chosen = state.chosen[facet.key];
      return !chosen || values[i] === chosen;
    });
  }

  // Hand Material the last answer again, narrowed to what is chosen.
  function deliver() {
    if (!state.worker || !state.last) return;
    var data = Object.assign({}, state.last.data);
    if (narrowing()) data.items = (data.items || []).filter(keep);
    var ev = new MessageEvent("message", { data: { type: RESULT, data: data } });
    passed.add(ev);
    state.worker.dispatchEvent(ev);
    showGap();
  }

  function query() {
    var input = document.querySelector("[data-md-component=search-query]");
    return input ? input.value.trim() : "";
  }

  function base() {
    var config = document.getElementById("__config");
    try {
      return new URL(JSON.parse(config.textContent).base, location.href);
    } catch (err) {
      return null;
    }
  }

  // "Report a knowledge gap" when the search itself found nothing (not when the choices hid it all).
  function showGap() {
    var gap = state.gap;
    if (!gap) return;
    var asked = query();
    var none = !!state.last && !((state.last.data || {}).items || []).length;
    gap.hidden = !(asked && none);
    if (!gap.hidden) {
      var link = gap.querySelector("a");
      var url = new URL(state.data.gaps, base());
      url.searchParams.set("q", asked.slice(0, 2000));
      link.href = url.href;
    }
  }

  function facetControl(facet, index) {
    var id = "kb-search-facet-" + facet.key;
    var wrap = document.createElement("span");
    wrap.className = "kb-search-facets__item";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = facet.label;
    var select = document.createElement("select");
    select.id = id;
    select.name = facet.key;
    select.add(new Option("All", ""));
    facet.options.forEach(function (option) { select.add(new Option(option[1], option[0])); });
    select.addEventListener("change", function () {
      state.chosen[facet.key] = select.value;
      deliver();
    });
    wrap.appendChild(label);
    wrap.appendChild(select);
    state.selects[index] = select;
    return wrap;
  }

  function build(result, data) {
    state.data = data;
    var bar = document.createElement("div");
    bar.className = "kb-search-facets";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Narrow the results");
    data.facets.forEach(function (facet, i) {
      if (facet.options.length > 1) bar.appendChild(facetControl(facet, i));
    });
    var selects = state.selects.filter(Boolean);
    // Material's keys (arrows through the results, any key back to the query, Tab closes the
    // search) stop at the choices, which keep the browser's own. Tab from a query with results
    // leads to the first choice; Tab from the last choice is Material's again: it closes the
    // search and the page's order goes on (no keyboard trap).
    bar.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") return;
      if (ev.key === "Tab" && !ev.shiftKey && ev.target === selects[selects.length - 1]) return;
      ev.stopPropagation();
    });
    var form = document.querySelector(".md-search__form");
    if (form && selects.length) {
      form.addEventListener("keydown", function (ev) {
        var input = document.querySelector("[data-md-component=search-query]");
        if (ev.key === "Tab" && !ev.shiftKey && input && input.value.trim() && !bar.hidden && bar.isConnected) {
          ev.stopPropagation();
          ev.preventDefault();
          selects[0].focus();
        }
      });
    }
    var meta = result.firstElementChild;
    var after = meta ? meta.nextSibling : result.firstChild;
    if (selects.length) result.insertBefore(bar, after);
    if (data.gaps) {
      var gap = document.createElement("p");
      gap.className = "kb-search-gap";
      gap.hidden = true;
      var link = document.createElement("a");
      link.textContent = "Report a knowledge gap";
      gap.appendChild(document.createTextNode("Nothing answers it? "));
      gap.appendChild(link);
      result.insertBefore(gap, bar.parentNode ? bar.nextSibling : after);
      state.gap = gap;
    }
    if (state.last) deliver();
  }

  function start() {
    var result = document.querySelector("[data-md-component=search-result]");
    var root = base();
    if (!result || !root) return;
    fetch(new URL("search/kb-facets.json", root).href, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && Array.isArray(data.facets) && data.pages) build(result, data);
      })
      .catch(function () { /* no facets: Material's search as it is */ });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
