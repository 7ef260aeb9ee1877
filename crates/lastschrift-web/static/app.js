// Live checks for the creditor form: each input with data-check="iban|bic|creditor_id" asks the
// server (the same parser that checks the saved value) and shows the answer under the field.
// File inputs with data-max-bytes refuse a file the server would refuse, before it is sent:
// cut off mid-upload, a browser shows a broken connection instead of the server's answer.
// Loaded from /static/app.js: the CSP forbids inline scripts.
"use strict";
(function () {
  function wire(input) {
    var kind = input.getAttribute("data-check");
    var out = document.querySelector('[data-check-for="' + input.id + '"]');
    if (!out) { return; }
    var timer = null;
    function run() {
      var value = input.value.trim();
      if (value === "") { out.textContent = ""; out.className = "field-error"; return; }
      fetch("/api/check/" + encodeURIComponent(kind) + "?value=" + encodeURIComponent(value),
            { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) {
          if (!answer) { return; }
          if (answer.valid) { out.textContent = "\u2713 " + answer.normalized; out.className = "field-ok"; }
          else { out.textContent = answer.message; out.className = "field-error"; }
        })
        .catch(function () {});
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 300); });
    input.addEventListener("blur", run);
  }
  function guardSize(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var message = input.getAttribute("data-too-large") || "";
    input.addEventListener("change", function () {
      var total = 0;
      Array.prototype.forEach.call(input.files || [], function (f) { total += f.size; });
      input.setCustomValidity(total > max ? message : "");
      if (total > max) { input.reportValidity(); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-check]"), wire);
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-max-bytes]"), guardSize);
  });
})();
