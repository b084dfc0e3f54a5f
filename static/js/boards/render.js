/* Drawing: the header (status, phase, timer, presence, votes left), lanes (columns, or tabs on
   a phone), note and cluster cards (kept by key and updated in place), the inclusion panel.
   Renders at most once a frame for live ops (scheduleRender). */
import { el, setText } from "../common/dom.js";
import { byPosition } from "./store.js";
import {
  $, cfg, state, store, ui, emit, current, invalidateView, canWrite, canEdit, isStaff, votingOpen, resultsHidden,
  votesLeft, dotsOn, maxPerNote, laneById, tabsMode, clusterLayout, nested, anyFilter, noteEls, laneEls, noteIdOfKey,
  ICONS,
} from "./core.js";
import { t, laneTitle, phaseName } from "./i18n.js";
import { announce, toast } from "./messages.js";
import { inclusionGroups, inclusionCoverage, inclusionFilterGroup, groupLabel, considers } from "./rules.js";
import { sendPresence } from "./connection.js";
import { onDrop } from "./input.js";

var frameRequest = null;
export function scheduleRender() {
  if (frameRequest) return;
  frameRequest = requestAnimationFrame(function () {
    frameRequest = null;
    render();
  });
}

export function render() {
  invalidateView();
  if (!state.board) return;
  if (ui.dragging) {
    ui.renderPending = true;
    return;
  }
  $("board-title").textContent = state.board.title;
  renderStatus();
  renderFacilitation();
  renderPresence();
  renderLanes();
  renderNotes();
  renderInclusion();
  renderVotes();
  $("facilitator-panel").hidden = !isStaff();
  emit("render", state);
}

export function renderStatus() {
  var conn = $("conn");
  var n = state.queue.length;
  var label = t("status." + ui.status);
  if (n) label += " · " + t("status.waiting", { count: n });
  conn.dataset.state = ui.status;
  if ($("conn-text").textContent !== label) $("conn-text").textContent = label;
}

function renderFacilitation() {
  var b = state.board;
  var fac = b.facilitation || {};
  var box = $("facilitation");
  box.hidden = false;
  $("phase").textContent = t("phase.label", { phase: phaseName(b.phase) });
  var msg = $("board-message");
  if (msg.textContent !== (fac.message || "")) {
    msg.textContent = fac.message || "";
    if (fac.message) announce(t("announce.message", { message: fac.message }));
  }
  renderTimer();
  $("hidden-count").hidden = !b.hidden_count;
  $("hidden-count").textContent = b.hidden_count ? t("hidden_count", { count: b.hidden_count }) : "";
}

/* The shared timer as every screen shows it: {state: running|paused|ended|stopped, left}. */
export function timerNow() {
  var timer = state.board && state.board.facilitation && state.board.facilitation.timer;
  if (!timer || timer.state === "stopped") return { state: "stopped", left: 0 };
  var left = timer.remaining || 0;
  if ((timer.state === "running" || timer.state === "ended") && timer.ends_at) {
    left = Math.max(0, Math.ceil((Date.parse(timer.ends_at) - (Date.now() + ui.clockOffset)) / 1000));
  }
  return { state: left > 0 ? timer.state : "ended", left: left };
}

export function renderTimer() {
  var box = $("timer");
  var now = timerNow();
  if (now.state === "stopped") {
    box.hidden = true;
    return;
  }
  var timer = state.board.facilitation.timer;
  var left = now.left;
  box.hidden = false;
  box.dataset.state = now.state;
  var clock = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
  box.textContent =
    left > 0 ? t(timer.state === "paused" ? "timer.paused" : "timer.running", { time: clock }) : t("timer.ended");
}

export function renderPresence() {
  var people = state.presence;
  var box = $("presence");
  if (state.crowd != null) {
    box.textContent = t("presence.crowd", { count: state.crowd });
    return;
  }
  if (!people.length) {
    box.textContent = "";
    return;
  }
  var names = people.map(function (p) {
    return p.id === cfg.me ? t("presence.you", { name: p.name }) : p.name;
  });
  box.textContent = t("presence.here", { count: people.length, names: names.join(", ") });
}

