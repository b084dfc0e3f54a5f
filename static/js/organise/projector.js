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

  // The board's own JS catalogue (static/i18n/<lang>.json) for kinds and plurals, as board.js.
  const ICONS = { signpost: '➜', commitment: '✓', challenge: '!', question: '?', resource: '◆', cluster: '▣' };
  let catalogue = {};
  const plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(root.dataset.lang || 'en') : null;
  function t(key, vars, fallback) {
    let text;
    if (vars && typeof vars.count === 'number' && plurals) text = catalogue[key + '.' + plurals.select(vars.count)] || catalogue[key + '.other'];
    if (text == null) text = catalogue[key];
    if (text == null) text = fallback;
    return fmt(text, vars || {});
  }
  const votesText = (n) => t('note.votes', { count: n }, n === 1 ? '{count} vote' : fmt(T.votes, { n: '{count}' }));
  const kindName = (kind) => t('kind.' + kind, {}, T.kinds[kind] || kind);

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function shown(note) {
    return !note.hidden && note.kind !== 'cluster';
  }

  function kindLine(kind) {
    const line = el('p', 'p-kind');
    const icon = el('span', 'p-kind-icon', ICONS[kind] || '•');
    icon.setAttribute('aria-hidden', 'true');
    line.append(icon, el('span', 'p-kind-name', kindName(kind)));
    return line;
  }

  function noteCard(note, big) {
    const spotlit = !big && board.facilitation.spotlight_note_id === note.id;
    const card = el('article', 'p-note kind-' + note.kind + (spotlit ? ' spotlit' : '') + (big ? ' p-note-big' : ''));
    card.dataset.noteId = note.id;
    card.appendChild(kindLine(note.kind));
    const text = el('p', 'p-text', note.text);
    if (window.markLang) window.markLang(text, note.text);
    card.appendChild(text);
    translationLines(note).forEach((line) => card.appendChild(line));
    if (note.commitment) {
      const c = note.commitment;
      const meta = [
        c.owner_name && T.owner + ': ' + c.owner_name + (c.owner_org ? ' (' + c.owner_org + ')' : ''),
        c.due_date && T.due + ': ' + c.due_date,
        c.indicator && T.indicator + ': ' + c.indicator,
      ].filter(Boolean).join(' · ');
      if (meta) card.appendChild(el('p', 'p-meta', meta));
    }
    const foot = [];
    if (note.votes && !board.facilitation.results_hidden) foot.push(el('span', 'p-votes', '● ' + votesText(note.votes)));
    if (spotlit) foot.push(el('span', 'p-spot-tag', '★ ' + T.spotlight));
    if (foot.length) {
      const line = el('p', 'p-foot');
      line.append(...foot);
      card.appendChild(line);
    }
    return card;
  }

  // The room's translations (issue 15), under the original: the projector's language first.
  function translationLines(note) {
    const all = note.translations || {};
    const mine = (root.dataset.lang || 'en').replace('-', '_');
    const names = new Map(((board && board.languages) || []).map((l) => [l.code, l.name]));
    return Object.keys(all).sort((a, b) => (b === mine) - (a === mine) || a.localeCompare(b)).map((code) => {
      const tr = all[code];
      const line = el('p', 'p-translation' + (tr.outdated ? ' outdated' : ''));
      line.lang = code.replace('_', '-');
      line.append(el('span', 'p-translation-lang', names.get(code) || code), document.createTextNode(' ' + tr.text));
      if (tr.outdated) line.append(' ', el('span', 'p-translation-outdated', t('translate.outdated', {}, 'outdated')));
      return line;
    });
  }

  function clusterCard(cluster, members) {
    const spotlit = board.facilitation.spotlight_note_id === cluster.id;
    const card = el('article', 'p-note p-cluster kind-cluster' + (spotlit ? ' spotlit' : ''));
    card.dataset.noteId = cluster.id;
    card.appendChild(kindLine('cluster'));
    card.appendChild(el('h3', 'p-cluster-title', cluster.text));
    const votes = members.reduce((sum, m) => sum + (m.votes || 0), cluster.votes || 0);
    const count = t('cluster.count', { count: members.length }, members.length + ' notes');
    const showVotes = votes && !board.facilitation.results_hidden; // the room sees no results before the vote ends
    card.appendChild(el('p', 'p-cluster-meta', count + (showVotes ? ' · ' + votesText(votes) : '')));
    const list = el('ul', 'p-cluster-members');
    members.forEach((n) => {
      const li = el('li');
      li.appendChild(noteCard(n));
      list.appendChild(li);
    });
    card.appendChild(list);
    return card;
  }

  const order = (a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.id - b.id);

  function render() {
    if (!board) return;
    const f = board.facilitation;
    $('projector-title').textContent = board.title;
    $('projector-phase').textContent = T.phases[board.phase] || board.phase;
    $('projector-lock').hidden = !board.locked;
    $('projector-message').hidden = !f.message;
    $('projector-message-text').textContent = f.message || '';
    const hiddenCount = board.notes.filter((n) => n.hidden).length + (board.hidden_count || 0);
    $('projector-hidden').hidden = !hiddenCount;
    $('projector-hidden').textContent = fmt(T.hidden, { n: hiddenCount });
    const byId = new Map(board.notes.map((n) => [n.id, n]));
    const spot = f.spotlight_note_id && byId.get(f.spotlight_note_id);
    const spotEl = $('projector-spotlight');
    spotEl.hidden = !spot || spot.hidden;
    spotEl.replaceChildren();
    if (spot && !spot.hidden) {
      spotEl.append(el('h2', 'p-spot-title', '★ ' + T.spotlight), noteCard(spot, true));
    }
    const lanes = el('div', 'projector-lanes-inner');
    lanes.style.setProperty('--lanes', String(board.lanes.length || 1));
    const bring = following && f.bring;
    board.lanes.forEach((lane) => {
      const col = el('section', 'p-lane' + (bring && bring.lane_id === lane.id ? ' p-followed' : ''));
      col.dataset.laneId = lane.id;
      col.appendChild(el('h2', 'p-lane-title', catalogue['lane_title.' + lane.title] || lane.title));
      const list = el('div', 'p-lane-notes');
      const inLane = board.notes.filter((n) => n.lane_id === lane.id && !n.hidden).sort(order);
      inLane.forEach((n) => {
        if (n.kind === 'cluster') {
          const members = board.notes.filter((m) => m.cluster_id === n.id && shown(m)).sort(order);
          list.appendChild(clusterCard(n, members));
        } else if (shown(n) && !(n.cluster_id && byId.has(n.cluster_id))) {
          list.appendChild(noteCard(n));
        }
      });
      col.appendChild(list);
      lanes.appendChild(col);
    });
    $('projector-lanes').replaceChildren(lanes);
    follow();
    document.dispatchEvent(new CustomEvent('projector:render', { detail: board }));
  }

  /* Follow the facilitator (board.bring): the projector goes where the room is taken,
     unless "Follow the facilitator" is switched off on this screen. */
  let following = true;
  let followedAt = null;
  function follow() {
    const bring = board.facilitation.bring;
    if (!following || !bring || bring.at === followedAt) return;
    followedAt = bring.at;
    const target = (bring.note_id && document.querySelector('#projector-lanes [data-note-id="' + bring.note_id + '"]')) ||
      document.querySelector('#projector-lanes [data-lane-id="' + bring.lane_id + '"]');
    if (target) target.scrollIntoView({ block: 'center', inline: 'center', behavior: 'auto' });
  }
  const followBtn = $('follow');
  followBtn.addEventListener('click', () => {
    following = !following;
    followBtn.setAttribute('aria-pressed', String(following));
    followedAt = null;
    render();
  });

  function upsert(note) {
    const i = board.notes.findIndex((n) => n.id === note.id);
    if (i >= 0) board.notes[i] = Object.assign({}, board.notes[i], note, { translations: note.translations || board.notes[i].translations });
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
    if ((msg.type === 'note.translate' || msg.type === 'note.untranslate') && r.note_id && r.lang) {
      const n = board.notes.find((x) => x.id === r.note_id);
      if (n) {
        n.translations = Object.assign({}, n.translations);
        if (r.translation && r.translation.text) n.translations[r.lang] = r.translation;
        else delete n.translations[r.lang];
      }
    }
    if (r.translations_outdated && r.note) {
      const n = board.notes.find((x) => x.id === r.note.id);
      if (n && n.translations) {
        n.translations = Object.assign({}, n.translations);
        r.translations_outdated.forEach((code) => {
          if (n.translations[code]) n.translations[code] = Object.assign({}, n.translations[code], { outdated: true });
        });
      }
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
      if (board.notes_next != null) page(board, board.notes_next);
    });
  }

  // A big board's notes come in pages (docs/protocol.md, board:page): a page adds only the
  // notes not known yet (what an op brought since is as new or newer).
  function page(forBoard, after) {
    socket.emit('board:page', { board_id: boardId, after: after }, (ack) => {
      if (!ack || !ack.ok || board !== forBoard) return;
      const known = new Set(board.notes.map((n) => n.id));
      ack.notes.forEach((n) => { if (!known.has(n.id)) board.notes.push(n); });
      render();
      if (ack.next != null) page(forBoard, ack.next);
    });
  }

  Countdown.bind($('projector-timer'), () => board && board.facilitation.timer, T, () => {
    $('projector-announcer').textContent = T.ended;
  });
  fetch(root.dataset.i18nUrl, { credentials: 'same-origin' })
    .then((res) => (res.ok ? res.json() : {}))
    .then((json) => { catalogue = json || {}; render(); })
    .catch(() => {});
  socket = io({ transports: ['websocket', 'polling'] });  // the session cookie authenticates
  socket.on('connect', join);
  socket.on('op', applyOp);
  socket.on('ops', (batch) => (batch.ops || []).forEach(applyOp)); // several ops in one frame
  $('fullscreen').addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  });
})();
