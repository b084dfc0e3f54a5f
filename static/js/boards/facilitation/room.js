/* The state of the room, on every screen of the board page (issue 16): one announced banner
   for private writing, the lock, the vote (votes left, hidden results, "done voting"), the
   timer's changes (said; the strip above shows the countdown), the spotlight and where the facilitator brought everyone; the spotlit note and the facilitator's
   "bring everyone" scroll into view on every device. For staff: bring everyone to a lane or a
   note, the vote settings (hide results, dots per note, end the vote, who is done) and the
   board PDF. An ES module; needs window.RoadmapBoard (board/main.js). See docs/facilitation.md. */
import { h } from '../../common/dom.js';

const RB = (window.RoadmapBoard && window.RoadmapBoard.ready) ? window.RoadmapBoard : (await new Promise((resolve) => {
  document.addEventListener('roadmap:ready', (e) => resolve(e.detail), { once: true });
}));
const { state, t } = RB;


function short(text) {
  text = String(text || '').replace(/\s+/g, ' ').trim();
  return text.length > 70 ? text.slice(0, 69) + '…' : text;
}

const staff = () => !!(state.board && state.board.viewer && state.board.viewer.staff);
const fac = () => (state.board && state.board.facilitation) || {};
const laneTitle = (id) => ((state.board.lanes || []).find((l) => l.id === id) || {}).title || '';
const noteById = (id) => (id == null ? null : state.notes.get(id) || null);

/* --- the banner ------------------------------------------------------------------------- */

const banner = h('section', { id: 'room-state', class: 'room-state', 'aria-label': t('room.label') });
const items = h('ul', { class: 'room-items', 'aria-live': 'polite', 'aria-relevant': 'additions text' });
banner.append(items);
// Inside the phase/timer/message strip: one place at the top of every screen for the room.
document.getElementById('facilitation').append(banner);

const rows = new Map(); // key -> li (kept, so only what changed is announced)
function row(key, build) {
  let li = rows.get(key);
  if (!li) {
    li = h('li', { class: 'room-item room-' + key, 'data-room': key });
    rows.set(key, li);
  }
  build(li);
  return li;
}

function setContent(li, sig, make) {
  if (li.dataset.sig === sig) return;
  li.dataset.sig = sig;
  li.replaceChildren(...make());
}

const readyBtn = h('button', { type: 'button', class: 'button small room-ready', 'data-room-action': 'ready', 'aria-pressed': 'false', onclick: () => {
  const done = !(fac().ready || []).includes(state.board.viewer.id);
  RB.sendOp('voting.ready', { done });
} });
const spotBtn = h('button', { type: 'button', class: 'button small', 'data-room-action': 'spotlight', onclick: () => goTo({ note_id: fac().spotlight_note_id }) });
const bringBtn = h('button', { type: 'button', class: 'button small', 'data-room-action': 'bring', onclick: () => goTo(fac().bring || {}) });

function participantsHere() {
  return (state.presence || []).filter((p) => p.role === 'participant').length;
}

function renderBanner() {
  const b = state.board;
  if (!b) return;
  const f = fac();
  const want = [];
  if (f.private_writing) {
    want.push(row('private', (li) => setContent(li, 'p' + staff(), () => [
      h('span', { class: 'room-icon', 'aria-hidden': 'true', text: '✎' }),
      h('strong', { text: t('room.private_title') + ' ' }),
      t(staff() ? 'room.private_staff' : 'room.private'),
    ])));
  }
  if (b.locked) {
    want.push(row('locked', (li) => setContent(li, 'l' + staff(), () => [
      h('span', { class: 'room-icon', 'aria-hidden': 'true', text: '⚠' }),
      h('strong', { text: t('room.locked_title') + ' ' }),
      t(staff() ? 'room.locked_staff' : 'room.locked'),
    ])));
  }
  const voting = !!f.voting_open && (b.phase === 'vote' || f.voting_open);
  if (voting && b.phase === 'vote') {
    const budget = f.vote_budget || 0;
    const left = RB.votesLeft();
    const ready = f.ready || [];
    const mine = b.viewer && ready.includes(b.viewer.id);
    const here = Math.max(participantsHere(), ready.length);
    const sig = [left, budget, f.results_hidden, mine, ready.length, here, staff(), f.vote_max_per_note].join(':');
    want.push(row('vote', (li) => setContent(li, sig, () => {
      const parts = [h('span', { class: 'room-icon', 'aria-hidden': 'true', text: '★' }), h('strong', { text: t('room.vote_title') + ' ' })];
      if (!staff()) parts.push(h('span', { class: 'room-votes-left', text: t('vote.left', { count: left, budget }) + ' ' }));
      if ((f.vote_max_per_note || 1) > 1) parts.push(t('room.per_note', { count: f.vote_max_per_note }) + ' ');
      if (f.results_hidden) parts.push(h('span', { class: 'room-hidden-results', text: t('room.results_hidden') + ' ' }));
      parts.push(h('span', { class: 'room-ready-count', text: t('room.ready_count', { count: ready.length, total: here }) + ' ' }));
      if (!staff()) {
        readyBtn.setAttribute('aria-pressed', String(!!mine));
        readyBtn.textContent = mine ? '✓ ' + t('room.ready_done') : t('room.ready');
        parts.push(readyBtn);
      }
      return parts;
    })));
  }
  const spot = noteById(f.spotlight_note_id);
  if (spot) {
    want.push(row('spotlight', (li) => setContent(li, 's' + spot.id + spot.text, () => {
      spotBtn.textContent = t('room.show_me');
      return [h('span', { class: 'room-icon', 'aria-hidden': 'true', text: '◉' }), h('strong', { text: t('room.spotlight_title') + ' ' }),
        h('q', { class: 'room-spot-text', text: short(spot.text) }), ' ', spotBtn];
    })));
  }
  const bring = f.bring;
  if (bring && !staff()) {
    const target = noteById(bring.note_id);
    const where = target ? '“' + short(target.text) + '”' : laneTitle(bring.lane_id);
    want.push(row('bring', (li) => setContent(li, 'b' + bring.at + where, () => {
      bringBtn.textContent = t('room.go_back');
      return [h('span', { class: 'room-icon', 'aria-hidden': 'true', text: '➜' }), t('room.brought', { where }) + ' ', bringBtn];
    })));
  }
  // Keep the order stable; remove what no longer holds.
  const keep = new Set(want);
  Array.from(items.children).forEach((li) => { if (!keep.has(li)) li.remove(); });
  want.forEach((li, i) => { if (items.children[i] !== li) items.insertBefore(li, items.children[i] || null); });
  banner.hidden = !want.length;
  document.body.classList.toggle('room-locked', !!b.locked && !staff());
  document.body.classList.toggle('room-private', !!f.private_writing);
  document.body.classList.toggle('room-voting', want.includes(rows.get('vote')));
}