function renderVotes() {
  var box = $("votes-left");
  box.hidden = !votingOpen();
  if (!box.hidden) {
    var budget = state.board.facilitation.vote_budget;
    box.textContent = t("vote.left", { count: votesLeft(), budget: budget });
  }
}

/* --- lanes --------------------------------------------------------------------------------- */

var laneSignature = "";
function renderLanes() {
  var lanes = state.board.lanes || [];
  var sig = lanes
    .map(function (l) {
      return l.id + ":" + l.title;
    })
    .join("|");
  var container = $("lanes");
  if (sig !== laneSignature) {
    laneSignature = sig;
    container.textContent = "";
    laneEls.clear();
    lanes.forEach(function (lane) {
      var section = buildLane(lane);
      laneEls.set(lane.id, section);
      container.appendChild(section);
    });
    buildTabs(lanes);
  }
  container.removeAttribute("aria-busy");
  if (!laneById(ui.activeLane) && lanes.length) ui.activeLane = lanes[0].id;
  var tabs = tabsMode();
  container.classList.toggle("tabbed", tabs);
  laneEls.forEach(function (section, id) {
    section.classList.toggle("active", id === ui.activeLane);
    section.hidden = tabs && id !== ui.activeLane;
  });
  Array.prototype.forEach.call($("lane-tabs").children, function (btn) {
    var active = Number(btn.dataset.laneId) === ui.activeLane;
    btn.setAttribute("aria-pressed", active ? "true" : "false");
    var count = (current().byLane.get(Number(btn.dataset.laneId)) || []).filter(function (n) {
      return n.kind !== "cluster";
    }).length;
    btn.querySelector(".tab-count").textContent = String(count);
  });
  $("add-note").disabled = !canWrite();
}

function buildLane(lane) {
  var section = el("section", "lane");
  section.id = "lane-" + lane.id;
  section.dataset.laneId = lane.id;
  section.setAttribute("aria-labelledby", "lane-" + lane.id + "-title");
  var head = el("div", "lane-head");
  var h = el("h2", "lane-title");
  h.id = "lane-" + lane.id + "-title";
  h.textContent = laneTitle(lane);
  var count = el("span", "lane-count");
  head.appendChild(h);
  head.appendChild(count);
  section.appendChild(head);
  var list = el("ul", "note-list");
  list.setAttribute("role", "list");
  list.dataset.laneId = lane.id;
  list.setAttribute("aria-labelledby", h.id);
  section.appendChild(list);
  var slot = el("div", "composer-slot");
  section.appendChild(slot);
  var add = el("button", "button add-here");
  add.type = "button";
  add.dataset.action = "add-here";
  add.textContent = "+ " + t("lane.add", { lane: laneTitle(lane) });
  section.appendChild(add);
  if (cfg.view === "board" && window.Sortable) {
    window.Sortable.create(list, {
      group: "notes",
      animation: 120,
      draggable: ">.note", // the lane's own items: a note inside a cluster moves with it
      filter: "button, textarea, input, select, .editing",
      preventOnFilter: false,
      delayOnTouchOnly: true,
      delay: 200,
      ghostClass: "note-ghost",
      onStart: function () {
        ui.dragging = true;
      },
      onEnd: onDrop,
    });
  }
  return section;
}

function buildTabs(lanes) {
  var nav = $("lane-tabs");
  nav.textContent = "";
  if (cfg.view !== "board") return;
  lanes.forEach(function (lane) {
    var b = el("button", "lane-tab");
    b.type = "button";
    b.dataset.laneId = lane.id;
    b.appendChild(document.createTextNode(laneTitle(lane) + " "));
    var c = el("span", "tab-count");
    b.appendChild(c);
    b.addEventListener("click", function () {
      ui.activeLane = lane.id;
      render();
    });
    nav.appendChild(b);
  });
}

/* --- notes ---------------------------------------------------------------------------------- */

