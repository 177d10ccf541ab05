// The notification bell: the unread count from /notifications/count when a page opens, then
// from each "notification:new" the socket brings (sent to the user's room, so it arrives on
// every page, in front or in the background). The count shows on the bell, in the tab's title
// and, where the browser has it, on the installed app's icon (navigator.setAppBadge).
(function () {
  "use strict";
  var body = document.body;
  var bell = document.getElementById("notice-bell");
  var badge = document.getElementById("notice-badge");
  if (!bell || !badge || !body.dataset.user) return;
  var i18n = window.i18n;
  var baseTitle = document.title;

  function show(count) {
    count = Math.max(0, parseInt(count, 10) || 0);
    body.dataset.unread = String(count);
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.hidden = count === 0;
    var words = i18n && i18n.has("notice.unread") ? i18n.t("notice.unread", { n: count }) : String(count);
    bell.setAttribute("aria-label", count ? words : (i18n ? i18n.t("notice.none") : ""));
    document.title = count ? "(" + count + ") " + baseTitle : baseTitle;
    if ("setAppBadge" in navigator) {
      (count ? navigator.setAppBadge(count) : navigator.clearAppBadge()).catch(function () {});
    }
  }

  fetch(bell.getAttribute("href") + "count", { credentials: "same-origin",
                                                headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) { if (data) show(data.unread); })
    .catch(function () {});

  body.addEventListener("notification:new", function (e) {
    show(e.detail && e.detail.unread);
    body.dataset.lastNotice = String(e.detail && e.detail.id);
    if (i18n && document.visibilityState === "visible") {
      body.dispatchEvent(new CustomEvent("app:announce", { detail: { text: i18n.t("notice.new") } }));
    }
  });
})();
