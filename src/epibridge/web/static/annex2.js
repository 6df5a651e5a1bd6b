// Live IHR Annex 2 outcome on the notification form. The rule lives on the server
// (notifications/annex2.py); this only asks GET /api/v1/notifications/annex2 and shows the answer.
(function () {
  "use strict";
  var form = document.getElementById("notification-form");
  var out = document.getElementById("annex2-outcome");
  if (!form || !out) { return; }
  var questions = ["serious_impact", "unusual", "international_spread", "travel_trade_restrictions"];
  var hours = parseInt(out.getAttribute("data-window-hours"), 10) || 24;
  var pending = 0;

  function answer(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : "";
  }

  function refresh() {
    var disease = (form.elements.disease && form.elements.disease.value.trim()) || "unknown";
    var params = new URLSearchParams({ disease: disease });
    questions.forEach(function (q) {
      var a = answer(q);
      if (a === "yes") { params.set(q, "true"); }
      if (a === "no") { params.set(q, "false"); }
    });
    var ticket = ++pending;
    fetch("/api/v1/notifications/annex2?" + params.toString(), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (result) {
      if (ticket !== pending) { return; }
      if (!result) { out.textContent = out.getAttribute("data-bad-disease"); return; }
      var text = out.getAttribute("data-" + result.outcome) || result.outcome;
      if (result.always_notifiable) { text = out.getAttribute("data-always") + " " + text; }
      if (result.outcome === "notify") {
        var due = new Date(Date.now() + hours * 3600 * 1000);
        text += " " + out.getAttribute("data-deadline") + " " +
          due.toISOString().slice(0, 16).replace("T", " ");
      }
      out.textContent = text;
      out.setAttribute("data-outcome", result.outcome);
    }).catch(function () { /* offline: the server decides when the form is sent */ });
  }

  form.addEventListener("change", refresh);
  if (form.elements.disease) { form.elements.disease.addEventListener("input", refresh); }
  refresh();
})();
