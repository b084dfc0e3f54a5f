/* The board's state in the browser: the server's copy (from the snapshot and the op results),
 my queue of unconfirmed ops (kept in localStorage), and the view of both together.
 No DOM here: board.js draws it. See docs/board.md for the offline model. */

var TEMP = "t:"; // ids of notes created here and not yet confirmed: "t:<op_id>"

export function byPosition(a, b) {
  if (a.position < b.position) return -1;
  if (a.position > b.position) return 1;
  return String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0;
}

/* Ops of a catch-up or a batched broadcast in the order to apply them (by seq; not a message
   object is dropped). Each is then applied as a single op (applyMessage: duplicates skipped,
   gaps held). */
export function inSeqOrder(msgs) {
  if (!Array.isArray(msgs)) return [];
  return msgs
    .filter(function (msg) { return !!msg && typeof msg === "object"; })
    .sort(function (a, b) { return (a.seq || 0) - (b.seq || 0); });
}

/* A Storage-like object kept in memory (no localStorage: disabled, or node tests). */
export function memoryStorage() {
  var items = new Map();
  return {
    getItem: function (key) { return items.has(key) ? items.get(key) : null; },
    setItem: function (key, value) { items.set(key, String(value)); },
    removeItem: function (key) { items.delete(key); },
  };
}

function copy(obj) {
  return Object.assign({}, obj);
}

