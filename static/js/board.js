// The merchant's board: cards that refreshed themselves move to their status's column, and a new
// order rings (sound once the merchant has enabled it, vibration where the device allows, and a
// count in the tab title while the page is in the background).
(function () {
  "use strict";
  var body = document.body;

  function board() { return document.getElementById("order-board"); }

  function place() {
    var b = board();
    if (!b) return;
    var columns = Array.prototype.slice.call(b.querySelectorAll(".board-col"));
    b.querySelectorAll(".board-card").forEach(function (card) {
      var column = columns.find(function (c) {
        return c.dataset.statuses.split(" ").indexOf(card.dataset.status) >= 0;
      });
      if (column && card.parentElement !== column) {
        column.insertBefore(card, column.querySelector(".empty"));
      }
    });
    columns.forEach(function (c) {
      var count = c.querySelector(".count");
      if (count) count.textContent = String(c.querySelectorAll(".board-card").length);
    });
    if (fresh) {
      var card = document.getElementById("board-order-" + fresh);
      if (card) {
        card.classList.add("ringing");
        fresh = null;
        var head = card.querySelector("[data-announce]");  // for screen readers, with the chime
        body.dispatchEvent(new CustomEvent("app:announce", { detail: {
          text: window.i18n.t("ring.new_order") + " " + (head ? head.textContent : "") } }));
      }
    }
  }
  body.addEventListener("htmx:afterSettle", place);

  var fresh = null;
  var ring = window.Ring({toggle: "sound-toggle", tones: [880, 880], gap: 0.3,
                          vibrate: [200, 100, 200], counter: "rings", title: window.i18n.t("ring.new_order")});
  body.addEventListener("order:placed", function (e) {
    fresh = e.detail.id;
    ring();
  });
  place();
})();
