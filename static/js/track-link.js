// The page a shared tracking link opens (webapp/handover): no login, so it opens a socket of its
// own with the link's token, watches the order read-only ("track:watch") and passes what it
// hears to track-map.js as the buyer's page does (order:snapshot, delivery:position,
// delivery:late). A new status reloads the page, which the server draws as the link may show
// it (delivered: the outcome only). Without a socket it polls the link's JSON state.
(function () {
  "use strict";
  var box = document.querySelector("[data-track-token]");
  if (!box) return;
  var body = document.body;
  var token = box.dataset.trackToken;
  var shown = box.dataset.trackStatus;

  function fire(name, detail) {
    body.dispatchEvent(new CustomEvent(name, { detail: detail || {}, bubbles: true }));
  }
  function apply(state) {
    if (!state || !state.ok) return;
    if (state.status !== shown) { window.location.reload(); return; }
    fire("order:snapshot", state);
  }

  var timer = null;
  function poll() {
    fetch(box.dataset.liveUrl, { cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(apply)
      .catch(function () {});
  }
  function startPolling() {
    if (timer) return;
    var seconds = parseInt(box.dataset.pollSeconds, 10) || 10;
    timer = setInterval(poll, seconds * 1000);
    body.dataset.polling = "1";
  }
  function stopPolling() {
    if (timer) clearInterval(timer);
    timer = null;
    delete body.dataset.polling;
  }

  if (typeof window.io !== "function") { startPolling(); return; }
  var socket = window.io({ auth: { track: token }, forceNew: true });
  socket.on("connect", function () {
    stopPolling();
    body.dataset.trackSocket = "connected";
    socket.emit("track:watch", { token: token }, function (ack) {
      if (ack && ack.ok) { apply(ack); return; }
      window.location.reload();  // expired or over: the page says so
    });
  });
  socket.on("disconnect", function () { body.dataset.trackSocket = "disconnected"; });
  socket.on("connect_error", function () { if (!socket.active) startPolling(); });
  ["delivery:position", "delivery:late"].forEach(function (name) {
    socket.on(name, function (data) { fire(name, data); });
  });
  socket.on("track:updated", function (data) {
    if (data && data.status && data.status !== shown) window.location.reload();
  });
  setTimeout(function () { if (!socket.connected) startPolling(); }, 5000);
})();
