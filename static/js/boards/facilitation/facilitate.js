/* The facilitator panel on the board page (staff only): phases, timer, private writing, lock,
   votes, clusters, spotlight, commitments, message, undo. Every control is an op the server
   checks (roadmap/ops/facilitation.py); this file only sends them. Needs window.RoadmapBoard. */
import { h } from '../../common/dom.js';

const T = JSON.parse(document.getElementById('facilitate-i18n').textContent);
const PHASES = ['brainstorm', 'cluster', 'vote', 'commit', 'takeaways'];
const STATUSES = ['not_started', 'in_progress', 'done', 'blocked', 'dropped'];

function fmt(text, vars) {
  return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));
}

function start(RB) {
  const panel = document.getElementById('facilitator-panel');
  if (!panel) return;
  const state = RB.state;
  const board = () => state.board;
  const fac = () => (board() && board().facilitation) || {};
  const status = h('p', { class: 'fac-status', role: 'status', 'aria-live': 'polite' });
  let uid = 0;
  const id = (name) => 'fac-' + name + '-' + (++uid);

  function send(type, data, then) {
    status.textContent = '…';
    return RB.sendOp(type, data || {}).then((ack) => {
      if (ack && ack.ok === false) {
        status.textContent = fmt(T.refused, { reason: ack.error.message });
      } else {
        status.textContent = T.done;
        if (then) then(ack);
      }
      return ack;
    });
  }

  function labelled(labelText, input) {
    input.id = input.id || id('field');
    return h('div', { class: 'fac-field' }, h('label', { for: input.id, text: labelText }), input);
  }

  function section(title, ...body) {
    const headingId = id('h');
    return h('section', { class: 'fac-section', 'aria-labelledby': headingId }, h('h3', { id: headingId, text: title }), ...body);
  }

  function notes() {
    return Array.from(state.notes.values()).filter((n) => typeof n.id === 'number');
  }

  function short(text) {
    return text.length > 60 ? text.slice(0, 57) + '…' : text;
  }

  /* phases: a stepper (done ✓, current filled and aria-current="step", next ones plain) */
  const phaseButtons = PHASES.map((p, i) =>
    h('button', { type: 'button', class: 'fac-phase', 'data-phase': p, 'aria-label': (i + 1) + '. ' + T.phases[p], onclick: () => send('board.phase', { phase: p }) },
      h('span', { class: 'fac-step-n', 'aria-hidden': 'true', text: String(i + 1) }),
      h('span', { class: 'fac-step-name', text: T.phases[p] })),
  );
  const nextPhase = h('button', { type: 'button', class: 'button primary fac-next', 'data-fac': 'next-phase', onclick: () => {
    const i = PHASES.indexOf(board().phase);
    if (i < PHASES.length - 1) send('board.phase', { phase: PHASES[i + 1] });
  } }, T.next_phase + ' →');

  /* timer */
  const minutes = h('input', { type: 'number', min: '1', max: '240', value: '5', class: 'fac-minutes', inputmode: 'numeric' });
  const timerView = h('p', { class: 'timer fac-timer', 'aria-live': 'off' });
  const pauseBtn = h('button', { type: 'button', class: 'button', 'data-fac': 'timer-pause', onclick: () => {
    send(fac().timer && fac().timer.state === 'paused' ? 'timer.resume' : 'timer.pause');
  } }, T.pause);
  const startBtn = h('button', { type: 'button', class: 'button primary', 'data-fac': 'timer-start', onclick: () => {
    const m = Number(minutes.value);
    if (m > 0) send('timer.start', { seconds: Math.round(m * 60) });
  } }, '▶ ' + T.start);
  const addBtn = h('button', { type: 'button', class: 'button', 'data-fac': 'timer-add', onclick: () => send('timer.add', { seconds: 60 }) }, T.add_minute);
  const stopBtn = h('button', { type: 'button', class: 'button', 'data-fac': 'timer-stop', onclick: () => send('timer.stop') }, '■ ' + T.stop);
  minutes.addEventListener('input', tick);

  /* private writing, lock */
  // Toggles are buttons showing the server's state (aria-pressed), drawn as switches.
  const toggle = (label, attrs, onClick) => h('button', Object.assign({ type: 'button', class: 'fac-switch', 'aria-pressed': 'false', onclick: onClick }, attrs),
    h('span', { class: 'fac-switch-track', 'aria-hidden': 'true' }), h('span', { class: 'fac-switch-label', text: label }));
  const privateBox = toggle(T.private_on, { 'data-fac': 'private' }, () => send('writing.private', { on: !fac().private_writing }));
  const hiddenInfo = h('span', { class: 'fac-hidden-n' });
  const revealBtn = h('button', { type: 'button', class: 'button fac-reveal', 'data-fac': 'reveal', onclick: () => send('notes.reveal') }, '👁 ' + T.reveal, hiddenInfo);
  const lockBox = toggle(T.lock, { 'data-fac': 'lock' }, () => send('board.lock', { locked: !board().locked }));

  /* votes */
  const budget = h('input', { type: 'number', min: '1', max: '50', class: 'fac-budget', inputmode: 'numeric' });
  const anytime = toggle(T.voting_anytime, { 'data-fac': 'voting-anytime' }, () => send('voting.configure', { open: !fac().voting_open }));

  /* clusters */
  const clusterList = h('ul', { class: 'fac-pick' });
  const clusterTitle = h('input', { maxlength: '200' });
  const existing = h('ul', { class: 'fac-clusters' });

  /* spotlight */
  const spotSelect = h('select', {});

  /* commitments */
  const source = h('select', { 'data-fac': 'commitment-source' });
  const fields = {
    owner_name: h('input', { maxlength: '200', required: true }),
    owner_org: h('input', { maxlength: '200' }),
    due_date: h('input', { type: 'date' }),
    indicator: h('textarea', { rows: '2' }),
    partners: h('input', {}),
    status: h('select', {}, STATUSES.map((s) => h('option', { value: s }, T.statuses[s]))),
  };
  source.addEventListener('change', () => {
    const n = state.notes.get(Number(source.value));
    const c = (n && n.commitment) || {};
    Object.keys(fields).forEach((k) => { fields[k].value = c[k] || (k === 'status' ? 'not_started' : ''); });
  });

  /* message */
  const message = h('input', { maxlength: '500' });

  /* The rest sits in <details> sections; which are open is remembered per browser. */
  const OPEN_KEY = 'roadmap:facilitator:open';
  const PANEL_KEY = 'roadmap:facilitator:panel';
  const store = {
    get(key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } },
    set(key, value) { try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ } },
  };
  let remembered = [];
  try { remembered = JSON.parse(store.get(OPEN_KEY) || '[]'); } catch (e) { remembered = []; }
  const more = {};
  function collapsible(key, title, ...body) {
    const box = h('details', { class: 'fac-section fac-more', 'data-section': key, open: remembered.includes(key) },
      h('summary', { class: 'fac-summary' }, title), h('div', { class: 'fac-more-body' }, ...body));
    box.addEventListener('toggle', () => {
      const open = Object.keys(more).filter((k) => more[k].open);
      store.set(OPEN_KEY, JSON.stringify(open));
    });
    more[key] = box;
    return box;
  }

  /* Under 1100 px the panel is a disclosure ("Facilitator controls"), closed by default on phones. */
  const bodyId = 'fac-body';
  const disclosure = h('button', { type: 'button', class: 'fac-disclosure', 'aria-controls': bodyId, 'aria-expanded': 'true' },
    h('span', { class: 'fac-disclosure-icon', 'aria-hidden': 'true' }), h('span', { text: T.title }));
  const savedPanel = store.get(PANEL_KEY);
  const phone = window.matchMedia('(max-width: 700px)').matches;
  setPanelOpen(savedPanel ? savedPanel === 'open' : !phone);
  function setPanelOpen(open) {
    panel.classList.toggle('fac-collapsed', !open);
    disclosure.setAttribute('aria-expanded', String(open));
  }
  disclosure.addEventListener('click', () => {
    const open = panel.classList.contains('fac-collapsed');
    setPanelOpen(open);
    store.set(PANEL_KEY, open ? 'open' : 'closed');
  });

  panel.replaceChildren(
    h('div', { class: 'fac-head' }, h('h2', { class: 'fac-title', text: T.title }), disclosure, status),
    h('div', { class: 'fac-body', id: bodyId },
      section(T.phase, h('ol', { class: 'fac-steps' }, phaseButtons.map((b) => h('li', {}, b))), nextPhase),
      section(T.timer, timerView,
        h('div', { class: 'fac-row fac-timer-set' }, labelled(T.minutes, minutes), startBtn),
        h('div', { class: 'fac-row fac-timer-run' }, pauseBtn, addBtn, stopBtn)),
      section(T.writing, privateBox, revealBtn, lockBox),
      collapsible('votes', T.votes,
        h('form', { class: 'fac-row', onsubmit: (e) => { e.preventDefault(); send('voting.configure', { budget: Number(budget.value) }); } },
          labelled(T.budget, budget), h('button', { type: 'submit', class: 'button' }, T.set)),
        anytime,
        // Asked in the page, not with confirm(): a second press within 5 s removes the votes.
        h('button', { type: 'button', class: 'button danger', 'data-fac': 'reset-votes', onclick: (e) => {
          const b = e.currentTarget;
          if (b.dataset.armed) { delete b.dataset.armed; b.textContent = T.reset_votes; send('votes.reset'); return; }
          b.dataset.armed = '1';
          b.textContent = T.confirm_reset;
          setTimeout(() => { if (b.dataset.armed) { delete b.dataset.armed; b.textContent = T.reset_votes; } }, 5000);
        } }, T.reset_votes)),
      collapsible('cluster', T.cluster, clusterList,
        h('form', { class: 'fac-form', onsubmit: (e) => {
          e.preventDefault();
          const ids = Array.from(clusterList.querySelectorAll('input:checked')).map((c) => Number(c.value));
          if (!ids.length || !clusterTitle.value.trim()) { status.textContent = T.pick_two; return; }
          send('cluster.create', { note_ids: ids, title: clusterTitle.value.trim() }, () => {
            clusterTitle.value = '';
            clusterList.querySelectorAll('input:checked').forEach((c) => { c.checked = false; });
          });
        } }, labelled(T.cluster_title, clusterTitle), h('button', { type: 'submit', class: 'button' }, T.merge)),
        h('h3', { class: 'fac-sub', text: T.clusters }), existing),
      collapsible('spotlight', T.spotlight, labelled(T.spotlight, spotSelect),
        h('div', { class: 'fac-row' },
          h('button', { type: 'button', class: 'button', onclick: () => spotSelect.value && send('board.spotlight', { note_id: Number(spotSelect.value) }) }, T.spot),
          h('button', { type: 'button', class: 'button', onclick: () => send('board.spotlight', { note_id: null }) }, T.unspot))),
      collapsible('commitment', T.commitment,
        h('form', { class: 'fac-form', onsubmit: (e) => {
          e.preventDefault();
          if (!source.value) return;
          const data = { note_id: Number(source.value) };
          Object.keys(fields).forEach((k) => { data[k] = fields[k].value; });
          if (!data.due_date) data.due_date = null;
          send('commitment.set', data);
        } },
          labelled(T.from_note, source),
          Object.keys(fields).map((k) => labelled(T[k], fields[k])),
          h('button', { type: 'submit', class: 'button primary' }, T.save_commitment))),
      collapsible('message', T.message,
        h('form', { class: 'fac-form', onsubmit: (e) => { e.preventDefault(); send('board.message', { text: message.value }); } },
          labelled(T.message, message),
          h('div', { class: 'fac-row' }, h('button', { type: 'submit', class: 'button' }, T.show),
            h('button', { type: 'button', class: 'button', onclick: () => { message.value = ''; send('board.message', { text: '' }); } }, T.clear)))),
      h('div', { class: 'fac-foot' },
        h('button', { type: 'button', class: 'button fac-undo', 'data-fac': 'undo', onclick: () => send('facilitator.undo') }, '↶ ' + T.undo)),
    ),
  );
  document.body.classList.add('has-fac-panel');

  /* "Make a commitment" on each signpost in the Commit phase: opens the panel's form with it. */
  function makeCommitment(noteId) {
    setPanelOpen(true);
    more.commitment.open = true;
    fillSelect(source, notes().filter((n) => !n.hidden && n.kind !== 'cluster'), true);
    source.value = String(noteId);
    source.dispatchEvent(new Event('change'));
    more.commitment.scrollIntoView({ block: 'start', behavior: 'smooth' });
    fields.owner_name.focus({ preventScroll: true });
  }
  document.getElementById('main').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-action="make-commitment"]');
    const node = button && button.closest('.note');
    if (node) makeCommitment(Number(node.dataset.id));
  });
  function noteActions(b) {
    const show = b.phase === 'commit';
    document.querySelectorAll('#lanes .note').forEach((node) => {
      const actions = node.querySelector(':scope > .note-actions');
      if (!actions) return;
      let button = actions.querySelector('.note-commit');
      const converted = (state.notes.get(Number(node.dataset.id)) || {}).turned_into_id;
      const want = show && node.dataset.kind === 'signpost' && /^\d+$/.test(node.dataset.id || '') && !converted;
      if (want && !button) {
        button = h('button', { type: 'button', class: 'note-action note-commit', 'data-action': 'make-commitment' }, '✓ ' + T.commitment);
        actions.append(button);
      } else if (!want && button) button.remove();
    });
  }

  function fillSelect(select, items, keepEmpty) {
    const sig = items.map((n) => n.id + ':' + n.text).join('|');
    if (select.dataset.sig === sig) return;
    const value = select.value;
    select.dataset.sig = sig;
    select.replaceChildren(
      ...(keepEmpty ? [h('option', { value: '' }, T.none)] : []),
      ...items.map((n) => h('option', { value: String(n.id) }, short(n.text))),
    );
    select.value = value;
  }

  function update() {
    const b = board();
    if (!b || !(b.viewer && b.viewer.staff)) return;
    const f = fac();
    const current = PHASES.indexOf(b.phase);
    phaseButtons.forEach((btn, i) => {
      if (i === current) btn.setAttribute('aria-current', 'step');
      else btn.removeAttribute('aria-current');
      btn.dataset.step = i < current ? 'done' : i === current ? 'current' : 'next';
      btn.firstChild.textContent = i < current ? '✓' : String(i + 1);
    });
    const next = PHASES[current + 1];
    nextPhase.disabled = !next;
    nextPhase.textContent = next ? T.next_phase + ': ' + T.phases[next] + ' →' : T.next_phase;
    timerButtons();
    noteActions(b);
    privateBox.setAttribute('aria-pressed', String(!!f.private_writing));
    lockBox.setAttribute('aria-pressed', String(!!b.locked));
    if (document.activeElement !== budget) budget.value = f.vote_budget;
    anytime.setAttribute('aria-pressed', String(!!f.voting_open && b.phase !== 'vote'));
    anytime.disabled = b.phase === 'vote';
    const all = notes();
    const hidden = all.filter((n) => n.hidden).length;
    hiddenInfo.textContent = hidden ? fmt(T.hidden_n, { n: hidden }) : '';
    hiddenInfo.hidden = !hidden;
    const shown = all.filter((n) => !n.hidden && n.kind !== 'cluster');
    const sig = shown.map((n) => n.id + ':' + n.cluster_id + ':' + n.text).join('|');
    if (clusterList.dataset.sig !== sig) {
      const checked = new Set(Array.from(clusterList.querySelectorAll('input:checked')).map((c) => c.value));
      clusterList.dataset.sig = sig;
      clusterList.replaceChildren(...shown.filter((n) => !n.cluster_id).map((n) => {
        const box = h('input', { type: 'checkbox', value: String(n.id), id: 'fac-pick-' + n.id });
        box.checked = checked.has(String(n.id));
        return h('li', {}, box, h('label', { for: box.id, text: ' ' + short(n.text) }));
      }));
    }
    const clusters = all.filter((n) => n.kind === 'cluster');
    const csig = clusters.map((c) => c.id + ':' + c.text).join('|');
    if (existing.dataset.sig !== csig) {
      existing.dataset.sig = csig;
      existing.replaceChildren(...clusters.map((c) => h('li', {}, c.text + ' ',
        h('button', { type: 'button', class: 'button small', onclick: () => send('cluster.dissolve', { cluster_id: c.id }) }, T.unmerge))));
    }
    fillSelect(spotSelect, shown, false);
    if (f.spotlight_note_id && document.activeElement !== spotSelect) spotSelect.value = String(f.spotlight_note_id);
    fillSelect(source, shown, true);
    if (document.activeElement !== message && message.dataset.last !== f.message) {
      message.value = f.message || '';
      message.dataset.last = f.message || '';
    }
  }

  // Pause/Resume and Stop follow the timer as the board shows it (RB.timerNow): after a
  // reload, and once time is up (nothing left to pause or stop; +1 min starts again).
  function timerButtons() {
    const now = RB.timerNow();
    const live = now.state === 'running' || now.state === 'paused';
    pauseBtn.textContent = now.state === 'paused' ? '▶ ' + T.resume : '❚❚ ' + T.pause;
    pauseBtn.disabled = !live;
    stopBtn.disabled = !live;
  }

  function tick() {
    timerButtons();
    const now = RB.timerNow();
    if (now.state === 'stopped') {
      const m = Math.max(0, Math.round(Number(minutes.value) || 0));
      timerView.dataset.state = 'stopped';
      timerView.classList.remove('ended');
      timerView.textContent = m + ':00';
      return;
    }
    const timer = fac().timer;
    const left = now.left;
    const ended = now.state === 'ended';
    timerView.dataset.state = ended ? 'ended' : timer.state;
    timerView.classList.toggle('ended', ended);
    timerView.textContent = ended ? T.ended : Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0') + (timer.state === 'paused' ? ' (' + T.paused + ')' : '');
  }

  RB.on('render', () => { update(); tick(); });
  setInterval(tick, 500);
  update();
}

if (window.RoadmapBoard) start(window.RoadmapBoard);
else document.addEventListener('roadmap:ready', (e) => start(e.detail), { once: true });
