/*
 * Support portal behaviours (no inline scripts: CSP script-src 'self').
 *
 *  - The customer box: "Show Details" reveals the User ID next to the customer's name.
 *    Without JavaScript the details are simply shown.
 *  - The customer log-in error: without JavaScript it shows in the page, and its "Okay" is a
 *    link to the first field of the form, which keeps what the user typed. With JavaScript it
 *    opens as a USWDS modal (USWDS has set modals up by "load"); "Okay" closes it (USWDS,
 *    data-close-modal) and puts the focus in that field, without following the link.
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
    var okay = document.querySelector("[data-support-login-okay]");
    if (!opener) {
      return;
    }
    if (okay) {
      okay.addEventListener("click", function (event) {
        var field = document.getElementById(decodeURIComponent(okay.hash.slice(1)));
        event.preventDefault();
        // USWDS closes the modal from its own click handler, then tries to give the focus
        // back to the (hidden) opener; move it to the field once that is done.
        window.setTimeout(function () {
          if (field) {
            field.focus();
          }
        }, 0);
      });
    }
    opener.click();
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
