// The courier's phone: while the delivery is under way, stream the browser's position over the
// socket (at most one fix a second, and only after a real move), keep the screen on, show the
// connection, and queue the fixes taken offline to send on reconnect as late (trail only: the
// buyer's marker always shows the newest live fix).
(function () {
  "use strict";
  var t = window.i18n.t;
  // ms between fixes sent: the server refuses more than one a second, measured on arrival,
  // so leave a little room for the network's jitter.
  var MIN_INTERVAL = 1100;
  var MIN_MOVE = 5;         // metres; less is GPS noise, not a move
  var FRESH = 15000;        // ms; a queued fix younger than this is still the current position
  var MAX_QUEUE = 3600, BATCH = 100, MAX_AGE = 6 * 3600 * 1000;
  var watchId = null, poll = null, pending = null, wakeLock = null;
  var lastSentAt = 0, lastSent = null, latest = null, queue = [], flushing = false;
  var tracking = false;

  function byId(id) { return document.getElementById(id); }
  function panel() { return document.querySelector(".delivery-panel"); }
  function orderId() { var p = panel(); return p ? parseInt(p.dataset.order, 10) : null; }
  function say(id, text) { var el = byId(id); if (el) el.textContent = text; }
  function num(v) { return typeof v === "number" && isFinite(v) ? v : null; }
  function socket() { return window.appSocket || null; }
  function online() { var s = socket(); return !!(s && s.connected) && navigator.onLine !== false; }
  function clock() { return new Date().toLocaleTimeString(window.i18n.lang, { hour12: false }); }

  function metres(a, b) {
    var r = Math.PI / 180, dLat = (b.lat - a.lat) * r, dLng = (b.lng - a.lng) * r;
    var h = Math.pow(Math.sin(dLat / 2), 2) +
            Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.pow(Math.sin(dLng / 2), 2);
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function showConn() {
    var el = byId("conn-state");
    if (!el) return;
    var state = online() ? "online" : navigator.onLine === false ? "offline" : "connecting";
    var n = queue.length;
    el.dataset.state = state;
    el.dataset.queued = String(n);
    el.textContent = state === "online"
      ? (n ? t("courier.connected_resending", { n: n }) : t("courier.connected"))
      : state === "offline" ? t("courier.offline", { n: n })
      : t("courier.connecting", { n: n });
  }

  // The distance line above 已送达 (delivery/_arrive.html, where there is a pin): from the newest
  // position the server took (as the server measures it), stale once older than it allows, and
  // "no position yet" before any. Only words: the server decides whether 已送达 needs a reason.
  var taken = null, arriveBox = null;
  function showArrival() {
    var box = document.querySelector(".arrive[data-pin-lat]");
    if (!box) { arriveBox = null; return; }
    var line = box.querySelector(".arrive-check"), d = box.dataset;
    var pin = { lat: parseFloat(d.pinLat), lng: parseFloat(d.pinLng) };
    if (box !== arriveBox) {  // freshly drawn by the server: its check is the newest word
      arriveBox = box;
      taken = d.distance === undefined ? null
        : { distance: parseInt(d.distance, 10), at: Date.now() - 1000 * parseInt(d.age, 10) };
    }
    var radius = parseInt(d.radius, 10), check, text;
    var distance = taken && (taken.fix ? Math.round(metres(taken.fix, pin)) : taken.distance);
    var age = taken ? Date.now() - taken.at : 0;
    if (!taken) {
      check = "no_position";
      text = t("arrive.no_position");
    } else if (age > 1000 * parseInt(d.stale, 10)) {
      check = "stale";
      text = t("arrive.stale", { n: Math.max(1, Math.floor(age / 60000)) });
    } else {
      check = distance <= radius ? "near" : "far";
      text = t("arrive." + check, { distance: distance, radius: radius });
    }
    if (line.textContent !== text) line.textContent = text;
    line.className = "arrive-check check-" + check;
    if (d.shown && d.shown !== check) {
      document.body.dispatchEvent(new CustomEvent("app:announce", { detail: { text: text } }));
    }
    d.shown = check;
  }

  function fixOf(position) {
    var c = position.coords;
    return { lat: c.latitude, lng: c.longitude, accuracy: num(c.accuracy),
             speed: num(c.speed) !== null && c.speed >= 0 ? c.speed : null,
             heading: num(c.heading), t: Date.now() };
  }

  function enqueue(fix) {
    if (queue.indexOf(fix) < 0) queue.push(fix);
    while (queue.length > MAX_QUEUE) queue.shift();
    showConn();
  }

  function sendLive(fix) {
    var id = orderId();
    if (!id) return;
    lastSentAt = Date.now();
    lastSent = fix;
    socket().timeout(5000).emit("delivery:position", {
      order_id: id, lat: fix.lat, lng: fix.lng, accuracy: fix.accuracy, speed: fix.speed,
      heading: fix.heading,
    }, function (err, ack) {
      // No answer, or the server could not store it (its database away): it goes again, as late.
      if (err || (ack && (ack.error === "unavailable" || ack.error === "server_error"))) {
        enqueue(fix);
        showConn();
        return;
      }
      if (ack && ack.ok) {
        say("gps-state", t("courier.shared", { time: clock() }));
        taken = { fix: fix, at: Date.now() };
        showArrival();
      } else if (ack && ack.error === "too_fast") {
        // Arrived a little early: try the newest fix again shortly rather than lose the move.
        if (lastSent === fix) lastSent = null;
        if (!pending) pending = setTimeout(consider, 300);
      } else if (ack && ack.error === "not_tracking") {
        queue = [];
        stop();
        say("gps-state", t("courier.ended"));
      } else if (ack) {
        var why = !ack ? t("courier.no_answer")
          : window.i18n.has("position." + ack.error) ? t("position." + ack.error) : ack.message || ack.error;
        say("gps-state", t("courier.refused", { reason: why }));
      }
      showConn();
    });
  }

  function consider() {
    pending = null;
    var fix = latest;
    if (!fix || !tracking) return;
    if (lastSent && metres(lastSent, fix) < MIN_MOVE) return;  // standing still
    if (!online()) {
      lastSent = fix;
      lastSentAt = Date.now();
      enqueue(fix);
      say("gps-state", t("courier.offline_fix", { time: clock() }));
      return;
    }
    sendLive(fix);
  }

  function onPosition(position) {
    latest = fixOf(position);
    var wait = MIN_INTERVAL - (Date.now() - lastSentAt);
    if (wait <= 0) consider();
    else if (!pending) pending = setTimeout(consider, wait);
  }

  function onError(error) {
    say("gps-state", error.code === 1 ? t("courier.denied")
                                      : t("courier.retrying"));
  }

  // Back online: the newest fix, if fresh, goes live (the buyer's marker); the rest as late.
  function flush() {
    showConn();
    if (!online() || !tracking || flushing) return;
    if (latest && queue.length && Date.now() - latest.t < FRESH) {
      var i = queue.indexOf(latest);
      if (i >= 0) queue.splice(i, 1);
      sendLive(latest);
    }
    sendBatch();
  }

  function sendBatch() {
    var now = Date.now();
    queue = queue.filter(function (f) { return now - f.t < MAX_AGE; });
    if (!queue.length || !online()) { showConn(); return; }
    flushing = true;
    var batch = queue.slice(0, BATCH);
    socket().timeout(10000).emit("delivery:positions", {
      order_id: orderId(),
      fixes: batch.map(function (f) {
        return { lat: f.lat, lng: f.lng, accuracy: f.accuracy, speed: f.speed,
                 heading: f.heading, age: Math.max(0, (now - f.t) / 1000) };
      }),
    }, function (err, ack) {
      flushing = false;
      if (err) { showConn(); return; }  // kept; tried again on the next reconnect
      if (ack && ack.error === "not_tracking") { queue = []; stop(); showConn(); return; }
      // Too many messages at once (the server's per-connection limit): kept, sent again shortly.
      if (ack && ack.error === "rate_limited") { setTimeout(sendBatch, 2000); return; }
      // Not stored (the server's database away, or a failure there): kept, tried again later.
      if (ack && (ack.error === "unavailable" || ack.error === "server_error")) {
        setTimeout(sendBatch, ack.error === "unavailable" ? 5000 : 60000);
        return;
      }
      // Stored, skipped as duplicates, or refused as malformed: never resend the same batch.
      queue.splice(0, batch.length);
      var p = panel();
      if (p && ack && ack.ok) {
        p.dataset.lateSent = String((parseInt(p.dataset.lateSent || "0", 10) || 0) + ack.stored);
        say("gps-state", t("courier.resent", { n: ack.stored, time: clock() }));
      }
      showConn();
      if (queue.length) sendBatch();
    });
  }

  function keepAwake() {
    if (!("wakeLock" in navigator)) {
      say("wake-state", t("wake.unsupported"));
      return;
    }
    if (wakeLock || document.visibilityState !== "visible") return;
    navigator.wakeLock.request("screen").then(function (lock) {
      wakeLock = lock;
      say("wake-state", t("wake.on"));
      lock.addEventListener("release", function () { wakeLock = null; });
    }).catch(function () {
      say("wake-state", t("wake.failed"));
    });
  }

  function start() {
    tracking = true;
    keepAwake();
    showConn();
    if (watchId !== null) return;
    if (!navigator.geolocation) { say("gps-state", t("courier.no_geolocation")); return; }
    var opts = { enableHighAccuracy: true, maximumAge: 0, timeout: 15000 };
    watchId = navigator.geolocation.watchPosition(onPosition, onError, opts);
    // Some phones go quiet while standing still; ask now and then so the buyer's map stays fresh.
    poll = setInterval(function () {
      navigator.geolocation.getCurrentPosition(onPosition, onError, opts);
    }, 5000);
  }

  function stop() {
    tracking = false;
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    if (poll) clearInterval(poll);
    if (pending) clearTimeout(pending);
    watchId = poll = pending = null;
    if (wakeLock) wakeLock.release().catch(function () {});
    wakeLock = null;
  }

  function sync() {
    var p = panel();
    if (p && p.dataset.tracking === "1") start(); else stop();
    showConn();
  }

  var s = socket();
  if (s) {
    s.on("connect", flush);
    s.on("disconnect", showConn);
  }
  window.addEventListener("online", flush);
  window.addEventListener("offline", showConn);
  document.addEventListener("visibilitychange", function () {
    if (tracking && document.visibilityState === "visible") { keepAwake(); flush(); }
  });
  document.body.addEventListener("htmx:afterSwap", sync);
  document.body.addEventListener("htmx:afterSwap", showArrival);
  setInterval(showArrival, 5000);  // a position growing old turns the line to "stale"
  sync();
  showArrival();
})();
