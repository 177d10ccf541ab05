// The buyer inspects and signs: each line accepted or rejected (the summary shows what is not
// paid for), then a finger signature; signature_pad draws, the hidden field carries the PNG.
(function () {
  "use strict";

  function yuan(fen) { return "¥" + (fen / 100).toFixed(2); }

  function summarise(form) {
    var out = document.getElementById("inspect-summary");
    if (!out) return;
    var lines = form.querySelectorAll(".inspect-line");
    var rejected = 0, amount = 0;
    lines.forEach(function (li) {
      var no = li.querySelector("input[value=rejected]");
      if (no && no.checked) { rejected += 1; amount += parseInt(li.dataset.amount, 10) || 0; }
    });
    out.classList.toggle("partial", rejected > 0);
    var t = window.i18n.t;
    out.textContent = !rejected ? t("sign.all_accepted") :
      rejected === lines.length ? t("sign.all_refused") :
      t("sign.some_refused", { n: rejected, amount: yuan(amount) });
  }

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
    // A form that came back with an error keeps the signature already drawn.
    if (input.value.indexOf("data:image/png;base64,") === 0) {
      pad.fromDataURL(input.value, { ratio: 1, width: canvas.offsetWidth, height: canvas.offsetHeight });
    }

    pad.addEventListener("endStroke", function () {
      input.value = pad.toDataURL("image/png");
      if (empty) empty.hidden = true;
    });
    var clear = document.getElementById("signature-clear");
    if (clear) clear.addEventListener("click", function () { pad.clear(); input.value = ""; });

    form.addEventListener("change", function () { summarise(form); });
    summarise(form);

    form.addEventListener("htmx:confirm", function (e) {
      if (!input.value) {
        e.preventDefault();
        if (empty) { empty.hidden = false; empty.scrollIntoView({ block: "center" }); }
      }
    });
  }

  document.body.addEventListener("htmx:afterSwap", init);
  init();
})();
