/* The event dashboard: every group's board live (phase, timer, people, notes, votes,
   commitments, latest notes) and one control to start a timer or post a message everywhere. */
(function () {
  'use strict';
  const root = document.getElementById('dashboard');
  if (!root) return;
  const T = JSON.parse(document.getElementById('dashboard-i18n').textContent);
  const tiles = document.getElementById('tiles');
  const template = document.getElementById('tile-template');
  const status = document.getElementById('broadcast-status');
  const conn = document.getElementById('conn');
  const Countdown = window.RoadmapCountdown;
  const ICONS = { signpost: '➜', commitment: '✓', challenge: '!', question: '?', resource: '◆', cluster: '▣' };
  let data = null;
  let refreshTimer = null;
  let inFlight = false;
  let again = false;

  function fmt(text, vars) {
    return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));
  }

  async function refresh() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    try {
      const res = await fetch(root.dataset.api, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (res.ok) {
        data = await res.json();
        data.boards.forEach((b) => Countdown.learn(b.timer));
        render();
      }
    } finally {
      inFlight = false;
      if (again) { again = false; schedule(); }
    }
  }

  function schedule(delay) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, delay === undefined ? 400 : delay);
  }

  function tileFor(board) {
    let tile = tiles.querySelector('[data-board-id="' + board.board_id + '"]');
    if (!tile) {
      tile = template.content.firstElementChild.cloneNode(true);
      tile.dataset.boardId = board.board_id;
      tile.querySelector('.tile-open').href = '/boards/' + board.board_id;
      tile.querySelector('.tile-projector').href = '/boards/' + board.board_id + '/projector';
      const timerEl = tile.querySelector('.tile-timer');
      Countdown.bind(timerEl, () => tile._timer, T);
      tiles.appendChild(tile);
    }
    return tile;
  }

  function render() {
    const loading = tiles.querySelector('.loading');
    if (loading) loading.remove();
    document.getElementById('participant-count').textContent = fmt(T.participants, { n: data.participants });
    const sum = (key) => data.boards.reduce((n, b) => n + (b[key] || 0), 0);
    document.getElementById('sum-groups').textContent = data.boards.length;
    document.getElementById('sum-online').textContent = sum('people_online');
    document.getElementById('sum-notes').textContent = sum('notes');
    document.getElementById('sum-commitments').textContent = sum('commitments');
    data.boards.forEach((b) => {
      const tile = tileFor(b);
      tile._timer = b.timer;
      tile.querySelector('.tile-name').textContent = b.group.name;
      tile.querySelector('.tile-phase').textContent = T.phases[b.phase] || b.phase;
      tile.querySelector('.tile-phase').dataset.phase = b.phase;
      tile.querySelector('.tile-lock').hidden = !b.locked;
      tile.querySelector('.tile-private').hidden = !b.private_writing;
      tile.querySelector('.tile-facilitator').hidden = !b.facilitator_online;
      const message = tile.querySelector('.tile-message');
      message.textContent = b.message || '';
      message.hidden = !b.message;
      tile.querySelector('.tile-people').textContent = b.people_online;
      const notes = tile.querySelector('.tile-notes');
      notes.textContent = b.notes;
      if (b.hidden_notes) {
        const hidden = document.createElement('span');
        hidden.className = 'tile-sub';
        hidden.textContent = fmt(T.hidden, { n: b.hidden_notes });
        notes.appendChild(hidden);
      }
      tile.querySelector('.tile-votes').textContent = b.votes;
      tile.querySelector('.tile-commitments').textContent = b.commitments;
      const update = tile.querySelector('.tile-update');
      const u = b.latest_update;
      update.hidden = !u;
      update.textContent = u ? fmt(T.update, { text: u.text, status: T.statuses[u.to] || u.to, by: u.by.via === 'owner_link' ? T.owner_link : u.by.name }) : '';
      const list = tile.querySelector('.tile-latest');
      list.replaceChildren();
      if (!b.latest_notes.length) {
        const li = document.createElement('li');
        li.className = 'muted';
        li.textContent = T.none;
        list.appendChild(li);
      }
      b.latest_notes.forEach((n) => {
        const li = document.createElement('li');
        li.className = 'kind-' + n.kind;
        const kind = document.createElement('span');
        kind.className = 'tile-kind';
        kind.textContent = (ICONS[n.kind] || '•') + ' ' + (T.kinds[n.kind] || n.kind);
        const text = document.createElement('span');
        text.className = 'tile-note-text';
        text.textContent = n.text;
        const by = document.createElement('span');
        by.className = 'muted tile-by';
        by.textContent = n.author + (n.lane ? ' · ' + n.lane : '');
        li.append(kind, text, by);
        list.appendChild(li);
      });
    });
  }

  // Live: this organiser joins every board's room and refreshes on each change or presence.
  function connect() {
    // The session cookie authenticates the socket: no token is ever in the page.
    const socket = io({ transports: ['websocket', 'polling'] });
    socket.on('connect', () => {
      conn.dataset.state = 'online';
      conn.textContent = T.connected;
      (data ? Promise.resolve() : refresh()).then(() => {
        (data ? data.boards : []).forEach((b) => socket.emit('board:join', { board_id: b.board_id }, () => schedule()));
      });
    });
    socket.on('disconnect', () => { conn.dataset.state = 'offline'; conn.textContent = T.offline; });
    socket.on('op', () => schedule());
    socket.on('ops', () => schedule()); // several ops in one frame (docs/protocol.md)
    socket.on('presence', () => schedule());
    return socket;
  }

  async function broadcast(payload, done) {
    status.textContent = '…';
    const res = await fetch(root.dataset.broadcast, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(payload),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      status.textContent = fmt(T.failed, { error: (body.error && body.error.message) || res.status });
      return;
    }
    const groups = new Set(body.applied.map((a) => a.board_id)).size;
    status.textContent = fmt(done, { n: groups });
    schedule(0);
  }

  document.getElementById('broadcast-timer').addEventListener('submit', (e) => {
    e.preventDefault();
    const minutes = Number(document.getElementById('broadcast-minutes').value);
    if (minutes > 0) broadcast({ timer_seconds: Math.round(minutes * 60) }, T.started);
  });
  document.getElementById('broadcast-message').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = document.getElementById('broadcast-text').value.trim();
    if (text) broadcast({ message: text }, T.shown);
  });
  document.getElementById('broadcast-clear').addEventListener('click', () => {
    document.getElementById('broadcast-text').value = '';
    broadcast({ message: '' }, T.cleared);
  });

  refresh().then(connect);
  setInterval(() => schedule(0), 30000); // belt and braces: presence on other processes
})();
