/* Input: clicks on note actions, double click to edit, the toolbar (add, help, search,
   filters), keyboard shortcuts and arrow navigation, drag and drop between lanes (SortableJS
   calls onDrop), swipes between lane tabs on a phone. */
import { $, main, cfg, state, ui, noteOf, laneById, laneEls, tabsMode } from "./core.js";
import { t, laneTitle } from "./i18n.js";
import { announce } from "./messages.js";
import { sendOp } from "./connection.js";
import { render, renderNotes, restoreFocusNow } from "./render.js";
import { openEditor, openComposer, openMoveDialog, currentLaneId, openTranslator } from "./editor.js";
import { toggleCluster, unmerge, deleteNote, toggleVote, addDot, moveBy } from "./actions.js";

export function onDrop(evt) {
  ui.dragging = false;
  var node = evt.item;
  var note = noteOf(node);
  var laneId = Number(evt.to.dataset.laneId);
  var sameSpot = evt.from === evt.to && evt.oldIndex === evt.newIndex;
  if (note && !sameSpot) {
    var prev = node.previousElementSibling;
    var next = node.nextElementSibling;
    var data = { note_id: note.id, lane_id: laneId };
    var prevNote = prev ? noteOf(prev) : null;
    var nextNote = next ? noteOf(next) : null;
    if (prevNote) data.after = prevNote.id;
    else if (nextNote) data.before = nextNote.id;
    var lane = laneById(laneId);
    announce(t("announce.moved_mine", { lane: laneTitle(lane) }));
    sendOp("note.move", data);
  }
  ui.renderPending = false;
  render();
}

function focusNeighbour(node, key) {
  var list = node.closest(".note-list");
  var shownNote = function (n) { return n.offsetParent !== null; };
  var items = Array.prototype.slice.call(list.querySelectorAll(".note")).filter(shownNote);
  var idx = items.indexOf(node);
  var target = null;
  if (key === "ArrowUp") target = items[idx - 1];
  else if (key === "ArrowDown") target = items[idx + 1];
  else {
    var lanes = state.board.lanes;
    var li = lanes.findIndex(function (l) { return l.id === Number(list.dataset.laneId); });
    var lane = lanes[li + (key === "ArrowRight" ? 1 : -1)];
    if (lane) {
      if (tabsMode()) {
        ui.activeLane = lane.id;
        render();
      }
      var other = Array.prototype.slice.call(laneEls.get(lane.id).querySelectorAll(".note")).filter(shownNote);
      target = other[Math.min(idx, other.length - 1)] || laneEls.get(lane.id).querySelector(".add-here");
    }
  }
  if (target) target.focus();
}

