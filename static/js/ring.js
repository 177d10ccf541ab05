// How a merchant's page calls for attention (the order board, the demand feed): a chime once
// the merchant has tapped the sound button (browsers play no audio before a gesture), a
// vibration where the device allows, a count on <body data-{counter}>, and a count in the tab
// title while the page is in the background.
//   var ring = Ring({toggle: "sound-toggle", tones: [880, 880], gap: 0.3, vibrate: [200, 100, 200],
//                    counter: "rings", title: i18n.t("ring.new_order")});
//   ring();
window.Ring = function (options) {
  "use strict";
  var body = document.body, audio = null, unseen = 0, title = document.title;
  var toggle = document.getElementById(options.toggle);
  if (toggle) {
    toggle.addEventListener("click", function () {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) { toggle.textContent = window.i18n.t("ring.unsupported"); return; }
      audio = audio || new Context();
      audio.resume();
      toggle.setAttribute("aria-pressed", "true");
      toggle.textContent = window.i18n.t("ring.on");
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { unseen = 0; document.title = title; }
  });

  function chime() {
    if (!audio) return;
    options.tones.forEach(function (frequency, i) {
      var at = i * options.gap, tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = frequency;
      tone.connect(gain);
      gain.connect(audio.destination);
      gain.gain.setValueAtTime(0.25, audio.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + at + 0.22);
      tone.start(audio.currentTime + at);
      tone.stop(audio.currentTime + at + 0.22);
    });
  }

  return function ring() {
    chime();
    if (navigator.vibrate) navigator.vibrate(options.vibrate);
    var key = options.counter;
    body.dataset[key] = String((parseInt(body.dataset[key] || "0", 10) || 0) + 1);
    if (document.hidden) {
      unseen += 1;
      document.title = "(" + unseen + ") " + options.title + " · " + title;
    }
  };
};
