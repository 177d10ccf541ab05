// The merchant's demand feed: a new demand nearby rings (sound once the merchant has enabled it,
// vibration where the device allows, a count in the tab title while the page is in the
// background) and its row is highlighted when the feed has re-fetched itself.
(function () {
  "use strict";
  var body = document.body;
  var fresh = [];

  body.addEventListener("htmx:afterSettle", function () {
    fresh = fresh.filter(function (id) {
      var row = document.getElementById("feed-demand-" + id);
      if (row) row.classList.add("ringing");
      return !row;
    });
  });

  var audio = null;
  var toggle = document.getElementById("demand-sound");
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

  function chime() {
    if (!audio) return;
    [0, 0.18].forEach(function (at, i) {
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = i ? 990 : 660;
      tone.connect(gain);
      gain.connect(audio.destination);
      gain.gain.setValueAtTime(0.22, audio.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + at + 0.2);
      tone.start(audio.currentTime + at);
      tone.stop(audio.currentTime + at + 0.2);
    });
  }

  var unseen = 0, title = document.title;
  body.addEventListener("demand:posted", function (e) {
    if (!document.getElementById("demand-feed")) return;
    fresh.push(e.detail.id);
    chime();
    if (navigator.vibrate) navigator.vibrate([120, 80, 120]);
    body.dataset.demandRings = String((parseInt(body.dataset.demandRings || "0", 10) || 0) + 1);
    if (document.hidden) {
      unseen += 1;
      document.title = "(" + unseen + ") 新需求 · " + title;
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { unseen = 0; document.title = title; }
  });
})();