export function createStore(boardId, viewerId, storage) {
  storage = storage || memoryStorage();
  // A shared phone is not a shared identity: each identity has its own queue on the device,
  // sent only under that identity (the other's waits until it signs in here again).
  var keys = {
    snapshot: "roadmap:board:" + boardId + ":snapshot",
    queue: "roadmap:board:" + boardId + ":queue:" + viewerId,
    legacyQueue: "roadmap:board:" + boardId + ":queue", // before queues had an owner
  };
  var state = {
    boardId: boardId,
    board: null, // the snapshot without its notes: title, lanes, phase, facilitation, viewer …
    notes: new Map(), // id -> note dict, as the server last said
    myVotes: new Set(),
    seq: 0, // every op up to here is applied
    ahead: new Set(), // seqs above `seq` already applied (arrived out of order)
    queue: [], // my ops not yet acknowledged: {op_id, type, data, at, who}
    droppedForeign: 0, // queued ops of unknown identity dropped on restore (never sent)
    presence: [],
    aliases: new Map(), // real note id -> the temporary id it had before the ack
    loaded: false,
  };

  function read(key) {
    try {
      var raw = storage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (err) {
      return null;
    }
  }

  function write(key, value) {
    try {
      storage.setItem(key, JSON.stringify(value));
    } catch (err) {
      /* storage full or disabled: the queue still lives in memory */
    }
  }

  var saveTimer = null;
  function saveSnapshot() {
    if (saveTimer) return;
    saveTimer = setTimeout(function () {
      saveTimer = null;
      if (state.board) write(keys.snapshot, snapshot());
    }, 300);
  }

  function saveQueue() {
    write(keys.queue, state.queue);
  }

  function snapshot() {
    var data = copy(state.board);
    data.notes = Array.from(state.notes.values());
    data.my_votes = Array.from(state.myVotes);
    data.seq = state.seq;
    return data;
  }

  function restore() {
    var queue = read(keys.queue);
    if (Array.isArray(queue)) {
      state.queue = queue.filter(function (op) {
        return op && op.who === viewerId;
      });
    }
    var legacy = read(keys.legacyQueue);
    if (Array.isArray(legacy)) {
      state.droppedForeign = legacy.length; // whose they were is unknown: never sent
      try {
        storage.removeItem(keys.legacyQueue);
      } catch (err) {
        /* storage disabled */
      }
    }
    var snap = read(keys.snapshot);
    if (snap && snap.id === boardId && snap.viewer && snap.viewer.id === viewerId) {
      load(snap, true);
      return true;
    }
    return false;
  }

  function load(snap, fromCache) {
    state.board = copy(snap);
    delete state.board.notes;
    state.notes = new Map();
    (snap.notes || []).forEach(function (note) {
      state.notes.set(note.id, note);
    });
    state.myVotes = new Set(snap.my_votes || []);
    state.seq = snap.seq || 0;
    state.ahead = new Set();
    state.loaded = true;
    if (!fromCache) saveSnapshot();
  }

  /* A page of a big board's notes (board:page, after the join's first page): only the notes
     not known yet are added; one an op brought since is as new or newer (docs/protocol.md). */
  function addPage(notes) {
    var added = 0;
    (notes || []).forEach(function (note) {
      if (!note || state.notes.has(note.id)) return;
      state.notes.set(note.id, copy(note));
      added += 1;
    });
    if (added) saveSnapshot();
    return added;
  }

  function isMine(note, mineHint) {
    var before = state.notes.get(note.id);
    if (mineHint || (before && before.mine)) return true;
    return !!(note.author && note.author.id != null && note.author.id === viewerId);
  }

  function putNote(note, mineHint) {
    var before = state.notes.get(note.id);
    if (before && before.version > note.version) return; // an older copy arrived late
    var next = copy(note);
    next.mine = isMine(note, mineHint);
    if (next.votes == null && before) next.votes = before.votes;
    // Op results carry a note without its translations (issue 15): they stay as they were.
    if (next.translations == null) next.translations = (before && before.translations) || {};
    state.notes.set(note.id, next);
  }

  /* The room's translations of a note (issue 15): note.translate / note.untranslate results,
     and "translations_outdated" when an edit changed the note's text. */
  function applyTranslation(type, result, mine) {
    var id = result.note_id != null ? result.note_id : result.note && result.note.id;
    var note = id != null ? state.notes.get(id) : null;
    if (!note) return;
    var all = Object.assign({}, note.translations || {});
    if ((type === "note.translate" || type === "note.untranslate") && result.lang) {
      var tr = result.translation;
      if (mine && tr && tr.by && tr.by.id == null) {
        // My own anonymous translation: the room sees "Anonymous", this device knows it is mine.
        var viewer = state.board && state.board.viewer;
        tr = Object.assign({}, tr, { by: { id: viewerId, name: (viewer && viewer.name) || "" } });
      }
      if (type === "note.translate" && tr && tr.text) all[result.lang] = tr;
      else delete all[result.lang];
    }
    (result.translations_outdated || []).forEach(function (lang) {
      if (all[lang]) all[lang] = Object.assign({}, all[lang], { outdated: true });
    });
    note = copy(note);
    note.translations = all;
    state.notes.set(note.id, note);
  }

  /* Apply an op's result to the server copy, by the conventions of docs/architecture.md. */
  function applyResult(type, result, mine) {
    result = result || {};
    var effects = { resync: !!result.resync };
    if (result.note) putNote(result.note, mine && type === "note.create");
    (result.notes || []).forEach(function (n) {
      putNote(n, false);
    });
    if (result.note_id != null && result.lane_id != null && result.position != null) {
      var moved = state.notes.get(result.note_id);
      if (moved) {
        moved = copy(moved);
        moved.lane_id = result.lane_id;
        moved.position = result.position;
        state.notes.set(moved.id, moved);
      }
    }
    if (type === "note.translate" || type === "note.untranslate" || result.translations_outdated) {
      applyTranslation(type, result, mine);
    }
    if (type === "note.delete" && result.note_id != null) state.notes.delete(result.note_id);
    (result.deleted_note_ids || []).forEach(function (id) {
      state.notes.delete(id);
    });
    if (type === "note.redact") {
      // Redacted: nothing of the note stays on this device, queued edits of it neither.
      var gone = new Set(result.deleted_note_ids || [result.note_id]);
      state.queue = state.queue.filter(function (op) {
        return !(op.data && gone.has(op.data.note_id));
      });
      saveQueue();
    }
    if (result.note_id != null && typeof result.votes === "number") {
      var voted = state.notes.get(result.note_id);
      if (voted) {
        voted = copy(voted);
        voted.votes = result.votes;
        state.notes.set(voted.id, voted);
      }
    }
    // My own dot, also while the results are hidden (votes: null, see docs/facilitation.md).
    if (result.note_id != null && mine && (type === "vote.add" || type === "vote.remove")) {
      if (type === "vote.add") state.myVotes.add(result.note_id);
      else if (!result.my_dots) state.myVotes.delete(result.note_id);
    }
    if (state.board && result.board) Object.assign(state.board, result.board);
    if (state.board && result.facilitation) state.board.facilitation = result.facilitation;
    if (state.board && result.takeaway) {
      var list = (state.board.takeaways || []).filter(function (t) {
        return t.id !== result.takeaway.id;
      });
      list.push(result.takeaway);
      state.board.takeaways = list;
    }
    return effects;
  }

  /* An op from the log (broadcast, catch-up, or my own ack). Returns
     {applied, gap, resync}; an op already applied is skipped. */
  function applyMessage(msg, mine) {
    var seq = msg.seq;
    if (typeof seq !== "number" || seq <= state.seq || state.ahead.has(seq)) {
      return { applied: false, gap: false, resync: false };
    }
    // "redacted" (outside a hidden op's audience) and "coalesced" (a move superseded by a later
    // move of the same note in the same batch) only advance the seq (docs/protocol.md).
    var effects =
      msg.type === "redacted" || msg.type === "coalesced" ? {} : applyResult(msg.type, msg.result, mine);
    if (seq === state.seq + 1) {
      state.seq = seq;
      while (state.ahead.has(state.seq + 1)) {
        state.ahead.delete(state.seq + 1);
        state.seq += 1;
      }
    } else {
      state.ahead.add(seq);
    }
    saveSnapshot();
    return { applied: true, gap: state.ahead.size > 0, resync: !!effects.resync };
  }

  /* --- the queue ---------------------------------------------------------------------- */

  function enqueue(type, data) {
    var op = {
      op_id: globalThis.crypto && globalThis.crypto.randomUUID ? globalThis.crypto.randomUUID() : fallbackId(),
      type: type,
      data: data,
      at: Date.now(),
      who: viewerId,
    };
    state.queue.push(op);
    saveQueue();
    return op;
  }

  function fallbackId() {
    return "x" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function dequeue(opId) {
    state.queue = state.queue.filter(function (op) {
      return op.op_id !== opId;
    });
    saveQueue();
  }

  /* After an ack: ids and versions that later queued ops still name the old way. */
  function confirm(op, ack) {
    var result = ack.result || {};
    if (op.type === "note.create" && result.note) {
      var temp = TEMP + op.op_id;
      state.aliases.set(result.note.id, temp);
      rewrite(function (data) {
        ["note_id", "after", "before"].forEach(function (k) {
          if (data[k] === temp) data[k] = result.note.id;
        });
      });
    }
    if (op.type === "note.update" && result.note) {
      rewrite(function (data, queued) {
        if (
          queued.type === "note.update" &&
          data.note_id === result.note.id &&
          data.base_version === op.data.base_version
        ) {
          data.base_version = result.note.version;
        }
      });
    }
    saveQueue();
  }

  /* My own op was confirmed (maybe as a duplicate of one sent before a disconnect). */
  function markMine(op, ack) {
    var result = ack.result || {};
    if (op.type === "note.create" && result.note) {
      var note = state.notes.get(result.note.id);
      if (note) note.mine = true;
    }
    if (op.type === "vote.add") state.myVotes.add(op.data.note_id);
    // Several dots may stay on the note (vote_max_per_note): my_dots says how many are left.
    if (op.type === "vote.remove" && !result.my_dots) state.myVotes.delete(op.data.note_id);
    saveSnapshot();
  }

  function rewrite(fn) {
    state.queue.forEach(function (queued) {
      fn(queued.data, queued);
    });
  }

  /* Drop queued ops that name a note that was never created (its create was refused). */
  function dropOrphans(tempId) {
    var dropped = state.queue.filter(function (op) {
      return op.data.note_id === tempId;
    });
    state.queue = state.queue.filter(function (op) {
      return op.data.note_id !== tempId;
    });
    saveQueue();
    return dropped;
  }

  /* --- the view: the server copy with my queued ops applied on top ---------------------- */

  function optimisticPosition(notes, laneId, after, before) {
    var a = after != null ? notes.get(after) : null;
    if (a) return a.position + " ";
    var b = before != null ? notes.get(before) : null;
    if (b) return b.position.slice(0, -1) + "!";
    var last = "";
    notes.forEach(function (n) {
      if (n.lane_id === laneId && n.position > last) last = n.position;
    });
    return last + "~";
  }

  function view() {
    var notes = new Map();
    state.notes.forEach(function (n, id) {
      notes.set(id, n);
    });
    var myVotes = new Set(state.myVotes);
    var lanes = (state.board && state.board.lanes) || [];
    state.queue.forEach(function (op) {
      var d = op.data;
      var n = d.note_id != null ? notes.get(d.note_id) : null;
      if (op.type === "note.create") {
        var lane = lanes.find(function (l) {
          return l.id === d.lane_id;
        });
        var id = TEMP + op.op_id;
        notes.set(id, {
          id: id,
          lane_id: d.lane_id,
          kind: d.kind || (lane ? lane.default_kind : "signpost"),
          text: d.text,
          position: optimisticPosition(notes, d.lane_id, d.after, null),
          version: 1,
          votes: 0,
          author: d.anonymous ? null : { id: viewerId, name: (state.board && state.board.viewer && state.board.viewer.name) || "" },
          anonymous: !!d.anonymous,
          mine: true,
          pending: true,
          tags: d.tags || [],
        });
      } else if (op.type === "note.update" && n) {
        n = copy(n);
        if (d.text != null) n.text = d.text;
        if (d.kind != null) n.kind = d.kind;
        if (d.tags != null) n.tags = d.tags;
        n.pending = true;
        notes.set(n.id, n);
      } else if (op.type === "note.move" && n) {
        n = copy(n);
        n.lane_id = d.lane_id;
        notes.delete(n.id);
        n.position = optimisticPosition(notes, d.lane_id, d.after, d.before);
        n.pending = true;
        notes.set(n.id, n);
      } else if ((op.type === "note.translate" || op.type === "note.untranslate") && n && d.lang) {
        // A translation not confirmed yet is drawn at once, marked pending (issue 15).
        n = copy(n);
        n.translations = Object.assign({}, n.translations || {});
        if (op.type === "note.translate") {
          var viewer = state.board && state.board.viewer;
          n.translations[d.lang] = {
            text: d.text,
            outdated: false,
            pending: true,
            by: viewer ? { id: viewer.id, name: viewer.name } : null,
          };
        } else {
          delete n.translations[d.lang];
        }
        notes.set(n.id, n);
      } else if (op.type === "note.delete" && n) {
        notes.delete(n.id);
      } else if (op.type === "cluster.dissolve" && notes.has(d.cluster_id)) {
        // Un-merge: drawn at once; the cluster note goes, its notes come out.
        notes.delete(d.cluster_id);
        notes.forEach(function (m, mid) {
          if (m.cluster_id === d.cluster_id) {
            m = copy(m);
            m.cluster_id = null;
            m.pending = true;
            notes.set(mid, m);
          }
        });
      } else if ((op.type === "vote.add" || op.type === "vote.remove") && n) {
        var had = myVotes.has(n.id);
        var want = op.type === "vote.add";
        if (had !== want) {
          n = copy(n);
          n.votes = Math.max(0, (n.votes || 0) + (want ? 1 : -1));
          n.pending = true;
          notes.set(n.id, n);
          if (want) myVotes.add(n.id);
          else myVotes.delete(n.id);
        }
      }
    });
    var byLane = new Map();
    lanes.forEach(function (l) {
      byLane.set(l.id, []);
    });
    notes.forEach(function (n) {
      if (byLane.has(n.lane_id)) byLane.get(n.lane_id).push(n);
    });
    byLane.forEach(function (list) {
      list.sort(byPosition);
    });
    return { notes: notes, byLane: byLane, myVotes: myVotes };
  }

  function keyOf(note) {
    return state.aliases.get(note.id) || String(note.id);
  }

  /* "Leave this board": forget this board's copy and my queue on this device. */
  function forget() {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = null;
    state.board = null;
    state.queue = [];
    [keys.snapshot, keys.queue, keys.legacyQueue].forEach(function (key) {
      try {
        storage.removeItem(key);
      } catch (err) {
        /* storage disabled */
      }
    });
  }

  return {
    state: state,
    forget: forget,
    restore: restore,
    load: load,
    addPage: addPage,
    snapshot: snapshot,
    applyMessage: applyMessage,
    applyResult: applyResult,
    putNote: putNote,
    enqueue: enqueue,
    dequeue: dequeue,
    confirm: confirm,
    markMine: markMine,
    dropOrphans: dropOrphans,
    saveQueue: saveQueue,
    view: view,
    keyOf: keyOf,
    isTemp: function (id) {
      return typeof id === "string" && id.indexOf(TEMP) === 0;
    },
  };
}
