// newsflow: the pipeline page's live numbers, from server-sent events.
"use strict";
(function () {
  var table = document.getElementById("stages");
  if (!table || !window.EventSource) return;
  var live = document.getElementById("live");
  var fmt = new Intl.NumberFormat("en");
  var es = new EventSource("/pipeline/events");
  es.addEventListener("stages", function (e) {
    var rows = JSON.parse(e.data);
    rows.forEach(function (r) {
      var tr = table.querySelector('tr[data-stage="' + r.stage + '"]');
      if (!tr) return;
      ["pending", "in_flight", "redelivered", "dead", "rate"].forEach(function (f) {
        var td = tr.querySelector('[data-field="' + f + '"]');
        var text = f === "rate" ? (r.has_rate ? r.rate.toFixed(1) : "–") : fmt.format(r[f]);
        if (td.textContent !== text) {
          td.textContent = text;
          td.classList.add("changed");
          setTimeout(function () { td.classList.remove("changed"); }, 800);
        }
      });
    });
    table.setAttribute("data-updated", new Date().toISOString());
    live.textContent = "Live: updated " + new Date().toLocaleTimeString() + ".";
  });
  es.addEventListener("failure", function (e) {
    live.textContent = "Reading the pipeline failed: " + JSON.parse(e.data);
  });
  es.onerror = function () {
    live.textContent = "Disconnected; retrying…";
  };
})();
