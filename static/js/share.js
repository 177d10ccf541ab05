// The buyer's tracking link: the phone's share sheet where the browser has one (the share
// button is shown only then), else a copy to the clipboard, else the link selected to copy by
// hand. Texts from <body data-i18n>.
(function () {
  "use strict";
  var t = window.i18n.t;

  function say(box, text) {
    var status = box.querySelector(".share-status");
    if (status) status.textContent = text;
  }

  function selectLink(box) {
    var input = box.querySelector(".share-url");
    if (input) { input.focus(); input.select(); }
  }

  function copy(box, url) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(function () { say(box, t("share.copied")); },
        function () { selectLink(box); say(box, t("share.copy_by_hand")); });
      return;
    }
    selectLink(box);
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    say(box, done ? t("share.copied") : t("share.copy_by_hand"));
  }

  function init(root) {
    (root || document).querySelectorAll(".share-link").forEach(function (box) {
      if (box.dataset.ready) return;
      box.dataset.ready = "1";
      var share = box.querySelector("[data-share-url]");
      if (share && navigator.share) {
        share.hidden = false;
        share.addEventListener("click", function () {
          navigator.share({ title: share.dataset.shareTitle, url: share.dataset.shareUrl })
            .catch(function () {});
        });
      }
      var copyButton = box.querySelector("[data-copy-url]");
      if (copyButton) copyButton.addEventListener("click", function () { copy(box, copyButton.dataset.copyUrl); });
    });
  }

  document.body.addEventListener("htmx:afterSwap", function () { init(); });
  init();
})();
