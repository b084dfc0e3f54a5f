/* The live board: connection and offline queue, drawing lanes and sticky notes, editing,
   moving (drag and drop, keyboard, menu), votes, filters, presence, conflicts.
   Public API for other features: window.RoadmapBoard (see docs/board.md). */
(function () {
  "use strict";

  var main = document.getElementById("main");
  var cfg = {
    boardId: Number(main.dataset.boardId),
    view: main.dataset.view,
    lang: main.dataset.lang || "en",
    i18nUrl: main.dataset.i18nUrl,
    me: Number(main.dataset.me),
    anonymous: main.dataset.anonymous === "true",
    swUrl: main.dataset.swUrl,
  };
  var KINDS = ["signpost", "commitment", "challenge", "question", "resource"];
  var ICONS = { signpost: "➜", commitment: "✓", challenge: "!", question: "?", resource: "◆", cluster: "▣" };
  var ACK_TIMEOUT = 10000;
  var $ = function (id) {
    return document.getElementById(id);
  };

  /* --- translations ------------------------------------------------------------------- */

  var catalogue = {};
  var plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(cfg.lang) : null;

  function t(key, vars) {
    vars = vars || {};
    var text;
    if (typeof vars.count === "number" && plurals) {
      text = catalogue[key + "." + plurals.select(vars.count)] || catalogue[key + ".other"];
    }
    if (text == null) text = catalogue[key];
    if (text == null) text = key;
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return vars[name] != null ? String(vars[name]) : whole;
    });
  }

  // Stock lane titles (roadmap/boards.py TEMPLATES) are stored in English; show them translated.
  function laneTitle(lane) {
    if (!lane) return "";
    return catalogue["lane_title." + lane.title] || lane.title;
  }

  function loadCatalogue() {
    return fetch(cfg.i18nUrl, { credentials: "same-origin" })
      .then(function (res) {
        return res.ok ? res.json() : {};
      })
      .catch(function () {
        return {};
      })
      .then(function (data) {
        catalogue = data || {};
      });
  }

  /* --- state, events ------------------------------------------------------------------ */

  var store = window.RoadmapStore.createStore(cfg.boardId, cfg.me);
  var state = store.state;
  var listeners = {};
  var opHandlers = {};
  var waiting = new Map(); // op_id -> resolve of sendOp()
  var ui = {
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

  function on(name, fn) {
    (listeners[name] = listeners[name] || []).push(fn);
  }

  function emit(name, payload) {
    (listeners[name] || []).forEach(function (fn) {
      try {
        fn(payload);
      } catch (err) {
        console.error(err);
      }
    });
  }

  /* --- connection ----------------------------------------------------------------------- */

  var socket = window.io({
    autoConnect: false,
    reconnectionDelay: 500,
    reconnectionDelayMax: 3000,
    withCredentials: true,
  });

  function setStatus(status) {
    ui.status = status;
    renderStatus();
    emit("status", { status: status, waiting: state.queue.length });
  }

  function offlineOrReconnecting() {
    return navigator.onLine === false ? "offline" : "reconnecting";
  }

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

  function join(fresh) {
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
        if (ack.snapshot) {
          loadSnapshot(ack.snapshot);
        } else {
          (ack.ops || []).forEach(function (msg) {
            receive(msg, false);
          });
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

  function loadSnapshot(snap) {
    store.load(snap);
    ui.myDots = new Map(); // note id -> my dots on it (several when vote_max_per_note > 1)
    (snap.my_votes || []).forEach(function (id) { ui.myDots.set(id, (ui.myDots.get(id) || 0) + 1); });
    noteClock(snap.facilitation);
    emit("snapshot", snap);
  }

  var gapTimer = null;
  function receive(msg, live) {
    if (msg.board_id !== cfg.boardId) return;
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

  socket.on("op", function (msg) {
    receive(msg, true);
    scheduleRender();
  });

  socket.on("presence", function (msg) {
    if (msg.board_id !== cfg.boardId) return;
    state.presence = msg.participants || [];
    state.editingAnonymous = msg.editing_anonymous || [];
    emit("presence", state.presence);
    renderPresence();
    renderNotes();
  });

  function sendPresence(noteId) {
    if (!ui.joined) return;
    if (typeof noteId !== "number") noteId = null;
    socket.emit("presence", { board_id: cfg.boardId, editing: noteId });
  }

  /* Send my queued ops one at a time, in order; each stays queued until its ack. */
  var pumping = false;
  function pump() {
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
    if (what === "op." + op.type) what = op.type;
    var text = op.data && op.data.text ? " “" + short(op.data.text) + "”" : "";
    toast(t("refused", { what: what + text, reason: error.message }), true);
  }

  /* Queue an op (kept across reloads) and send it when possible; resolves with its ack. */
  function sendOp(type, data) {
    // Listeners see the board as it was before this op (static/js/undo.js builds its inverse);
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

  /* --- actions ---------------------------------------------------------------------------- */

  function canWrite() {
    var b = state.board;
    return !!b && (!b.locked || (b.viewer && b.viewer.staff));
  }

  function canEdit(note) {
    return canWrite() && (note.mine || (state.board.viewer && state.board.viewer.staff));
  }

  function votingOpen() {
    var b = state.board;
    return !!b && !!b.facilitation && (b.facilitation.voting_open || b.phase === "vote");
  }

  function addNote(laneId, text, kind, anonymous, tags) {
    var data = { lane_id: laneId, text: text };
    if (kind) data.kind = kind;
    if (anonymous !== cfg.anonymous) data.anonymous = anonymous;
    if (tags && tags.length) data.tags = tags;
    var list = current().byLane.get(laneId) || [];
    if (list.length) data.after = list[list.length - 1].id;
    var promise = sendOp("note.create", data);
    return { promise: promise, key: "t:" + state.queue[state.queue.length - 1].op_id };
  }

  function moveNote(note, laneId, index) {
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

  function moveBy(note, laneStep, indexStep) {
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

  function toggleVote(note) {
    if (note.kind === "cluster") return;
    if (!votingOpen()) return toast(t("vote.closed"), false);
    var mine = current().myVotes.has(note.id);
    if (!mine && votesLeft() <= 0) return toast(t("vote.none_left"), false);
    sendOp(mine ? "vote.remove" : "vote.add", { note_id: note.id });
  }

  // Asked in the page (a <dialog>, not the browser's confirm()); then a toast offers Undo.
  function deleteNote(note) {
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

  function resultsHidden() {
    var f = state.board && state.board.facilitation;
    return !!(f && f.results_hidden && !(state.board.viewer && state.board.viewer.staff));
  }

  function votesLeft() {
    var budget = (state.board && state.board.facilitation && state.board.facilitation.vote_budget) || 0;
    var used = 0;
    current().myVotes.forEach(function (id) { used += dotsOn(id); });
    return Math.max(0, budget - used);
  }

  // My dots on a note: the server's count, at least 1 while my vote is drawn (queued or acked).
  function dotsOn(id) {
    var voted = current().myVotes.has(id);
    return voted ? Math.max(1, ui.myDots.get(id) || 0) : 0;
  }

  function maxPerNote() {
    return (state.board && state.board.facilitation && state.board.facilitation.vote_max_per_note) || 1;
  }

  function addDot(note) {
    if (!votingOpen()) return toast(t("vote.closed"), false);
    if (votesLeft() <= 0) return toast(t("vote.none_left"), false);
    ui.myDots.set(note.id, dotsOn(note.id) + 1); // drawn at once; the ack gives the real count
    sendOp("vote.add", { note_id: note.id });
  }

  /* --- inclusion of the most affected groups (seed 002) ---------------------------------- */

  // The table comes in the snapshot (roadmap/inclusion.py), with the server's matching rule as
  // regex sources, so the counts are recomputed here live as notes change.
  var inclusionCompiled = { src: null, groups: [] };
  function inclusionGroups() {
    var inc = state.board && state.board.inclusion;
    if (!inc || !Array.isArray(inc.groups)) return [];
    if (inclusionCompiled.src !== inc.groups) {
      inclusionCompiled = {
        src: inc.groups,
        groups: inc.groups.map(function (g) {
          var re = null;
          try {
            re = new RegExp(g.pattern, g.flags || "i");
          } catch (err) {
            console.warn("inclusion pattern", g.key, err);
          }
          return { key: g.key, label: g.label, tag: g.tag, re: re };
        }),
      };
    }
    return inclusionCompiled.groups;
  }

  function groupLabel(g) {
    var name = t("inclusion.group." + g.key);
    return name === "inclusion.group." + g.key ? g.label : name;
  }

  function considers(note, g) {
    if (!note || note.kind === "cluster") return false;
    var tags = note.tags || [];
    if (tags.indexOf(g.tag) !== -1) return true;
    if (!g.re) return false;
    var prefix = (state.board.inclusion && state.board.inclusion.tag_prefix) || "inclusion:";
    var other = tags.filter(function (x) { return x.indexOf(prefix) !== 0; }).join(" ");
    return g.re.test(note.text || "") || (!!other && g.re.test(other));
  }

  function inclusionCoverage() {
    var notes = Array.from(current().notes.values());
    return inclusionGroups().map(function (g) {
      var count = notes.filter(function (n) { return considers(n, g); }).length;
      return { group: g, count: count };
    });
  }

  function inclusionFilterGroup() {
    if (!ui.inclusionFilter) return null;
    return inclusionGroups().find(function (g) { return g.key === ui.inclusionFilter; }) || null;
  }

  function renderInclusion() {
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

  /* --- Do No Harm: a soft check for personal data before a note is sent ------------------ */

  // The rules come in the snapshot (roadmap/safety.py): the same patterns as the server's.
  var safetyCompiled = { src: null, rules: [] };
  function personalData(text) {
    var safety = state.board && state.board.safety;
    if (!safety || !Array.isArray(safety.rules)) return [];
    if (safetyCompiled.src !== safety.rules) {
      safetyCompiled = {
        src: safety.rules,
        rules: safety.rules
          .map(function (r) {
            try {
              return { kind: r.kind, re: new RegExp(r.pattern, (r.flags || "") + "g") };
            } catch (err) {
              console.warn("safety pattern", r.kind, err);
              return null;
            }
          })
          .filter(Boolean),
      };
    }
    var found = [];
    safetyCompiled.rules.forEach(function (rule) {
      rule.re.lastIndex = 0;
      var m;
      while ((m = rule.re.exec(text)) !== null) {
        found.push({ kind: rule.kind, match: m[0], index: m.index });
        if (m[0] === "") rule.re.lastIndex += 1;
      }
    });
    return found;
  }

  /* Resolves true to send, false to go back and edit. Asks only when something was found. */
  function confirmSafe(text, area) {
    var found = personalData(text);
    if (!found.length) return Promise.resolve(true);
    var dialog = $("safety-dialog");
    var list = $("safety-found");
    list.textContent = "";
    var kinds = [];
    found.forEach(function (f) {
      if (kinds.indexOf(f.kind) !== -1) return;
      kinds.push(f.kind);
      var li = el("li");
      li.textContent = t("safety.kind." + f.kind) + ": “" + short(f.match) + "”";
      list.appendChild(li);
    });
    dialog.returnValue = "";
    dialog.showModal();
    $("safety-edit").focus();
    announce(t("safety.found"));
    return new Promise(function (resolve) {
      dialog.addEventListener(
        "close",
        function () {
          var send = dialog.returnValue === "send";
          if (!send && area && area.isConnected) {
            area.focus();
            area.setSelectionRange(found[0].index, found[0].index + found[0].match.length);
          }
          resolve(send);
        },
        { once: true }
      );
    });
  }

  /* --- drawing ---------------------------------------------------------------------------- */

  var cachedView = null;
  function current() {
    if (!cachedView) cachedView = store.view();
    return cachedView;
  }

  var frameRequest = null;
  function scheduleRender() {
    if (frameRequest) return;
    frameRequest = requestAnimationFrame(function () {
      frameRequest = null;
      render();
    });
  }

  function render() {
    cachedView = null;
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
    $("facilitator-panel").hidden = !(state.board.viewer && state.board.viewer.staff);
    emit("render", state);
  }

  function renderStatus() {
    var conn = $("conn");
    var n = state.queue.length;
    var label = t("status." + ui.status);
    if (n) label += " · " + t("status.waiting", { count: n });
    conn.dataset.state = ui.status;
    if ($("conn-text").textContent !== label) $("conn-text").textContent = label;
  }

  function noteClock(fac) {
    var timer = fac && fac.timer;
    if (timer && timer.state === "running" && timer.ends_at && timer.remaining != null) {
      ui.clockOffset = Date.parse(timer.ends_at) - timer.remaining * 1000 - Date.now();
    }
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

  function phaseName(phase) {
    var name = t("phase." + phase);
    return name === "phase." + phase ? phase : name;
  }

  /* The shared timer as every screen shows it: {state: running|paused|ended|stopped, left}. */
  function timerNow() {
    var timer = state.board && state.board.facilitation && state.board.facilitation.timer;
    if (!timer || timer.state === "stopped") return { state: "stopped", left: 0 };
    var left = timer.remaining || 0;
    if ((timer.state === "running" || timer.state === "ended") && timer.ends_at) {
      left = Math.max(0, Math.ceil((Date.parse(timer.ends_at) - (Date.now() + ui.clockOffset)) / 1000));
    }
    return { state: left > 0 ? timer.state : "ended", left: left };
  }

  function renderTimer() {
    var el = $("timer");
    var now = timerNow();
    if (now.state === "stopped") {
      el.hidden = true;
      return;
    }
    var timer = state.board.facilitation.timer;
    var left = now.left;
    el.hidden = false;
    el.dataset.state = now.state;
    var clock = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    el.textContent =
      left > 0 ? t(timer.state === "paused" ? "timer.paused" : "timer.running", { time: clock }) : t("timer.ended");
  }
  setInterval(function () {
    if (state.board) renderTimer();
  }, 1000);

  function renderPresence() {
    var people = state.presence;
    var el = $("presence");
    if (!people.length) {
      el.textContent = "";
      return;
    }
    var names = people.map(function (p) {
      return p.id === cfg.me ? t("presence.you", { name: p.name }) : p.name;
    });
    el.textContent = t("presence.here", { count: people.length, names: names.join(", ") });
  }

  function renderVotes() {
    var el = $("votes-left");
    el.hidden = !votingOpen();
    if (!el.hidden) {
      var budget = state.board.facilitation.vote_budget;
      el.textContent = t("vote.left", { count: votesLeft(), budget: budget });
    }
  }

  function laneById(id) {
    return (state.board.lanes || []).find(function (l) {
      return l.id === id;
    });
  }

  function tabsMode() {
    return cfg.view === "board" && window.matchMedia("(max-width: 700px)").matches;
  }

  var laneEls = new Map();
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
        var el = buildLane(lane);
        laneEls.set(lane.id, el);
        container.appendChild(el);
      });
      buildTabs(lanes);
    }
    container.removeAttribute("aria-busy");
    if (!laneById(ui.activeLane) && lanes.length) ui.activeLane = lanes[0].id;
    var tabs = tabsMode();
    container.classList.toggle("tabbed", tabs);
    laneEls.forEach(function (el, id) {
      el.classList.toggle("active", id === ui.activeLane);
      el.hidden = tabs && id !== ui.activeLane;
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

  function el(tag, cls) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    return e;
  }

  function visible(note) {
    if (ui.editing && ui.editing === store.keyOf(note)) return true; // never hide a draft
    if (ui.hiddenKinds.has(note.kind)) return false;
    var group = inclusionFilterGroup();
    if (group && !considers(note, group)) return false;
    if (!ui.search) return true;
    var hay = (note.text + " " + (note.author && note.author.name ? note.author.name : "")).toLocaleLowerCase(cfg.lang);
    return hay.indexOf(ui.search) !== -1;
  }

  /* Clusters (cluster.create): a note of kind "cluster" drawn as a card holding its notes.
     With the "Cluster" filter off, clusters are not drawn and their notes show loose. */
  function clusterLayout(v) {
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
        return (laneOrder.get(a.lane_id) - laneOrder.get(b.lane_id)) || window.RoadmapStore.byPosition(a, b);
      });
    });
    return { grouping: grouping, clusters: clusters, members: members };
  }

  var layoutMemo = { view: null, grouping: null, lay: null };
  function layoutNow() {
    var v = current();
    var grouping = !ui.hiddenKinds.has("cluster");
    if (layoutMemo.view !== v || layoutMemo.grouping !== grouping) {
      layoutMemo = { view: v, grouping: grouping, lay: clusterLayout(v) };
    }
    return layoutMemo.lay;
  }

  function nested(note, lay) {
    lay = lay || layoutNow();
    return lay.grouping && note.kind !== "cluster" && note.cluster_id != null && lay.clusters.has(note.cluster_id);
  }

  /* The items drawn at the top level of a lane, in order (clusters, loose notes). */
  function laneItems(laneId) {
    var lay = layoutNow();
    return (current().byLane.get(laneId) || []).filter(function (n) {
      return !nested(n, lay) && (lay.grouping || n.kind !== "cluster");
    });
  }

  function anyFilter() {
    return ui.hiddenKinds.size > 0 || !!ui.search || !!ui.inclusionFilter;
  }

  var noteEls = new Map();
  function renderNotes() {
    if (!state.board) return;
    var v = current();
    var editors = editingByOthers();
    var seen = new Set();
    var shown = 0;
    var total = 0;
    var active = document.activeElement;
    var lay = clusterLayout(v);
    var place = function (list, prev, note) {
      var key = store.keyOf(note);
      seen.add(key);
      var node = noteEls.get(key);
      if (!node) {
        node = note.kind === "cluster" ? buildCluster(key) : buildNote(key);
        noteEls.set(key, node);
      }
      if (note.kind === "cluster") updateCluster(node, note, lay.members.get(note.id) || [], v, editors[note.id]);
      else updateNote(node, note, v, editors[note.id]);
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
          prev = place(list, prev, note);
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

  function byVotes(notes, lay) {
    var score = function (n) {
      if (n.kind !== "cluster") return n.votes || 0;
      return (lay.members.get(n.id) || []).reduce(function (sum, m) { return sum + (m.votes || 0); }, n.votes || 0);
    };
    return notes.slice().sort(function (a, b) {
      return score(b) - score(a) || window.RoadmapStore.byPosition(a, b);
    });
  }

  function restoreFocus(before) {
    if (!ui.focusKey) return;
    if (document.activeElement && document.activeElement !== document.body) return;
    if (before && before !== document.body && before.isConnected) return;
    var node = noteEls.get(ui.focusKey);
    if (node && node.isConnected && !node.hidden && node.offsetParent !== null) node.focus();
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
    var move = actionButton("move");
    var del = actionButton("delete", "danger");
    [vote, more, edit, move, del].forEach(function (b) {
      actions.appendChild(b);
    });
    [kind, text, tags, meta, actions].forEach(function (c) {
      li.appendChild(c);
    });
    li._refs = { icon: icon, kindName: kindName, text: text, tags: tags, meta: meta, vote: vote, more: more, edit: edit, move: move, del: del };
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
    [kind, text, meta, actions, members].forEach(function (c) {
      li.appendChild(c);
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
    var staff = !!(state.board.viewer && state.board.viewer.staff);
    r.unmerge.hidden = !staff || store.isTemp(note.id);
    setText(r.unmerge, t("action.unmerge"));
  }

  function toggleCluster(node) {
    var key = node.dataset.key;
    if (ui.collapsed.has(key)) ui.collapsed.delete(key);
    else ui.collapsed.add(key);
    renderNotes();
  }

  function unmerge(note) {
    if (!note || note.kind !== "cluster") return;
    ui.focusKey = store.keyOf(note);
    sendOp("cluster.dissolve", { cluster_id: note.id });
    announce(t("announce.unmerged_mine", { title: short(note.text) }));
    var first = (layoutNow().members.get(note.id) || [])[0];
    if (first) ui.focusKey = store.keyOf(first);
  }

  function actionButton(action, cls) {
    var b = el("button", "note-action" + (cls ? " " + cls : ""));
    b.type = "button";
    b.dataset.action = action;
    return b;
  }

  function updateNote(node, note, v, editors) {
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
    r.move.hidden = !canWrite() || (note.hidden && !note.mine) || nested(note);
    setText(r.move, t("action.move"));
    r.del.hidden = !editable;
    setText(r.del, t("action.delete"));
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function noteOf(node) {
    if (!node) return null;
    var key = node.dataset.key;
    var found = null;
    current().notes.forEach(function (n) {
      if (store.keyOf(n) === key) found = n;
    });
    return found;
  }

  function noteIdOfKey(key) {
    var n = noteOf(noteEls.get(key));
    return n ? n.id : null;
  }

  /* --- editing in place ----------------------------------------------------------------- */

  function openEditor(node) {
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
        var prefix = (state.board.inclusion && state.board.inclusion.tag_prefix) || "inclusion:";
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

  function currentLaneId() {
    var focused = document.activeElement && document.activeElement.closest && document.activeElement.closest(".lane");
    if (focused) return Number(focused.dataset.laneId);
    if (ui.activeLane && laneById(ui.activeLane)) return ui.activeLane;
    return state.board && state.board.lanes.length ? state.board.lanes[0].id : null;
  }

  var lastAddedKey = null;
  function openComposer(laneId) {
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
    var checking = false;
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

  function closeComposer(refocus) {
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

  function focusLaneAdd(laneId) {
    var section = laneEls.get(laneId);
    if (section) section.querySelector(".add-here").focus();
  }

  /* --- dialogs ------------------------------------------------------------------------- */

  /* "Your text" of an unresolved conflict is kept on this device until a choice is made: a page
     closed with the dialog open asks again after the reload (offline too). */
  var CONFLICTS_KEY = "roadmap:board:" + cfg.boardId + ":conflicts";
  function saveConflicts() {
    try {
      if (ui.conflicts.length) localStorage.setItem(CONFLICTS_KEY, JSON.stringify(ui.conflicts));
      else localStorage.removeItem(CONFLICTS_KEY);
    } catch (err) {
      console.warn("conflict not kept", err);
    }
  }
  function restoreConflicts() {
    try {
      var kept = JSON.parse(localStorage.getItem(CONFLICTS_KEY) || "[]");
      if (Array.isArray(kept) && kept.length) ui.conflicts = kept;
    } catch (err) {
      ui.conflicts = [];
    }
    showConflict();
  }

  function showConflict() {
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

  $("conflict-dialog").addEventListener("click", function (e) {
    var choice = e.target.closest("[data-choice]");
    if (!choice) return;
    var c = ui.conflicts.shift();
    saveConflicts();
    var dialog = $("conflict-dialog");
    dialog.close();
    if (c) resolveConflict(c, choice.dataset.choice);
    showConflict();
  });
  $("conflict-dialog").addEventListener("cancel", function (e) {
    e.preventDefault(); // a choice is needed: nothing is dropped silently
  });

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

  function openMoveDialog(node) {
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

  document.querySelectorAll("dialog [data-close]").forEach(function (b) {
    b.addEventListener("click", function () {
      b.closest("dialog").close();
    });
  });

  /* --- messages: a polite live region and toasts ---------------------------------------- */

  var announceQueue = [];
  var announceTimer = null;
  function announce(text) {
    announceQueue.push(text);
    if (announceTimer) return;
    announceTimer = setTimeout(function () {
      announceTimer = null;
      var region = $("announcer");
      var p = el("p");
      p.textContent = announceQueue.splice(0).join(" ");
      region.appendChild(p);
      while (region.childNodes.length > 5) region.removeChild(region.firstChild);
    }, 250);
  }

  function announceOp(msg) {
    if (msg.type === "redacted" || msg.actor && msg.actor.id === cfg.me) return;
    var who = (msg.actor && msg.actor.name) || t("note.anonymous");
    var r = msg.result || {};
    var lane = r.note ? laneById(r.note.lane_id) : r.lane_id ? laneById(r.lane_id) : null;
    var laneName = laneTitle(lane);
    var text = null;
    if (msg.type === "note.create" && r.note) text = t("announce.added", { who: who, lane: laneName, text: short(r.note.text) });
    else if (msg.type === "note.update" && r.note) text = t("announce.edited", { who: who, text: short(r.note.text) });
    else if (msg.type === "note.move") text = t("announce.moved", { who: who, lane: laneName });
    else if (msg.type === "note.delete") text = t("announce.deleted", { who: who });
    else if (msg.type === "cluster.create" && r.notes && r.notes.length) {
      text = t("announce.clustered", { who: who, count: r.notes.length - 1, title: short(r.notes[0].text) });
    } else if (msg.type === "cluster.dissolve") text = t("announce.unmerged", { who: who });
    if (text) announce(text);
  }

  function toast(text, sticky, action) {
    var box = $("toasts");
    var same = Array.prototype.find.call(box.children, function (item) {
      return item.firstChild && item.firstChild.textContent === text;
    });
    if (same) {
      same.classList.remove("toast-again");
      void same.offsetWidth; // restart the "again" pulse
      same.classList.add("toast-again");
      return;
    }
    var item = el("div", "toast" + (sticky ? " toast-error" : ""));
    var p = el("p");
    p.textContent = text;
    item.appendChild(p);
    if (action) {
      var act = el("button", "button small toast-action");
      act.type = "button";
      act.textContent = action.label;
      act.addEventListener("click", function () {
        item.remove();
        action.run();
      });
      item.appendChild(act);
    }
    var close = el("button", "button small");
    close.type = "button";
    close.textContent = t("action.dismiss");
    close.addEventListener("click", function () {
      item.remove();
    });
    item.appendChild(close);
    box.appendChild(item);
    if (!sticky) setTimeout(function () { item.remove(); }, action ? 10000 : 6000);
  }

  function short(text) {
    text = String(text || "").replace(/\s+/g, " ").trim();
    return text.length > 80 ? text.slice(0, 79) + "…" : text;
  }

  /* --- input: clicks, keys, drag and drop, swipes ---------------------------------------- */

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

  document.addEventListener("keydown", function (e) {
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
  });

  function restoreFocusNow() {
    var node = ui.focusKey && noteEls.get(ui.focusKey);
    if (document.querySelector("dialog[open]") || ui.editing) return;
    if (node && node.isConnected && document.activeElement !== node) node.focus();
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

  function onDrop(evt) {
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

  // Swipe between lanes on a phone.
  (function () {
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
  })();

  window.matchMedia("(max-width: 700px)").addEventListener("change", function () {
    render();
  });

  /* --- offline start: a service worker keeps the page and its assets ---------------------- */

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator) || !cfg.swUrl) return;
    navigator.serviceWorker
      .register(cfg.swUrl, { scope: "/" })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (reg) {
        var urls = [location.pathname, cfg.i18nUrl];
        document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=icon]").forEach(function (n) {
          urls.push(n.getAttribute("src") || n.getAttribute("href"));
        });
        var channel = new MessageChannel();
        channel.port1.onmessage = function (e) {
          if (e.data && e.data.cached) document.documentElement.dataset.offlineReady = "true";
        };
        reg.active.postMessage({ type: "cache", urls: urls }, [channel.port2]);
      })
      .catch(function (err) {
        console.warn("offline support unavailable", err);
      });
  }

  /* --- start ------------------------------------------------------------------------------ */

  var api = {
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
    leave: function () {
      socket.disconnect();
      store.forget();
    },
    toast: toast,
    announce: announce,
    timerNow: timerNow,
    votesLeft: votesLeft,
    // Bring into view (on phones: switch to its lane tab): {note_id?, lane_id?}; true if found.
    goTo: function (target) {
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
    },
    setSortByVotes: function (on) {
      ui.sortByVotes = !!on;
      render();
    },
  };
  window.RoadmapBoard = api;

  loadCatalogue().then(function () {
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
})();
