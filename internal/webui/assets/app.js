// newsflow: keyboard shortcuts and the histogram's drag to narrow the dates.
// Everything here is an addition: the pages work without it.
"use strict";
document.addEventListener("keydown", function (e) {
  // "/" focuses the search box, unless the user is typing somewhere.
  if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
  var t = e.target;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  var q = document.getElementById("q");
  if (!q) return;
  e.preventDefault();
  q.focus();
  q.select();
});

// Drag across the histogram's bars to narrow the search to those dates;
// a click on one bar follows its link (that bucket alone).
(function () {
  var fig = document.getElementById("histogram");
  if (!fig) return;
  var svg = fig.querySelector("svg");
  var bars = Array.prototype.slice.call(svg.querySelectorAll("a"));
  if (!bars.length) return;
  var start = null, current = null, dragged = false;
  function barAt(clientX) {
    var r = svg.getBoundingClientRect();
    var i = Math.floor((clientX - r.left) / r.width * bars.length);
    return Math.max(0, Math.min(bars.length - 1, i));
  }
  function paint() {
    var lo = Math.min(start, current), hi = Math.max(start, current);
    bars.forEach(function (a, i) {
      a.querySelector("rect").classList.toggle("selected", start !== null && i >= lo && i <= hi);
    });
  }
  svg.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    start = current = barAt(e.clientX);
    dragged = false;
    svg.setPointerCapture(e.pointerId);
    paint();
  });
  svg.addEventListener("pointermove", function (e) {
    if (start === null) return;
    var i = barAt(e.clientX);
    if (i !== start) dragged = true;
    current = i;
    paint();
  });
  svg.addEventListener("pointerup", function (e) {
    if (start === null) return;
    var lo = Math.min(start, current), hi = Math.max(start, current);
    start = null;
    if (!dragged) { paint(); return; } // a click: the link does it
    e.preventDefault();
    var url = new URL(window.location.href);
    url.searchParams.set("since", bars[lo].getAttribute("data-since"));
    url.searchParams.set("until", bars[hi].getAttribute("data-until"));
    url.searchParams.delete("from");
    window.location.assign(url.pathname + url.search);
  });
  // A drag must not also follow the link under the pointer.
  svg.addEventListener("click", function (e) {
    if (dragged) { e.preventDefault(); dragged = false; }
  });
})();
