// The optional map pin of an address: tap the map, or use the phone's position, to set it.
// The pin is stored in WGS-84 (as GPS gives it); on GCJ-02 tiles (data-crs="gcj02") what is
// drawn is shifted, and a tap is shifted back before it is stored.
(function () {
  "use strict";
  var t = window.i18n.t;

  function setup(root) {
    var el = root.querySelector ? root.querySelector("#pin-map") : null;
    if (!el && root.id === "pin-map") el = root;
    if (!el || el.dataset.ready || typeof window.L === "undefined") return;
    el.dataset.ready = "1";
    var lat = document.getElementById("pin-lat");
    var lng = document.getElementById("pin-lng");
    var note = document.getElementById("pin-note");
    var locate = document.getElementById("pin-locate");
    var clear = document.getElementById("pin-clear");
    var map = L.map(el).setView([39.9087, 116.3975], 11);
    map.attributionControl.setPrefix(false);  // only whose map it is: no Leaflet flag badge
    if (el.dataset.tileUrl) {
      var options = { maxZoom: 19, attribution: el.dataset.attribution };
      if (el.dataset.subdomains) options.subdomains = el.dataset.subdomains;
      L.tileLayer(el.dataset.tileUrl, options).addTo(map);
    }
    var marker = null;
    var gcj = el.dataset.crs === "gcj02" && window.Gcj02;
    function shown(a, b) { return gcj ? window.Gcj02.toGcj02(a, b) : [a, b]; }
    function stored(a, b) { return gcj ? window.Gcj02.toWgs84(a, b) : [a, b]; }

    // a, b: WGS-84.
    function place(a, b, say) {
      var latlng = shown(a, b);
      if (!marker) marker = L.marker(latlng, { title: t("pin.title"), alt: t("pin.title") }).addTo(map);
      else marker.setLatLng(latlng);
      lat.value = a.toFixed(6);
      lng.value = b.toFixed(6);
      note.textContent = say || t("pin.marked");
      clear.hidden = false;
    }

    if (lat.value && lng.value && !isNaN(parseFloat(lat.value))) {
      place(parseFloat(lat.value), parseFloat(lng.value));
      map.setView(shown(parseFloat(lat.value), parseFloat(lng.value)), 16);
    }
    map.on("click", function (e) {
      var w = stored(e.latlng.lat, e.latlng.lng);
      place(w[0], w[1]);
    });
    clear.addEventListener("click", function () {
      if (marker) { map.removeLayer(marker); marker = null; }
      lat.value = lng.value = "";
      note.textContent = t("pin.unmarked");
      clear.hidden = true;
    });
    if (navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        note.textContent = t("pin.locating");
        navigator.geolocation.getCurrentPosition(function (p) {
          place(p.coords.latitude, p.coords.longitude, t("pin.current"));
          map.setView(shown(p.coords.latitude, p.coords.longitude), 16);
        }, function () { note.textContent = t("pin.failed"); },
        { enableHighAccuracy: true, timeout: 10000 });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:load", function (e) { setup(e.target); });
})();
