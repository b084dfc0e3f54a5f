/* Writing: the in-place note editor, the composer at the end of a lane (Do No Harm reminder,
   kind, anonymous, "who does this consider" tags), the conflict dialog and the move dialog. */
import { el, short } from "../common/dom.js";
import {
  $, cfg, state, ui, store, current, canWrite, canEdit, laneById, laneItems, nested, tabsMode, noteOf, noteEls,
  laneEls, KINDS, ICONS,
} from "./core.js";
import { t, laneTitle } from "./i18n.js";
import { announce, toast } from "./messages.js";
import { inclusionGroups, groupLabel, tagPrefix, confirmSafe } from "./rules.js";
import { sendOp, sendPresence } from "./connection.js";
import { render, updateNote, myLanguage, languageName } from "./render.js";
import { addNote, moveNote, moveBy } from "./actions.js";
import { saveConflicts, loadConflicts } from "./offline.js";

/* --- editing in place ------------------------------------------------------------------- */

export function openEditor(node) {
  var note = noteOf(node);
  if (!note || !canEdit(note) || node._editor || note.kind === "cluster") return;
  closeComposer();
  var key = node.dataset.key;
  var form = el("form", "note-editor");
  var label = el("label", "visually-hidden");
  var area = el("textarea", "note-input");
  area.id = "edit-" + key.replace(/[^\w-]/g, "");
  label.htmlFor = area.id;
  label.textContent = t("editor.label");
  area.value = note.text;
  area.rows = 4;
  area.maxLength = 2000;
  var kind = kindSelect(note.kind, area.id + "-kind");
  var save = el("button", "button primary small");
  save.type = "submit";
  save.textContent = t("action.save");
  var cancel = el("button", "button small");
  cancel.type = "button";
  cancel.textContent = t("action.cancel");
  var row = el("div", "editor-row");
  row.appendChild(kind.label);
  row.appendChild(kind.select);
  row.appendChild(save);
  row.appendChild(cancel);
  var reminder = harmReminder(area.id + "-dnh");
  area.setAttribute("aria-describedby", reminder.id);
  var picker = tagPicker(area.id, note.tags);
  form.appendChild(label);
  form.appendChild(area);
  form.appendChild(reminder);
  form.appendChild(picker.el);
  form.appendChild(row);
  node._editor = { form: form, base: note.version, noteId: note.id, area: area, kind: kind.select, tags: picker };
  node.insertBefore(form, node._refs.meta);
  ui.editing = key;
  sendPresence(note.id);
  updateNote(node, note, current(), null);
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    saveEditor(node);
  });
  cancel.addEventListener("click", function () {
    closeEditor(node, true);
  });
  area.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      saveEditor(node);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      closeEditor(node, true);
    }
  });
}

function saveEditor(node) {
  var ed = node._editor;
  if (!ed) return;
  var text = ed.area.value;
  if (!text.trim()) {
    toast(t("editor.empty"), false);
    return;
  }
  var note = noteOf(node);
  var data = { note_id: ed.noteId, base_version: ed.base };
  var changed = false;
  if (!note || text !== note.text) {
    data.text = text;
    changed = true;
  }
  if (!note || ed.kind.value !== note.kind) {
    data.kind = ed.kind.value;
    changed = true;
  }
  var tags = ed.tags.merged(note ? note.tags : []);
  if (!note || tags.slice().sort().join("\n") !== (note.tags || []).slice().sort().join("\n")) {
    data.tags = tags;
    changed = true;
  }
  var check = data.text != null ? confirmSafe(text, ed.area) : Promise.resolve(true);
  check.then(function (send) {
    if (!send || node._editor !== ed) return;
    closeEditor(node, true);
    if (changed) {
      sendOp("note.update", data);
      announce(t("announce.saved"));
    }
  });
}

function closeEditor(node, refocus) {
  var ed = node._editor;
  if (!ed) return;
  ed.form.remove();
  node._editor = null;
  if (ui.editing === node.dataset.key) {
    ui.editing = null;
    sendPresence(null);
  }
  render();
  if (refocus && node.isConnected) node.focus();
}

/* --- translating a note (issue 15): in the card, into the writer's UI language first ------ */

