/* Chat: the nav's unread badge on every page, and on a conversation's page the messages live.
   The page joins its conversation over the socket with the id of the last message it shows and
   gets what is newer, which is also how it catches up after a reconnect. Words and quick replies
   go over the socket; a photo (or anything while the socket is down) goes as the form, by fetch.
   Without JavaScript the form posts and the page reloads. */
(function () {
  "use strict";
  var socket = window.appSocket;
  if (!socket) return;
  var body = document.body;
  var t = window.i18n ? window.i18n.t : function (key) { return key; };
  var me = parseInt(body.dataset.user, 10);
  var log = document.getElementById("chat-log");
  var current = log && "live" in log.dataset ? parseInt(log.dataset.chat, 10) : null;

  function showUnread(n) {
    document.querySelectorAll("[data-chat-badge]").forEach(function (badge) {
      badge.textContent = n > 99 ? "99+" : String(n);
      badge.hidden = !n;
    });
    body.dataset.chatUnread = String(n);
  }
  function askUnread() {
    socket.emit("chat:unread", {}, function (ack) { if (ack && ack.ok) showUnread(ack.unread); });
  }
  socket.on("connect", askUnread);
  if (socket.connected) askUnread();
  socket.on("chat:unread", function (d) { if (!d || d.conversation_id !== current) askUnread(); });
  if (current === null) return;

  var form = document.querySelector("[data-chat-form]");
  var error = document.getElementById("chat-error");
  var live = document.getElementById("chat-live");
  var joining = false, again = false, first = true;

  function lastId() { return parseInt(log.dataset.lastId || "0", 10); }
  function append(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var theirs = 0, added = 0;
    Array.prototype.slice.call(holder.content.children).forEach(function (item) {
      if (document.getElementById(item.id)) return;
      log.appendChild(item);
      added += 1;
      if (item.classList.contains("theirs")) theirs += 1;
    });
    if (!added) return;
    var empty = document.getElementById("chat-empty");
    if (empty) empty.remove();
    if (theirs && live) live.textContent = t("chat.new");
    log.lastElementChild.scrollIntoView({ block: "nearest" });
  }
  function markRead(upto) {
    log.querySelectorAll(".msg.mine .msg-read").forEach(function (mark) {
      if (parseInt(mark.closest(".msg").dataset.id, 10) <= upto && mark.dataset.read !== "1") {
        mark.dataset.read = "1";
        mark.textContent = t("chat.read");
      }
    });
  }
  function read() {
    if (!lastId() || document.visibilityState !== "visible") return;
    socket.emit("chat:read", { conversation_id: current, upto: lastId() }, function (ack) {
      if (ack && ack.ok) showUnread(ack.unread);
    });
  }
  function join() {
    if (joining) { again = true; return; }
    joining = true;
    socket.emit("chat:join", { conversation_id: current, after: lastId() }, function (ack) {
      joining = false;
      if (ack && ack.ok) {
        append(ack.html);
        log.dataset.lastId = String(Math.max(lastId(), ack.last_id));
        markRead(ack.read_by_other);
        body.dataset.chat = "joined";
        // Opened, the page shows its latest messages and the box to answer, as chat apps do.
        if (first && form && location.hash !== "#composer") form.scrollIntoView({ block: "end" });
        first = false;
        read();
        if (ack.more) again = true;
      }
      if (again) { again = false; join(); }
    });
  }
  socket.on("connect", join);
  if (socket.connected) join();
  socket.on("chat:message", function (d) {
    if (d && d.conversation_id === current && d.id > lastId()) join();
  });
  socket.on("chat:read", function (d) {
    if (d && d.conversation_id === current && d.user_id !== me) markRead(d.upto);
  });
  document.addEventListener("visibilitychange", read);
  if (!form) return;

  function refused(ack) {
    error.textContent = (ack && ack.message) || t("chat.failed");
    error.hidden = false;
  }
  form.addEventListener("submit", function (e) {
    var reply = e.submitter && e.submitter.name === "reply" ? e.submitter.value : null;
    var text = form.elements.body.value;
    var photo = form.elements.photo.files.length > 0;
    e.preventDefault();
    function done(ack) {
      if (!(ack && ack.ok)) { refused(ack); return; }
      error.hidden = true;
      if (!reply) form.reset();
      if (socket.connected) join(); else window.location.reload();
    }
    if (!photo && socket.connected) {
      socket.emit("chat:send", { conversation_id: current, body: reply ? "" : text, reply: reply }, done);
      return;
    }
    var data = new FormData(form);
    if (reply) { data.set("reply", reply); data.set("body", ""); }
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin",
                         headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(done, function () { refused(null); });
  });
})();
