// The courier's phone: while the delivery is under way, send the browser's position over the
// socket, at most about once a second, always the newest one.
(function () {
  "use strict";
  var MIN_INTERVAL = 1100;
  var watchId = null, poll = null, pending = null, lastSent = 0, latest = null;

  function panel() { return document.querySelector(".delivery-panel"); }
  function say(text) {
    var el = document.getElementById("gps-state");
    if (el) el.textContent = text;
  }
  function num(v) { return typeof v === "number" && isFinite(v) ? v : null; }

  function send() {
    pending = null;
    var p = panel();
    var socket = window.appSocket;
    if (!latest || !p || !socket) return;
    lastSent = Date.now();
    var c = latest.coords;
    socket.emit("delivery:position", {
      order_id: parseInt(p.dataset.order, 10),
      lat: c.latitude, lng: c.longitude, accuracy: num(c.accuracy),
      speed: num(c.speed) !== null && c.speed >= 0 ? c.speed : null,
      heading: num(c.heading),
    }, function (ack) {
      if (ack && ack.ok) {
        say("位置已共享 · " + new Date().toLocaleTimeString("zh-CN"));
      } else if (ack && ack.error === "not_tracking") {
        stop();
        say("配送已结束，已停止共享位置");
      } else if (ack && ack.error !== "too_fast") {
        say("位置未被接受（" + (ack ? ack.error : "无响应") + "）");
      }
    });
  }

  function onPosition(position) {
    latest = position;
    var wait = MIN_INTERVAL - (Date.now() - lastSent);
    if (wait <= 0) send();
    else if (!pending) pending = setTimeout(send, wait);
  }

  function onError(error) {
    say(error.code === 1 ? "请在浏览器设置中允许定位，买家才能看到你的位置"
                         : "暂时无法获取定位，正在重试…");
  }

  function start() {
    if (watchId !== null || !navigator.geolocation) return;
    var opts = { enableHighAccuracy: true, maximumAge: 0, timeout: 15000 };
    watchId = navigator.geolocation.watchPosition(onPosition, onError, opts);
    // Some phones go quiet while standing still; ask now and then so the buyer's map stays fresh.
    poll = setInterval(function () {
      navigator.geolocation.getCurrentPosition(onPosition, onError, opts);
    }, 5000);
  }

  function stop() {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    if (poll) clearInterval(poll);
    if (pending) clearTimeout(pending);
    watchId = poll = pending = null;
  }

  function sync() {
    var p = panel();
    if (p && p.dataset.tracking === "1") start(); else stop();
  }

  document.body.addEventListener("htmx:afterSwap", sync);
  sync();
})();
