// Values on hover and on keyboard focus for the server-drawn charts (epibridge/charts.py) and
// the dashboard's rate map: each bar, period column, sparkline bar and state carries its text
// as an SVG <title>, already in the page's language; this shows that text in a box beside the
// pointer at once, instead of the browser's delayed tooltip. Each chart is one stop of the Tab
// key: the arrow keys (and Home, End) then move from point to point, and the box shows the
// focused point's text, which the box's role="status" also reads out. Without this script the
// <title> tooltips still work.
(function () {
  "use strict";
  var charts = document.querySelectorAll("svg.tips");
  if (!charts.length) { return; }
  var tip = document.createElement("div");
  tip.className = "chart-tip";
  tip.setAttribute("role", "status");
  tip.hidden = true;
  document.body.appendChild(tip);
  var STEPS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };

  function textOf(element) {
    return element.getAttribute("data-tip") || "";
  }

  function place(x, y) {
    var width = tip.offsetWidth, height = tip.offsetHeight;
    var left = Math.min(x + 14, window.scrollX + document.documentElement.clientWidth - width - 4);
    var top = y - height - 12 < window.scrollY ? y + 18 : y - height - 12;
    // CSSOM properties, not a style attribute: the Content-Security-Policy allows these.
    tip.style.left = Math.max(left, 4) + "px";
    tip.style.top = top + "px";
  }

  function show(element, x, y) {
    var text = textOf(element);
    if (!text) { return; }
    tip.textContent = text;
    tip.hidden = false;
    place(x, y);
  }

  function showAt(element) {
    // A focused point has no pointer: the box stands above the point's middle.
    var box = element.getBoundingClientRect();
    show(element, window.scrollX + box.left + box.width / 2, window.scrollY + box.top);
  }

  function hide() { tip.hidden = true; }

  function points(svg) {
    // One stop per period: the period columns where the chart has them, else every tip.
    var columns = svg.querySelectorAll("rect.hit[data-tip]");
    return columns.length ? columns : svg.querySelectorAll("[data-tip]");
  }

  function keyboard(svg) {
    var stops = points(svg);
    if (!stops.length) { return; }
    Array.prototype.forEach.call(stops, function (point, i) {
      point.setAttribute("tabindex", i === 0 ? "0" : "-1");
      point.setAttribute("focusable", "true");
      point.addEventListener("focus", function () { showAt(point); });
      point.addEventListener("blur", hide);
    });
    svg.addEventListener("keydown", function (event) {
      var at = Array.prototype.indexOf.call(stops, document.activeElement);
      if (at < 0) { return; }
      var next = event.key === "Home" ? 0 : event.key === "End" ? stops.length - 1
        : STEPS[event.key] ? Math.min(Math.max(at + STEPS[event.key], 0), stops.length - 1) : -1;
      if (next < 0) { return; }
      event.preventDefault();
      // A roving tab stop: Tab comes back to the point last shown.
      stops[at].setAttribute("tabindex", "-1");
      stops[next].setAttribute("tabindex", "0");
      stops[next].focus();
    });
  }

  Array.prototype.forEach.call(charts, function (svg) {
    // The <title> children become data-tip (and a label for assistive technology), so the
    // browser's own tooltip does not cover this one.
    Array.prototype.forEach.call(svg.querySelectorAll("rect > title, path > title"), function (title) {
      var owner = title.parentNode;
      owner.setAttribute("data-tip", title.textContent);
      owner.setAttribute("aria-label", title.textContent);
      owner.removeChild(title);
    });
    svg.addEventListener("pointermove", function (event) {
      var target = event.target.closest ? event.target.closest("[data-tip]") : null;
      if (target) { show(target, event.pageX, event.pageY); } else { hide(); }
    });
    svg.addEventListener("pointerleave", function () {
      if (!svg.contains(document.activeElement)) { hide(); }
    });
    keyboard(svg);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { hide(); }
  });
})();
