/*
 * Connect: progressive enhancement of the hub's dialogs (USWDS modal).
 *
 * A link with data-open-modal and aria-controls opens its modal (USWDS wires that); without
 * JavaScript the link's href is a page doing the same job, so here we only stop the browser
 * from following the href when the modal opens. An opener with data-connect-autoopen opens
 * its dialog once the page is ready ("Which portal do you want to register for?" after
 * signing in).
 */
(function () {
  "use strict";

  document.addEventListener(
    "click",
    function (event) {
      var opener = event.target.closest ? event.target.closest("a[data-open-modal][aria-controls]") : null;
      if (opener && document.getElementById(opener.getAttribute("aria-controls"))) {
        event.preventDefault();
      }
    },
    true
  );

  // USWDS gives modal openers role="button"; these stay links, because without JavaScript
  // (or in a new tab) they go to a page that does the same job.
  function keepLinks() {
    Array.prototype.forEach.call(document.querySelectorAll("a[data-open-modal][href]"), function (a) {
      a.removeAttribute("role");
    });
  }

  function autoOpen() {
    var opener = document.querySelector("[data-connect-autoopen]");
    if (opener) {
      window.setTimeout(function () {
        opener.click();
      }, 0);
    }
  }

  function ready() {
    keepLinks();
    autoOpen();
  }

  keepLinks();
  if (document.readyState === "complete") {
    ready();
  } else {
    document.addEventListener("DOMContentLoaded", keepLinks);
    window.addEventListener("load", ready);
  }
})();
