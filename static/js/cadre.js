// The laborer's profile: the "show" button asks the audited reveal API for the full ID number and phone.
(function () {
  "use strict";
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
