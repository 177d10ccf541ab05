// Service worker. The shell (CSS, JS, icons, offline page) is precached under a versioned name;
// other static files are cached as they are used. Pages always come from the network, with the
// offline page when it cannot be reached: no page is ever stored here, so nothing of one user's
// orders can be shown to the next (logged-in pages are also "private, no-store" for the HTTP cache).
// POSTs and Socket.IO are never touched. A new version waits until the page asks it to take over
// (the "new version, reload" banner), so a page never runs against a newer shell mid-task.
// /sw.js serves this file with the shell's digest appended to VERSION (webapp/pwa/routes.py):
// any change to a shell file makes a new worker; bump the number when the list itself changes.
const VERSION = "v3";
const SHELL = "shell-" + VERSION;
const RUNTIME = "static-" + VERSION;
const OFFLINE = "/offline";
const PRECACHE = [
  OFFLINE,
  "/static/css/app.css",
  "/static/js/app.js",
  "/static/vendor/htmx-2.0.11.min.js",
  "/static/vendor/socket.io-4.8.4.min.js",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png",
  "/static/icons/icon-maskable-512.png",
];

self.addEventListener("install", (event) => {
  // Bypass the HTTP cache: the shell must be the one this version was built with.
  event.waitUntil(caches.open(SHELL).then((cache) =>
    cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL && k !== RUNTIME)
        .map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "SKIP_WAITING") {
    self.skipWaiting();
  } else if (type === "OFFLINE_PAGE") {
    // The user switched language: the offline page follows (the lang cookie goes with it).
    event.waitUntil(caches.open(SHELL).then((cache) =>
      cache.add(new Request(OFFLINE, { cache: "reload" }))));
  } else if (type === "LOGOUT") {
    // Keep only the shell; whatever else was cached goes with the user who logged out.
    event.waitUntil(caches.keys().then((keys) =>
      Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k)))));
  }
});

function storable(response) {
  const control = response.headers.get("Cache-Control") || "";
  return response.ok && response.type === "basic" && !/no-store|private/.test(control);
}

function fromCacheThenRefresh(event) {
  const request = event.request;
  const fresh = fetch(request).then((response) => {
    if (storable(response)) {
      const copy = response.clone();
      event.waitUntil(caches.open(RUNTIME).then((cache) => cache.put(request, copy)));
    }
    return response;
  });
  return caches.match(request).then((hit) => {
    if (hit) {
      event.waitUntil(fresh.catch(() => undefined));
      return hit;
    }
    return fresh;
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/socket.io/")) return;

  if (url.pathname.startsWith("/static/")) {
    event.respondWith(fromCacheThenRefresh(event));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() =>
      caches.match(OFFLINE).then((page) => page || Response.error())));
  }
});

// Web Push (webapp/notifications/channels.py): the server words the notification in the
// language the subscribing page was in and names the page it is about. A push that cannot be
// read still shows something (a browser may revoke a worker that shows nothing).
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = { body: event.data ? event.data.text() : "" };
  }
  const url = typeof data.url === "string" && data.url.startsWith("/") ? data.url : "/notifications/";
  event.waitUntil(self.registration.showNotification(data.title || "信集", {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/icon-192.png",
    data: { url: url, id: data.id },
  }));
});

// A tap opens the page it is about: a window of the app already on that page is focused, else
// one of the app's windows is taken there, else a new one opens.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/notifications/",
                         self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    const same = windows.find((w) => w.url === target);
    if (same) return same.focus();
    const any = windows.find((w) => new URL(w.url).origin === self.location.origin && "navigate" in w);
    if (any) return any.navigate(target).then((w) => (w || any).focus());
    return self.clients.openWindow(target);
  }));
});
