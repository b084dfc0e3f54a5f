/* Offline start for boards: pages network-first (cache as fallback), static assets
   stale-while-revalidate. Socket.IO and the API are never cached. See docs/board.md. */
"use strict";

var CACHE = "roadmap-v7"; // v7: every op named in the catalogues, the exports language (issue 15)

/* The board page's ES modules (roadmap/boards/views.py board_modules(); tests/joining/test_views.py checks that
   this list, the folder and the page's modulepreload links agree). A page that asks to be kept
   offline keeps all of them: an import the worker never saw would fail offline. */
var MODULES = [
  "/static/js/boards/actions.js",
  "/static/js/boards/cluster-drag.js",
  "/static/js/boards/connection.js",
  "/static/js/boards/core.js",
  "/static/js/boards/do-no-harm.js",
  "/static/js/boards/editor.js",
  "/static/js/boards/i18n.js",
  "/static/js/boards/input.js",
  "/static/js/boards/layout.js",
  "/static/js/boards/leave.js",
  "/static/js/boards/main.js",
  "/static/js/boards/messages.js",
  "/static/js/boards/offline.js",
  "/static/js/boards/render.js",
  "/static/js/boards/rules.js",
  "/static/js/boards/store.js",
  "/static/js/boards/undo.js",
  "/static/js/common/dom.js",
  "/static/js/boards/facilitation/facilitate.js",
  "/static/js/boards/facilitation/room.js",
  "/static/js/follow_up/card.js",
  "/static/js/follow_up/synergies.js",
];

/* The note fonts of the scripts a phone may lack (static/fonts/build.py). A board page that asks
   to be kept offline keeps these too (70 KB); the 1 MB Chinese face is kept once a page used it
   (every fetched /static/ file is cached below). */
var FONTS = [
  "/static/fonts/fonts.css",
  "/static/fonts/noto-sans-thai.woff2",
  "/static/fonts/noto-sans-lao.woff2",
  "/static/fonts/noto-sans-khmer.woff2",
  "/static/fonts/noto-sans-myanmar.woff2",
];

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name !== CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

/* A page asks: keep these (its own URL and its assets) for when the network is gone. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "cache" || !Array.isArray(data.urls)) return;
  var port = event.ports && event.ports[0];
  var urls = data.urls.concat(MODULES, FONTS).filter(function (url) {
    return typeof url === "string" && cacheable(new URL(url, self.location.origin));
  });
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        return Promise.all(
          urls.map(function (url) {
            return fetch(url, { credentials: "same-origin", cache: "no-cache" }).then(function (res) {
              if (res.ok) return cache.put(url, res);
            });
          })
        );
      })
      .then(
        function () {
          if (port) port.postMessage({ cached: true });
        },
        function () {
          if (port) port.postMessage({ cached: false });
        }
      )
  );
});

function cacheable(url) {
  if (url.origin !== self.location.origin) return false;
  if (url.pathname.indexOf("/socket.io/") === 0 || url.pathname.indexOf("/api/") === 0) return false;
  return url.pathname.indexOf("/static/") === 0 || /^\/boards\/\d+(\/list)?$/.test(url.pathname);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (!cacheable(url)) return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(request));
  } else {
    event.respondWith(staleWhileRevalidate(request));
  }
});

function networkFirst(request) {
  return caches.open(CACHE).then(function (cache) {
    return fetch(request)
      .then(function (res) {
        if (res.ok) cache.put(request, res.clone());
        return res;
      })
      .catch(function () {
        return cache.match(request, { ignoreSearch: true }).then(function (hit) {
          return hit || offlinePage();
        });
      });
  });
}

function staleWhileRevalidate(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, { ignoreSearch: true }).then(function (hit) {
      var fresh = fetch(request)
        .then(function (res) {
          if (res.ok) cache.put(request, res.clone());
          return res;
        })
        .catch(function () {
          return hit || Response.error();
        });
      return hit || fresh;
    });
  });
}

function offlinePage() {
  return new Response(
    "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
      "<title>Offline</title><p style='font:1.25rem system-ui;padding:1rem'>" +
      "You are offline and this page was not saved on this device. Try again when connected.</p>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
  );
}
