// Feedback from the browser: the "Was this page helpful?" widget
// (docs/overrides/partials/feedback.html), the "Report a knowledge gap" form
// (the gaps/ page of the internal site) and a document's live helpfulness line,
// all talking to `kb serve`'s API beside the site (api/v1/...).
//
// Whether a service is there is asked once a page (GET api/v1/status); on
// static hosting the build's own api/v1/status answers that none is. Without
// a service, or when a submission fails, the reader is offered the page's
// fallback link (a pre-filled issue or an e-mail to the owner; on the customers'
// site the help centre's contact, or nothing; built at build time by
// kbtools/site/feedback.py), and nothing ever says "sent" before the
// service answered 201. Every text from the page or the server is set with
// textContent; requests go to this site's origin only.
window.__md_analytics = function () {
  "use strict";

  var MAX_TEXT = 2000;
  var MAX_REASON = 300;
  var NO_SERVICE = "This copy of the site cannot send feedback.";
  var NO_SERVICE_GAP = "This copy of the site cannot take reports.";

  // The site root: the theme's `base` (the way up from this page) against this page's address.
  function siteRoot() {
    var config = document.querySelector("script#__config[type='application/json']");
    if (!config) return null;
    try {
      var base = JSON.parse(config.textContent).base;
      if (typeof base !== "string") return null;
      var root = new URL(base.replace(/\/*$/, "/"), location.href);
      return root.origin === location.origin ? root : null;
    } catch (e) {
      return null;
    }
  }

  function request(root, path, options) {
    var init = { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } };
    if (options && options.body !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    return fetch(new URL(path, root), init);
  }

  // The service's status, asked once: the status object, or null when no kb service answers.
  var status = null;
  function service(root) {
    if (status === null) {
      status = request(root, "api/v1/status")
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (found) {
          var ok = found && found.service === "kb" && found.version === 1 &&
            (found.audience === "internal" || found.audience === "public");
          return ok ? found : null;
        })
        .catch(function () { return null; });
    }
    return status;
  }

  function sentence(text) {
    text = String(text).trim();
    return /[.!?]$/.test(text) ? text : text + ".";
  }

  // POST a JSON body: {ok: true, data} after a 201, else {ok: false, reason} to show the reader.
  function post(root, path, body) {
    return request(root, path, { body: body }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.status === 201 && data && typeof data.id === "string") return { ok: true, data: data };
        var reason = data && typeof data.error === "string" && data.error.trim()
          ? data.error.trim().slice(0, MAX_REASON) : "the server answered " + response.status;
        reason = sentence(reason);
        if (response.status === 429) {
          var wait = parseInt(response.headers.get("Retry-After") || "", 10);
          reason += wait > 0 ? " Try again in " + wait + " second" + (wait === 1 ? "" : "s") + "." : " Try again later.";
        }
        return { ok: false, reason: reason };
      });
    }, function () {
      return { ok: false, reason: "the site's server did not answer." };
    });
  }

  function fallbackText(kind, owner, gap) {
    if (kind === "github") return gap ? "Open an issue about it instead" : "Open an issue for " + (owner || "the page's owner");
    return "E-mail " + (owner || (gap ? "the knowledge team" : "the page's owner"));
  }

  // Shows `message` in a form's status line; the fallback link with it, or not (never a link the
  // page has no address for: the customers' site may have no way to offer).
  function reporter(form, prefix) {
    var line = form.querySelector("." + prefix + "__status");
    var fallback = form.querySelector("." + prefix + "__fallback");
    var link = form.querySelector("." + prefix + "__link");
    return function (message, offerFallback) {
      line.textContent = message;
      fallback.hidden = !(offerFallback && link.getAttribute("href"));
    };
  }

  // -- "Was this page helpful?" -----------------------------------------------------------------

  function widget(form, root) {
    var rating = form.querySelector(".kb-feedback__rating");
    var buttons = rating.querySelectorAll("button[data-md-value]");
    var box = form.querySelector(".kb-feedback__comment");
    var text = form.querySelector(".kb-feedback__text");
    var send = form.querySelector(".kb-feedback__send");
    var show = reporter(form, "kb-feedback");
    var doc = form.getAttribute("data-kb-doc") || null;
    var unavailable = form.getAttribute("data-kb-unavailable") || NO_SERVICE;
    var note = "";
    form.querySelector(".kb-feedback__link").textContent = form.getAttribute("data-kb-fallback-text") ||
      fallbackText(form.getAttribute("data-kb-fallback-kind"), form.getAttribute("data-kb-owner"), false);

    function submit(helpful, comment) {
      return service(root).then(function (found) {
        if (!found) {
          show(unavailable, true);
          return false;
        }
        show("Sending\u2026", false);
        var body = { doc: doc, page: location.pathname, helpful: helpful, comment: comment };
        return post(root, "api/v1/feedback", body).then(function (result) {
          if (result.ok) {
            show(note, false);
            helpfulness(form, root);
          } else {
            show("Your feedback could not be sent: " + result.reason, true);
          }
          return result.ok;
        });
      });
    }

    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var helpful = button.getAttribute("data-md-value") === "1";
        note = button.getAttribute("data-kb-sent") || "Feedback sent.";
        rating.disabled = true;
        if (helpful) {
          submit(true, null).then(function (sent) { rating.disabled = sent; });
          return;
        }
        service(root).then(function (found) {
          if (!found) {
            show(unavailable, true);
            rating.disabled = false;
            return;
          }
          show("", false);
          box.hidden = false;
          text.focus();
        });
      });
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (box.hidden || send.disabled) return;
      send.disabled = true;
      text.readOnly = true;
      var comment = text.value.trim().slice(0, MAX_TEXT) || null;
      submit(false, comment).then(function (sent) {
        box.hidden = sent;
        send.disabled = sent;
        text.readOnly = sent;
      });
    });
    form.hidden = false;
  }

  function plural(count, word) {
    return count + " " + word + (count === 1 ? "" : "s");
  }

  function isCount(value) {
    return typeof value === "number" && isFinite(value) && value >= 0 && Math.floor(value) === value;
  }

  // "12 votes · 83% helpful · 2 open items" under the widget of an internal document page.
  function helpfulness(form, root) {
    var line = form.querySelector(".kb-helpfulness");
    var doc = form.getAttribute("data-kb-doc");
    if (!line || !doc) return;
    service(root).then(function (found) {
      if (!found || found.audience !== "internal") return null;
      return request(root, "api/v1/documents/" + encodeURIComponent(doc) + "/helpfulness")
        .then(function (response) { return response.ok ? response.json() : null; });
    }).then(function (data) {
      if (!data || data.doc !== doc || !isCount(data.votes) || !isCount(data.open)) return;
      var parts = [plural(data.votes, "vote")];
      if (data.votes > 0 && isCount(data.percent) && data.percent <= 100) parts.push(data.percent + "% helpful");
      parts.push(plural(data.open, "open item"));
      var words = parts.join(" \u00b7 ");
      var target = typeof data.url === "string" && /^[A-Za-z0-9][\w\-./]*$/.test(data.url) ? new URL(data.url, root) : null;
      if (target && target.origin === root.origin) {
        var link = document.createElement("a");
        link.href = target.href;
        link.textContent = words;
        line.replaceChildren(link);
      } else {
        line.textContent = words;
      }
      line.hidden = false;
    }).catch(function () { /* no figures: nothing is shown */ });
  }

  // -- "Report a knowledge gap" -------------------------------------------------------------------

  function optionValues(form, selector) {
    var found = new Map();
    form.querySelectorAll(selector + " option").forEach(function (option) {
      found.set(option.value, option.getAttribute("data-kb-fallback") || "");
    });
    return found;
  }

  function gapForm(form, root) {
    var docs = optionValues(form, "datalist.kb-gap__docs");
    var accounts = optionValues(form, "datalist.kb-gap__accounts");
    var fields = form.elements;
    var send = form.querySelector(".kb-gap__send");
    var link = form.querySelector(".kb-gap__link");
    var show = reporter(form, "kb-gap");
    link.textContent = fallbackText(form.getAttribute("data-kb-fallback-kind"), form.getAttribute("data-kb-owner"), true);

    function chooseFallback() {
      link.href = docs.get(fields.doc.value.trim()) || form.getAttribute("data-kb-fallback");
    }

    var asked = new URLSearchParams(location.search).get("doc");
    if (asked && docs.has(asked)) fields.doc.value = asked;  // only an id this page knows
    chooseFallback();
    fields.doc.addEventListener("input", chooseFallback);

    function refuse(field, message) {
      show(message, false);
      field.focus();
    }

    function referrer() {
      try {
        var from = new URL(document.referrer);
        return from.origin === location.origin ? from.pathname : null;
      } catch (e) {
        return null;
      }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (send.disabled) return;
      var question = fields.question.value.trim();
      var kind = form.querySelector("input[name=kind]:checked");
      var product = fields.product.value.trim();
      var account = fields.account.value.trim();
      var doc = fields.doc.value.trim();
      if (!question) return refuse(fields.question, "Say what was asked.");
      if (!kind) return refuse(form.querySelector("input[name=kind]"), "Choose \u201cI do not know\u201d or \u201cI cannot\u201d.");
      if (account && !accounts.has(account)) return refuse(fields.account, account + " is not an account of this site.");
      if (doc && !docs.has(doc)) return refuse(fields.doc, doc + " is not a document of this site.");
      send.disabled = true;
      service(root).then(function (found) {
        if (!found) {
          show(NO_SERVICE_GAP, true);
          return null;
        }
        show("Sending\u2026", false);
        return post(root, "api/v1/gaps", {
          question: question.slice(0, MAX_TEXT), kind: kind.value, product: product.slice(0, 200) || null,
          account: account || null, doc: doc || null, page: referrer(),
        });
      }).then(function (result) {
        send.disabled = false;
        if (!result) return;
        if (result.ok) {
          show("Knowledge gap reported (" + result.data.id + ").", false);
          fields.question.value = "";
          return;
        }
        show("The knowledge gap could not be reported: " + result.reason, true);
      });
    });
  }

  function start() {
    var root = siteRoot();
    var form = document.querySelector("form.kb-feedback[name=feedback]");
    if (form && root) {
      widget(form, root);
      helpfulness(form, root);
    }
    var gaps = document.querySelector("form.kb-gap[name=gap]");
    if (gaps && root) gapForm(gaps, root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof document$ !== "undefined") document$.subscribe(start);
    else start();
  });
};
