// Makes each "walltime left" tick once a second. The page reads the same without it: the server renders the value.
(function () {
  "use strict";
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown[data-ends]").forEach(function (t) {
      var s = Math.max(0, Math.floor((Number(t.getAttribute("data-ends")) - now) / 1000));
      t.textContent = Math.floor(s / 3600) + " h " + pad(Math.floor(s % 3600 / 60)) + " min " + pad(s % 60) + " s";
    });
  }
  tick();
  setInterval(tick, 1000);
})();
