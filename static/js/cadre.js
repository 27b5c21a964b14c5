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