export function openTranslator(node) {
  var note = noteOf(node);
  if (!note || !canWrite() || node._translator || node._editor || store.isTemp(note.id)) return;
  var key = node.dataset.key;
  var base = "translate-" + key.replace(/[^\w-]/g, "");
  var form = el("form", "note-translator");
  var title = el("p", "translator-title");
  title.textContent = t("translate.title");
  var langLabel = el("label", "kind-label");
  var select = el("select", "translator-lang");
  select.id = base + "-lang";
  langLabel.htmlFor = select.id;
  langLabel.textContent = t("translate.language");
  var mine = myLanguage();
  var languages = ((state.board && state.board.languages) || []).slice();
  languages.sort(function (a, b) { return (b.code === mine) - (a.code === mine); }); // mine first
  languages.forEach(function (l) {
    var o = el("option");
    o.value = l.code;
    o.textContent = l.name;
    o.lang = l.code.replace("_", "-");
    select.appendChild(o);
  });
  var label = el("label");
  var area = el("textarea", "note-input");
  area.id = base + "-text";
  label.htmlFor = area.id;
  label.textContent = t("translate.text");
  area.rows = 3;
  area.maxLength = 2000;
  var fill = function () {
    var existing = (note.translations || {})[select.value];
    area.value = existing ? existing.text : "";
    area.lang = select.value.replace("_", "-");
  };
  fill();
  select.addEventListener("change", fill);
  var reminder = harmReminder(area.id + "-dnh");
  area.setAttribute("aria-describedby", reminder.id);
  var save = el("button", "button primary small");
  save.type = "submit";
  save.textContent = t("translate.save");
  var cancel = el("button", "button small");
  cancel.type = "button";
  cancel.textContent = t("action.cancel");
  var langRow = el("div", "editor-row translator-lang-row"); // the language first, then the text
  [langLabel, select].forEach(function (c) { langRow.appendChild(c); });
  var row = el("div", "editor-row");
  [save, cancel].forEach(function (c) { row.appendChild(c); });
  [title, langRow, label, area, reminder, row].forEach(function (c) { form.appendChild(c); });
  node._translator = { form: form, noteId: note.id };
  node.insertBefore(form, node._refs.meta);
  updateNote(node, note, current(), null);
  area.focus();
  var close = function () {
    form.remove();
    node._translator = null;
    render();
    if (node.isConnected) node.focus();
  };
  var submit = function () {
    var text = area.value;
    if (!text.trim()) {
      toast(t("translate.empty"), false);
      area.focus();
      return;
    }
    var lang = select.value;
    confirmSafe(text, area).then(function (send) {
      if (!send || node._translator === null) return;
      close();
      sendOp("note.translate", { note_id: note.id, lang: lang, text: text });
      announce(t("translate.saved", { language: languageName(lang) }));
    });
  };
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    submit();
  });
  cancel.addEventListener("click", close);
  area.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  });
}

/* Do No Harm, always in sight while writing. */
function harmReminder(id) {
  var p = el("p", "dnh-reminder");
  p.id = id;
  var icon = el("span", "dnh-icon");
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = "⚠";
  p.appendChild(icon);
  p.appendChild(document.createTextNode(" " + t("dnh.reminder")));
  return p;
}

/* "Who does this note consider?": the inclusion groups as tags (inclusion:<key>). */
function tagPicker(idBase, tags) {
  var groups = inclusionGroups();
  var details = el("details", "tag-picker");
  var summary = el("summary");
  summary.textContent = t("tags.summary");
  details.appendChild(summary);
  var box = el("div", "tag-options");
  var boxes = groups.map(function (g) {
    var wrap = el("div", "check tag-option");
    var input = el("input");
    input.type = "checkbox";
    input.id = idBase + "-tag-" + g.key;
    input.value = g.tag;
    input.checked = (tags || []).indexOf(g.tag) !== -1;
    if (input.checked) details.open = true;
    var label = el("label");
    label.htmlFor = input.id;
    label.textContent = groupLabel(g);
    wrap.appendChild(input);
    wrap.appendChild(label);
    box.appendChild(wrap);
    return input;
  });
  details.appendChild(box);
  details.hidden = !groups.length;
  return {
    el: details,
    picked: function () {
      return boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    },
    reset: function () {
      boxes.forEach(function (b) { b.checked = false; });
    },
    /* The note's tags with its inclusion tags replaced by the picked ones (at most 10). */
    merged: function (old) {
      var prefix = tagPrefix();
      var kept = (old || []).filter(function (x) { return x.indexOf(prefix) !== 0; });
      return this.picked().concat(kept).slice(0, 10);
    },
  };
}