/* --- follow: the spotlight and "bring everyone" reach every screen ----------------------- */

function goTo(target) {
  if (!target || (target.note_id == null && target.lane_id == null)) return;
  RB.goTo(target);
  const node = target.note_id != null && document.querySelector('#lanes .note[data-id="' + target.note_id + '"]');
  if (node) {
    node.classList.remove('room-arrived');
    void node.offsetWidth;
    node.classList.add('room-arrived');
    node.focus({ preventScroll: true });
  }
}

let seen = null; // what the room looked like at the last render (null: not loaded yet)
function followChanges() {
  const b = state.board;
  if (!b) return;
  const f = fac();
  const now = {
    spot: f.spotlight_note_id || null,
    bring: f.bring ? f.bring.at : null,
    private: !!f.private_writing,
    locked: !!b.locked,
    hidden: !!f.results_hidden,
    timer: RB.timerNow().state,
  };
  const before = seen;
  seen = now;
  if (!before) return; // the first drawing: nothing moved, nothing to say
  if (now.spot && now.spot !== before.spot) {
    const note = noteById(now.spot);
    if (note) {
      RB.announce(t('room.announce_spotlight', { text: short(note.text) }));
      goTo({ note_id: now.spot });
    }
  }
  if (now.bring && now.bring !== before.bring && !staff()) {
    const where = f.bring.note_id != null && noteById(f.bring.note_id) ? '“' + short(noteById(f.bring.note_id).text) + '”' : laneTitle(f.bring.lane_id);
    RB.announce(t('room.announce_brought', { where }));
    goTo(f.bring);
  }
  if (now.private !== before.private) RB.announce(t(now.private ? 'room.announce_private_on' : 'room.announce_private_off'));
  if (now.locked !== before.locked) RB.announce(t(now.locked ? 'room.announce_locked' : 'room.announce_unlocked'));
  if (before.hidden && !now.hidden) RB.announce(t('room.announce_results'));
  // The timer strip above is not live (it would speak every second): its changes are said.
  if (now.timer !== before.timer && (now.timer === 'running' || now.timer === 'paused')) {
    RB.announce(t('room.timer_' + now.timer, { time: document.getElementById('timer').textContent }));
  }
}

/* --- sort by votes (everyone; a view choice, kept on this device) --------------------------- */

const SORT_KEY = 'roadmap:board:sort';
const sortBtn = h('button', { type: 'button', id: 'sort-votes', class: 'button', 'aria-pressed': 'false', onclick: () => {
  const on = sortBtn.getAttribute('aria-pressed') !== 'true';
  try { localStorage.setItem(SORT_KEY, on ? 'votes' : ''); } catch (e) { /* private mode */ }
  setSort(on);
} });
function setSort(on) {
  sortBtn.setAttribute('aria-pressed', String(on));
  sortBtn.textContent = '↓★ ' + t('room.sort_votes');
  RB.setSortByVotes(on);
}
document.getElementById('votes-left').after(sortBtn);
function renderSort() {
  const hidden = !!fac().results_hidden && !staff();
  sortBtn.hidden = hidden; // no order to show while the counts are hidden
  if (hidden && sortBtn.getAttribute('aria-pressed') === 'true') RB.setSortByVotes(false);
}

