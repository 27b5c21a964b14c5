// Background job progress bars (templates/jobs/progress.html): poll the job's status every second,
// show done/total and the message, and reload the page when the job has ended so it shows the result.
(function () {
  "use strict";
  var POLL_MS = 1000;
  document.querySelectorAll("[data-job-status]").forEach(function (box) {
    if (box.getAttribute("data-finished") === "true") { return; }
    var url = box.getAttribute("data-job-status");
    var bar = box.querySelector("progress");
    var percent = box.querySelector(".job-percent");
    var message = box.querySelector(".job-message");
    var count = box.querySelector(".job-count");
    var error = box.querySelector(".job-error");

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { window.setTimeout(poll, POLL_MS * 5); return; }
          bar.value = job.percent;
          percent.textContent = job.percent + "%";
          message.textContent = job.message;
          if (count && job.total) { count.textContent = job.done + " / " + job.total; }
          if (job.error) { error.textContent = job.error; error.hidden = false; }
          if (job.finished) { window.location.reload(); return; }
          window.setTimeout(poll, POLL_MS);
        })
        .catch(function () { window.setTimeout(poll, POLL_MS * 5); });
    }
    window.setTimeout(poll, POLL_MS);
  });
})();
