// The roster upload page: checks the file (a dry run, nothing written), shows what the import would do —
// new, changed (old → new), unchanged, refused with every reason by column, notices — and imports the same
// file only when the officer confirms. Its words come translated from the page (#roster-text), and the API's
// messages in the page's language.
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
  var confirmButton = document.getElementById("roster-confirm");
  var csrf = document.querySelector("meta[name=csrf-token]").getAttribute("content");
  // The rows a table lists on the page; the report has them all.
  var MAX_SHOWN = 500;
  var checked = null;  // the dry run's answer for the file now chosen: {kind, digest, importable}

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

  function send(options, onDone) {
    var kind = form.elements.kind.value;
    var data = new FormData();
    data.append("file", form.elements.file.files[0]);
    var xhr = new XMLHttpRequest();
    var query = "?dry_run=" + (options.dryRun ? "true" : "false") + "&report=" + options.report;
    if (options.report === "json") { query += "&stream=true"; }
    if (options.digest) { query += "&digest=" + encodeURIComponent(options.digest); }
    // The report is made within the request; a check or an import of a large file becomes a background job.
    if (options.report === "xlsx") { query += "&background=false"; }
    xhr.open("POST", "/api/v1/rosters/" + kind + "/import" + query);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.responseType = options.report === "xlsx" ? "blob" : "text";
    progress.hidden = false;
    progress.value = 0;
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) { progress.value = Math.round(100 * event.loaded / event.total); }
    };
    xhr.upload.onload = function () {
      progress.removeAttribute("value");
      status.textContent = text.checking;
    };
    if (options.report === "json") { xhr.onprogress = function () { showProgress(xhr); }; }
    xhr.onload = function () { progress.hidden = true; onDone(xhr); };
    xhr.onerror = function () { progress.hidden = true; status.textContent = text.network_error; };
    xhr.send(data);
  }

  function row(tbody, values) {
    var tr = document.createElement("tr");
    values.forEach(function (value) {
      var td = document.createElement("td");
      td.textContent = value;
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  }

  function message(e) { return english ? e.en : e.zh; }

  // A column as the reader knows it: the sheet's own header, with its English name on an English page.
  function column(e) {
    if (!e.column) { return "—"; }
    return english && e.column_en ? e.column_en + " (" + e.column + ")" : e.column;
  }

  function problemText(body) {
    var errors = (body.errors || []).map(message).join(english ? "; " : "；");
    var title = (english ? body.title : body.title_zh) || text.error;
    return title + (errors ? (english ? ": " : "：") + errors : "");
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) { return numbers.format(values[name]); });
  }

  // Fill one table of the summary from a list of [cells]; hide its part when there is none.
  function table(name, entries) {
    var tbody = document.getElementById("roster-" + name);
    tbody.textContent = "";
    entries.slice(0, MAX_SHOWN).forEach(function (cells) { row(tbody, cells); });
    document.getElementById("roster-" + name + "-part").hidden = entries.length === 0;
    return entries.length > MAX_SHOWN;
  }

  function showSummary(body) {
    document.getElementById("roster-counts").textContent = fill(text.counts, body.counts) +
      (body.examples_skipped ? (english ? ". " : "。") + text.examples_skipped : "");
    var refused = [];
    body.rejected.forEach(function (r) {
      r.errors.forEach(function (e) { refused.push([r.row, r.label, column(e), message(e)]); });
    });
    var changed = [];
    body.updated.forEach(function (r) {
      r.changes.forEach(function (c) {
        changed.push([r.row, r.label, column(c), c.old || text.empty_value, c.new || text.empty_value]);
      });
    });
    var notices = body.notices.map(function (n) { return [n.row, n.label, column(n), message(n)]; });
    var more = [table("rejected", refused), table("updated", changed), table("notices", notices)];
    var moreNote = document.getElementById("roster-more");
    moreNote.hidden = more.indexOf(true) < 0 && !body.shown_only;
    moreNote.textContent = fill(text.more_rows, {n: MAX_SHOWN});
    document.getElementById("roster-result").hidden = false;
    reportButton.disabled = false;
  }

  function answer(xhr) {
    if (xhr.status === 202) {
      // A large file: a background job checks or imports it; its page follows the job (and survives a reload).
      var job = {};
      try { job = JSON.parse(xhr.responseText); } catch (e) { job = {}; }
      if (job.id) { window.location.href = text.job_page + "?job=" + encodeURIComponent(job.id); }
      return null;
    }
    if (xhr.status !== 200) {
      var problem = {};
      try { problem = JSON.parse(xhr.responseText); } catch (e) { problem = {}; }
      status.textContent = problemText(problem);
      return null;
    }
    var last = lines(xhr).pop() || {};
    if (last.problem) {
      status.textContent = fill(text.batch_failed, {done: last.done}) + problemText(last.problem);
      return null;
    }
    if (!last.result) {
      status.textContent = text.stopped;
      return null;
    }
    return last.result;
  }

  function forget() {
    checked = null;
    confirmButton.hidden = true;
    confirmButton.disabled = true;
  }

  // A background check or import that has finished: its summary, from the page (the job's result).
  var finishedJob = document.getElementById("roster-job");
  if (finishedJob) {
    var done = JSON.parse(finishedJob.textContent);
    showSummary(done.summary);
    var importable = done.summary.counts.created + done.summary.counts.updated;
    status.textContent = !done.dry_run ? text.imported : (importable ? text.checked : text.nothing_to_import);
    // The job's own report is linked above; this button would send the (now empty) file box.
    reportButton.hidden = true;
  }

  form.elements.file.addEventListener("change", forget);
  form.elements.kind.addEventListener("change", forget);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    forget();
    reportButton.hidden = false;
    status.textContent = text.uploading;
    send({dryRun: true, report: "json"}, function (xhr) {
      var body = answer(xhr);
      if (!body) { return; }
      showSummary(body);
      var importable = body.counts.created + body.counts.updated;
      checked = {kind: body.kind, digest: body.digest};
      status.textContent = importable ? text.checked : text.nothing_to_import;
      confirmButton.textContent = fill(text.confirm, {n: importable});
      confirmButton.hidden = importable === 0;
      confirmButton.disabled = importable === 0;
    });
  });

  confirmButton.addEventListener("click", function () {
    if (!checked) { return; }
    confirmButton.disabled = true;
    status.textContent = text.uploading;
    send({dryRun: false, report: "json", digest: checked.digest}, function (xhr) {
      var body = answer(xhr);
      forget();
      if (!body) { return; }
      showSummary(body);
      status.textContent = text.imported;
    });
  });

  reportButton.addEventListener("click", function () {
    send({dryRun: true, report: "xlsx"}, function (xhr) {
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
