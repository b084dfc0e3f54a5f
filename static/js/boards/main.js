/* The live board's entry (loaded with <script type="module">; no build step). It wires the
   modules of static/js/boards/ together and publishes window.RoadmapBoard, the API other
   features use (docs/board.md). Module map: docs/board.md "Board modules". */
import { cfg, state, store, ui, on, opHandlers, current, votesLeft } from "./core.js";
import { t, loadCatalogue } from "./i18n.js";
import { toast, announce } from "./messages.js";
import { socket, sendOp, setStatus, setupConnection, leave } from "./connection.js";
import { render, renderStatus, timerNow, startClock } from "./render.js";
import { setupDialogs, restoreConflicts } from "./editor.js";
import { setupInput } from "./input.js";
import { goTo } from "./actions.js";
import { registerServiceWorker } from "./offline.js";

const api = {
  state: state,
  sendOp: sendOp,
  on: on,
  render: render,
  t: t,
  registerOpHandler: function (type, fn) {
    opHandlers[type] = fn;
  },
  // Read-only helpers for other features (not part of the stable contract).
  view: function () {
    return current();
  },
  config: cfg,
  socket: socket,
  // "Leave this board" (leave.js): stop, and keep nothing of this person on the device.
  leave: leave,
  toast: toast,
  announce: announce,
  timerNow: timerNow,
  votesLeft: votesLeft,
  // Bring into view (on phones: switch to its lane tab): {note_id?, lane_id?}; true if found.
  goTo: goTo,
  setSortByVotes: function (sorted) {
    ui.sortByVotes = !!sorted;
    render();
  },
};
window.RoadmapBoard = api;

setupConnection();
setupDialogs();
setupInput();
startClock();

loadCatalogue(cfg.i18nUrl, cfg.lang).then(function () {
  if (store.restore()) render();
  if (state.droppedForeign) toast(t("offline.dropped_foreign", { count: state.droppedForeign }), true);
  restoreConflicts();
  renderStatus();
  setStatus(navigator.onLine === false ? "offline" : "connecting");
  socket.connect();
  registerServiceWorker();
  api.ready = true; // the catalogue is loaded: t() works (ES modules may start after this)
  document.dispatchEvent(new CustomEvent("roadmap:ready", { detail: api }));
});