function kindSelect(value, id) {
  var label = el("label", "kind-label");
  label.htmlFor = id;
  label.textContent = t("editor.kind");
  var select = el("select", "kind-select");
  select.id = id;
  KINDS.forEach(function (k) {
    var o = el("option");
    o.value = k;
    o.textContent = ICONS[k] + " " + t("kind." + k);
    if (k === value) o.selected = true;
    select.appendChild(o);
  });
  return { label: label, select: select };
}

/* --- adding notes: a composer at the end of a lane --------------------------------------- */

export function currentLaneId() {
  var focused = document.activeElement && document.activeElement.closest && document.activeElement.closest(".lane");
  if (focused) return Number(focused.dataset.laneId);
  if (ui.activeLane && laneById(ui.activeLane)) return ui.activeLane;
  return state.board && state.board.lanes.length ? state.board.lanes[0].id : null;
}

var lastAddedKey = null;
export function openComposer(laneId) {
  if (!canWrite() || laneId == null) return;
  if (tabsMode() && ui.activeLane !== laneId) {
    ui.activeLane = laneId;
    render();
  }
  var lane = laneById(laneId);
  var section = laneEls.get(laneId);
  var slot = section.querySelector(".composer-slot");
  if (ui.composerLane === laneId && slot.firstChild) {
    slot.querySelector("textarea").focus();
    return;
  }
  closeComposer();
  ui.composerLane = laneId;
  lastAddedKey = null;
  var form = el("form", "composer");
  var label = el("label", "composer-label");
  var area = el("textarea", "note-input");
  area.id = "compose-" + laneId;
  label.htmlFor = area.id;
  label.textContent = t("composer.label", { lane: laneTitle(lane) });
  area.rows = 3;
  area.maxLength = 2000;
  var hint = el("p", "hint composer-hint");
  hint.id = area.id + "-hint";
  hint.textContent = t("composer.hint");
  var reminder = harmReminder(area.id + "-dnh");
  area.setAttribute("aria-describedby", reminder.id + " " + hint.id);
  var picker = tagPicker(area.id, []);
  var kind = kindSelect(lane.default_kind, area.id + "-kind");
  var anon = el("input");
  anon.type = "checkbox";
  anon.id = area.id + "-anon";
  anon.checked = cfg.anonymous;
  var anonLabel = el("label");
  anonLabel.htmlFor = anon.id;
  anonLabel.textContent = t("composer.anonymous");
  var anonBox = el("div", "check");
  anonBox.appendChild(anon);
  anonBox.appendChild(anonLabel);
  var add = el("button", "button primary small");
  add.type = "submit";
  add.textContent = t("composer.add");
  var done = el("button", "button small");
  done.type = "button";
  done.textContent = t("composer.done");
  var row = el("div", "editor-row");
  [kind.label, kind.select, anonBox, add, done].forEach(function (c) {
    row.appendChild(c);
  });
  [label, area, reminder, picker.el, hint, row].forEach(function (c) {
    form.appendChild(c);
  });
  slot.appendChild(form);
  document.body.classList.add("composing");
  section.querySelector(".add-here").hidden = true;
  area.focus();
  form.scrollIntoView({ block: "nearest" });
  var checking = false;
  var submit = function () {
    var text = area.value;
    if (!text.trim()) {
      area.focus();
      return;
    }
    if (checking) return;
    checking = true;
    confirmSafe(text, area).then(function (send) {
      checking = false;
      if (!send || ui.composerLane !== laneId) return;
      var added = addNote(laneId, text, kind.select.value, anon.checked, picker.picked());
      lastAddedKey = added.key;
      area.value = "";
      picker.reset();
      announce(t("announce.added_mine", { lane: laneTitle(lane) }));
      area.focus();
    });
  };
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    submit();
  });
  done.addEventListener("click", function () {
    closeComposer(true);
  });
  area.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      closeComposer(true);
    }
  });
}

