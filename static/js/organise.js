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
    data.boards.forEach((b) => {
      const tile = tileFor(b);
      tile._timer = b.timer;
      tile.querySelector('.tile-name').textContent = b.group.name;
      tile.querySelector('.tile-phase').textContent = T.phases[b.phase] || b.phase;
      tile.querySelector('.tile-phase').dataset.phase = b.phase;
      tile.querySelector('.tile-lock').hidden = !b.locked;
      tile.querySelector('.tile-private').hidden = !b.private_writing;
      tile.querySelector('.tile-message').textContent = b.message || '';
      tile.querySelector('.tile-people').textContent = fmt(T.online, { n: b.people_online }) + (b.facilitator_online ? ' · ' + T.facilitator : '');
      tile.querySelector('.tile-notes').textContent = b.notes + (b.hidden_notes ? ' (' + fmt(T.hidden, { n: b.hidden_notes }) + ')' : '');
      tile.querySelector('.tile-votes').textContent = b.votes;
      tile.querySelector('.tile-commitments').textContent = b.commitments;
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
        li.textContent = n.text;
        const by = document.createElement('span');
        by.className = 'muted';
        by.textContent = ' — ' + n.author + (n.lane ? ' · ' + n.lane : '');
        li.appendChild(by);
        list.appendChild(li);
      });
    });
  }

  // Live: this organiser joins every board's room and refreshes on each change or presence.
  function connect() {
    const auth = root.dataset.token ? { token: root.dataset.token } : undefined;
    const socket = io({ auth, transports: ['websocket', 'polling'] });
    socket.on('connect', () => {
      conn.dataset.state = 'online';
      conn.textContent = T.connected;
      (data ? Promise.resolve() : refresh()).then(() => {
        (data ? data.boards : []).forEach((b) => socket.emit('board:join', { board_id: b.board_id }, () => schedule()));
      });
    });
    socket.on('disconnect', () => { conn.dataset.state = 'offline'; conn.textContent = T.offline; });
    socket.on('op', () => schedule());
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
