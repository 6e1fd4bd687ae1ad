/*
 * The claim form's total charge (no inline scripts: CSP script-src 'self').
 *
 * The total ([data-claim-total]) is the sum of the line charges ([data-line-charge]). While it
 * is empty or still shows the sum this script last put there, it follows the lines as the
 * user types; once the user types another amount it is theirs, and the server's check says
 * whether it adds up. Without JavaScript an empty total is added up by the server.
 */
(function () {
  "use strict";

  function cents(text) {
    var value = Number(text);
    return text.trim() === "" || !isFinite(value) ? null : Math.round(value * 100);
  }

  function setUp() {
    var total = document.querySelector("input[data-claim-total]");
    if (!total || !total.form) {
      return;
    }
    var form = total.form;
    var shown = null; // the sum this script last wrote, in cents

    function linesSum() {
      var sum = 0;
      var any = false;
      var complete = true;
      form.querySelectorAll("input[data-line-charge]").forEach(function (input) {
        if (input.value.trim() === "") {
          return;
        }
        var value = cents(input.value);
        if (value === null) {
          complete = false;
          return;
        }
        sum += value;
        any = true;
      });
      return any && complete ? sum : null;
    }

    function follows() {
      var typed = cents(total.value);
      return total.value.trim() === "" || (shown !== null && typed === shown);
    }

    function update() {
      var following = follows();
      var sum = linesSum();
      if (following) {
        total.value = sum === null ? "" : (sum / 100).toFixed(2);
      }
      shown = sum;
    }

    form.addEventListener("input", function (event) {
      if (event.target.matches("input[data-line-charge]")) {
        update();
      }
    });
    if (total.value.trim() === "" || cents(total.value) === linesSum()) {
      update();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
