// Meetings: live counts and the reason fields on the roll call, and the meeting timer.
// Optional: every page works without it (the server counts and times on each save).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var form = document.getElementById("roll");
  if (form) {
    var withReason = { absent_excused: true, late: true };
    var updateLine = function (line) {
      var checked = line.querySelector("input[type=radio]:checked");
      var reason = line.querySelector(".reason");
      if (!reason) { return; }
      var input = reason.querySelector("input");
      var needed = (checked && withReason[checked.value]) || (input && input.value);
      reason.classList.toggle("unused", !needed);
    };
    var recount = function () {
      var counts = {};
      form.querySelectorAll("input[type=radio]:checked, input[type=hidden][data-category]")
        .forEach(function (input) { counts[input.value] = (counts[input.value] || 0) + 1; });
      var lines = form.querySelectorAll(".roll-line").length;
      var recorded = 0;
      Object.keys(counts).forEach(function (k) { recorded += counts[k]; });
      counts.not_recorded = lines - recorded;
      document.querySelectorAll("[data-count]").forEach(function (el) {
        el.textContent = String(counts[el.getAttribute("data-count")] || 0);
      });
    };
    form.querySelectorAll(".roll-line").forEach(updateLine);
    form.addEventListener("change", function (event) {
      var line = event.target.closest(".roll-line");
      if (line) { updateLine(line); }
      recount();
    });
    recount();
  }

  var timer = document.getElementById("timer");
  if (timer && timer.getAttribute("data-start") && !timer.hasAttribute("data-closed")) {
    var start = Date.parse(timer.getAttribute("data-start"));
    var minimum = parseInt(timer.getAttribute("data-minimum"), 10);
    var out = timer.querySelector("[data-minutes]");
    var tick = function () {
      var minutes = Math.max(0, Math.floor((Date.now() - start) / 60000));
      out.textContent = String(minutes);
      timer.classList.toggle("enough", minutes >= minimum);
      timer.classList.toggle("short", minutes < minimum);
    };
    tick();
    window.setInterval(tick, 20000);
  }
})();
