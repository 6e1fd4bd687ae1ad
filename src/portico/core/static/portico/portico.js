/*
 * Portico: generic page behaviours, wired by data-attributes.
 *
 * The site runs with a strict Content-Security-Policy (script-src 'self', style-src 'self'),
 * so there are no inline scripts or event-handler attributes anywhere: templates declare
 * behaviour with the attributes below and this file attaches it. It works for content
 * loaded with htmx too (listeners are delegated, set-up runs again after each swap).
 *
 *   data-confirm="Question?"      on a button, link or form: ask before going ahead
 *   data-dismissible              on a .usa-alert: add a "Dismiss" button
 *   data-auto-dismiss="8000"      on a non-essential notice: remove after N ms (paused while
 *                                 hovered or focused; never use it for errors or for
 *                                 anything the user must read, WCAG 2.2.1)
 *   data-focus-on-load            on one element (e.g. the error summary): focus it on load
 *                                 and after an htmx swap that brings it in
 *   data-print                    on a button: open the browser's print dialog
 *   data-disable-on-submit        on a form: ignore a second submit (no double claims)
 *   data-announce                 on an element inside htmx-swapped content: its text (or
 *                                 the attribute's value) is read out by screen readers
 *
 * htmx: every request carries the CSRF token from <meta name="csrf-token"> as X-CSRFToken,
 * the target gets aria-busy while a request runs, and a failed request shows an error alert.
 */
