// The merchant's board: cards that refreshed themselves move to their status's column, and a new
// order rings (sound once the merchant has enabled it, vibration where the device allows, and a
// count in the tab title while the page is in the background).
(function () {
  "use strict";
  var body = document.body;

  function board() { return document.getElementById("order-board"); }

  function place() {
    var b = board();
    if (!b) return;
    var columns = Array.prototype.slice.call(b.querySelectorAll(".board-col"));
    b.querySelectorAll(".board-card").forEach(function (card) {
      var column = columns.find(function (c) {
        return c.dataset.statuses.split(" ").indexOf(card.dataset.status) >= 0;
      });
      if (column && card.parentElement !== column) {
        column.insertBefore(card, column.querySelector(".empty"));
      }
    });
    columns.forEach(function (c) {
      var count = c.querySelector(".count");
      if (count) count.textContent = String(c.querySelectorAll(".board-card").length);
    });
    if (fresh) {
      var card = document.getElementById("board-order-" + fresh);
      if (card) { card.classList.add("ringing"); fresh = null; }
    }
  }
  body.addEventListener("htmx:afterSettle", place);

  var audio = null;
  var toggle = document.getElementById("sound-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) { toggle.textContent = "此设备不支持提示音"; return; }
      audio = audio || new Context();
      audio.resume();
      toggle.setAttribute("aria-pressed", "true");
      toggle.textContent = "提示音已开启";
    });
  }

  function beep() {
    if (!audio) return;
    [0, 0.3].forEach(function (at) {
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 880;
      tone.connect(gain);
      gain.connect(audio.destination);
      gain.gain.setValueAtTime(0.25, audio.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + at + 0.25);
      tone.start(audio.currentTime + at);
      tone.stop(audio.currentTime + at + 0.25);
    });
  }

  var unseen = 0, title = document.title, fresh = null;
  body.addEventListener("order:placed", function (e) {
    fresh = e.detail.id;
    beep();
    if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
    body.dataset.rings = String((parseInt(body.dataset.rings || "0", 10) || 0) + 1);
    if (document.hidden) {
      unseen += 1;
      document.title = "(" + unseen + ") 新订单 · " + title;
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { unseen = 0; document.title = title; }
  });
  place();
})();
