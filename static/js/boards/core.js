/* What every board module shares: the page's settings, the store and its state, the view
   (server copy + my queue), UI state, events for other features, and small read-only helpers
   (permissions, votes, lanes, clusters, the note nodes drawn). No drawing, no network here. */
import { createStore, byPosition } from "./store.js";
import { deviceStorage } from "./offline.js";

const main = document.getElementById("main");
export { main };
export const cfg = {
  boardId: Number(main.dataset.boardId),
  view: main.dataset.view,
  lang: main.dataset.lang || "en",
  i18nUrl: main.dataset.i18nUrl,
  me: Number(main.dataset.me),
  anonymous: main.dataset.anonymous === "true",
  swUrl: main.dataset.swUrl,
};
export const KINDS = ["signpost", "commitment", "challenge", "question", "resource"];
export const ICONS = { signpost: "➜", commitment: "✓", challenge: "!", question: "?", resource: "◆", cluster: "▣" };
export const ACK_TIMEOUT = 10000;
export const $ = function (id) {
  return document.getElementById(id);
};

export const store = createStore(cfg.boardId, cfg.me, deviceStorage());
export const state = store.state;

export const ui = {
  status: "connecting",
  joined: false,
  hiddenKinds: new Set(),
  search: "",
  activeLane: null,
  focusKey: null,
  editing: null, // note key being edited here
  dragging: false,
  renderPending: false,
  clockOffset: 0,
  conflicts: [],
  composerLane: null,
  collapsed: new Set(), // keys of the clusters shown folded
  sortByVotes: false, // a view choice: lanes ordered by votes
  myDots: new Map(), // note id -> my dots on it (server's count; see dotsOn)
  inclusionFilter: null, // a group key of the inclusion panel: only the notes that consider it
};

/* --- events for other features (window.RoadmapBoard.on) ---------------------------------- */

const listeners = {};
export const opHandlers = {};

export function on(name, fn) {
  (listeners[name] = listeners[name] || []).push(fn);
}

export function emit(name, payload) {
  (listeners[name] || []).forEach(function (fn) {
    try {
      fn(payload);
    } catch (err) {
      console.error(err);
    }
  });
}

/* --- the view: computed once per change ------------------------------------------------ */

let cachedView = null;
export function current() {
  if (!cachedView) cachedView = store.view();
  return cachedView;
}
export function invalidateView() {
  cachedView = null;
}

/* --- permissions and votes -------------------------------------------------------------- */

export function canWrite() {
  var b = state.board;
  return !!b && (!b.locked || (b.viewer && b.viewer.staff));
}

export function canEdit(note) {
  return canWrite() && (note.mine || (state.board.viewer && state.board.viewer.staff));
}

export function isStaff() {
  return !!(state.board && state.board.viewer && state.board.viewer.staff);
}

export function votingOpen() {
  var b = state.board;
  return !!b && !!b.facilitation && (b.facilitation.voting_open || b.phase === "vote");
}

export function resultsHidden() {
  var f = state.board && state.board.facilitation;
  return !!(f && f.results_hidden && !(state.board.viewer && state.board.viewer.staff));
}

export function votesLeft() {
  var budget = (state.board && state.board.facilitation && state.board.facilitation.vote_budget) || 0;
  var used = 0;
  current().myVotes.forEach(function (id) { used += dotsOn(id); });
  return Math.max(0, budget - used);
}

// My dots on a note: the server's count, at least 1 while my vote is drawn (queued or acked).
export function dotsOn(id) {
  var voted = current().myVotes.has(id);
  return voted ? Math.max(1, ui.myDots.get(id) || 0) : 0;
}

export function maxPerNote() {
  return (state.board && state.board.facilitation && state.board.facilitation.vote_max_per_note) || 1;
}

/* --- lanes and clusters ------------------------------------------------------------------ */

export function laneById(id) {
  return (state.board.lanes || []).find(function (l) {
    return l.id === id;
  });
}

export function tabsMode() {
  return cfg.view === "board" && window.matchMedia("(max-width: 700px)").matches;
}

/* Clusters (cluster.create): a note of kind "cluster" drawn as a card holding its notes.
   With the "Cluster" filter off, clusters are not drawn and their notes show loose. */
export function clusterLayout(v) {
  var grouping = !ui.hiddenKinds.has("cluster");
  var clusters = new Map();
  var members = new Map();
  v.notes.forEach(function (n) {
    if (n.kind === "cluster") {
      clusters.set(n.id, n);
      members.set(n.id, []);
    }
  });
  var laneOrder = new Map();
  (state.board.lanes || []).forEach(function (l, i) { laneOrder.set(l.id, i); });
  v.notes.forEach(function (n) {
    if (n.kind !== "cluster" && n.cluster_id != null && members.has(n.cluster_id)) members.get(n.cluster_id).push(n);
  });
  members.forEach(function (list) {
    list.sort(function (a, b) {
      return (laneOrder.get(a.lane_id) - laneOrder.get(b.lane_id)) || byPosition(a, b);
    });
  });
  return { grouping: grouping, clusters: clusters, members: members };
}

let layoutMemo = { view: null, grouping: null, lay: null };
export function layoutNow() {
  var v = current();
  var grouping = !ui.hiddenKinds.has("cluster");
  if (layoutMemo.view !== v || layoutMemo.grouping !== grouping) {
    layoutMemo = { view: v, grouping: grouping, lay: clusterLayout(v) };
  }
  return layoutMemo.lay;
}

export function nested(note, lay) {
  lay = lay || layoutNow();
  return lay.grouping && note.kind !== "cluster" && note.cluster_id != null && lay.clusters.has(note.cluster_id);
}

/* The items drawn at the top level of a lane, in order (clusters, loose notes). */
export function laneItems(laneId) {
  var lay = layoutNow();
  return (current().byLane.get(laneId) || []).filter(function (n) {
    return !nested(n, lay) && (lay.grouping || n.kind !== "cluster");
  });
}

export function anyFilter() {
  return ui.hiddenKinds.size > 0 || !!ui.search || !!ui.inclusionFilter;
}

/* --- the nodes drawn (render.js fills these) --------------------------------------------- */

export const noteEls = new Map(); // note key -> <li>
export const laneEls = new Map(); // lane id -> <section>

export function noteOf(node) {
  if (!node) return null;
  var key = node.dataset.key;
  var found = null;
  current().notes.forEach(function (n) {
    if (store.keyOf(n) === key) found = n;
  });
  return found;
}

export function noteIdOfKey(key) {
  var n = noteOf(noteEls.get(key));
  return n ? n.id : null;
}
