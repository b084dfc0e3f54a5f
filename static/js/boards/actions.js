/* What a person does to notes (each one op through sendOp): add, move, vote, delete (asked in
   a dialog, then Undo in a toast), fold a cluster, un-merge, and going to a note. */
import { short } from "../common/dom.js";
import {
  $, cfg, state, store, ui, current, canEdit, votingOpen, votesLeft, dotsOn, laneById, laneItems, nested, tabsMode,
  layoutNow, noteEls, laneEls,
} from "./core.js";
import { t, laneTitle } from "./i18n.js";
import { announce, toast } from "./messages.js";
import { sendOp } from "./connection.js";
import { render, renderNotes } from "./render.js";
import { focusLaneAdd } from "./editor.js";

export function addNote(laneId, text, kind, anonymous, tags) {
  var data = { lane_id: laneId, text: text };
  if (kind) data.kind = kind;
  if (anonymous !== cfg.anonymous) data.anonymous = anonymous;
  if (tags && tags.length) data.tags = tags;
  var list = current().byLane.get(laneId) || [];
  if (list.length) data.after = list[list.length - 1].id;
  var promise = sendOp("note.create", data);
  return { promise: promise, key: "t:" + state.queue[state.queue.length - 1].op_id };
}

export function moveNote(note, laneId, index) {
  var list = laneItems(laneId).filter(function (n) {
    return n.id !== note.id;
  });
  index = Math.max(0, Math.min(index, list.length));
  var data = { note_id: note.id, lane_id: laneId };
  if (index > 0) data.after = list[index - 1].id;
  else if (list.length) data.before = list[0].id;
  var lane = laneById(laneId);
  announce(t("announce.moved_mine", { lane: laneTitle(lane) }));
  if (ui.focusKey === store.keyOf(note) && tabsMode()) ui.activeLane = laneId;
  return sendOp("note.move", data);
}

export function moveBy(note, laneStep, indexStep) {
  if (nested(note)) return toast(t("cluster.move_hint"), false);
  var lanes = state.board.lanes;
  var li = lanes.findIndex(function (l) {
    return l.id === note.lane_id;
  });
  var list = laneItems(note.lane_id);
  var idx = list.findIndex(function (n) {
    return n.id === note.id;
  });
  if (laneStep) {
    var target = lanes[li + laneStep];
    if (!target) return;
    var targetList = laneItems(target.id);
    moveNote(note, target.id, Math.min(idx, targetList.length));
  } else {
    var to = idx + indexStep;
    if (to < 0 || to >= list.length) return;
    moveNote(note, note.lane_id, to);
  }
}

export function toggleVote(note) {
  if (note.kind === "cluster") return;
  if (!votingOpen()) return toast(t("vote.closed"), false);
  var mine = current().myVotes.has(note.id);
  if (!mine && votesLeft() <= 0) return toast(t("vote.none_left"), false);
  sendOp(mine ? "vote.remove" : "vote.add", { note_id: note.id });
}

export function addDot(note) {
  if (!votingOpen()) return toast(t("vote.closed"), false);
  if (votesLeft() <= 0) return toast(t("vote.none_left"), false);
  ui.myDots.set(note.id, dotsOn(note.id) + 1); // drawn at once; the ack gives the real count
  sendOp("vote.add", { note_id: note.id });
}

// Asked in the page (a <dialog>, not the browser's confirm()); then a toast offers Undo.
export function deleteNote(note) {
  if (!canEdit(note) || note.kind === "cluster") return;
  var dialog = $("delete-dialog");
  $("delete-note-text").textContent = short(note.text);
  dialog.returnValue = "";
  dialog.onclose = function () {
    if (dialog.returnValue === "delete") reallyDelete(note);
    else if (ui.focusKey && noteEls.get(ui.focusKey)) noteEls.get(ui.focusKey).focus();
  };
  dialog.showModal();
  $("delete-cancel").focus();
}

function reallyDelete(note) {
  var list = laneItems(note.lane_id);
  var idx = list.indexOf(note);
  var next = list[idx + 1] || list[idx - 1];
  ui.focusKey = next ? store.keyOf(next) : null;
  var sent = sendOp("note.delete", { note_id: note.id });
  announce(t("announce.deleted_mine"));
  toast(t("toast.deleted", { text: short(note.text) }), false, {
    label: t("action.undo"),
    run: function () {
      sent.then(function (ack) {
        if (ack && ack.ok !== false) sendOp("note.restore", { note_id: note.id });
      });
    },
  });
  if (!next) focusLaneAdd(note.lane_id);
}

export function toggleCluster(node) {
  var key = node.dataset.key;
  if (ui.collapsed.has(key)) ui.collapsed.delete(key);
  else ui.collapsed.add(key);
  renderNotes();
}

export function unmerge(note) {
  if (!note || note.kind !== "cluster") return;
  ui.focusKey = store.keyOf(note);
  sendOp("cluster.dissolve", { cluster_id: note.id });
  announce(t("announce.unmerged_mine", { title: short(note.text) }));
  var first = (layoutNow().members.get(note.id) || [])[0];
  if (first) ui.focusKey = store.keyOf(first);
}

/* Bring into view (on phones: switch to its lane tab): {note_id?, lane_id?}; true if found. */
export function goTo(target) {
  var notes = current().notes; // a Map by id
  var note = target.note_id != null ? notes.get(target.note_id) || null : null;
  var laneId = note ? note.lane_id : target.lane_id;
  if (note && note.cluster_id != null) {
    var cluster = notes.get(note.cluster_id);
    if (cluster) ui.collapsed.delete(store.keyOf(cluster));
  }
  if (laneId == null || !laneById(laneId)) return false;
  ui.activeLane = laneId;
  render();
  var node = note ? noteEls.get(store.keyOf(note)) : laneEls.get(laneId);
  if (!node || !node.isConnected) return false;
  var calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  node.scrollIntoView({ behavior: calm ? "auto" : "smooth", block: note ? "center" : "start", inline: "nearest" });
  return true;
}
