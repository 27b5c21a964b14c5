// The roster upload page: posts the file to the import API with upload progress, shows every rejected row.
(function () {
  "use strict";
  var form = document.getElementById("roster-form");
  if (!form) { return; }
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
    status.textContent = "已处理 " + done.done + " / " + done.total + " 行 · rows done";
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
      status.textContent = "正在读取文件… · reading the file…";
    };
    if (report === "json") { xhr.onprogress = function () { showProgress(xhr); }; }
    xhr.onload = function () { progress.hidden = true; onDone(xhr); };
    xhr.onerror = function () { progress.hidden = true; status.textContent = "网络错误 · network error"; };
    xhr.send(data);
  }

  function cell(row, value) {
    var td = document.createElement("td");
    td.textContent = value;
    row.appendChild(td);
  }

  function problemText(body) {
    var errors = (body.errors || []).map(function (e) { return e.zh + " / " + e.en; }).join("; ");
    return (body.title_zh ? body.title_zh + " · " : "") + (body.title || "错误 · error") + (errors ? ": " + errors : "");
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
      status.textContent = "已处理 " + last.done + " 行后，下一批失败 · after " + last.done +
        " rows the next batch failed: " + problemText(last.problem);
      return;
    }
    if (!last.result) {
      status.textContent = "导入中断；正式导入已完成的批次会保留，再次导入即可续传 · the import stopped; " +
        "an import keeps its finished batches, import the file again to resume";
      return;
    }
    var body = last.result;
    var c = body.counts;
    status.textContent = body.dry_run ? "试导入完成，未写入 · dry run, nothing written" : "已导入 · imported";
    document.getElementById("roster-counts").textContent =
      "新增 created " + c.created + " · 更新 updated " + c.updated + " · 无变化 unchanged " + c.unchanged +
      " · 拒绝 rejected " + c.rejected;
    var tbody = document.getElementById("roster-rejected");
    tbody.textContent = "";
    body.rejected.forEach(function (r) {
      r.errors.forEach(function (e) {
        var tr = document.createElement("tr");
        cell(tr, r.row); cell(tr, e.field); cell(tr, e.zh); cell(tr, e.en);
        tbody.appendChild(tr);
      });
    });
    document.getElementById("roster-result").hidden = false;
    reportButton.disabled = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    status.textContent = "正在上传… · uploading…";
    send("json", show);
  });

  reportButton.addEventListener("click", function () {
    dryRun = "true";
    send("xlsx", function (xhr) {
      if (xhr.status !== 200) { status.textContent = "报告生成失败 · report failed"; return; }
      var link = document.createElement("a");
      link.href = URL.createObjectURL(xhr.response);
      link.download = "导入结果.xlsx";
      link.click();
      URL.revokeObjectURL(link.href);
      status.textContent = "报告已下载 · report downloaded";
    });
  });
})();
