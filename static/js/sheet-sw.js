// The workshop manager's day sheet without signal: the sheet pages and their static files are kept in the
// phone's cache. With signal, pages come from the network (and the copy is renewed); without, from the copy.
// Served by the workshop_pages.service_worker route with the scope /workshops/.
"use strict";

var CACHE = "jobmatch-sheet-v1";
// A workshop's day sheet (any date is the same path; the date is in the query).
var SHEET_PATH = /^\/workshops\/\d+\/attendance$/;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("jobmatch-sheet-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function keepable(response) {
  // Only a page or file as it was meant: no login redirect, no error page replaces a good copy.
  return response && response.ok && response.type === "basic" && !response.redirected;
}

function fetchAndKeep(request, cache) {
  return fetch(request).then(function (response) {
    if (keepable(response)) { cache.put(request, response.clone()); }
    return response;
  });
}

function offlinePage() {
  var body = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width, initial-scale=1'>" +
    "<title>离线 · Offline</title><p>没有信号，这一页还没有在这部手机上联网打开过。</p>" +
    "<p lang=en>No signal, and this page was never opened on this phone while online.</p>";
  return new Response(body, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// On a weak signal the network may take minutes to fail: after this long the kept copy is shown (the answer,
// if it comes, still renews the copy for next time).
var NETWORK_WAIT_MS = 8000;

function sheetPage(request) {
  return caches.open(CACHE).then(function (cache) {
    var network = fetchAndKeep(request, cache);
    var kept = function () {
      return cache.match(request, { ignoreVary: true });
    };
    var slow = new Promise(function (resolve) {
      setTimeout(function () {
        kept().then(function (copy) { if (copy) { resolve(copy); } });
      }, NETWORK_WAIT_MS);
    });
    var failed = network.catch(function () {
      return kept().then(function (copy) { return copy || offlinePage(); });
    });
    return Promise.race([failed, slow]);
  });
}

function staticFile(request) {
  // The kept copy at once (a weak signal must not hold the page up), renewed in the background.
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (kept) {
      var fresh = fetchAndKeep(request, cache);
      if (kept) {
        fresh.catch(function () {});
        return kept;
      }
      return fresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && SHEET_PATH.test(url.pathname)) {
    event.respondWith(sheetPage(request));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staticFile(request));
  }
});

// A page that was opened before this worker took charge asks to be kept, with its static files.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) { return; }
  var port = event.ports && event.ports[0];
  var urls = data.urls.filter(function (u) {
    var url = new URL(u, self.location.origin);
    return url.origin === self.location.origin &&
      (SHEET_PATH.test(url.pathname) || url.pathname.indexOf("/static/") === 0);
  });
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all(urls.map(function (u) {
        return fetch(u, { credentials: "same-origin" }).then(function (response) {
          if (keepable(response)) { return cache.put(u, response); }
          throw new Error("not kept: " + u);
        });
      }));
    }).then(function () {
      if (port) { port.postMessage({ kept: true }); }
    }, function () {
      if (port) { port.postMessage({ kept: false }); }
    })
  );
});
