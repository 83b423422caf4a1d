// The review dashboard's filters (reviews/): show only the overdue and due-soon reviews of one kind,
// department or owner. The page lists every review and keeps the filters hidden; this script shows
// them and hides the rows that do not match (each row says its kind, department and owner in data-
// attributes). No inline handlers: the listeners are added here.
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("kb-filters");
    if (!form) return;
    var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-kb-filter]"));
    var status = form.querySelector(".kb-filters__status");
    var groups = Array.prototype.slice.call(document.querySelectorAll(".kb-filtered"));

    function apply() {
      var wanted = selects.filter(function (s) { return s.value !== ""; });
      var shown = 0;
      var total = 0;
      groups.forEach(function (group) {
        var rows = Array.prototype.slice.call(group.querySelectorAll("tbody tr"));
        var visible = 0;
        rows.forEach(function (row) {
          var match = wanted.every(function (s) { return row.getAttribute("data-" + s.dataset.kbFilter) === s.value; });
          row.hidden = !match;
          if (match) visible += 1;
        });
        var table = group.querySelector("table");
        var none = group.querySelector(".kb-filtered__none");
        if (table) table.hidden = rows.length > 0 && visible === 0;
        if (none) none.hidden = !(rows.length > 0 && visible === 0);
        shown += visible;
        total += rows.length;
      });
      if (status) {
        status.textContent = wanted.length ? "Showing " + shown + " of " + total + " reviews." : "";
      }
    }

    selects.forEach(function (s) { s.addEventListener("change", apply); });
    form.addEventListener("reset", function () { setTimeout(apply, 0); });  // after the form has reset
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
    form.hidden = false;
    apply();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