function visible(note) {
  if (ui.editing && ui.editing === store.keyOf(note)) return true; // never hide a draft
  if (ui.hiddenKinds.has(note.kind)) return false;
  var group = inclusionFilterGroup();
  if (group && !considers(note, group)) return false;
  if (!ui.search) return true;
  var translated = Object.keys(note.translations || {}).map(function (k) { return note.translations[k].text; }).join(" ");
  var hay = (note.text + " " + translated + " " + (note.author && note.author.name ? note.author.name : "")).toLocaleLowerCase(cfg.lang);
  return hay.indexOf(ui.search) !== -1;
}

export function renderNotes() {
  if (!state.board) return;
  var v = current();
  var editors = editingByOthers();
  var seen = new Set();
  var shown = 0;
  var total = 0;
  var active = document.activeElement;
  var lay = clusterLayout(v);
  var epoch = cardEpoch();
  var budget = BUILD_BATCH; // new cards built in this frame; the rest in the next ones
  var deferred = false;
  var place = function (list, prev, note) {
    var key = store.keyOf(note);
    var node = noteEls.get(key);
    if (!node) {
      if (budget <= 0) {
        deferred = true;
        return prev; // drawn in a next frame, in its place
      }
      budget -= 1;
      node = note.kind === "cluster" ? buildCluster(key) : buildNote(key);
      noteEls.set(key, node);
    }
    seen.add(key);
    // A card is only updated when something it shows changed (the store replaces a note's
    // object on every change; the rest is in `extra` and the board-wide `epoch`).
    var members = note.kind === "cluster" ? lay.members.get(note.id) || [] : null;
    var extra = cardInputs(note, members, v, editors[note.id], lay);
    var last = node._drawn;
    if (node._editor || !last || last.note !== note || last.extra !== extra || last.epoch !== epoch) {
      if (members) updateCluster(node, note, members, v, editors[note.id]);
      else updateNote(node, note, v, editors[note.id]);
      node._drawn = node._editor ? null : { note: note, extra: extra, epoch: epoch };
    }
    var want = prev ? prev.nextSibling : list.firstChild;
    if (want !== node) list.insertBefore(node, want);
    return node;
  };
  (state.board.lanes || []).forEach(function (lane) {
    if (!laneEls.has(lane.id)) return;
    var list = laneEls.get(lane.id).querySelector(".note-list");
    var notes = v.byLane.get(lane.id) || [];
    if (ui.sortByVotes) notes = byVotes(notes, lay);
    var prev = null;
    var laneTotal = 0;
    notes.forEach(function (note) {
      if (nested(note, lay)) return; // drawn inside its cluster
      if (note.kind === "cluster") {
        if (!lay.grouping) return;
        var members = lay.members.get(note.id);
        var inside = members.filter(visible);
        laneTotal += members.length;
        if (!inside.length && (anyFilter() || members.length)) return;
        var card = place(list, prev, note);
        if (card === prev) return; // not built yet (batched)
        prev = card;
        var sub = prev._refs.members;
        var subPrev = null;
        inside.forEach(function (m) {
          subPrev = place(sub, subPrev, m);
        });
        shown += inside.length;
        return;
      }
      laneTotal += 1;
      if (!visible(note)) return;
      prev = place(list, prev, note);
      shown += 1;
    });
    total += laneTotal;
    laneEls.get(lane.id).querySelector(".lane-count").textContent = t("lane.count", { count: laneTotal });
  });
  if (deferred) scheduleRender();
  noteEls.forEach(function (node, key) {
    if (!seen.has(key)) {
      node.remove();
      noteEls.delete(key);
      if (ui.editing === key) {
        ui.editing = null;
        sendPresence(null);
        toast(t("editor.note_deleted"), true);
      }
    }
  });
  var filtered = $("filter-status");
  var group = inclusionFilterGroup();
  filtered.hidden = shown === total && !group;
  var says = filtered.hidden ? "" : t("filter.showing", { shown: shown, total: total });
  if (group) says += " · " + t("inclusion.filter", { group: groupLabel(group) });
  setText($("filter-text"), says);
  restoreFocus(active);
  emit("notes", state); // the note cards were (re)drawn: features that decorate them redo it
}

