// Catching up without the socket. When Socket.IO cannot connect (a proxy that blocks it, a
// server restarting) the page polls its order's state over HTTP; when it wakes from sleep it
// asks at once. Regions that show an older status (or payment) re-fetch themselves, as with live
// events.
(function () {
  "use strict";
  var body = document.body;
  var watched = Array.prototype.slice.call(document.querySelectorAll("[data-watch-order][data-live-url]"));
  if (!watched.length) return;
  var seconds = parseInt(watched[0].dataset.pollSeconds, 10) || 10;
  var GRACE = 5000;  // ms the socket gets to (re)connect before the page polls
  var timer = null, hiddenAt = null;

  function connected() { return !!(window.appSocket && window.appSocket.connected); }

  function apply(state) {
    body.dispatchEvent(new CustomEvent("order:snapshot", { detail: state, bubbles: true }));
    document.querySelectorAll('[data-live="order-' + state.id + '"]').forEach(function (el) {
      if (window.appStale ? window.appStale(el, state) : el.dataset.status !== state.status) {
        el.dispatchEvent(new CustomEvent("order-" + state.id + ":updated", { detail: state }));
      }
    });
  }

  function refresh() {
    watched.forEach(function (el) {
      if (connected()) {
        window.appSocket.emit("order:watch", { order_id: parseInt(el.dataset.watchOrder, 10) },
                              function (ack) { if (ack && ack.ok) apply(ack); });
        return;
      }
      fetch(el.dataset.liveUrl, { credentials: "same-origin", cache: "no-store",
                                  headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (state) { if (state && state.ok) apply(state); })
        .catch(function () {});
    });
  }

  function tick() {
    if (connected()) { stop(); return; }
    body.dataset.polling = "1";
    refresh();
  }
  function poll() { if (!timer) { timer = setInterval(tick, seconds * 1000); tick(); } }
  function stop() { if (timer) clearInterval(timer); timer = null; delete body.dataset.polling; }
  function soon() { setTimeout(function () { if (!connected()) poll(); }, GRACE); }

  soon();
  if (window.appSocket) {
    window.appSocket.on("connect", stop);
    window.appSocket.on("disconnect", soon);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { hiddenAt = Date.now(); return; }
    if (hiddenAt && Date.now() - hiddenAt > 10000) refresh();
    hiddenAt = null;
  });
  window.addEventListener("pageshow", function (e) { if (e.persisted) refresh(); });
  window.addEventListener("online", refresh);
})();
