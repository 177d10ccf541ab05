// The product manager's barcode scanner (templates/catalog/_scan_dialog.html): "扫码" opens the
// dialog and the camera (the rear one where there is a choice), ZXing (static/vendor/zxing-*)
// reads EAN-13 and EAN-8 from its picture, and the code found is submitted by the dialog's form,
// as a code typed there is: catalog.barcode's answer fills the form pane (the product, or a new
// one with the code) and the dialog closes; a code refused comes back into the dialog. Without
// a camera, or without permission, the dialog says so and the typed code is the way.
(function () {
  "use strict";
  var open = document.getElementById("scan-open");
  var dialog = document.getElementById("scan-dialog");
  if (!open || !dialog || typeof dialog.showModal !== "function" || !window.htmx) return;
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan-code");
  var message = document.getElementById("scan-message");
  var reader = null, stream = null;
  var opening = 0;  // which opening of the dialog a camera that the browser gives belongs to
  open.hidden = false;

  function say(key, params, problem) {
    status.textContent = window.i18n.t(key, params);
    status.classList.toggle("error", !!problem);
    dialog.classList.toggle("no-camera", !!problem);
  }

  function stop() {
    if (reader) reader.reset();
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    reader = stream = null;
  }

  function refused(error) {
    var name = error && error.name;
    say(name === "NotAllowedError" || name === "SecurityError" ? "scan.refused"
        : name === "NotFoundError" || name === "OverconstrainedError" ? "scan.no_camera"
        : "scan.failed", {}, true);
    input.focus();
  }

  function found(code) {
    stop();
    input.value = code;
    message.replaceChildren();
    say("scan.found", { code: code });
    form.requestSubmit();
  }

  function start() {
    var media = navigator.mediaDevices;
    if (!media || typeof media.getUserMedia !== "function" || !window.ZXing) {
      refused({ name: "NotFoundError" });
      return;
    }
    say("scan.starting");
    var mine = ++opening;
    media.getUserMedia({ audio: false, video: { facingMode: { ideal: "environment" },
                                                width: { ideal: 1280 }, height: { ideal: 720 } } })
      .then(function (got) {
        if (!dialog.open || mine !== opening) {  // closed (or opened again) while the browser asked
          got.getTracks().forEach(function (track) { track.stop(); });
          return;
        }
        stream = got;
        var hints = new Map();
        hints.set(window.ZXing.DecodeHintType.POSSIBLE_FORMATS,
                  [window.ZXing.BarcodeFormat.EAN_13, window.ZXing.BarcodeFormat.EAN_8]);
        reader = new window.ZXing.BrowserMultiFormatReader(hints, 300);
        say("scan.aim");
        var current = reader;
        reader.decodeFromStream(got, video, function (result) {
          if (result && reader === current) found(result.getText());
        }).catch(function (error) { if (reader === current) { stop(); refused(error); } });
      }, function (error) { if (mine === opening && dialog.open) refused(error); });
  }

  open.addEventListener("click", function () {
    message.replaceChildren();
    input.value = "";
    dialog.showModal();
    start();
  });
  document.getElementById("scan-close").addEventListener("click", function () { dialog.close(); });
  // Focus goes back to 扫码, or to a new product's title when the code started one.
  var focusNext = null;
  dialog.addEventListener("close", function () {
    opening++;
    stop();
    var next = focusNext && document.getElementById(focusNext);
    focusNext = null;
    (next || open).focus();
  });
  // A new code typed: the old refusal goes.
  input.addEventListener("input", function () { message.replaceChildren(); });
  // The pane has the answer: the dialog is done. A refusal stays in it (HX-Retarget), and
  // the camera goes on looking for the next code.
  form.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.xhr && event.detail.xhr.status >= 200 && event.detail.xhr.status < 300) {
      if (!document.querySelector("#product-form[data-product]")) focusNext = "title";
      dialog.close();
      return;
    }
    if (dialog.open && !reader) start();
  });
})();