/* At most this many new cards are built in one frame: a board of 1000 notes opens in a few
   short frames instead of one long task (the top of every lane first). */
var BUILD_BATCH = 120;

/* What every card shows that is not in its note: when it changes, every card is updated. */
function cardEpoch() {
  var b = state.board;
  var f = b.facilitation || {};
  return [
    votingOpen(), resultsHidden(), canWrite(), isStaff(), maxPerNote(), f.spotlight_note_id,
    ui.hiddenKinds.has("cluster"), inclusionGroups().length, state.board.inclusion && state.board.inclusion.tag_prefix,
  ].join("|");
}

/* What one card shows besides its note object: my votes on it, who edits it, its cluster. */
function cardInputs(note, members, v, editors, lay) {
  var bits = [note.mine ? 1 : 0, note.pending ? 1 : 0, v.myVotes.has(note.id) ? dotsOn(note.id) : 0, editors ? editors.join(",") : ""];
  if (members) {
    bits.push(ui.collapsed.has(store.keyOf(note)) ? "c" : "o");
    members.forEach(function (m) { bits.push(m.id + ":" + (m.votes || 0)); });
  } else {
    bits.push(nested(note, lay) ? "n" : "");
  }
  return bits.join("|");
}

function byVotes(notes, lay) {
  var score = function (n) {
    if (n.kind !== "cluster") return n.votes || 0;
    return (lay.members.get(n.id) || []).reduce(function (sum, m) { return sum + (m.votes || 0); }, n.votes || 0);
  };
  return notes.slice().sort(function (a, b) {
    return score(b) - score(a) || byPosition(a, b);
  });
}

function restoreFocus(before) {
  if (!ui.focusKey) return;
  if (document.activeElement && document.activeElement !== document.body) return;
  if (before && before !== document.body && before.isConnected) return;
  var node = noteEls.get(ui.focusKey);
  if (node && node.isConnected && !node.hidden && node.offsetParent !== null) node.focus();
}

export function restoreFocusNow() {
  var node = ui.focusKey && noteEls.get(ui.focusKey);
  if (document.querySelector("dialog[open]") || ui.editing) return;
  if (node && node.isConnected && document.activeElement !== node) node.focus();
}

function editingByOthers() {
  var map = {};
  state.presence.forEach(function (p) {
    if (p.editing != null && p.id !== cfg.me) (map[p.editing] = map[p.editing] || []).push(p.name);
  });
  // Someone edits an anonymous note: say so, never who (roadmap/privacy.py). Not my own.
  var mineNow = ui.editing ? noteIdOfKey(ui.editing) : null;
  (state.editingAnonymous || []).forEach(function (id) {
    if (id !== mineNow) (map[id] = map[id] || []).push(t("note.someone"));
  });
  return map;
}

// What a note card and a cluster card share: the focusable item, its ids and the kind line.
function cardShell(key, className, shortcuts, textClass) {
  var li = el("li", className);
  li.tabIndex = 0;
  li.dataset.key = key;
  var id = "note-" + key.replace(/[^\w-]/g, "");
  li.setAttribute("aria-labelledby", id + "-text");
  li.setAttribute("aria-describedby", id + "-kind " + id + "-meta");
  li.setAttribute("aria-keyshortcuts", shortcuts);
  var kind = el("p", "note-kind");
  kind.id = id + "-kind";
  var icon = el("span", "kind-icon");
  icon.setAttribute("aria-hidden", "true");
  var kindName = el("span", "kind-name");
  kind.appendChild(icon);
  kind.appendChild(kindName);
  var text = el("p", textClass);
  text.id = id + "-text";
  var meta = el("p", "note-meta");
  meta.id = id + "-meta";
  return { li: li, id: id, kind: kind, icon: icon, kindName: kindName, text: text, meta: meta };
}

