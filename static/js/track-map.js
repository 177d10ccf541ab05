// The buyer's live map: the courier's marker moves with each position the socket brings.
(function () {
  "use strict";
  var el = document.getElementById("track-map");
  if (!el || typeof window.L === "undefined") return;
  var orderId = parseInt(el.dataset.order, 10);
  var note = document.getElementById("track-note");
  var FINAL = ["completed", "partially_refused", "refused", "cancelled"];
  var map = L.map(el, { zoomControl: true }).setView([39.9087, 116.3975], 12);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.attribution }).addTo(map);
  }
  var marker = null;
  var tracking = true;

  function show(position) {
    var latlng = [position.lat, position.lng];
    if (!marker) {
      marker = L.marker(latlng, { title: "骑手", alt: "骑手位置" }).addTo(map);
      map.setView(latlng, 16);
    } else {
      marker.setLatLng(latlng);
      map.panTo(latlng);
    }
    el.dataset.lat = String(position.lat);
    el.dataset.lng = String(position.lng);
    el.dataset.updates = String((parseInt(el.dataset.updates || "0", 10) || 0) + 1);
    if (note) {
      var at = position.at ? new Date(position.at) : new Date();
      note.textContent = "骑手位置 · " + at.toLocaleTimeString("zh-CN");
    }
  }

  function follow(status) {
    if (FINAL.indexOf(status) >= 0) {
      tracking = false;
      el.dataset.tracking = "0";
      if (note) note.textContent = "配送已结束，已停止显示位置";
    }
  }

  document.body.addEventListener("order:snapshot", function (e) {
    if (e.detail.id !== orderId) return;
    if (e.detail.position) show(e.detail.position);
    follow(e.detail.status);
  });
  document.body.addEventListener("delivery:position", function (e) {
    if (tracking && e.detail.order_id === orderId) show(e.detail);
  });
  document.body.addEventListener("order-" + orderId + ":updated", function (e) {
    follow(e.detail.status);
  });
})();
