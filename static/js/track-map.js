// The buyer's live map: the courier's marker, the trail and the destination, with the ETA from
// the server's numbers (worded here, the one place, in the page's language). Positions are
// stored in WGS-84; tiles in GCJ-02 (data-crs="gcj02", Chinese providers) get every point
// shifted for display. The map works without tiles.
(function () {
  "use strict";
  var t = window.i18n.t;
  var etaLine = document.getElementById("track-eta");
  var arriving = document.getElementById("track-arriving");

  // The ETA line in this page's language, from the numbers: the one place it is worded.
  function etaText(eta) {
    var d = eta.distance_m;
    if (eta.arriving) return t("eta.arriving", { m: Math.max(50, Math.round(d / 50) * 50) });
    var minutes = Math.max(1, Math.ceil(eta.seconds / 60));
    // Beyond a quarter of an hour, to the nearest 5 minutes: nobody plans by the minute there,
    // and the number does not tick with every fix.
    if (minutes > 15) minutes = Math.round(minutes / 5) * 5;
    return d >= 1000 ? t("eta.km", { minutes: minutes, km: (d / 1000).toFixed(1) })
                     : t("eta.m", { minutes: minutes, m: Math.round(d / 10) * 10 });
  }

  // The numbers the page was rendered with, worded at once: before any socket, and even if the
  // map library did not load.
  if (etaLine && etaLine.dataset.distanceM) {
    var first = { distance_m: parseFloat(etaLine.dataset.distanceM),
                  seconds: parseFloat(etaLine.dataset.seconds), arriving: etaLine.dataset.arriving === "1" };
    etaLine.textContent = etaText(first);
    if (arriving) arriving.hidden = !first.arriving;
  }

  var toGcj02 = window.Gcj02.toGcj02;

  var el = document.getElementById("track-map");
  var card = el && el.closest(".map-card");
  var map = null;

  // At the door the panel brings the inspection and signature first (.sign-first): the map goes
  // below the panel then, and back above it otherwise; the page is rendered that way too.
  function placeCard() {
    var layout = card && card.parentNode, panel = layout && layout.querySelector(".order-panel");
    if (!panel) return;
    var first = !!panel.querySelector(".sign-first");
    var above = !!(card.compareDocumentPosition(panel) & Node.DOCUMENT_POSITION_FOLLOWING);
    if (first === above) {
      if (first) panel.after(card); else panel.before(card);
      if (map) map.invalidateSize();
    }
  }
  if (card && window.MutationObserver) {
    new MutationObserver(placeCard).observe(card.parentNode, { childList: true });
  }

  if (!el || typeof window.L === "undefined" || !window.mapTiles) return;
  var orderId = parseInt(el.dataset.order, 10);
  var note = document.getElementById("track-note");
  var UNDER_WAY = (el.dataset.underWay || "").split(" ");  // the state machine's, from the page
  var gcj = el.dataset.crs === "gcj02";
  function shown(lat, lng) { return gcj ? toGcj02(lat, lng) : [lat, lng]; }

  var dest = el.dataset.destLat ? [parseFloat(el.dataset.destLat), parseFloat(el.dataset.destLng)] : null;
  var trail = null;
  // A position older than this is shown stale (greyed, "updated N minutes ago"): the server's
  // POSITION_STALE_SECONDS. Ages come from the server's clock (age_s), counted on here.
  var STALE_MS = (parseFloat(el.dataset.staleSeconds) || 60) * 1000;
  var takenAt = null, noteText = "";  // this browser's time the shown position was taken
  var points = [];  // {lat, lng, at, late}, oldest first
  var marker = null, halo = null;
  var tracking = false;
  var early = null;  // the latest position come before the news that the delivery is under way

  // The map is made when the delivery is first under way (a card shown only then: no empty
  // map above a placed order), and put away when it ends.
  function makeMap() {
    map = L.map(el, { zoomControl: true, attributionControl: !!el.dataset.tileUrl });
    map.setView(dest ? shown(dest[0], dest[1]) : [39.9087, 116.3975], dest ? 15 : 12);
    // Tiles are decoration: without a URL, or when they fail to load, the map stays usable on
    // a plain grid with the marker, trail and destination drawn as vectors.
    var tiles = window.mapTiles(map, el);
    if (tiles) {
      var loaded = 0, failed = 0;
      tiles.on("tileload", function () { loaded += 1; el.classList.remove("no-tiles"); });
      tiles.on("tileerror", function () {
        failed += 1;
        if (!loaded && failed >= 2) el.classList.add("no-tiles");
      });
    } else {
      el.classList.add("no-tiles");
    }
    if (dest) {
      L.circleMarker(shown(dest[0], dest[1]), { radius: 9, color: "#fff", weight: 3, fillColor: "#dc2626",
                                               fillOpacity: 1, className: "dest-marker" })
        .bindTooltip(t("track.destination")).addTo(map);
    }
    trail = L.polyline([], { color: "#0f766e", weight: 4, opacity: 0.8 }).addTo(map);
  }

  function redraw() {
    points.sort(function (a, b) { return (a.at || "") < (b.at || "") ? -1 : (a.at || "") > (b.at || "") ? 1 : 0; });
    if (points.length > 1000) points = points.slice(points.length - 1000);
    trail.setLatLngs(points.map(function (p) { return shown(p.lat, p.lng); }));
    el.dataset.trail = String(points.length);
  }

  function show(position) {
    var latlng = shown(position.lat, position.lng);
    if (!marker) {
      // A drawn dot, as in the legend: no marker images to fetch (and none too coarse for the
      // phone's pixel ratio).
      marker = L.marker(latlng, { title: t("track.courier"), alt: t("track.courier_alt"),
                                  icon: L.divIcon({ className: "courier-marker", iconSize: [22, 22] }) }).addTo(map);
      if (dest) map.fitBounds([latlng, shown(dest[0], dest[1])], { padding: [40, 40], maxZoom: 16 });
      else map.setView(latlng, 16);
    } else {
      marker.setLatLng(latlng);
      if (!map.getBounds().pad(-0.15).contains(latlng)) map.panTo(latlng);
    }
    if (position.accuracy) {
      if (!halo) halo = L.circle(latlng, { radius: position.accuracy, weight: 1, color: "#2563eb", fillOpacity: 0.1, interactive: false }).addTo(map);
      else halo.setLatLng(latlng).setRadius(position.accuracy);
    }
    el.dataset.lat = String(position.lat);
    el.dataset.lng = String(position.lng);
    el.dataset.at = position.at || "";
    el.dataset.updates = String((parseInt(el.dataset.updates || "0", 10) || 0) + 1);
    if (note) {
      var at = position.at ? new Date(position.at) : new Date();
      noteText = t("track.position_at", { time: at.toLocaleTimeString(window.i18n.lang, { hour12: false }) });
    }
    takenAt = Date.now() - (position.age_s || 0) * 1000;
    freshness();
  }

  // Stale or not, as time passes: the marker greyed and the note saying how long ago.
  function freshness() {
    if (takenAt === null) return;
    var age = Date.now() - takenAt, stale = age > STALE_MS;
    el.dataset.stale = stale ? "1" : "0";
    var icon = marker && marker.getElement();
    if (icon) icon.classList.toggle("stale", stale);
    if (halo) halo.setStyle({ color: stale ? "#6b7280" : "#2563eb" });
    if (!note) return;
    same(note, stale ? t("track.stale", { n: Math.max(1, Math.floor(age / 60000)) }) : noteText);
    if (stale) note.dataset.stale = "1"; else delete note.dataset.stale;
  }
  setInterval(freshness, 5000);

  // The page comes with the note and ETA already written: rewriting the same words would
  // repaint them late (a later Largest Contentful Paint) and re-announce the live region.
  function same(node, text) { if (node.textContent !== text) node.textContent = text; }

  function forget() {
    if (marker) { map.removeLayer(marker); marker = null; }
    if (halo) { map.removeLayer(halo); halo = null; }
    delete el.dataset.lat;
    delete el.dataset.lng;
    delete el.dataset.stale;
    takenAt = null;
  }

  function showEta(eta) {
    if (etaLine) same(etaLine, eta ? etaText(eta) : dest ? "" : t("track.no_pin"));
    if (arriving) arriving.hidden = !(eta && eta.arriving);
    el.dataset.arriving = eta && eta.arriving ? "1" : "0";
  }

  function follow(status) {
    var now = UNDER_WAY.indexOf(status) >= 0;
    el.dataset.status = status;
    if (now === tracking) return;
    tracking = now;
    el.dataset.tracking = now ? "1" : "0";
    if (now) {
      if (card) card.hidden = false;
      if (!map) makeMap(); else map.invalidateSize();
      if (early) { moved(early); early = null; }
      return;
    }
    early = null;
    // Delivered, refused, failed or reassigned: no half-drawn trail stays on the page.
    if (map) {
      forget();
      points = [];
      redraw();
    }
    showEta(null);
    if (etaLine) etaLine.textContent = "";
    if (card) card.hidden = true;
  }

  // After a (re)connect, a wake from sleep or a poll: the server's state replaces what is shown,
  // so a marker from before the gap never stays up as if it were current. Watched again on the
  // same connection, the server sends no trail nor ETA (this page heard them all along): the
  // page keeps its own and takes the status and the position.
  document.body.addEventListener("order:snapshot", function (e) {
    var s = e.detail;
    if (s.id !== orderId) return;
    el.dataset.synced = String((parseInt(el.dataset.synced || "0", 10) || 0) + 1);
    follow(s.status);
    early = null;  // the server's state replaces it too
    if (!s.tracking) return;
    if (s.trail) points = s.trail.slice();
    redraw();
    if (s.position) show(s.position); else forget();
    if ("eta" in s) showEta(s.eta);
  });
  function moved(p) {
    points.push({ lat: p.lat, lng: p.lng, at: p.at, late: false });
    redraw();
    show(p);
    showEta(p.eta);
  }
  // A position may come before the status that says the courier set off: kept (the latest
  // one) until the map is shown, rather than dropped until the next snapshot.
  document.body.addEventListener("delivery:position", function (e) {
    var p = e.detail;
    if (p.order_id !== orderId || p.late) return;
    if (tracking) moved(p); else early = p;
  });
  // Fixes the courier's phone queued offline: they fill the gap in the trail, never the marker.
  document.body.addEventListener("delivery:late", function (e) {
    var d = e.detail;
    if (!tracking || d.order_id !== orderId) return;
    d.points.forEach(function (p) { points.push({ lat: p.lat, lng: p.lng, at: p.at, late: true }); });
    redraw();
    el.dataset.late = String((parseInt(el.dataset.late || "0", 10) || 0) + d.points.length);
  });
  document.body.addEventListener("order-" + orderId + ":updated", function (e) {
    if (e.detail && e.detail.status) follow(e.detail.status);
  });
  follow(el.dataset.status);
})();