function buildNote(key) {
  var c = cardShell(key, "note", "Enter E M V Delete Shift+ArrowLeft Shift+ArrowRight Shift+ArrowUp Shift+ArrowDown", "note-text");
  var li = c.li, id = c.id, kind = c.kind, icon = c.icon, kindName = c.kindName, text = c.text, meta = c.meta;
  var tags = el("p", "note-tags");
  tags.id = id + "-tags";
  li.setAttribute("aria-describedby", id + "-kind " + id + "-meta " + id + "-tags");
  var actions = el("div", "note-actions");
  var vote = actionButton("vote", "note-vote");
  var more = actionButton("vote-more", "note-vote-more");
  var edit = actionButton("edit");
  var translate = actionButton("translate", "note-translate");
  var move = actionButton("move");
  var del = actionButton("delete", "danger");
  [vote, more, edit, translate, move, del].forEach(function (b) {
    actions.appendChild(b);
  });
  var translations = el("div", "note-translations");
  translations.id = id + "-translations";
  [kind, text, translations, tags, meta, actions].forEach(function (part) {
    li.appendChild(part);
  });
  li._refs = { icon: icon, kindName: kindName, text: text, translations: translations, tags: tags, meta: meta, vote: vote, more: more, edit: edit, translate: translate, move: move, del: del };
  return li;
}

function buildCluster(key) {
  var c = cardShell(key, "note cluster-card", "Enter M", "note-text cluster-title");
  var li = c.li, id = c.id, kind = c.kind, kindName = c.kindName, text = c.text, meta = c.meta;
  c.icon.textContent = ICONS.cluster;
  var actions = el("div", "note-actions");
  var toggle = actionButton("toggle-cluster", "cluster-toggle");
  var move = actionButton("move");
  var unmerge = actionButton("unmerge", "cluster-unmerge");
  [toggle, move, unmerge].forEach(function (b) {
    actions.appendChild(b);
  });
  var members = el("ul", "cluster-members");
  members.id = id + "-members";
  members.setAttribute("role", "list");
  members.setAttribute("aria-labelledby", text.id);
  toggle.setAttribute("aria-controls", members.id);
  [kind, text, meta, actions, members].forEach(function (part) {
    li.appendChild(part);
  });
  li._refs = { kindName: kindName, text: text, meta: meta, toggle: toggle, move: move, unmerge: unmerge, members: members };
  return li;
}

function updateCluster(node, note, members, v, editors) {
  var r = node._refs;
  var key = node.dataset.key;
  var open = !ui.collapsed.has(key);
  node.dataset.id = note.id;
  node.dataset.kind = "cluster";
  node.className =
    "note cluster-card kind-cluster" +
    (note.pending ? " pending" : "") +
    (open ? "" : " collapsed") +
    (state.board.facilitation && state.board.facilitation.spotlight_note_id === note.id ? " spotlight" : "");
  setText(r.kindName, t("kind.cluster"));
  setText(r.text, note.text);
  if (window.markLang) window.markLang(r.text, note.text);
  var votes = members.reduce(function (sum, m) { return sum + (m.votes || 0); }, note.votes || 0);
  var bits = [t("cluster.count", { count: members.length }), resultsHidden() && note.votes == null ? t("note.votes_hidden") : t("note.votes", { count: votes })];
  if (note.pending) bits.push(t("note.pending"));
  if (editors) bits.push("✎ " + t("note.editing_by", { names: editors.join(", ") }));
  setText(r.meta, bits.join(" · "));
  r.toggle.setAttribute("aria-expanded", open ? "true" : "false");
  setText(r.toggle, (open ? "▾ " : "▸ ") + t(open ? "cluster.hide" : "cluster.show", { count: members.length }));
  r.members.hidden = !open;
  r.move.hidden = !canWrite();
  setText(r.move, t("action.move"));
  r.unmerge.hidden = !isStaff() || store.isTemp(note.id);
  setText(r.unmerge, t("action.unmerge"));
}

function actionButton(action, cls) {
  var b = el("button", "note-action" + (cls ? " " + cls : ""));
  b.type = "button";
  b.dataset.action = action;
  return b;
}

