/* The connection: Socket.IO, joining (snapshot or catch-up since my last seq), live ops (one
   `op` event, or a batch `ops` {ops: [msg …]} applied as the same run of single ops), presence,
   and sending my queued ops one at a time in order (each stays queued until its ack). */
import { short } from "../common/dom.js";
import { cfg, state, store, ui, emit, opHandlers, current, noteIdOfKey, ACK_TIMEOUT } from "./core.js";
import { t } from "./i18n.js";
import { inSeqOrder } from "./store.js";
import { toast, announceOp } from "./messages.js";
import { saveConflicts } from "./offline.js";
import { render, renderStatus, scheduleRender, renderPresence, renderNotes } from "./render.js";
import { showConflict } from "./editor.js";

export const socket = window.io({
  autoConnect: false,
  reconnectionDelay: 500,
  reconnectionDelayMax: 3000,
  withCredentials: true,
});

const waiting = new Map(); // op_id -> resolve of sendOp()

export function setStatus(status) {
  ui.status = status;
  renderStatus();
  emit("status", { status: status, waiting: state.queue.length });
}

function offlineOrReconnecting() {
  return navigator.onLine === false ? "offline" : "reconnecting";
}

export function join(fresh) {
  var payload = { board_id: cfg.boardId };
  if (!fresh && state.loaded) payload.since = state.seq;
  return socket
    .timeout(ACK_TIMEOUT)
    .emitWithAck("board:join", payload)
    .then(function (ack) {
      if (!ack.ok) {
        toast(ack.error.message, true);
        setStatus("error");
        return;
      }
      if (ack.me != null && ack.me !== cfg.me) {
        // Someone else signed in on this device after this page opened: this page's edits
        // (kept under its own identity) are never sent as them.
        ui.joined = false;
        socket.disconnect(); // its "disconnect" handler runs now: the status below stays
        toast(t("error.identity_changed"), true);
        setStatus("error");
        return;
      }
      if (ack.snapshot) {
        loadSnapshot(ack.snapshot);
        if (ack.snapshot.notes_next != null) loadPages(ack.snapshot.notes_next, state.board);
      } else {
        receiveAll(ack.ops || [], false);
        if (ack.more) setTimeout(join, 0); // a long catch-up comes in pages: the next one
      }
      ui.joined = true;
      setStatus("live");
      if (ui.editing) sendPresence(noteIdOfKey(ui.editing));
      render();
      pump();
    })
    .catch(function () {
      if (socket.connected) setTimeout(join, 1000);
    });
}

/* The rest of a big board's notes, page by page (board:page), while ops keep coming. */
function loadPages(after, board) {
  socket
    .timeout(ACK_TIMEOUT)
    .emitWithAck("board:page", { board_id: cfg.boardId, after: after })
    .then(function (ack) {
      if (!ack.ok || state.board !== board) return; // joined afresh meanwhile: that one pages
      if (store.addPage(ack.notes)) scheduleRender();
      if (ack.next != null) loadPages(ack.next, board);
    })
    .catch(function () {
      if (socket.connected && state.board === board) setTimeout(function () { loadPages(after, board); }, 1000);
    });
}

function loadSnapshot(snap) {
  store.load(snap);
  ui.myDots = new Map(); // note id -> my dots on it (several when vote_max_per_note > 1)
  (snap.my_votes || []).forEach(function (id) { ui.myDots.set(id, (ui.myDots.get(id) || 0) + 1); });
  noteClock(snap.facilitation);
  emit("snapshot", snap);
}

export function noteClock(fac) {
  var timer = fac && fac.timer;
  if (timer && timer.state === "running" && timer.ends_at && timer.remaining != null) {
    ui.clockOffset = Date.parse(timer.ends_at) - timer.remaining * 1000 - Date.now();
  }
}

var gapTimer = null;
/* One op of the log. The store skips one already applied and keeps one that arrived early
   until the gap before it is filled; a gap still open after a second asks for a catch-up. */
export function receive(msg, live) {
  if (!msg || msg.board_id !== cfg.boardId) return;
  // Only a live message says what time it is now (a caught-up op's "at" is in the past).
  if (live && msg.at) ui.clockOffset = Date.parse(msg.at) - Date.now();
  var done = store.applyMessage(msg, msg.actor && msg.actor.id === cfg.me && !live);
  if (!done.applied) return;
  if (opHandlers[msg.type]) opHandlers[msg.type](state, msg);
  if (live && msg.result && msg.result.facilitation) noteClock(msg.result.facilitation);
  emit("op", msg);
  if (live) announceOp(msg);
  if (done.resync) {
    join(true);
  } else if (done.gap && !gapTimer) {
    gapTimer = setTimeout(function () {
      gapTimer = null;
      if (state.ahead.size && ui.joined) join();
    }, 1000);
  }
}

/* Several ops (a catch-up, or a batched broadcast): in seq order, each as a single op. */
export function receiveAll(msgs, live) {
  inSeqOrder(msgs).forEach(function (msg) { receive(msg, live); });
}

