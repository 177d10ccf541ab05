// The app shell: service worker, and the one Socket.IO connection whose events become DOM events
// (htmx regions re-fetch their own fragment on them; only the map reads positions directly).
(function () {
  "use strict";
  var body = document.body;

  // The texts of every script, in the page's language (base.html renders them as JSON into
  // <body data-i18n>): i18n.t("courier.offline", {n: 3}) fills the %(n)s placeholders.
  var strings = {};
  try { strings = JSON.parse(body.dataset.i18n || "{}"); } catch (e) { strings = {}; }
  window.i18n = {
    lang: document.documentElement.lang || "zh-CN",
    has: function (key) { return Object.prototype.hasOwnProperty.call(strings, key); },
    t: function (key, vars) {
      var text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
      return text.replace(/%\((\w+)\)s/g, function (match, name) {
        return vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : match;
      });
    }
  };
  var t = window.i18n.t;

  // Back or forward between the URLs htmx pushed (a list's filters, a tab) reloads the page:
  // htmx keeps no snapshots here (historyCacheSize 0, refreshOnHistoryMiss). But htmx listens
  // for it only once the page is ready: a second back or forward while the reloaded page still
  // loads changed the URL and left the page as it was, with the other URL's list and fields.
  // So: reload if the URL moved while this page loaded, or moves before htmx listens.
  var withoutHash = function (url) { return String(url).split("#")[0]; };
  var loaded = performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  if (loaded && withoutHash(loaded.name) !== withoutHash(location.href)) {
    location.reload();
    return;
  }
  window.addEventListener("popstate", function (event) {
    if (event.state && event.state.htmx && !window.onpopstate) location.reload();
  });

  // Times are shown in the browser's time zone: tell the server (a cookie, read from the next
  // page on; until then, and for a zone it does not know, it shows Asia/Shanghai).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (/^[A-Za-z0-9_+\/-]+$/.test(zone) && document.cookie.split("; ").indexOf("tz=" + zone) === -1) {
      document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* no Intl: the default zone */ }

  // The service worker; a newer one waits until the user takes it from the banner.
  if ("serviceWorker" in navigator && body.dataset.sw) {
    var sw = navigator.serviceWorker;
    var banner = document.getElementById("sw-update");
    var waiting = null;
    var offer = function (worker) {
      // Only an update: the very first worker has no page to replace.
      if (!worker || !sw.controller || !banner) return;
      waiting = worker;
      banner.hidden = false;
      body.dataset.swUpdate = "waiting";
    };
    if (banner) {
      banner.querySelector("button").addEventListener("click", function () {
        if (!waiting) return;
        body.dataset.swUpdate = "accepted";
        waiting.postMessage({ type: "SKIP_WAITING" });
      });
    }
    sw.addEventListener("controllerchange", function () {
      // The worker the user accepted took over: reload once into the new shell. (The first
      // worker claiming this page changes the controller too, but nobody clicked for it.)
      if (body.dataset.swUpdate !== "accepted") return;
      body.dataset.swUpdate = "reloading";
      window.location.reload();
    });
    sw.register(body.dataset.sw, { scope: "/" }).then(function (registration) {
      offer(registration.waiting);
      registration.addEventListener("updatefound", function () {
        var worker = registration.installing;
        if (!worker) return;
        worker.addEventListener("statechange", function () {
          if (worker.state === "installed") offer(worker);
        });
      });
    }).catch(function () {});
    // The offline page was cached in the language of the day the worker was installed.
    var lang = document.documentElement.lang;
    try {
      if (sw.controller && localStorage.getItem("offline-page-lang") !== lang) {
        sw.controller.postMessage({ type: "OFFLINE_PAGE" });
        localStorage.setItem("offline-page-lang", lang);
      }
    } catch (e) { /* storage refused: the page stays in the installed language */ }
    if (body.dataset.loggedOut) {
      // Nothing of the last user stays on a shared phone: drop every cache but the shell's
      // (the worker does the same when it controls this page).
      if (sw.controller) sw.controller.postMessage({ type: "LOGOUT" });
      if (window.caches) {
        caches.keys().then(function (keys) {
          keys.forEach(function (k) { if (k.indexOf("shell-") !== 0) caches.delete(k); });
        });
      }
    }
  }

  // Offer to install where the browser says the app can be installed (Chromium, Edge, Samsung).
  var install = document.getElementById("install-app");
  var installPrompt = null;
  if (install) {
    window.addEventListener("beforeinstallprompt", function (e) {
      e.preventDefault();
      installPrompt = e;
      install.hidden = false;
    });
    install.addEventListener("click", function () {
      if (!installPrompt) return;
      installPrompt.prompt();
      installPrompt.userChoice.then(function () { installPrompt = null; install.hidden = true; });
    });
    window.addEventListener("appinstalled", function () { install.hidden = true; });
  }

  function fire(name, detail) {
    body.dispatchEvent(new CustomEvent(name, { detail: detail || {}, bubbles: true }));
  }

  // Whether a live region shows an older state than an event's (status, and the payment where
  // the region says which it shows: paying changes no status). An event without a status
  // always counts as news.
  function stale(el, data) {
    if (!data || !data.status || el.dataset.status !== data.status) return true;
    return !!data.payment && el.dataset.payment !== undefined && el.dataset.payment !== data.payment;
  }
  window.appStale = stale;

  // A live region is announced only if it was already in the accessibility tree when its text
  // changed: it stays there, and CSS hides it (not `hidden`, not display:none) while empty.
  var live = document.getElementById("live-status");
  function setLive(text) {
    if (!live) return;
    live.hidden = false;
    live.textContent = text;
  }

  // Heavy scripts a part of a page needs only once it is there (the signature pad arrives with
  // the signing form): data-scripts lists them; each loads once, in order.
  var loaded = {};
  function loadNeeded(root) {
    if (!root || !root.querySelectorAll) return;
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-scripts]"));
    if (root.matches && root.matches("[data-scripts]")) found.unshift(root);
    found.forEach(function (el) {
      el.dataset.scripts.split(/\s+/).forEach(function (src) {
        if (!src || loaded[src]) return;
        loaded[src] = true;
        var script = document.createElement("script");
        script.src = src;
        script.async = false;  // run in the listed order
        document.head.appendChild(script);
      });
    });
  }
  loadNeeded(document);
  body.addEventListener("htmx:load", function (e) { loadNeeded(e.target); });

  // Say in the live region what a live update changed: a region that re-fetched itself for a
  // server event ("order-7:updated", "quote:submitted"; not htmx's own or a catch-up after a
  // reconnect) reads out its [data-announce] line (order and new status, count of quotes), in
  // the language the page was rendered in; other scripts send "app:announce" {text}.
  var clearing = null;
  function announce(text) {
    text = (text || "").replace(/\s+/g, " ").trim();
    if (!text) return;
    setLive(text);
    clearTimeout(clearing);
    clearing = setTimeout(function () { if (live && live.textContent === text) setLive(""); }, 8000);
  }
  body.addEventListener("app:announce", function (e) { announce(e.detail && e.detail.text); });
  body.addEventListener("htmx:afterSwap", function (e) {
    var config = e.detail && e.detail.requestConfig;
    var cause = config && config.triggeringEvent;
    if (!cause || cause.type.indexOf(":") < 0 || /^(htmx|app):/.test(cause.type) ||
        !e.target.querySelector) return;
    var line = e.target.querySelector("[data-announce]");
    if (line) announce(line.textContent);
  });

  // ---- Requests in flight: a region's own request and a live refresh of it never race ----
  // A live refresh is a GET a server event asked for ("order-7:updated", "order:placed",
  // "app:resync"), not the user. It waits while another request on its region (a button inside
  // it, the board around it, an earlier refresh) is in flight, is not swapped over a newer
  // answer, and afterwards runs again only if the region still does not show the event's status.
  // (The regions have no hx-sync of their own: their buttons would inherit it, and whichever
  // request came second would abort the other, which htmx reports as an error.)
  var SETTLE = 40;  // ms: past htmx's settle (20 ms), when swapped-in content is live
  var inflight = [], waiting = [];
  function refreshCause(config) {
    var cause = config && config.triggeringEvent;
    return config && String(config.verb).toLowerCase() === "get" && cause && cause.type &&
      cause.type.indexOf(":") > 0 && cause.type.indexOf("htmx:") !== 0 ? cause : null;
  }
  function touches(a, b) { return !!(a && b && (a === b || a.contains(b) || b.contains(a))); }
  function busy(region, xhr) {
    return inflight.some(function (r) {
      return r.xhr !== xhr && (touches(r.target, region) || touches(r.elt, region));
    });
  }
  function later(elt, cause) {
    waiting = waiting.filter(function (w) { return w.elt !== elt; });
    waiting.push({ elt: elt, id: elt.id, cause: cause });
  }
  function catchUp() {
    waiting = waiting.filter(function (w) {
      var el = document.contains(w.elt) ? w.elt : w.id && document.getElementById(w.id);
      if (!el || !el.getAttribute("hx-get")) return false;
      if (busy(el)) return true;
      if (stale(el, w.cause.detail)) {
        htmx.ajax("GET", el.getAttribute("hx-get"), { source: el, event: w.cause }).catch(function () {});
      }
      return false;
    });
  }
  body.addEventListener("htmx:confirm", function (e) {
    var d = e.detail, cause = refreshCause(d);
    if (!cause || !busy(d.target)) return;
    e.preventDefault();
    later(d.elt, cause);
  });
  body.addEventListener("htmx:beforeSend", function (e) {
    var c = e.detail.requestConfig;
    inflight.push({ xhr: e.detail.xhr, elt: c.elt, target: e.detail.target, cause: refreshCause(c) });
  });
  body.addEventListener("htmx:beforeSwap", function (e) {
    var d = e.detail, mine = inflight.filter(function (r) { return r.xhr === d.xhr; })[0];
    if (!mine || !mine.cause) return;
    mine.seen = true;
    if (document.contains(d.target) && !busy(d.target, d.xhr)) return;
    d.shouldSwap = false;  // the region is gone, or a newer request of it is on its way
    later(mine.elt, mine.cause);
  });
  body.addEventListener("htmx:afterRequest", function (e) {
    var xhr = e.detail.xhr;
    inflight = inflight.filter(function (r) {
      if (r.xhr !== xhr) return true;
      // A refresh whose region was replaced while it was away (its events no longer reach
      // the body): check again on what replaced it.
      if (r.cause && !r.seen && e.detail.successful) later(r.elt, r.cause);
      return false;
    });
    if (waiting.length) setTimeout(catchUp, SETTLE);
  });

  // ---- A request that failed says what did not happen, and offers to try again ----
  // Network down (sendError), no answer in time, a 5xx (4xx answers are swapped: form errors),
  // or a swap that broke. One message per element, in the alert region; it leaves once a
  // request of that element succeeds, or when dismissed. The server may have done the work
  // before the answer was lost: only a GET, or a form with an idempotency key, is offered again
  // (with the button that submitted it); any other request says it may not have gone through
  // and offers a reload, so nothing (a cart line, an address) is done twice.
  var alerts = document.getElementById("net-alerts");
  var failures = [], alertCount = 0;
  function retryable(config) {
    if (String(config.verb).toLowerCase() === "get") return true;
    var form = config.elt.closest && config.elt.closest("form");
    return !!(form && form.querySelector("input[name=idempotency_key]"));
  }
  function actionOf(config) {
    var elt = config.elt, cause = config.triggeringEvent;
    if (!elt || !elt.closest || refreshCause(config)) return "";
    var marked = elt.closest("[data-action-label]");
    if (marked) return marked.dataset.actionLabel;
    var button = cause && cause.submitter ||
      (elt.matches("form") ? elt.querySelector("button[type=submit], button:not([type])")
                           : elt.matches("button, a, [role=button]") ? elt : null);
    var text = button ? button.textContent : elt.labels && elt.labels.length ? elt.labels[0].textContent : "";
    text = (text || "").replace(/\s+/g, " ").trim();
    // An icon-only button (the cart's − and +) is named by its aria-label, else its title.
    var named = button || elt;
    return text || (named.getAttribute("aria-label") || named.getAttribute("title") || "").trim();
  }
  function forget(entry) {
    failures = failures.filter(function (f) { return f !== entry; });
    if (entry.node.parentNode) entry.node.parentNode.removeChild(entry.node);
  }
  function button(label, className, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }
  function failed(kind, e) {
    var d = e.detail || {}, config = d.requestConfig;
    if (!alerts || !config || !config.elt) return;
    var elt = config.elt, action = actionOf(config), safe = retryable(config);
    var entry = failures.filter(function (f) { return f.elt === elt; })[0];
    if (entry) forget(entry);
    var cause = config.triggeringEvent, submitter = cause && cause.submitter;
    entry = { elt: elt, id: elt.id, verb: config.verb, path: config.path, cause: cause,
              node: document.createElement("div"), values: {} };
    // htmx forgets the pressed button once focus leaves it (as it does for the retry button).
    if (submitter && submitter.name) entry.values[submitter.name] = submitter.value;
    entry.node.className = "net-alert";
    var text = document.createElement("p");
    text.id = "net-alert-" + (++alertCount);
    text.textContent = kind === "swap" ? t("net.swap") : t("net.message", {
      reason: t("net." + kind),
      outcome: !safe ? (action ? t("net.maybe", { action: action }) : t("net.maybe_unnamed"))
        : action ? t("net.not_done", { action: action }) : t("net.not_updated") });
    entry.node.appendChild(text);
    var close = button("×", "link net-dismiss", function () { forget(entry); });
    close.setAttribute("aria-label", t("net.dismiss"));
    [kind === "swap" || !safe
      ? button(t("net.reload"), "button small primary", function () { window.location.reload(); })
      : button(t("net.retry"), "button small primary", function () { retry(entry); }), close
    ].forEach(function (b) {
      b.setAttribute("aria-describedby", text.id);
      entry.node.appendChild(b);
    });
    failures.push(entry);
    alerts.appendChild(entry.node);
    while (failures.length > 3) forget(failures[0]);
  }
  function retry(entry) {
    var el = document.contains(entry.elt) ? entry.elt : entry.id && document.getElementById(entry.id);
    if (!el) { forget(entry); return; }
    entry.elt = el;
    htmx.ajax(entry.verb, entry.path, { source: el, event: entry.cause, values: entry.values })
      .catch(function () {});
  }
  body.addEventListener("htmx:sendError", function (e) { failed("offline", e); });
  body.addEventListener("htmx:timeout", function (e) { failed("timeout", e); });
  body.addEventListener("htmx:responseError", function (e) { failed("server", e); });
  body.addEventListener("htmx:swapError", function (e) { failed("swap", e); });
  body.addEventListener("htmx:onLoadError", function (e) { failed("swap", e); });
  body.addEventListener("htmx:afterRequest", function (e) {
    var config = e.detail.requestConfig;
    if (!e.detail.successful || !config) return;
    failures.filter(function (f) { return f.elt === config.elt; }).forEach(forget);
  });

  if (!body.dataset.user || typeof window.io !== "function") return;

  var socket = window.io();
  window.appSocket = socket;

  // "order:updated" {id: 7, status, payment} goes to <body> as it is, and as "order-7:updated"
  // to every region marked data-live="order-7" that does not already show that status (or, where
  // it says data-payment, that payment status), so a region the user is working in is not
  // re-fetched for the change they just made themselves.
  function relay(event, data) {
    fire(event, data);
    if (!data || data.id === undefined || event.indexOf(":") < 0) return;
    var parts = event.split(":");
    var name = parts[0] + "-" + data.id + ":" + parts[1];
    document.querySelectorAll('[data-live="' + parts[0] + "-" + data.id + '"]').forEach(function (el) {
      if (stale(el, data)) {
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

  // The connection notice is a state, kept apart from the announcements in #live-status (an
  // announcement must not hide it, nor its clearing timer clear it). Socket.IO reconnects by
  // itself after a dropped transport, but not when the server closed the socket ("io server
  // disconnect") or refused it (connect_error on an inactive socket): the page asks again,
  // less and less often, so the notice never stays while nothing tries. A server that keeps
  // refusing (the user logged out elsewhere) is asked TRIES times; then a notice offers a reload.
  var connectedBefore = false, netStatus = document.getElementById("net-status");
  var again = null, pause = 1000, tries = 0, TRIES = 10, stopped = null;
  function showSocket(up) {
    body.dataset.socket = up ? "connected" : "disconnected";
    if (netStatus) netStatus.textContent = up ? "" : t("live.disconnected");
  }
  function reconnectLater() {
    if (again) return;
    if (tries >= TRIES) { giveUp(); return; }
    tries += 1;
    body.dataset.reconnects = String(tries);
    again = setTimeout(function () { again = null; if (!socket.active) socket.connect(); }, pause);
    pause = Math.min(pause * 2, 30000);
  }
  function giveUp() {
    if (netStatus) netStatus.textContent = "";
    if (stopped || !alerts) return;
    stopped = document.createElement("div");
    stopped.className = "net-alert";
    var text = document.createElement("p");
    text.id = "net-alert-stopped";
    text.textContent = t("live.stopped");
    stopped.appendChild(text);
    var reload = button(t("net.reload"), "button small primary", function () { window.location.reload(); });
    reload.setAttribute("aria-describedby", text.id);
    stopped.appendChild(reload);
    alerts.appendChild(stopped);
  }
  socket.on("connect", function () {
    watchDemands();
    watchAll(connectedBefore);
    connectedBefore = true;
    pause = 1000;
    tries = 0;
    if (stopped) { stopped.remove(); stopped = null; }
    showSocket(true);
  });
  socket.on("disconnect", function (reason) {
    showSocket(false);
    if (reason === "io server disconnect") reconnectLater();
  });
  socket.on("connect_error", function () {
    if (socket.active) return;  // Socket.IO is still retrying on its own
    if (connectedBefore) showSocket(false);
    reconnectLater();
  });
  socket.io.on("reconnect", function () { if (socket.connected) showSocket(true); });
  // This account logged out (here or on another device) or got a new password: every session
  // of it has ended, so the page is drawn again as the visitor now sees it. The tab that logs
  // out is already on its way to the logged-out page (which clears the caches).
  var loggingOut = false;
  document.addEventListener("submit", function (e) {
    if (e.target.matches && e.target.matches("[data-logout]")) loggingOut = true;
  }, true);
  socket.on("session:ended", function () {
    socket.disconnect();
    if (!loggingOut) window.location.reload();
  });

  // A review decision reaches the merchant wherever they are in the app.
  body.addEventListener("merchant:reviewed", function (e) {
    var words = { approved: t("review.approved"), rejected: t("review.rejected"),
                  needs_info: t("review.needs_info") };
    var shop = document.getElementById("shop-badge");
    if (shop) { shop.hidden = false; shop.textContent = "!"; }
    setLive(words[e.detail.status] || t("review.updated"));
    setTimeout(function () { setLive(""); }, 8000);
  });

  // The shop was suspended or reinstated: the server puts a connection in the shop's rooms only
  // while it is open (a suspension empties them at once), so connect anew to be placed again.
  body.addEventListener("shop:updated", function () {
    socket.disconnect();
    socket.connect();
  });

  // The buyer's decision on a quote reaches the merchant wherever they are in the app.
  body.addEventListener("quote:decided", function (e) {
    var words = { accepted: t("quote.accepted"), not_chosen: t("quote.not_chosen"),
                  declined: t("quote.declined"), expired: t("quote.expired") };
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

// Checkout: a pickup (到店自取) has no delivery fee. The page carries both the fee, total and
// button label of a delivery and of a pickup (data-when); show the pair the chosen time calls for.
(function () {
  document.addEventListener("change", function (e) {
    var select = e.target;
    if (!select.matches || !select.matches("select[name=window]") || !select.form) return;
    var pickup = select.value === "pickup";
    select.form.querySelectorAll("[data-when]").forEach(function (el) {
      el.hidden = (el.dataset.when === "pickup") !== pickup;
    });
  });
})();

// Product page: the quantity's upper bound is the chosen variant's stock (规格), not the
// product's total; a quantity above it comes down to it.
(function () {
  document.addEventListener("change", function (e) {
    var radio = e.target;
    if (!radio.matches || !radio.matches(".variant-choice input[data-max]") || !radio.form) return;
    var qty = radio.form.querySelector("input[name=quantity]");
    if (!qty) return;
    qty.max = radio.dataset.max;
    if (Number(qty.value) > Number(qty.max)) qty.value = qty.max;
  });
})();