export function updateNote(node, note, v, editors) {
  var r = node._refs;
  node.dataset.id = note.id;
  node.dataset.kind = note.kind;
  node.className =
    "note kind-" + note.kind +
    (note.pending ? " pending" : "") +
    (note.mine ? " mine" : "") +
    (node._editor ? " editing" : "") +
    (state.board.facilitation && state.board.facilitation.spotlight_note_id === note.id ? " spotlight" : "");
  r.icon.textContent = ICONS[note.kind] || "•";
  setText(r.kindName, t("kind." + note.kind));
  if (!node._editor) {
    setText(r.text, note.text);
    if (window.markLang) window.markLang(r.text, note.text);
  }
  r.text.hidden = !!node._editor;
  var considered = inclusionGroups().filter(function (g) { return (note.tags || []).indexOf(g.tag) !== -1; });
  setText(r.tags, considered.length ? t("note.considers", { groups: considered.map(groupLabel).join(", ") }) : "");
  r.tags.hidden = !considered.length || !!node._editor;
  var bits = [];
  bits.push(note.anonymous || !note.author ? t("note.anonymous") : note.author.name);
  if (note.mine) bits.push(t("note.yours"));
  if (note.commitment && note.commitment.owner_name) bits.push(t("note.owner", { owner: note.commitment.owner_name }));
  if (note.commitment && note.commitment.due_date) bits.push(t("note.due", { date: note.commitment.due_date }));
  bits.push(note.votes == null && resultsHidden() ? t("note.votes_hidden") : t("note.votes", { count: note.votes || 0 }));
  if (note.hidden) bits.push(t("note.hidden"));
  if (note.pending) bits.push(t("note.pending"));
  if (editors) bits.push("✎ " + t("note.editing_by", { names: editors.join(", ") }));
  setText(r.meta, bits.join(" · "));
  var voted = v.myVotes.has(note.id);
  r.vote.hidden = !votingOpen() || store.isTemp(note.id);
  r.vote.setAttribute("aria-pressed", voted ? "true" : "false");
  var dots = dotsOn(note.id);
  setText(r.vote, (voted ? "★ " : "☆ ") + t(voted ? "action.unvote" : "action.vote") + (dots > 1 ? " ×" + dots : ""));
  r.more.hidden = r.vote.hidden || !voted || maxPerNote() <= 1 || dots >= maxPerNote();
  setText(r.more, "+1");
  r.more.setAttribute("aria-label", t("action.vote_more", { count: dots, max: maxPerNote() }));
  var editable = canEdit(note);
  r.edit.hidden = !editable || !!node._editor;
  setText(r.edit, t("action.edit"));
  renderTranslations(r.translations, note);
  r.translations.hidden = !!node._editor || !r.translations.firstChild;
  r.translate.hidden = !canWrite() || store.isTemp(note.id) || !!node._editor || !!node._translator;
  setText(r.translate, t("action.translate"));
  r.move.hidden = !canWrite() || (note.hidden && !note.mine) || nested(note);
  setText(r.move, t("action.move"));
  r.del.hidden = !editable;
  setText(r.del, t("action.delete"));
}

/* --- the room's translations (issue 15) ---------------------------------------------------- */

// The viewer's UI language as a translation's code ("zh-Hans" on the page, "zh_Hans" in data).
export function myLanguage() {
  return (cfg.lang || "en").replace("-", "_");
}

export function languageName(code) {
  var found = ((state.board && state.board.languages) || []).find(function (l) { return l.code === code; });
  return found ? found.name : code;
}

/* A note's translations under its original: the viewer's language first, then the others by
   code; each labelled with its language named in itself, marked when outdated. Redrawn only
   when they changed (the signature). */
