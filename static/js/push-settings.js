// The settings page's Web Push button: subscribe this browser with the app's VAPID key and
// send the subscription to the server (or unsubscribe). Browsers that cannot (Chrome on Android
// in mainland China cannot reach its push service) say so; in-app and SMS still work.
(function () {
  "use strict";
  var box = document.getElementById("push-device");
  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");
  var state = document.getElementById("push-state");
  if (!box || !on || !off) return;
  var i18n = window.i18n;
  var token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  function say(key) { state.textContent = i18n ? i18n.t(key) : key; }
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) { say("push.unsupported"); return; }

  function key() {
    var text = box.dataset.vapidKey.replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(text + "===".slice((text.length + 3) % 4));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  function post(url, data) {
    return fetch(url, { method: "POST", credentials: "same-origin",
                        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
                        body: JSON.stringify(data) });
  }
  function showButtons(subscribed) { on.hidden = subscribed; off.hidden = !subscribed; }

  navigator.serviceWorker.ready.then(function (registration) {
    return registration.pushManager.getSubscription().then(function (existing) {
      showButtons(!!existing);
      on.addEventListener("click", function () {
        Notification.requestPermission().then(function (permission) {
          if (permission !== "granted") { say("push.denied"); return null; }
          return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key() })
            .then(function (subscription) { return post(box.dataset.subscribe, subscription.toJSON()); })
            .then(function (r) { say(r.ok ? "push.on" : "push.failed"); showButtons(r.ok); });
        }).catch(function () { say("push.failed"); });
      });
      off.addEventListener("click", function () {
        registration.pushManager.getSubscription().then(function (subscription) {
          if (!subscription) return null;
          return post(box.dataset.unsubscribe, { endpoint: subscription.endpoint })
            .then(function () { return subscription.unsubscribe(); });
        }).then(function () { say("push.off"); showButtons(false); }).catch(function () { say("push.failed"); });
      });
    });
  }).catch(function () { say("push.unsupported"); });
})();
