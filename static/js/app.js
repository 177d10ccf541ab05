// The app shell: service worker, and the one Socket.IO connection whose events become DOM events
// (htmx regions re-fetch their own fragment on them; only the map reads positions directly).
(function () {
  "use strict";
  var body = document.body;

  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: "/" }).catch(function () {});
  }
  if (body.dataset.loggedOut) {
    // Nothing of the last user stays on a shared phone.
    if (window.caches) {
      caches.keys().then(function (keys) { keys.forEach(function (k) { caches.delete(k); }); });
    }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "logout" });
    }
  }

  function fire(name, detail) {
    body.dispatchEvent(new CustomEvent(name, { detail: detail || {}, bubbles: true }));
  }

  var live = document.getElementById("live-status");
  function setLive(text) {
    if (!live) return;
    live.textContent = text;
    live.hidden = !text;
  }

  if (!body.dataset.user || typeof window.io !== "function") return;

  var socket = window.io();
  window.appSocket = socket;

  // "order:updated" {id: 7, status} goes to <body> as it is, and as "order-7:updated" to every
  // region marked data-live="order-7" that does not already show that status (so a region the
  // user is working in is not re-fetched for the change they just made themselves).
  function relay(event, data) {
    fire(event, data);
    if (!data || data.id === undefined || event.indexOf(":") < 0) return;
    var parts = event.split(":");
    var name = parts[0] + "-" + data.id + ":" + parts[1];
    document.querySelectorAll('[data-live="' + parts[0] + "-" + data.id + '"]').forEach(function (el) {
      if (!data.status || el.dataset.status !== data.status) {
        el.dispatchEvent(new CustomEvent(name, { detail: data, bubbles: false }));
      }
    });
    fire(name, data);
  }
  socket.onAny(relay);

  function watchAll(reconnected) {
    document.querySelectorAll("[data-watch-order]").forEach(function (el) {
      var id = parseInt(el.dataset.watchOrder, 10);
      socket.emit("order:watch", { order_id: id }, function (ack) {
        if (!ack || !ack.ok) return;
        fire("order:snapshot", ack);
        // After a dropped connection the page may have missed changes: bring its regions up to date.
        if (reconnected) relay("order:updated", ack);
      });
    });
    if (reconnected) fire("app:resync", {});
  }

  // Merchants hear new demands of their district (and categories) on every page: the server
  // joins the rooms if the shop may quote; the feed page may ask for every category.
  function watchDemands() {
    if (body.dataset.role !== "merchant") return;
    var feed = document.querySelector("[data-demand-watch]");
    socket.emit("demands:watch", { scope: feed ? feed.dataset.demandWatch : "mine" }, function (ack) {
      body.dataset.demands = ack && ack.ok ? "watching" : "refused";
    });
  }

  var connectedBefore = false;
  socket.on("connect", function () {
    watchDemands();
    watchAll(connectedBefore);
    connectedBefore = true;
    body.dataset.socket = "connected";
    setLive("");
  });
  socket.on("disconnect", function () {
    body.dataset.socket = "disconnected";
    setLive("连接已断开，正在重新连接…");
  });

  // A review decision reaches the merchant wherever they are in the app.
  body.addEventListener("merchant:reviewed", function (e) {
    var words = { approved: "实名认证已通过，店铺已开通", rejected: "实名资料未通过，请查看原因",
                  needs_info: "平台请你补充资料，请查看" };
    var shop = document.getElementById("shop-badge");
    if (shop) { shop.hidden = false; shop.textContent = "!"; }
    setLive(words[e.detail.status] || "实名审核结果已更新");
    setTimeout(function () { setLive(""); }, 8000);
  });

  // The buyer's decision on a quote reaches the merchant wherever they are in the app.
  body.addEventListener("quote:decided", function (e) {
    var words = { accepted: "你的报价已被选中，买家已下单", not_chosen: "你的报价未被选中",
                  declined: "买家婉拒了你的报价", expired: "你的一条报价已过期" };
    setLive(words[e.detail.status] || "");
    setTimeout(function () { setLive(""); }, 8000);
  });

  // A new demand nearby counts on the merchant's badge when they are not looking at the feed.
  var demandBadge = document.getElementById("demand-badge");
  body.addEventListener("demand:posted", function () {
    if (!demandBadge || document.getElementById("demand-feed")) return;
    demandBadge.textContent = String((parseInt(demandBadge.textContent || "0", 10) || 0) + 1);
    demandBadge.hidden = false;
  });

  // A new order rings the merchant's badge when they are not looking at the board.
  var badge = document.getElementById("order-badge");
  body.addEventListener("order:placed", function () {
    if (!badge || document.getElementById("order-board")) return;
    badge.textContent = String((parseInt(badge.textContent || "0", 10) || 0) + 1);
    badge.hidden = false;
  });
})();