function onKey(e) {
  if (e.defaultPrevented || document.querySelector("dialog[open]")) return;
  var target = e.target;
  if (target.closest && target.closest("input, textarea, select, [contenteditable]")) {
    if (e.key === "Escape" && target.id === "search") {
      target.value = "";
      ui.search = "";
      renderNotes();
    }
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  var node = target.closest ? target.closest(".note") : null;
  var onNote = node && target === node;
  var note = node ? noteOf(node) : null;
  var key = e.key;
  var handled = true;
  if (key === "n" || key === "N") openComposer(currentLaneId());
  else if (key === "/") $("search").focus();
  else if (key === "?") $("help-dialog").showModal();
  else if (note && note.kind === "cluster" && onNote && (key === "Enter" || key === " ")) toggleCluster(node);
  else if (note && note.kind === "cluster" && onNote && (key === "e" || key === "E" || key === "v" || key === "V")) handled = true;
  else if (note && (key === "e" || key === "E" || (key === "Enter" && onNote))) openEditor(node);
  else if (note && (key === "m" || key === "M")) openMoveDialog(node);
  else if (note && (key === "v" || key === "V")) toggleVote(note);
  else if (note && onNote && (key === "Delete" || key === "Backspace")) deleteNote(note);
  else if (note && onNote && e.shiftKey && key === "ArrowRight") moveBy(note, 1, 0);
  else if (note && onNote && e.shiftKey && key === "ArrowLeft") moveBy(note, -1, 0);
  else if (note && onNote && e.shiftKey && key === "ArrowUp") moveBy(note, 0, -1);
  else if (note && onNote && e.shiftKey && key === "ArrowDown") moveBy(note, 0, 1);
  else if (onNote && !e.shiftKey && /^Arrow/.test(key)) focusNeighbour(node, key);
  else handled = false;
  if (handled) {
    e.preventDefault();
    if (note) {
      render();
      restoreFocusNow();
    }
  }
}

export function setupInput() {
  main.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-action]");
    if (!button) return;
    var node = button.closest(".note");
    var note = noteOf(node);
    var action = button.dataset.action;
    if (action === "add-here") return openComposer(Number(button.closest(".lane").dataset.laneId));
    if (!note) return;
    ui.focusKey = node.dataset.key;
    if (action === "toggle-cluster") toggleCluster(node);
    else if (action === "unmerge") unmerge(note);
    else if (action === "edit") openEditor(node);
    else if (action === "translate") openTranslator(node);
    else if (action === "untranslate") sendOp("note.untranslate", { note_id: note.id, lang: button.dataset.lang });
    else if (action === "move") openMoveDialog(node);
    else if (action === "delete") deleteNote(note);
    else if (action === "vote") toggleVote(note);
    else if (action === "vote-more") addDot(note);
  });

  main.addEventListener("dblclick", function (e) {
    var node = e.target.closest(".note");
    if (node && !e.target.closest("button, textarea, select, input")) openEditor(node);
  });

  main.addEventListener("focusin", function (e) {
    var node = e.target.closest(".note");
    if (node) ui.focusKey = node.dataset.key;
  });

  $("add-note").addEventListener("click", function () {
    openComposer(currentLaneId());
  });
  $("help-button").addEventListener("click", function () {
    $("help-dialog").showModal();
  });
  $("search").addEventListener("input", function (e) {
    ui.search = e.target.value.trim().toLocaleLowerCase(cfg.lang);
    renderNotes();
  });
  $("filter-clear").addEventListener("click", function () {
    ui.hiddenKinds.clear();
    ui.search = "";
    ui.inclusionFilter = null;
    $("search").value = "";
    document.querySelectorAll(".kind-filter").forEach(function (b) {
      b.setAttribute("aria-pressed", "true");
    });
    render();
    announce(t("filter.cleared"));
  });
  // Phones: language, filters and the inclusion panel fold behind "Board options".
  $("options-toggle").addEventListener("click", function () {
    var open = this.getAttribute("aria-expanded") !== "true";
    this.setAttribute("aria-expanded", open ? "true" : "false");
    $("board-options").classList.toggle("open", open);
  });
  document.querySelectorAll(".kind-filter").forEach(function (b) {
    b.addEventListener("click", function () {
      var kind = b.dataset.kind;
      if (ui.hiddenKinds.has(kind)) ui.hiddenKinds.delete(kind);
      else ui.hiddenKinds.add(kind);
      b.setAttribute("aria-pressed", ui.hiddenKinds.has(kind) ? "false" : "true");
      render();
    });
  });

  document.addEventListener("keydown", onKey);

  // Swipe between lanes on a phone.
  var start = null;
  var lanesEl = $("lanes");
  lanesEl.addEventListener("touchstart", function (e) {
    if (!tabsMode() || e.touches.length !== 1) return;
    start = { x: e.touches[0].clientX, y: e.touches[0].clientY };
  }, { passive: true });
  lanesEl.addEventListener("touchend", function (e) {
    if (!start || ui.dragging) return;
    var touch = e.changedTouches[0];
    var dx = touch.clientX - start.x;
    var dy = touch.clientY - start.y;
    start = null;
    if (Math.abs(dx) < 70 || Math.abs(dx) < 2 * Math.abs(dy)) return;
    var lanes = state.board.lanes;
    var li = lanes.findIndex(function (l) { return l.id === ui.activeLane; });
    var lane = lanes[li + (dx < 0 ? 1 : -1)];
    if (lane) {
      ui.activeLane = lane.id;
      render();
      announce(t("announce.lane", { lane: laneTitle(lane) }));
    }
  }, { passive: true });

  window.matchMedia("(max-width: 700px)").addEventListener("change", function () {
    render();
  });
}
