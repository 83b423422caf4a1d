// "Copy link" on each step of a document page (kbtools/site/templates/sop_sections.html):
// puts the step's absolute address (the page's canonical address, else this one, with
// #step-<id>) on the clipboard and says so in the step's status line. The buttons are
// printed hidden and shown only where the browser has a clipboard to write to. Texts are
// set with textContent; nothing is sent anywhere.
(function () {
  "use strict";

  if (!navigator.clipboard || typeof navigator.clipboard.writeText !== "function") return;

  function pageAddress() {
    var canonical = document.querySelector("link[rel='canonical']");
    var href = canonical && canonical.href ? canonical.href : location.href;
    return href.split("#")[0];
  }

  var statuses = [];

  function say(status, text) {
    statuses.forEach(function (other) {
      if (other !== status) other.textContent = "";
    });
    if (status) status.textContent = text;
  }

  function copy(button) {
    var status = button.parentNode.querySelector(".kb-copy-link__status");
    var address = pageAddress() + "#" + encodeURIComponent(button.getAttribute("data-kb-copy") || "");
    navigator.clipboard.writeText(address).then(
      function () { say(status, "Link copied"); },
      function () { say(status, "Could not copy the link: " + address); }
    );
  }

  function start() {
    var buttons = document.querySelectorAll("button.kb-copy-link[data-kb-copy]");
    Array.prototype.forEach.call(buttons, function (button) {
      var status = button.parentNode.querySelector(".kb-copy-link__status");
      if (status) statuses.push(status);
      button.addEventListener("click", function () { copy(button); });
      button.hidden = false;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
