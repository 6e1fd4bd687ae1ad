/*
 * Support portal behaviours (no inline scripts: CSP script-src 'self').
 *
 *  - The customer box: "Show Details" reveals the User ID next to the customer's name.
 *    Without JavaScript the details are simply shown.
 *  - The customer log-in error: without JavaScript it shows in the page with its "Okay"
 *    link; with JavaScript it opens as a USWDS modal (USWDS has set modals up by "load").
 */
(function () {
  "use strict";

  function setUpDetails() {
    var toggle = document.querySelector("[data-customer-details-toggle]");
    var details = document.querySelector("[data-customer-details]");
    if (!toggle || !details) {
      return;
    }
    function show(open) {
      details.hidden = !open;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.textContent = open ? "Hide Details" : "Show Details";
    }
    toggle.hidden = false;
    show(false);
    toggle.addEventListener("click", function () {
      show(details.hidden);
    });
  }

  function openLoginError() {
    var opener = document.querySelector("[data-support-autoopen]");
    if (opener) {
      opener.click();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpDetails);
  } else {
    setUpDetails();
  }
  if (document.readyState === "complete") {
    openLoginError();
  } else {
    window.addEventListener("load", openLoginError);
  }
})();
