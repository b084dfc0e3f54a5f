/* What the device keeps for a board (docs/board.md, offline model): the localStorage the store
   writes its snapshot and my queue of unsent ops through (per identity), the "your text" of
   unresolved conflicts, and the service worker that keeps the page and its modules. */
import { cfg, ui } from "./core.js";

/* localStorage, or a memory stand-in when it is disabled (private mode, blocked). */
export function deviceStorage() {
  try {
    var s = window.localStorage;
    s.getItem("roadmap:probe");
    return s;
  } catch (err) {
    return undefined; // the store keeps its queue in memory only
  }
}

/* "Your text" of an unresolved conflict is kept on this device until a choice is made: a page
   closed with the dialog open asks again after the reload (offline too). */
function conflictsKey() {
  return "roadmap:board:" + cfg.boardId + ":conflicts";
}

export function saveConflicts() {
  try {
    if (ui.conflicts.length) localStorage.setItem(conflictsKey(), JSON.stringify(ui.conflicts));
    else localStorage.removeItem(conflictsKey());
  } catch (err) {
    console.warn("conflict not kept", err);
  }
}

export function loadConflicts() {
  try {
    var kept = JSON.parse(localStorage.getItem(conflictsKey()) || "[]");
    if (Array.isArray(kept) && kept.length) ui.conflicts = kept;
  } catch (err) {
    ui.conflicts = [];
  }
}

/* The page's own URL and every asset it uses (scripts, modules, styles), for the worker. */
export function pageAssets() {
  var urls = [location.pathname, cfg.i18nUrl];
  document
    .querySelectorAll("script[src], link[rel=stylesheet], link[rel=icon], link[rel=modulepreload]")
    .forEach(function (n) {
      urls.push(n.getAttribute("src") || n.getAttribute("href"));
    });
  return urls;
}

export function registerServiceWorker() {
  if (!("serviceWorker" in navigator) || !cfg.swUrl) return;
  navigator.serviceWorker
    .register(cfg.swUrl, { scope: "/" })
    .then(function () {
      return navigator.serviceWorker.ready;
    })
    .then(function (reg) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (e) {
        if (e.data && e.data.cached) document.documentElement.dataset.offlineReady = "true";
      };
      reg.active.postMessage({ type: "cache", urls: pageAssets() }, [channel.port2]);
    })
    .catch(function (err) {
      console.warn("offline support unavailable", err);
    });
}
