// Zoom and move the border map (buttons, mouse wheel, dragging) by changing the SVG viewBox.
// The crossings keep their size on the screen as the map grows, and the dots that were set
// apart to stay visible (epibridge.maps.spread) move back towards their true place: at zoom k
// a dot sits at place + offset / k, so dots never cover each other more than at the start.
// Without this script the map is the same picture at one scale, and every dot is a link.
(function () {
  "use strict";
  var figure = document.getElementById("border-map");
  if (!figure) { return; }
  var svg = figure.querySelector("svg");
  var tools = figure.querySelector(".map-tools");
  var full = svg.getAttribute("viewBox").split(/\s+/).map(Number);
  var radius = Number(svg.getAttribute("data-radius")) || 6;
  var MAX = 12;
  var view = full.slice();
  var dots = Array.prototype.map.call(svg.querySelectorAll("circle.xing"), function (c) {
    var link = c.parentNode;
    return {
      circle: c,
      leader: link.querySelector("line.leader"),
      x: Number(c.getAttribute("data-x")),
      y: Number(c.getAttribute("data-y")),
      dx: Number(c.getAttribute("cx")) - Number(c.getAttribute("data-x")),
      dy: Number(c.getAttribute("cy")) - Number(c.getAttribute("data-y"))
    };
  });

  function zoom() { return full[2] / view[2]; }

  function draw() {
    svg.setAttribute("viewBox", view.map(function (v) { return v.toFixed(2); }).join(" "));
    var k = zoom();
    svg.setAttribute("data-zoom", k.toFixed(2));
    dots.forEach(function (d) {
      var cx = (d.x + d.dx / k).toFixed(2), cy = (d.y + d.dy / k).toFixed(2);
      d.circle.setAttribute("cx", cx);
      d.circle.setAttribute("cy", cy);
      d.circle.setAttribute("r", (radius / k).toFixed(2));
      if (d.leader) {
        d.leader.setAttribute("x2", cx);
        d.leader.setAttribute("y2", cy);
      }
    });
  }

  // Keep the view inside the map and the zoom between the whole map and MAX.
  function clamp() {
    var w = Math.min(full[2], Math.max(full[2] / MAX, view[2]));
    var h = w * full[3] / full[2];
    var cx = view[0] + view[2] / 2, cy = view[1] + view[3] / 2;
    var x = Math.min(full[0] + full[2] - w, Math.max(full[0], cx - w / 2));
    var y = Math.min(full[1] + full[3] - h, Math.max(full[1], cy - h / 2));
    view = [x, y, w, h];
  }

  // Zoom by ``factor`` keeping the map point under (px, py) (fractions of the box) in place.
  function zoomAt(factor, px, py) {
    var w = view[2] / factor, h = view[3] / factor;
    var ax = view[0] + view[2] * px, ay = view[1] + view[3] * py;
    view = [ax - w * px, ay - h * py, w, h];
    clamp();
    draw();
  }

  function fraction(event) {
    var box = svg.getBoundingClientRect();
    return [(event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height];
  }

  tools.hidden = false;
  tools.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-zoom]");
    if (!button) { return; }
    var what = button.getAttribute("data-zoom");
    if (what === "in") { zoomAt(2, 0.5, 0.5); }
    else if (what === "out") { zoomAt(0.5, 0.5, 0.5); }
    else { view = full.slice(); draw(); }
  });

  svg.addEventListener("wheel", function (event) {
    event.preventDefault();
    var at = fraction(event);
    zoomAt(event.deltaY < 0 ? 1.25 : 0.8, at[0], at[1]);
  }, { passive: false });

  // Dragging moves the map; a drag that ends on a dot does not follow its link.
  var drag = null, dragged = false;
  svg.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) { return; }
    drag = { x: event.clientX, y: event.clientY, view: view.slice() };
    dragged = false;
  });
  svg.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    var box = svg.getBoundingClientRect();
    var mx = (event.clientX - drag.x) * view[2] / box.width;
    var my = (event.clientY - drag.y) * view[3] / box.height;
    if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) > 4) { dragged = true; }
    if (!dragged) { return; }
    view = [drag.view[0] - mx, drag.view[1] - my, drag.view[2], drag.view[3]];
    clamp();
    draw();
  });
  function stop() { drag = null; }
  svg.addEventListener("pointerup", stop);
  svg.addEventListener("pointercancel", stop);
  svg.addEventListener("pointerleave", stop);
  svg.addEventListener("click", function (event) {
    if (dragged) { event.preventDefault(); dragged = false; }
  }, true);
  draw();
})();
