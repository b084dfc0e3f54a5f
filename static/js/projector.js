/* The projector view: the live board, read-only, in large type, with the timer and spotlight.
   It applies op results by the conventions of docs/architecture.md. */
(function () {
  'use strict';
  const root = document.querySelector('.projector');
  if (!root) return;
  const T = JSON.parse(document.getElementById('projector-i18n').textContent);
  const boardId = Number(root.dataset.boardId);
  const Countdown = window.RoadmapCountdown;
  const $ = (id) => document.getElementById(id);
  let board = null;
  let seq = 0;
  let socket = null;

  function fmt(text, vars) {
    return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));
  }

  function shown(note) {
    return !note.hidden && note.kind !== 'cluster';
  }

  function noteCard(note, big) {
    const el = document.createElement('article');
    el.className = 'p-note kind-' + note.kind + (board.facilitation.spotlight_note_id === note.id ? ' spotlit' : '');
    el.dataset.noteId = note.id;
    const text = document.createElement('p');
    text.className = 'p-text';
    text.textContent = note.text;
    el.appendChild(text);
    if (note.commitment) {
      const c = note.commitment;
      const meta = document.createElement('p');
      meta.className = 'p-meta';
      meta.textContent = [
        c.owner_name && T.owner + ': ' + c.owner_name + (c.owner_org ? ' (' + c.owner_org + ')' : ''),
        c.due_date && T.due + ': ' + c.due_date,
        c.indicator && T.indicator + ': ' + c.indicator,
      ].filter(Boolean).join(' · ');
      el.appendChild(meta);
    }
    if (note.votes && !big) {
      const v = document.createElement('span');
      v.className = 'p-votes';
      v.textContent = fmt(T.votes, { n: note.votes });
      el.appendChild(v);
    }
    return el;
  }

  function render() {
    if (!board) return;
    const f = board.facilitation;
    $('projector-title').textContent = board.title;
    $('projector-phase').textContent = T.phases[board.phase] || board.phase;
    $('projector-lock').hidden = !board.locked;
    $('projector-message').hidden = !f.message;
    $('projector-message').textContent = f.message || '';
    const hiddenCount = board.notes.filter((n) => n.hidden).length + (board.hidden_count || 0);
    $('projector-hidden').hidden = !hiddenCount;
    $('projector-hidden').textContent = fmt(T.hidden, { n: hiddenCount });
    const byId = new Map(board.notes.map((n) => [n.id, n]));
    const spot = f.spotlight_note_id && byId.get(f.spotlight_note_id);
    const spotEl = $('projector-spotlight');
    spotEl.hidden = !spot;
    spotEl.replaceChildren();
    if (spot && !spot.hidden) {
      const h = document.createElement('h2');
      h.textContent = T.spotlight;
      spotEl.append(h, noteCard(spot, true));
    }
    const lanes = document.createElement('div');
    lanes.className = 'projector-lanes-inner';
    board.lanes.forEach((lane) => {
      const col = document.createElement('section');
      col.className = 'p-lane';
      const h = document.createElement('h2');
      h.textContent = lane.title;
      col.appendChild(h);
      const inLane = board.notes.filter((n) => n.lane_id === lane.id && !n.hidden);
      inLane.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.id - b.id));
      inLane.filter((n) => n.kind === 'cluster').forEach((cluster) => {
        const box = document.createElement('div');
        box.className = 'p-cluster';
        const title = document.createElement('h3');
        title.textContent = cluster.text;
        box.appendChild(title);
        board.notes.filter((n) => n.cluster_id === cluster.id && shown(n)).forEach((n) => box.appendChild(noteCard(n)));
        col.appendChild(box);
      });
      inLane.filter((n) => shown(n) && !(n.cluster_id && byId.has(n.cluster_id))).forEach((n) => col.appendChild(noteCard(n)));
      lanes.appendChild(col);
    });
    $('projector-lanes').replaceChildren(lanes);
  }

  function upsert(note) {
    const i = board.notes.findIndex((n) => n.id === note.id);
    if (i >= 0) board.notes[i] = Object.assign({}, board.notes[i], note);
    else board.notes.push(note);
  }

  function remove(ids) {
    const gone = new Set(ids);
    board.notes = board.notes.filter((n) => !gone.has(n.id));
  }

  function applyOp(msg) {
    if (!board || msg.board_id !== boardId) return;
    if (msg.seq <= seq) return;
    if (msg.seq > seq + 1) { join(); return; } // a gap: start again from a snapshot
    seq = msg.seq;
    const r = msg.result || {};
    if (msg.type === 'redacted') return;
    if (r.resync) { join(); return; }
    if (r.note) upsert(r.note);
    (r.notes || []).forEach(upsert);
    if (msg.type === 'note.move' && r.note_id) {
      const n = board.notes.find((x) => x.id === r.note_id);
      if (n) { n.lane_id = r.lane_id; n.position = r.position; }
    }
    if (msg.type === 'note.delete' && r.note_id) remove([r.note_id]);
    if (r.deleted_note_ids) remove(r.deleted_note_ids);
    if (r.note_id && typeof r.votes === 'number') {
      const n = board.notes.find((x) => x.id === r.note_id);
      if (n) n.votes = r.votes;
    }
    if (r.board) Object.assign(board, r.board);
    if (r.facilitation) { board.facilitation = r.facilitation; Countdown.learn(r.facilitation.timer); }
    render();
  }

  function join() {
    socket.emit('board:join', { board_id: boardId }, (ack) => {
      if (!ack || !ack.ok) return;
      board = ack.snapshot;
      seq = board.seq;
      Countdown.learn(board.facilitation.timer);
      render();
    });
  }

  Countdown.bind($('projector-timer'), () => board && board.facilitation.timer, T, () => {
    $('projector-announcer').textContent = T.ended;
  });
  socket = io({ auth: root.dataset.token ? { token: root.dataset.token } : undefined, transports: ['websocket', 'polling'] });
  socket.on('connect', join);
  socket.on('op', applyOp);
  $('fullscreen').addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  });
})();
