// The board's acceptance countdown (issue 21): each placed order's card carries the seconds
// left when the server drew it (data-left, so the tablet's own clock does not matter); the
// text changes every second with aria-live off, and only the end is said, once, in the board's
// polite live region.
(function () {
  "use strict";
  var ends = new WeakMap();

  function text(left) {
    var m = Math.floor(left / 60), s = left % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function tick() {
    var now = performance.now();
    document.querySelectorAll(".countdown[data-left]").forEach(function (el) {
      if (!ends.has(el)) ends.set(el, now + Number(el.dataset.left) * 1000);
      var left = Math.ceil((ends.get(el) - now) / 1000);
      if (left > 0) {
        el.textContent = text(left);
      } else if (!el.classList.contains("late")) {
        el.classList.add("late");
        el.textContent = el.dataset.late;
        var region = document.getElementById("countdown-announce");
        if (region) region.textContent = el.dataset.announce;
      }
    });
  }

  tick();
  setInterval(tick, 1000);
})();
