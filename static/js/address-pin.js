// The optional map pin of an address: tap the map, or use the phone's position, to set it.
// The pin is stored in WGS-84 (as GPS gives it); on GCJ-02 tiles (data-crs="gcj02") what is
// drawn is shifted, and a tap is shifted back before it is stored.
// A pin also tells the province, city and district it falls in (data-locate-url, worked out
// offline on the server): they fill the selects while the district is still empty, or when the
// user presses "fill from the pin" (#pin-fill), which is offered when the selects say otherwise.
(function () {
  "use strict";
  var t = window.i18n.t;

  function setup(root) {
    var el = root.querySelector ? root.querySelector("#pin-map") : null;
    if (!el && root.id === "pin-map") el = root;
    if (!el || el.dataset.ready || typeof window.L === "undefined" || !window.mapTiles) return;
    el.dataset.ready = "1";
    var lat = document.getElementById("pin-lat");
    var lng = document.getElementById("pin-lng");
    var note = document.getElementById("pin-note");
    var locate = document.getElementById("pin-locate");
    var clear = document.getElementById("pin-clear");
    var fillButton = document.getElementById("pin-fill");
    var form = el.closest("form");
    var found = null;  // the last pin's region: {province, city, district, label, cities, districts}
    var asked = 0;

    function refill(select, pairs) {
      var first = select.options[0] ? select.options[0].textContent : "";
      select.textContent = "";
      select.appendChild(new Option(first, ""));
      pairs.forEach(function (pair) { select.appendChild(new Option(pair[1], pair[0])); });
    }
    function fill() {
      var f = form && form.elements;
      if (!found || !f || !f.province || !f.city || !f.district) return;
      f.province.value = found.province;
      refill(f.city, found.cities);
      f.city.value = found.city;
      refill(f.district, found.districts);
      f.district.value = found.district;
      fillButton.hidden = true;
      note.textContent = t("pin.filled", { region: found.label });
    }
    // a, b: WGS-84. Ask which region the pin is in; fill the selects if the district is empty.
    function lookUp(a, b) {
      var url = el.dataset.locateUrl;
      if (!url || !window.fetch) return;
      var mine = ++asked;
      found = null;
      fillButton.hidden = true;
      fetch(url + "?lat=" + a.toFixed(6) + "&lng=" + b.toFixed(6), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          if (mine !== asked || !lat.value) return;
          if (!answer.ok) { note.textContent = note.textContent + " · " + answer.body.message; return; }
          found = answer.body;
          var district = form && form.elements.district;
          if (district && !district.value) { fill(); return; }
          if (district && district.value === found.district) return;
          note.textContent = t("pin.found", { region: found.label });
          fillButton.hidden = false;
        })
        .catch(function () { /* offline: the selects stay as they are */ });
    }
    fillButton.addEventListener("click", fill);
    var map = L.map(el).setView([39.9087, 116.3975], 11);
    window.mapTiles(map, el);
    var marker = null;
    var gcj = el.dataset.crs === "gcj02" && window.Gcj02;
    function shown(a, b) { return gcj ? window.Gcj02.toGcj02(a, b) : [a, b]; }
    function stored(a, b) { return gcj ? window.Gcj02.toWgs84(a, b) : [a, b]; }

    // a, b: WGS-84.
    function place(a, b, say, quiet) {
      var latlng = shown(a, b);
      if (!marker) marker = L.marker(latlng, { title: t("pin.title"), alt: t("pin.title") }).addTo(map);
      else marker.setLatLng(latlng);
      lat.value = a.toFixed(6);
      lng.value = b.toFixed(6);
      note.textContent = say || t("pin.marked");
      clear.hidden = false;
      if (!quiet) lookUp(a, b);
    }

    if (lat.value && lng.value && !isNaN(parseFloat(lat.value))) {
      place(parseFloat(lat.value), parseFloat(lng.value), null, true);
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
      fillButton.hidden = true;
      found = null;
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