export function sendPresence(noteId) {
  if (!ui.joined) return;
  if (typeof noteId !== "number") noteId = null;
  socket.emit("presence", { board_id: cfg.boardId, editing: noteId });
}

/* Send my queued ops one at a time, in order; each stays queued until its ack. */
var pumping = false;
export function pump() {
  if (pumping || !ui.joined || !state.queue.length) return;
  pumping = true;
  var op = state.queue[0];
  var data = op.data;
  if (op.who != null && op.who !== cfg.me) {
    store.dequeue(op.op_id); // written by another identity on this device: never sent as me
    pumping = false;
    return pump();
  }
  if (store.isTemp(data.note_id) || store.isTemp(data.after) || store.isTemp(data.before)) {
    // It names a note whose creation was refused: it cannot be done any more.
    store.dequeue(op.op_id);
    refused(op, { code: "not_found", message: t("error.note_gone") });
    pumping = false;
    render();
    return pump();
  }
  socket
    .timeout(ACK_TIMEOUT)
    .emitWithAck("op", { board_id: cfg.boardId, op_id: op.op_id, type: op.type, data: data })
    .then(
      function (ack) {
        pumping = false;
        var later = handleAck(op, ack);
        render();
        if (!later) pump();
      },
      function () {
        pumping = false; // no answer: it stays first in the queue, sent again on reconnect
        if (socket.connected && ui.joined) setTimeout(pump, 1000);
      }
    );
}

function handleAck(op, ack) {
  if (!ack.ok && (ack.error.code === "rate_limited" || ack.error.code === "unavailable")) {
    setTimeout(pump, 1000);
    return true; // it stays first in the queue
  }
  store.dequeue(op.op_id);
  if (ack.ok) {
    store.confirm(op, ack);
    store.markMine(op, ack);
    if ((op.type === "vote.add" || op.type === "vote.remove") && ack.result && ack.result.my_dots != null) {
      ui.myDots.set(op.data.note_id, ack.result.my_dots);
      scheduleRender();
    }
    receive(
      {
        board_id: cfg.boardId,
        seq: ack.seq,
        op_id: op.op_id,
        type: op.type,
        data: op.data,
        result: ack.result,
        actor: { id: cfg.me },
      },
      false
    );
  } else if (ack.error.code === "conflict" && ack.current) {
    store.putNote(ack.current, false);
    ui.conflicts.push({ op: op, current: ack.current });
    saveConflicts();
    showConflict();
  } else {
    if (op.type === "note.create") store.dropOrphans("t:" + op.op_id);
    refused(op, ack.error);
    if (ack.current) store.putNote(ack.current, false);
  }
  var resolve = waiting.get(op.op_id);
  if (resolve) {
    waiting.delete(op.op_id);
    resolve(ack);
  }
  renderStatus();
  return false;
}

function refused(op, error) {
  var what = t("op." + op.type);
  if (what === "op." + op.type) what = t("op.unknown");
  var text = op.data && op.data.text ? " “" + short(op.data.text) + "”" : "";
  toast(t("refused", { what: what + text, reason: error.message }), true);
}

/* Queue an op (kept across reloads) and send it when possible; resolves with its ack. */
export function sendOp(type, data) {
  // Listeners see the board as it was before this op (undo.js builds its inverse);
  // `sent.promise` is its ack, set once the op is queued.
  var sent = { type: type, data: data, view: current(), promise: null };
  emit("send", sent);
  var op = store.enqueue(type, data);
  var promise = new Promise(function (resolve) {
    waiting.set(op.op_id, resolve);
  });
  sent.promise = promise;
  render();
  pump();
  return promise;
}

/* "Leave this board" (leave.js): stop, and keep nothing of this person on the device. */
export function leave() {
  socket.disconnect();
  store.forget();
}

export function setupConnection() {
  socket.on("connect", function () {
    setStatus("connecting");
    join();
  });
  socket.on("disconnect", function () {
    ui.joined = false;
    setStatus(offlineOrReconnecting());
  });
  socket.on("connect_error", function (err) {
    ui.joined = false;
    var data = err && err.data;
    if (data && data.code === "unauthorized") {
      toast(t("error.signed_out"), true);
    }
    setStatus(offlineOrReconnecting());
  });
  window.addEventListener("offline", function () {
    setStatus("offline");
  });
  window.addEventListener("online", function () {
    setStatus("reconnecting");
    if (!socket.connected) socket.connect();
  });
  socket.on("op", function (msg) {
    receive(msg, true);
    scheduleRender();
  });
  // A batched broadcast (docs/protocol.md): {ops: [msg, …]}, each msg what `op` carries.
  socket.on("ops", function (batch) {
    receiveAll(batch && batch.ops, true);
    scheduleRender();
  });
  socket.on("presence", function (msg) {
    if (msg.board_id !== cfg.boardId) return;
    state.presence = msg.participants || [];
    state.crowd = msg.crowd ? msg.count : null; // a plenary: a count, staff and editors by name
    state.editingAnonymous = msg.editing_anonymous || [];
    emit("presence", state.presence);
    renderPresence();
    renderNotes();
  });
}