function renderTranslations(box, note) {
  var all = note.translations || {};
  var mine = myLanguage();
  var codes = Object.keys(all).sort(function (a, b) {
    return (b === mine) - (a === mine) || (a < b ? -1 : a > b ? 1 : 0);
  });
  var sig = JSON.stringify(codes.map(function (c) { return [c, all[c]]; })) + "|" + isStaff();
  if (box._sig === sig) return;
  box._sig = sig;
  box.textContent = "";
  codes.forEach(function (code) {
    var tr = all[code];
    var item = el("div", "note-translation" + (tr.outdated ? " outdated" : "") + (tr.pending ? " pending" : "") + (code === mine ? " in-my-language" : ""));
    item.dataset.lang = code;
    var head = el("p", "translation-head");
    var name = el("span", "translation-lang");
    name.textContent = languageName(code);
    name.lang = code.replace("_", "-");
    head.appendChild(name);
    if (tr.outdated) {
      var stale = el("span", "translation-outdated");
      stale.textContent = t("translate.outdated");
      stale.title = t("translate.outdated_hint");
      head.appendChild(stale);
    }
    if (tr.by && tr.by.name) {
      var by = el("span", "translation-by");
      by.textContent = t("translate.by", { name: tr.by.id == null ? t("note.anonymous") : tr.by.name });
      head.appendChild(by);
    }
    if (tr.pending) {
      var pending = el("span", "translation-by");
      pending.textContent = t("note.pending");
      head.appendChild(pending);
    }
    var text = el("p", "translation-text");
    text.lang = code.replace("_", "-");
    text.textContent = tr.text;
    item.appendChild(head);
    item.appendChild(text);
    if (tr.outdated) {
      var hint = el("p", "visually-hidden");
      hint.textContent = t("translate.outdated_hint");
      item.appendChild(hint);
    }
    if (!tr.pending && (isStaff() || (tr.by && tr.by.id != null && tr.by.id === cfg.me))) {
      var back = actionButton("untranslate", "translation-take-back");
      back.dataset.lang = code;
      back.textContent = t("translate.take_back");
      back.setAttribute("aria-label", t("translate.take_back") + ": " + languageName(code));
      item.appendChild(back);
    }
    box.appendChild(item);
  });
}

/* --- the inclusion panel ------------------------------------------------------------------- */

export function renderInclusion() {
  var box = $("inclusion");
  var rows = inclusionCoverage();
  box.hidden = !rows.length;
  if (!rows.length) return;
  var list = $("inclusion-groups");
  if (list.children.length !== rows.length) {
    list.textContent = "";
    rows.forEach(function (row) {
      var li = el("li");
      var b = el("button", "inclusion-group");
      b.type = "button";
      b.dataset.group = row.group.key;
      var icon = el("span", "inclusion-icon");
      icon.setAttribute("aria-hidden", "true");
      var name = el("span", "inclusion-name");
      var count = el("span", "inclusion-count");
      b.appendChild(icon);
      b.appendChild(name);
      b.appendChild(count);
      b.addEventListener("click", function () {
        ui.inclusionFilter = ui.inclusionFilter === row.group.key ? null : row.group.key;
        renderInclusion();
        renderNotes();
        var g = inclusionFilterGroup();
        announce(g ? t("inclusion.filtering", { group: groupLabel(g) }) : t("filter.cleared"));
      });
      li.appendChild(b);
      list.appendChild(li);
    });
  }
  var considered = 0;
  rows.forEach(function (row, i) {
    var b = list.children[i].firstChild;
    var missing = row.count === 0;
    if (!missing) considered += 1;
    b.classList.toggle("missing", missing);
    b.setAttribute("aria-pressed", ui.inclusionFilter === row.group.key ? "true" : "false");
    setText(b.querySelector(".inclusion-icon"), missing ? "○" : "●");
    setText(b.querySelector(".inclusion-name"), groupLabel(row.group));
    setText(
      b.querySelector(".inclusion-count"),
      missing ? t("inclusion.none") : t("inclusion.count", { count: row.count })
    );
  });
  var summary = t("inclusion.summary", { count: considered, total: rows.length });
  setText($("inclusion-summary"), summary);
  setText($("options-inclusion"), t("inclusion.short", { count: considered, total: rows.length }));
}

/* The timer ticks every second on its own. */
export function startClock() {
  setInterval(function () {
    if (state.board) renderTimer();
  }, 1000);
}