export function closeComposer(refocus) {
  if (ui.composerLane == null) return;
  var laneId = ui.composerLane;
  ui.composerLane = null;
  document.body.classList.remove("composing");
  var section = laneEls.get(laneId);
  if (!section) return;
  section.querySelector(".composer-slot").textContent = "";
  section.querySelector(".add-here").hidden = false;
  if (!refocus) return;
  var node = lastAddedKey && noteEls.get(lastAddedKey);
  if (node && node.isConnected) {
    ui.focusKey = lastAddedKey;
    node.focus();
  } else {
    section.querySelector(".add-here").focus();
  }
}

export function focusLaneAdd(laneId) {
  var section = laneEls.get(laneId);
  if (section) section.querySelector(".add-here").focus();
}

/* --- conflicts: my edit met someone else's ----------------------------------------------- */

export function restoreConflicts() {
  loadConflicts();
  showConflict();
}

export function showConflict() {
  var dialog = $("conflict-dialog");
  if (dialog.open || !ui.conflicts.length) return;
  var c = ui.conflicts[0];
  var mine = c.op.data.text != null ? c.op.data.text : c.current.text;
  $("conflict-mine").textContent = mine;
  $("conflict-theirs").textContent = c.current.text;
  $("conflict-merge").value = c.current.text === mine ? mine : c.current.text + "\n\n" + mine;
  dialog.showModal();
  announce(t("announce.conflict"));
}

function resolveConflict(c, choice) {
  var data = { note_id: c.current.id, base_version: c.current.version };
  if (choice === "theirs") {
    announce(t("announce.kept_theirs"));
    render();
    return;
  }
  data.text = choice === "merge" ? $("conflict-merge").value : c.op.data.text;
  if (c.op.data.kind) data.kind = c.op.data.kind;
  if (!data.text || !data.text.trim()) data.text = c.current.text;
  sendOp("note.update", data);
}

/* --- the move dialog (M): every place a note can go, the next lane first ------------------ */

export function openMoveDialog(node) {
  var note = noteOf(node);
  if (!note || !canWrite()) return;
  if (nested(note)) return toast(t("cluster.move_hint"), false);
  var dialog = $("move-dialog");
  $("move-note-text").textContent = short(note.text);
  var box = $("move-options");
  box.textContent = "";
  var list = laneItems(note.lane_id);
  var idx = list.indexOf(note);
  var options = [];
  state.board.lanes.forEach(function (lane) {
    if (lane.id !== note.lane_id) {
      options.push([t("move.to_lane", { lane: laneTitle(lane) }), function () { moveNote(note, lane.id, laneItems(lane.id).length); }]);
    }
  });
  if (idx > 0) options.push([t("move.up"), function () { moveBy(note, 0, -1); }]);
  if (idx < list.length - 1) options.push([t("move.down"), function () { moveBy(note, 0, 1); }]);
  if (idx > 0) options.push([t("move.top"), function () { moveNote(note, note.lane_id, 0); }]);
  var lanes = state.board.lanes;
  var li = lanes.findIndex(function (l) { return l.id === note.lane_id; });
  // The next lane first: the most common move.
  if (lanes[li + 1]) {
    var nextTitle = t("move.to_lane", { lane: laneTitle(lanes[li + 1]) });
    options.sort(function (a, b) { return (b[0] === nextTitle) - (a[0] === nextTitle); });
  }
  options.forEach(function (opt) {
    var b = el("button", "button move-option");
    b.type = "button";
    b.textContent = opt[0];
    b.addEventListener("click", function () {
      dialog.close();
      ui.focusKey = store.keyOf(note);
      opt[1]();
      render();
      var n = noteEls.get(ui.focusKey);
      if (n && n.isConnected) n.focus();
    });
    box.appendChild(b);
  });
  dialog.showModal();
  var first = box.querySelector("button");
  if (first) first.focus();
}

export function setupDialogs() {
  $("conflict-dialog").addEventListener("click", function (e) {
    var choice = e.target.closest("[data-choice]");
    if (!choice) return;
    var c = ui.conflicts.shift();
    saveConflicts();
    $("conflict-dialog").close();
    if (c) resolveConflict(c, choice.dataset.choice);
    showConflict();
  });
  $("conflict-dialog").addEventListener("cancel", function (e) {
    e.preventDefault(); // a choice is needed: nothing is dropped silently
  });
  document.querySelectorAll("dialog [data-close]").forEach(function (b) {
    b.addEventListener("click", function () {
      b.closest("dialog").close();
    });
  });
}
