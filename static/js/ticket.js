// The ticket page's Print button: the browser's print dialog, laid out by ticket.css for the
// chosen paper width (no inline script under the CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) window.print();
  });
})();
