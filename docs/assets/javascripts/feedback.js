// The "Was this page helpful?" widget without an outside analytics service.
// Material calls __md_analytics() once; every answer is kept in this browser
// (localStorage "kb.feedback": [{page, value, date}]) and nothing is sent.
window.__md_analytics = function () {
  function remember(entry) {
    try {
      var saved = JSON.parse(localStorage.getItem("kb.feedback") || "[]");
      saved.push(entry);
      localStorage.setItem("kb.feedback", JSON.stringify(saved.slice(-200)));
    } catch (e) {
      /* storage full or disabled: the answer is not kept */
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document$.subscribe(function () {
      var form = document.forms.feedback;
      if (typeof form === "undefined") return;
      form.querySelectorAll("[type=submit]").forEach(function (button) {
        button.addEventListener("click", function (event) {
          event.preventDefault();
          var value = this.getAttribute("data-md-value");
          remember({ page: document.location.pathname, value: value, date: new Date().toISOString() });
          form.firstElementChild.disabled = true;
          var note = form.querySelector(".md-feedback__note [data-md-value='" + value + "']");
          if (note) note.hidden = false;
        });
      });
      form.hidden = false;
    });
  });
};
