// The merchant's demand feed: a new demand nearby rings (sound once the merchant has enabled it,
// vibration where the device allows, a count in the tab title while the page is in the
// background) and its row is highlighted when the feed has re-fetched itself.
(function () {
  "use strict";
  var body = document.body;
  var fresh = [];

  body.addEventListener("htmx:afterSettle", function () {
    fresh = fresh.filter(function (id) {
      var row = document.getElementById("feed-demand-" + id);
      if (row) row.classList.add("ringing");
      return !row;
    });
  });

  var ring = window.Ring({toggle: "demand-sound", tones: [660, 990], gap: 0.18,
                          vibrate: [120, 80, 120], counter: "demandRings", title: window.i18n.t("ring.new_demand")});
  body.addEventListener("demand:posted", function (e) {
    if (!document.getElementById("demand-feed")) return;
    fresh.push(e.detail.id);
    ring();
  });
})();