/* --- staff: bring everyone, vote settings, board PDF ------------------------------------- */

let controls = null;
function staffControls() {
  if (controls || !staff()) return;
  const status = h('p', { class: 'fac-status room-status', role: 'status' });
  const send = (type, data) => RB.sendOp(type, data || {}).then((ack) => {
    status.textContent = ack && ack.ok === false ? t('room.refused', { reason: ack.error.message }) : t('room.done');
    return ack;
  });
  const laneSelect = h('select', { id: 'room-bring-lane' });
  const bringLane = h('button', { type: 'button', class: 'button', 'data-room-action': 'bring-lane', onclick: () => send('board.bring', { lane_id: Number(laneSelect.value) }) }, '➜ ' + t('room.bring_lane'));
  const bringSpot = h('button', { type: 'button', class: 'button', 'data-room-action': 'bring-spotlight', onclick: () => {
    const id = fac().spotlight_note_id;
    if (id) send('board.bring', { note_id: id });
  } }, '➜ ' + t('room.bring_spotlight'));
  const hide = h('input', { type: 'checkbox', id: 'room-hide-results', onchange: () => send('voting.configure', { hide_results: hide.checked }) });
  const perNote = h('input', { type: 'number', id: 'room-per-note', min: '1', max: '50', inputmode: 'numeric', class: 'fac-per-note' });
  const setPerNote = h('button', { type: 'button', class: 'button', onclick: () => {
    const n = Math.round(Number(perNote.value));
    if (n >= 1) send('voting.configure', { max_per_note: n });
  } }, t('room.set'));
  const endVote = h('button', { type: 'button', class: 'button primary', 'data-room-action': 'end-vote', onclick: () => send('voting.end') }, '■ ' + t('room.end_vote'));
  const ready = h('p', { class: 'room-ready-staff', 'aria-live': 'polite' });
  const pdf = h('a', { class: 'button', href: '/api/boards/' + state.board.id + '/report.pdf', download: '', 'data-room-action': 'pdf' }, '⤓ ' + t('room.pdf'));
  controls = h('section', { class: 'fac-section room-controls', 'aria-labelledby': 'room-controls-title' },
    h('h3', { id: 'room-controls-title', text: t('room.controls') }),
    h('div', { class: 'fac-field' }, h('label', { for: laneSelect.id, text: t('room.bring_to') }), laneSelect),
    h('div', { class: 'fac-row' }, bringLane, bringSpot),
    h('h4', { text: t('room.vote_settings') }),
    h('label', { class: 'fac-check', for: hide.id }, hide, h('span', { text: t('room.hide_results') })),
    h('div', { class: 'fac-field' }, h('label', { for: perNote.id, text: t('room.per_note_label') }), h('div', { class: 'fac-row' }, perNote, setPerNote)),
    h('div', { class: 'fac-row' }, endVote),
    ready,
    h('div', { class: 'fac-row' }, pdf),
    status);
  controls._refs = { laneSelect, hide, perNote, endVote, ready, bringSpot };
  const panel = document.getElementById('facilitator-panel');
  const foot = panel.querySelector('.fac-foot');
  if (foot) foot.before(controls);
  else panel.append(controls);
}

function renderControls() {
  staffControls();
  if (!controls) return;
  if (!controls.isConnected) {
    const panel = document.getElementById('facilitator-panel');
    (panel.querySelector('.fac-foot') || panel).before(controls);
  }
  const r = controls._refs;
  const f = fac();
  const lanes = state.board.lanes || [];
  const sig = lanes.map((l) => l.id + l.title).join('|');
  if (r.laneSelect.dataset.sig !== sig) {
    r.laneSelect.dataset.sig = sig;
    r.laneSelect.replaceChildren(...lanes.map((l) => h('option', { value: String(l.id) }, l.title)));
  }
  // Follow the server's value when it changes (not on every render: a click waits for its ack).
  if (r.hide.dataset.server !== String(!!f.results_hidden)) {
    r.hide.dataset.server = String(!!f.results_hidden);
    r.hide.checked = !!f.results_hidden;
  }
  if (document.activeElement !== r.perNote) r.perNote.value = String(f.vote_max_per_note || 1);
  r.bringSpot.disabled = !f.spotlight_note_id;
  const count = (f.ready || []).length;
  r.ready.textContent = t('room.ready_count', { count, total: Math.max(participantsHere(), count) });
}

/* --- start ----------------------------------------------------------------------------------- */

function render() {
  if (!state.board) return;
  renderBanner();
  renderSort();
  renderControls();
  followChanges();
}

RB.on('render', render);
RB.on('presence', render);
setInterval(() => { if (state.board) followChanges(); }, 1000); // the timer's state changes
let sorted = false;
try { sorted = localStorage.getItem(SORT_KEY) === 'votes'; } catch (e) { /* private mode */ }
setSort(sorted);
render();
