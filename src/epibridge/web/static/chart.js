// Values on hover for the server-drawn charts (epibridge/charts.py) and the dashboard's rate
// map: each bar, period column, sparkline bar and state carries its text as an SVG <title>,
// already in the page's language; this shows that text in a box beside the pointer at once,
// instead of the browser's delayed tooltip. Without this script the <title> tooltips still work.
(function () {
  "use strict";
  var charts = document.querySelectorAll("svg.tips");
  if (!charts.length) { return; }
  var tip = document.createElement("div");
  tip.className = "chart-tip";
  tip.setAttribute("role", "status");
  tip.hidden = true;
  document.body.appendChild(tip);

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

  function hide() { tip.hidden = true; }

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
    svg.addEventListener("pointerleave", hide);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { hide(); }
  });
})();
