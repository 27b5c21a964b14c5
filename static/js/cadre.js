// The cadre's pages: bring the first field error into view; show the reason field only for steps that take one;
// the profile's "show" button asks the audited reveal API for the full ID number and phone.
(function () {
  "use strict";
  var firstError = document.querySelector(".field-error");
  if (firstError) { firstError.scrollIntoView({ block: "center" }); }

  document.querySelectorAll("form.step").forEach(function (form) {
    var to = form.querySelector("select[name$='-to']");
    var reason = form.querySelector("select[name$='-reason_code']");
    if (!to || !reason) { return; }
    var field = reason.closest(".field");
    var takesReason = (form.getAttribute("data-reason-steps") || "").split(" ");
    function update() {
      var shown = takesReason.indexOf(to.value) >= 0 || field.classList.contains("has-error");
      field.hidden = !shown;
      if (!shown) { reason.value = ""; }
    }
    to.addEventListener("change", function () { field.classList.remove("has-error"); update(); });
    update();
  });

  // The outcome form: show the day of each step the chosen outcome records, the reason only for outcomes that
  // take one; the button says 推荐 for a plain referral and 记录 otherwise.
  document.querySelectorAll("form.outcome").forEach(function (form) {
    var days = JSON.parse(form.getAttribute("data-day-fields") || "{}");
    var takesReason = (form.getAttribute("data-reason-steps") || "").split(" ");
    var submit = form.querySelector("button[type=submit]");
    var reason = form.querySelector(".reason-field");
    function chosen() {
      var checked = form.querySelector("input[name=to]:checked");
      return checked ? checked.value : "";
    }
    function update() {
      var to = chosen();
      var shown = days[to] || [];
      form.querySelectorAll(".day-field").forEach(function (field) {
        field.hidden = shown.indexOf(field.getAttribute("data-day")) < 0 && !field.classList.contains("has-error");
      });
      if (reason) {
        reason.hidden = takesReason.indexOf(to) < 0 && !reason.classList.contains("has-error");
        if (reason.hidden) { reason.querySelector("select").value = ""; }
      }
      if (submit) {
        var first = form.querySelector("input[name=to]");
        submit.textContent = first && to === first.value ? submit.getAttribute("data-label-first")
          : submit.getAttribute("data-label-other");
      }
    }
    form.querySelectorAll("input[name=to]").forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  });

  var button = document.getElementById("reveal");
  if (!button) { return; }
  var csrf = document.querySelector("meta[name=csrf-token]").getAttribute("content");
  button.addEventListener("click", function () {
    button.disabled = true;
    fetch(button.getAttribute("data-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (body) {
      document.querySelectorAll("[data-personal]").forEach(function (node) {
        var value = body[node.getAttribute("data-personal")];
        node.textContent = value || "—";
      });
      button.hidden = true;
    }).catch(function () {
      button.disabled = false;
    });
  });
})();
