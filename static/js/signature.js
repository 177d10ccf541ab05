// The buyer signs with a finger: signature_pad draws, the hidden field carries the PNG.
(function () {
  "use strict";

  function init() {
    var canvas = document.getElementById("signature-pad");
    if (!canvas || canvas.dataset.ready || typeof window.SignaturePad === "undefined") return;
    canvas.dataset.ready = "1";
    var form = canvas.closest("form");
    var input = form.querySelector("input[name=signature]");
    var empty = document.getElementById("signature-empty");
    var pad = new window.SignaturePad(canvas, { penColor: "#111827", minWidth: 1, maxWidth: 2.6 });

    function resize() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var strokes = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      pad.fromData(strokes);
    }
    resize();
    window.addEventListener("resize", resize);

    pad.addEventListener("endStroke", function () {
      input.value = pad.toDataURL("image/png");
      if (empty) empty.hidden = true;
    });
    var clear = document.getElementById("signature-clear");
    if (clear) clear.addEventListener("click", function () { pad.clear(); input.value = ""; });

    form.addEventListener("htmx:confirm", function (e) {
      if (pad.isEmpty()) {
        e.preventDefault();
        if (empty) empty.hidden = false;
      }
    });
  }

  document.body.addEventListener("htmx:afterSwap", init);
  init();
})();
