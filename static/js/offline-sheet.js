// The workshop manager's day sheet when the signal comes and goes.
//
// - The page and its files are kept by the service worker (sheet-sw.js), so it opens without signal.
// - Every mark is written to the phone (IndexedDB, through idb-keyval) as soon as it is made: closing the
//   page, a reload or a dead battery keeps it. It is put back on the sheet when the page opens again.
// - "保存考勤" keeps the whole sheet on the phone first, with a new Idempotency-Key, then sends it to the
//   attendance API with the login session and the page's CSRF token. Without signal it stays on the phone,
//   the banner says "未同步 N 条", and it is sent when the signal returns (the same key each time, so a
//   save that arrived but whose answer was lost changes nothing when it is sent again).
// - Without JavaScript (or IndexedDB) the form posts to the page as it always did.
(function () {
  "use strict";
  var form = document.querySelector("form.sheet[data-offline]");
  var banner = document.getElementById("offline-banner");
  if (!form || !banner || !window.idbKeyval || !window.indexedDB || !window.fetch) { return; }
  var kv = window.idbKeyval;
  var store = kv.createStore("jobmatch-offline", "sheets");
  var data = form.dataset;
  var day = data.day;
  // Kept per user and workshop, so two managers sharing a phone never send each other's marks.
  var prefix = data.user + ":" + data.workshop + ":";
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var editable = !!form.querySelector("button[type=submit]");
  var syncing = false;
  // A phone on a weak signal may never say it went offline: kept saves are tried again this often.
  var RETRY_MS = 60 * 1000;
  var retry = null;

  function text(name, n) { return (banner.getAttribute("data-" + name) || "").replace("{n}", n); }
  function queuedKey(d) { return "q:" + prefix + d; }
  function draftKey(d) { return "d:" + prefix + d; }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // --- the sheet's lines ---------------------------------------------------------------------

  function workers() {
    return Array.prototype.map.call(form.querySelectorAll("input[name=laborer]"), function (input) {
      return input.value;
    });
  }

  function field(name) { return form.querySelector("[name='" + name + "']"); }

  function line(id) {
    var checked = form.querySelector("input[name='status-" + id + "']:checked");
    return {
      status: checked ? checked.value : "present",
      hours: (field("hours-" + id) || {}).value || "",
      pieces: (field("pieces-" + id) || {}).value || "",
      note: (field("note-" + id) || {}).value || ""
    };
  }

  function changedFromPage(id) {
    var checked = Array.prototype.filter.call(form.querySelectorAll("input[name='status-" + id + "']"), function (r) {
      return r.defaultChecked;
    })[0];
    var now = line(id);
    if ((checked ? checked.value : "present") !== now.status) { return true; }
    return ["hours", "pieces", "note"].some(function (key) {
      var input = field(key + "-" + id);
      return input && input.defaultValue !== input.value;
    });
  }

  function show(lines) {
    Object.keys(lines || {}).forEach(function (id) {
      var values = lines[id];
      var radio = form.querySelector("input[name='status-" + id + "'][value='" + values.status + "']");
      if (!radio) { return; }
      radio.checked = true;
      ["hours", "pieces", "note"].forEach(function (key) {
        var input = field(key + "-" + id);
        if (input) { input.value = values[key]; }
        if (input && values[key]) { input.closest("details").open = true; }
      });
    });
  }

  // The API's entry for a line, or null if a number cannot be read (the page's own save then says which).
  function entry(id, values) {
    var hours = values.hours.trim(), pieces = values.pieces.trim();
    var out = { laborer_id: Number(id), status: values.status, hours: null, pieces: null, note: values.note || null };
    if (hours) {
      if (!/^\d+(\.\d+)?$/.test(hours)) { return null; }
      out.hours = Number(hours);
    }
    if (pieces) {
      if (!/^\d+$/.test(pieces)) { return null; }
      out.pieces = Number(pieces);
    }
    return out;
  }

  function linesOf(entries) {
    var lines = {};
    entries.forEach(function (e) {
      lines[e.laborer_id] = {
        status: e.status,
        hours: e.hours === null ? "" : String(e.hours),
        pieces: e.pieces === null ? "" : String(e.pieces),
        note: e.note || ""
      };
    });
    return lines;
  }

  // --- what is kept on the phone -------------------------------------------------------------

  function saveDraft() {
    var lines = {};
    workers().forEach(function (id) { if (changedFromPage(id)) { lines[id] = line(id); } });
    var reason = field("reason");
    var record = { day: day, lines: lines, reason: reason ? reason.value : "", at: new Date().toISOString() };
    var done = Object.keys(lines).length || record.reason ? kv.set(draftKey(day), record, store) : kv.del(draftKey(day), store);
    return done.then(refresh);
  }

  function mine() {
    return kv.entries(store).then(function (entries) {
      return entries.filter(function (e) { return e[0].indexOf(prefix, 2) === 2; }).map(function (e) {
        return { key: e[0], kind: e[0].charAt(0), record: e[1] };
      });
    });
  }

  function refresh() {
    return mine().then(function (kept) {
      var queued = kept.filter(function (k) { return k.kind === "q"; });
      var n = queued.reduce(function (sum, k) { return sum + k.record.entries.length; }, 0);
      var drafted = kept.filter(function (k) { return k.kind === "d" && k.record.day === day; })[0];
      var parts = [];
      if (n) { parts.push(text("pending", n)); }
      var changed = drafted ? Object.keys(drafted.record.lines).length : 0;
      if (changed) { parts.push(text("draft", changed)); }
      if (!navigator.onLine) { parts.push(text("offline")); }
      banner.textContent = parts.join(" ");
      // Other days (and refused saves) each get a line with a link to their sheet.
      kept.forEach(function (k) {
        var r = k.record;
        var what;
        if (k.kind === "q" && (r.day !== day || r.problem)) {
          what = text("pending", r.entries.length) + (r.problem ? " · " + r.problem : "");
        } else if (k.kind === "d" && r.day !== day && Object.keys(r.lines).length) {
          what = text("draft", Object.keys(r.lines).length);
        } else {
          return;
        }
        var p = document.createElement("p");
        var a = document.createElement("a");
        a.href = form.getAttribute("action") + "?date=" + r.day;
        a.textContent = r.day;
        p.appendChild(a);
        p.appendChild(document.createTextNode(" " + what));
        banner.appendChild(p);
      });
      if (banner.dataset.needsLogin === "1") {
        var again = document.createElement("p");
        var login = document.createElement("a");
        login.href = banner.getAttribute("data-login-url");
        login.textContent = text("relogin");
        again.appendChild(login);
        banner.appendChild(again);
      }
      banner.hidden = !parts.length && !banner.children.length;
      banner.classList.toggle("pending", n > 0);
      return n;
    });
  }

  // --- sending -------------------------------------------------------------------------------

  function freshToken() {
    // The page may be an old copy (kept for use without signal) whose token has expired: ask for a new page.
    return fetch(form.getAttribute("action"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var match = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
        if (match) { csrf = match[1]; }
      });
  }

  function post(record) {
    return fetch(data.api + "?date=" + encodeURIComponent(record.day), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrf,
        "Idempotency-Key": record.key
      },
      body: JSON.stringify({ entries: record.entries, reason: record.reason || null })
    });
  }

  // The worker of an entry, by the name on this page's sheet ("" if not on it).
  function workerName(laborerId) {
    var input = form.querySelector("input[name=laborer][value='" + laborerId + "']");
    var legend = input && input.closest("fieldset").querySelector("legend");
    return legend && legend.firstChild ? legend.firstChild.textContent.trim() : "";
  }

  function problemText(body, record) {
    var errors = (body && body.errors) || [];
    var zh = document.documentElement.lang !== "en";
    if (!errors.length) { return body ? (zh ? body.title_zh : body.title) || "" : ""; }
    return errors.map(function (e) {
      var at = /^entries\.(\d+)\./.exec(e.field || "");
      var who = at && record.entries[Number(at[1])] ? workerName(record.entries[Number(at[1])].laborer_id) : "";
      return (who ? who + (zh ? "：" : ": ") : "") + (zh ? e.zh : e.en);
    }).join(zh ? "；" : "; ");
  }

  // Send one kept save: "saved", "offline" (try later), "login" (the session ended) or "refused".
  function send(k, retried) {
    var record = k.record;
    return post(record).then(function (response) {
      if (response.ok) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          k.answer = answer;
          return kv.get(k.key, store);
        }).then(function (now) {
          // A newer save of the same day made meanwhile stays to be sent.
          return now && now.key === record.key ? kv.del(k.key, store) : null;
        }).then(function () { return "saved"; });
      }
      if (response.status === 401) { return "login"; }
      if (response.status >= 500 || response.status === 409 && response.headers.get("Retry-After")) { return "offline"; }
      return response.json().catch(function () { return null; }).then(function (body) {
        var expired = response.status === 400 && body && /CSRF/.test(body.title || "");
        if (expired && !retried) {
          return freshToken().then(function () { return send(k, true); });
        }
        if (body && (body.errors || []).some(function (e) { return e.code === "in_progress"; })) { return "offline"; }
        record.problem = problemText(body, record) || String(response.status);
        return kv.set(k.key, record, store).then(function () { return "refused"; });
      });
    }, function () { return "offline"; });
  }

  function sendAll() {
    if (syncing) { return Promise.resolve([]); }
    syncing = true;
    return mine().then(function (kept) {
      var queued = kept.filter(function (k) { return k.kind === "q" && !k.record.problem; });
      // One after another: a weak signal carries one request better than several.
      return queued.reduce(function (chain, k) {
        return chain.then(function (results) {
          return send(k).then(function (result) { return results.concat([{ k: k, result: result }]); });
        });
      }, Promise.resolve([]));
    }).then(function (results) {
      syncing = false;
      clearTimeout(retry);
      if (results.some(function (r) { return r.result === "offline"; })) { retry = setTimeout(sendAll, RETRY_MS); }
      banner.dataset.needsLogin = results.some(function (r) { return r.result === "login"; }) ? "1" : "";
      var sent = results.filter(function (r) { return r.result === "saved"; });
      if (sent.length) {
        var n = sent.reduce(function (sum, r) { return sum + r.k.record.entries.length; }, 0);
        var here = sent.some(function (r) { return r.k.record.day === day; });
        sessionStorage.setItem("jobmatch-synced", text("synced", n));
        if (here) {
          // Show the sheet as saved, unless the manager is in the middle of new marks (they stay kept).
          return kv.get(draftKey(day), store).then(function (draft) {
            if (!draft) { location.replace(form.getAttribute("action") + "?date=" + day); }
            return refresh().then(function () { return results; });
          });
        }
        notice(sessionStorage.getItem("jobmatch-synced"));
        sessionStorage.removeItem("jobmatch-synced");
      }
      return refresh().then(function () { return results; });
    }, function (error) {
      syncing = false;
      throw error;
    });
  }

  function notice(message) {
    if (!message) { return; }
    var div = document.createElement("div");
    div.className = "flash success synced";
    div.setAttribute("role", "status");
    div.textContent = message;
    form.parentNode.insertBefore(div, banner);
  }

  // --- the page ------------------------------------------------------------------------------

  function keepThisPage() {
    if (!("serviceWorker" in navigator)) { return; }
    var urls = [location.href].concat(
      Array.prototype.map.call(document.querySelectorAll("link[rel=stylesheet], link[rel=icon], script[src]"), function (node) {
        return node.href || node.src;
      })
    );
    navigator.serviceWorker.register(data.worker, { scope: data.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        if (event.data && event.data.kept) { document.documentElement.setAttribute("data-offline-ready", ""); }
      };
      registration.active.postMessage({ type: "keep", urls: urls }, [channel.port2]);
    }).catch(function () { /* no service worker: the sheet works online as before */ });
  }

  form.addEventListener("change", saveDraft);
  form.addEventListener("input", function (event) { if (event.target.type === "text") { saveDraft(); } });

  form.addEventListener("submit", function (event) {
    if (!editable) { return; }
    var entries = [];
    var readable = workers().every(function (id) {
      var e = entry(id, line(id));
      if (e) { entries.push(e); }
      return e !== null;
    });
    if (!readable) { return; }  // the page's own save names the field to fix
    event.preventDefault();
    var reason = field("reason");
    var record = { key: newKey(), day: day, entries: entries, reason: reason ? reason.value : "", at: new Date().toISOString() };
    var k = { key: queuedKey(day), kind: "q", record: record };
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    kv.set(k.key, record, store).then(function () {
      return kv.del(draftKey(day), store);
    }).then(function () {
      // Kept on the phone from here on, whatever the signal does.
      return refresh();
    }).then(function () {
      return send(k);
    }).then(function (result) {
      if (result === "saved") {
        // The same words as the page's own save.
        var answer = k.answer || {};
        var saved = (banner.getAttribute("data-saved") || "")
          .replace("{changed}", (answer.created || 0) + (answer.updated || 0))
          .replace("{unchanged}", answer.unchanged || 0);
        sessionStorage.setItem("jobmatch-synced", saved);
        location.replace(form.getAttribute("action") + "?date=" + day);
        return;
      }
      button.disabled = false;
      if (result === "refused") {
        // The page's own save shows each error under its field; what was typed stays kept as marks until then.
        return kv.del(k.key, store).then(function () {
          return kv.set(draftKey(day), { day: day, lines: linesOf(entries), reason: record.reason, at: record.at }, store);
        }).then(function () { HTMLFormElement.prototype.submit.call(form); });
      }
      banner.dataset.needsLogin = result === "login" ? "1" : "";
      return refresh();
    }, function () {
      // IndexedDB failed (storage full, private window): the page's own save, as without JavaScript.
      HTMLFormElement.prototype.submit.call(form);
    });
  });

  // Logging out takes the kept copies of the sheet pages (workers' names) off the phone; marks not yet sent
  // stay, under this user, to be sent at the next login.
  var logout = document.querySelector("header form[action$='/logout']");
  if (logout && window.caches) {
    logout.addEventListener("submit", function (event) {
      event.preventDefault();
      caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) { return name.indexOf("jobmatch-sheet-") === 0; })
          .map(function (name) { return caches.delete(name); }));
      }).catch(function () {}).then(function () { HTMLFormElement.prototype.submit.call(logout); });
    });
  }

  window.addEventListener("online", function () { refresh().then(sendAll); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refresh().then(function (n) { if (n) { sendAll(); } }); }
  });
  window.addEventListener("offline", refresh);

  notice(sessionStorage.getItem("jobmatch-synced"));
  sessionStorage.removeItem("jobmatch-synced");
  keepThisPage();
  Promise.all([kv.get(queuedKey(day), store), kv.get(draftKey(day), store)]).then(function (kept) {
    var queued = kept[0], draft = kept[1];
    if (!editable) { return refresh(); }
    [queued && { lines: linesOf(queued.entries), reason: queued.reason }, draft].forEach(function (kept) {
      if (!kept) { return; }
      show(kept.lines);
      if (kept.reason && field("reason")) { field("reason").value = kept.reason; }
    });
    // Marks the server has meanwhile (the page's own save went through) are no longer marks to keep.
    return queued ? refresh() : saveDraft();
  }).then(function (n) {
    if (n && navigator.onLine) { return sendAll(); }
  });
})();
