// The merchant's board: cards that refreshed themselves move to their status's column, and a new
// order rings (sound once the merchant has enabled it, vibration where the device allows, and a
// count in the tab title while the page is in the background).
//
// Columns are paged (oldest first; the finished column newest first) and their counts come from
// the server: a card that moves takes one off its old column's count and adds one to its new
// one's. A moved card goes to its place by order number among the cards loaded; one that belongs
// to a page not loaded yet (past the "more" row's last card) leaves the board and comes with its
// page. An order without a card here that changes makes the board fetch its first pages again
// ("board:stale"), so the counts stay exact.
(function () {
  "use strict";
  var body = document.body;

  function board() { return document.getElementById("order-board"); }
  function idOf(card) { return parseInt(card.id.replace("board-order-", ""), 10); }
  function before(column, a, b) { return column.dataset.order === "desc" ? a > b : a < b; }

  // The last order number of the page each "more" row continues after, noted when it first shows.
  function markMoreRows(b) {
    b.querySelectorAll(".board-col > .more-row").forEach(function (row) {
      if (row.dataset.last) return;
      var card = row.previousElementSibling;
      while (card && !card.classList.contains("board-card")) card = card.previousElementSibling;
      if (card) row.dataset.last = String(idOf(card));
    });
  }

  function bump(column, by) {
    var count = column.querySelector(".count");
    if (count) count.textContent = String(Math.max(0, parseInt(count.textContent, 10) + by));
  }

  function move(card, column) {
    var from = card.parentElement.closest(".board-col");
    if (from) bump(from, -1);
    bump(column, 1);
    var id = idOf(card);
    var more = column.querySelector(":scope > .more-row");
    if (more && more.dataset.last && !before(column, id, parseInt(more.dataset.last, 10))) {
      card.remove();  // on a page not loaded yet
      return;
    }
    var next = Array.prototype.find.call(column.querySelectorAll(":scope > .board-card"), function (c) {
      return before(column, id, idOf(c));
    });
    // Moving an element drops the focus inside it: a keyboard user keeps their place on the card.
    var focused = card.contains(document.activeElement) ? document.activeElement : null;
    column.insertBefore(card, next || more || column.querySelector(".empty"));
    if (focused) focused.focus();
  }

  function place(e) {
    var b = board();
    if (!b) return;
    markMoreRows(b);
    var columns = Array.prototype.slice.call(b.querySelectorAll(".board-col"));
    b.querySelectorAll(".board-card").forEach(function (card) {
      var column = columns.find(function (c) {
        return c.dataset.statuses.split(" ").indexOf(card.dataset.status) >= 0;
      });
      if (column && card.parentElement !== column) move(card, column);
    });
    if (!fresh) return;
    var card = document.getElementById("board-order-" + fresh);
    // Announced with its card's heading, for screen readers, with the chime; with its number
    // alone when the board came back without its card (the new column's first page is full).
    if (!card && !(e && e.target === b)) return;
    var head = card && card.querySelector("[data-announce]");
    if (card) card.classList.add("ringing");
    body.dispatchEvent(new CustomEvent("app:announce", { detail: {
      text: window.i18n.t("ring.new_order") + " " + (head ? head.textContent : "#" + fresh) } }));
    fresh = null;
  }
  body.addEventListener("htmx:afterSettle", place);

  // A change to an order with no card here (on a page not loaded): its columns' counts are stale.
  body.addEventListener("order:updated", function (e) {
    var id = e.detail && e.detail.id;
    if (board() && id !== undefined && !document.getElementById("board-order-" + id)) {
      body.dispatchEvent(new CustomEvent("board:stale"));
    }
  });

  // The returns awaiting confirmation (orders/_board_returns.html) are redrawn when an order
  // listed there changes (confirmed), or one changes to a status that may bring goods back.
  var BRINGS_BACK = ["returned", "cancelled", "refused", "partially_refused"];
  body.addEventListener("order:updated", function (e) {
    var data = e.detail || {};
    if (!document.getElementById("board-returns") || data.id === undefined) return;
    if (BRINGS_BACK.indexOf(data.status) >= 0 ||
        document.querySelector('[data-return-order="' + data.id + '"]')) {
      body.dispatchEvent(new CustomEvent("returns:stale"));
    }
  });

  // Refuse, assign and cancel ask for a reason or a courier: the page has one dialog for each
  // (orders/_board_dialogs.html), which a card's link opens for its order. The link is the
  // order's page without JavaScript. The form posts to the card's action and swaps the card, by
  // id: a live redraw of the card (or of the board) while the dialog is open is the one it answers.
  var opener = null;
  function openDialog(link) {
    var dialog = document.getElementById(link.dataset.dialog), card = link.closest(".board-card");
    if (!dialog || !card || typeof dialog.showModal !== "function" || !window.htmx) return false;
    var form = dialog.querySelector("form"), head = card.querySelector("[data-announce]");
    form.reset();
    form.action = link.dataset.post;
    form.setAttribute("hx-post", link.dataset.post);
    form.setAttribute("hx-target", "#" + card.id);
    window.htmx.process(form);
    var items = head && head.nextElementSibling;
    dialog.querySelector("[data-order]").textContent =
      (head ? head.textContent.replace(/\s+/g, " ").trim() : "") + (items ? " · " + items.textContent : "");
    opener = { link: link, card: card.id };
    dialog.showModal();
    return true;
  }
  body.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-dialog]");
    if (link && openDialog(link)) e.preventDefault();
    var close = e.target.closest && e.target.closest(".board-dialog [data-close]");
    if (close) close.closest("dialog").close();
  });
  // Answered (the card, or a message in the flash area): the dialog has done its part.
  body.addEventListener("htmx:afterRequest", function (e) {
    var dialog = e.detail.elt && e.detail.elt.closest && e.detail.elt.closest(".board-dialog");
    if (dialog && dialog.open) dialog.close();
  });
  // Focus goes back to the link that opened the dialog, or to its card's number once the card
  // was redrawn (keyboard and screen-reader users carry on where they were).
  document.querySelectorAll(".board-dialog").forEach(function (dialog) {
    dialog.addEventListener("close", function () {
      if (!opener) return;
      var card = document.getElementById(opener.card);
      var target = document.contains(opener.link) ? opener.link : card && card.querySelector("a");
      opener = null;
      if (target) target.focus();
    });
  });

  var fresh = null;
  var ring = window.Ring({toggle: "sound-toggle", tones: [880, 880], gap: 0.3,
                          vibrate: [200, 100, 200], counter: "rings", title: window.i18n.t("ring.new_order")});
  body.addEventListener("order:placed", function (e) {
    fresh = e.detail.id;
    ring();
  });
  place();
})();