(function () {
  "use strict";

  var doc = document;
  var root = doc.documentElement;
  var CLOSE_ICON_PATH =
    "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z";

  root.classList.remove("no-js");
  root.classList.add("js");

  function csrfToken() {
    var meta = doc.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function liveRegion() {
    return doc.getElementById("portico-live-region");
  }

  /* Screen-reader announcement through the polite live region in base.html. */
  function announce(text) {
    var region = liveRegion();
    if (!region || !text) {
      return;
    }
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 100);
  }

  function mainElement() {
    return doc.getElementById("main-content");
  }

  function focusElement(el) {
    if (!el) {
      return;
    }
    if (!el.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) {
      el.setAttribute("tabindex", "-1");
    }
    el.focus();
    if (typeof el.scrollIntoView === "function") {
      el.scrollIntoView({ block: "start" });
    }
  }

  /* ---------------------------------------------------------------- confirm ---------- */
  doc.addEventListener(
    "click",
    function (event) {
      var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
      if (!el || el.tagName === "FORM" || el.hasAttribute("disabled")) {
        return;
      }
      if (!window.confirm(el.getAttribute("data-confirm"))) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  doc.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (form.tagName !== "FORM" || !form.hasAttribute("data-confirm")) {
        return;
      }
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  /* ---------------------------------------------------------- double submit ---------- */
  doc.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.tagName !== "FORM" || !form.hasAttribute("data-disable-on-submit")) {
      return;
    }
    if (event.defaultPrevented) {
      return;
    }
    if (form.getAttribute("data-submitting") === "true") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "true");
    form.setAttribute("aria-busy", "true");
    // Buttons are marked, not disabled: a disabled submitter would drop its name/value.
    Array.prototype.forEach.call(
      form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]'),
      function (button) {
        button.setAttribute("aria-disabled", "true");
      }
    );
  });

  // Coming back with the Back button (bfcache) must leave the form usable.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(doc.querySelectorAll('form[data-submitting="true"]'), function (form) {
      form.removeAttribute("data-submitting");
      form.removeAttribute("aria-busy");
      Array.prototype.forEach.call(form.querySelectorAll('[aria-disabled="true"]'), function (button) {
        button.removeAttribute("aria-disabled");
      });
    });
  });

  /* ------------------------------------------------------------------ print ---------- */
  doc.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-print]") : null;
    if (!el) {
      return;
    }
    event.preventDefault();
    window.print();
  });

  /* -------------------------------------------------------------- dismiss ------------ */
  function dismiss(alertEl) {
    var hadFocus = alertEl.contains(doc.activeElement);
    var container = alertEl.parentElement;
    alertEl.parentNode.removeChild(alertEl);
    if (container && container.classList.contains("portico-messages") && !container.children.length) {
      container.parentNode.removeChild(container);
    }
    if (hadFocus) {
      focusElement(mainElement());
    }
  }

  function closeIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = doc.createElementNS(ns, "svg");
    svg.setAttribute("class", "usa-icon");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = doc.createElementNS(ns, "path");
    path.setAttribute("d", CLOSE_ICON_PATH);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  function setUpDismissible(scope) {
    Array.prototype.forEach.call(scope.querySelectorAll("[data-dismissible]"), function (alertEl) {
      if (alertEl.querySelector(".portico-dismiss")) {
        return;
      }
      var button = doc.createElement("button");
      button.type = "button";
      button.className = "portico-dismiss";
      button.setAttribute("aria-label", alertEl.getAttribute("data-dismiss-label") || "Dismiss message");
      button.appendChild(closeIcon());
      alertEl.classList.add("portico-dismissible");
      alertEl.appendChild(button);
    });
  }

  doc.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".portico-dismiss") : null;
    if (!button) {
      return;
    }
    var alertEl = button.closest("[data-dismissible]");
    if (alertEl) {
      dismiss(alertEl);
    }
  });

  function setUpAutoDismiss(scope) {
    Array.prototype.forEach.call(scope.querySelectorAll("[data-auto-dismiss]"), function (el) {
      if (el.getAttribute("data-auto-dismiss-armed")) {
        return;
      }
      el.setAttribute("data-auto-dismiss-armed", "true");
      var delay = parseInt(el.getAttribute("data-auto-dismiss"), 10);
      if (!(delay > 0)) {
        delay = 8000;
      }
      var timer = null;
      var hovered = false;
      var focused = false;
      function start() {
        if (timer === null && !hovered && !focused) {
          timer = window.setTimeout(function () {
            if (el.isConnected) {
              dismiss(el);
            }
          }, delay);
        }
      }
      function stop() {
        if (timer !== null) {
          window.clearTimeout(timer);
          timer = null;
        }
      }
      el.addEventListener("mouseenter", function () { hovered = true; stop(); });
      el.addEventListener("mouseleave", function () { hovered = false; start(); });
      el.addEventListener("focusin", function () { focused = true; stop(); });
      el.addEventListener("focusout", function () { focused = false; start(); });
      start();
    });
  }

  /* ------------------------------------------------------------ focus on load -------- */
  function focusOnLoad(scope) {
    var el = scope.querySelector("[data-focus-on-load]");
    if (el) {
      focusElement(el);
    }
    return el;
  }

  /* --------------------------------------------------------------- set-up ------------ */
  function setUp(scope) {
    setUpDismissible(scope);
    setUpAutoDismiss(scope);
  }

  function onReady() {
    setUp(doc);
    focusOnLoad(doc);
  }

  if (doc.readyState === "loading") {
    doc.addEventListener("DOMContentLoaded", onReady);
  } else {
    onReady();
  }

  /* ---------------------------------------------------------------- htmx ------------- */
  doc.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  doc.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.setAttribute) {
      target.setAttribute("aria-busy", "true");
    }
  });

  doc.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.removeAttribute) {
      target.removeAttribute("aria-busy");
    }
  });

  function firstMatch(scope, selector) {
    if (scope.matches && scope.matches(selector)) {
      return scope;
    }
    return scope.querySelector(selector);
  }

  doc.addEventListener("htmx:afterSettle", function (event) {
    var scope = event.target;
    if (!scope || !scope.querySelectorAll || !scope.isConnected) {
      return;
    }
    setUp(scope.parentElement || scope);
    var announced = firstMatch(scope, "[data-announce]");
    if (announced) {
      announce(announced.getAttribute("data-announce") || announced.textContent.trim());
    }
    var focusTarget = firstMatch(scope, "[data-focus-on-load]");
    if (focusTarget) {
      focusElement(focusTarget);
    }
  });

  /* An out-of-band swap that replaces the part holding the focus (e.g. a form that no longer
     applies once a polled request is decided) would drop the focus to the page's start:
     it goes to the part that replaced it instead. */
  var oobFocusId = null;

  doc.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id && target.contains(doc.activeElement)) {
      oobFocusId = target.id;
    }
  });

  doc.addEventListener("htmx:afterSettle", function () {
    if (oobFocusId === null) {
      return;
    }
    var replaced = doc.getElementById(oobFocusId);
    oobFocusId = null;
    if (replaced && (!doc.activeElement || doc.activeElement === doc.body)) {
      focusElement(replaced.textContent.trim() ? replaced : mainElement());
    }
  });

  function showRequestError(message) {
    var main = mainElement();
    if (!main) {
      return;
    }
    var holder = main.querySelector(".portico-main__top") || main;
    var old = holder.querySelector(".portico-request-error");
    if (old) {
      old.parentNode.removeChild(old);
    }
    var alertEl = doc.createElement("div");
    alertEl.className = "usa-alert usa-alert--error usa-alert--slim portico-request-error";
    alertEl.setAttribute("role", "alert");
    alertEl.setAttribute("data-dismissible", "");
    var body = doc.createElement("div");
    body.className = "usa-alert__body";
    var text = doc.createElement("p");
    text.className = "usa-alert__text";
    text.textContent = message;
    body.appendChild(text);
    alertEl.appendChild(body);
    holder.insertBefore(alertEl, holder.firstChild);
    setUpDismissible(holder);
  }

  doc.addEventListener("htmx:responseError", function (event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 401 || status === 403) {
      showRequestError(
        "Your session may have ended, or you do not have access to this. Reload the page and sign in again if asked."
      );
    } else if (status === 404) {
      showRequestError("We couldn't find that. Reload the page and try again.");
    } else if (status === 429) {
      showRequestError("Too many requests. Wait a minute, then try again.");
    } else {
      showRequestError("Something went wrong and your request was not completed. Please try again.");
    }
  });

  doc.addEventListener("htmx:sendError", function () {
    showRequestError("We couldn't reach the server. Check your connection and try again.");
  });

  doc.addEventListener("htmx:timeout", function () {
    showRequestError("The server took too long to answer. Please try again.");
  });
})();
