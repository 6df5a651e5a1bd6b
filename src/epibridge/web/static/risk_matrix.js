// The WHO 5x5 risk matrix on an event's page: a click on a cell chooses its likelihood and
// consequence in the form's two selects (which are what is sent; without this script they are
// the form), and choosing in the selects marks the cell. The levels come from the server
// (notifications/risk.py MATRIX); nothing is computed here.
(function () {
  "use strict";
  var form = document.getElementById("assess-form");
  var out = document.getElementById("matrix-choice");
  if (!form || !out) { return; }
  var likelihood = form.elements.likelihood;
  var consequence = form.elements.consequence;
  var cells = Array.prototype.slice.call(form.querySelectorAll("button.cell-pick"));

  function label(select) {
    return select.options[select.selectedIndex] ? select.options[select.selectedIndex].text : "";
  }

  function mark() {
    var chosen = null;
    cells.forEach(function (cell) {
      var on = cell.getAttribute("data-likelihood") === likelihood.value &&
        cell.getAttribute("data-consequence") === consequence.value;
      cell.setAttribute("aria-pressed", on ? "true" : "false");
      if (on) { chosen = cell; }
    });
    if (chosen) {
      out.textContent = out.getAttribute("data-chosen") + " " + label(likelihood) + " × " +
        label(consequence) + ": " + chosen.getAttribute("data-level");
      out.setAttribute("data-level", chosen.className.replace("cell-pick", "").trim());
    }
  }

  cells.forEach(function (cell) {
    cell.addEventListener("click", function () {
      likelihood.value = cell.getAttribute("data-likelihood");
      consequence.value = cell.getAttribute("data-consequence");
      mark();
    });
  });
  likelihood.addEventListener("change", mark);
  consequence.addEventListener("change", mark);
})();
