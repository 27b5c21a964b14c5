// The roster upload page: posts the file to the import API with upload progress, shows every rejected row.
// Its words come translated from the page (#roster-text), and the API's messages in the page's language.
(function () {
  "use strict";
  var form = document.getElementById("roster-form");
  if (!form) { return; }
  var text = JSON.parse(document.getElementById("roster-text").textContent);
  var english = text.language === "en";
  var numbers = new Intl.NumberFormat(english ? "en" : "zh-CN");
  var progress = document.getElementById("roster-progress");
  var status = document.getElementById("roster-status");
  var reportButton = document.getElementById("roster-report");
  var csrf = document.querySelector("meta[name=csrf-token]").getAttribute("content");
  var dryRun = "true";

  form.querySelectorAll("button[data-dry-run]").forEach(function (button) {
    button.addEventListener("click", function () { dryRun = button.getAttribute("data-dry-run"); });
  });

  // The JSON answer comes as NDJSON lines: {done, total} after every batch, then {result} or {problem}.
  function lines(xhr) {
    return xhr.responseText.split("\n").filter(function (line) { return line.trim(); }).map(function (line) {
      try { return JSON.parse(line); } catch (e) { return {}; }
    });
  }

  function showProgress(xhr) {
    var done = lines(xhr).filter(function (line) { return line.total !== undefined; }).pop();
    if (!done || !done.total) { return; }
    progress.value = Math.round(100 * done.done / done.total);
    status.textContent = fill(text.rows_done, done);
  }

  function send(report, onDone) {
    var kind = form.elements.kind.value;
    var data = new FormData();
    data.append("file", form.elements.file.files[0]);
    var xhr = new XMLHttpRequest();
    var stream = report === "json" ? "&stream=true" : "";
    xhr.open("POST", "/api/v1/rosters/" + kind + "/import?dry_run=" + dryRun + "&report=" + report + stream);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.responseType = report === "xlsx" ? "blob" : "text";
    progress.hidden = false;
    progress.value = 0;
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) { progress.value = Math.round(100 * event.loaded / event.total); }
    };
    xhr.upload.onload = function () {
      progress.removeAttribute("value");
      status.textContent = text.checking;
    };
    if (report === "json") { xhr.onprogress = function () { showProgress(xhr); }; }
    xhr.onload = function () { progress.hidden = true; onDone(xhr); };
    xhr.onerror = function () { progress.hidden = true; status.textContent = text.network_error; };
    xhr.send(data);
  }

  function cell(row, value) {
    var td = document.createElement("td");
    td.textContent = value;
    row.appendChild(td);
  }

  function message(e) { return english ? e.en : e.zh; }

  function problemText(body) {
    var errors = (body.errors || []).map(message).join(english ? "; " : "；");
    var title = (english ? body.title : body.title_zh) || text.error;
    return title + (errors ? (english ? ": " : "：") + errors : "");
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) { return numbers.format(values[name]); });
  }

  function show(xhr) {
    if (xhr.status !== 200) {
      var problem = {};
      try { problem = JSON.parse(xhr.responseText); } catch (e) { problem = {}; }
      status.textContent = problemText(problem);
      return;
    }
    var last = lines(xhr).pop() || {};
    if (last.problem) {
      status.textContent = fill(text.batch_failed, {done: last.done}) + problemText(last.problem);
      return;
    }
    if (!last.result) {
      status.textContent = text.stopped;
      return;
    }
    var body = last.result;
    var c = body.counts;
    status.textContent = body.dry_run ? text.dry_run_done : text.imported;
    document.getElementById("roster-counts").textContent = fill(text.counts, c);
    var tbody = document.getElementById("roster-rejected");
    tbody.textContent = "";
    body.rejected.forEach(function (r) {
      r.errors.forEach(function (e) {
        var tr = document.createElement("tr");
        cell(tr, r.row); cell(tr, e.field); cell(tr, message(e));
        tbody.appendChild(tr);
      });
    });
    document.getElementById("roster-result").hidden = false;
    reportButton.disabled = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    status.textContent = text.uploading;
    send("json", show);
  });

  reportButton.addEventListener("click", function () {
    dryRun = "true";
    send("xlsx", function (xhr) {
      if (xhr.status !== 200) { status.textContent = text.report_failed; return; }
      var link = document.createElement("a");
      link.href = URL.createObjectURL(xhr.response);
      link.download = text.report_file;
      link.click();
      URL.revokeObjectURL(link.href);
      status.textContent = text.report_downloaded;
    });
  });
})();
