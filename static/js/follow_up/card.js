/* Commitment cards on the board: owner, organisation, due date, indicator, partners, status and
   where it came from; for staff, the owner's private follow-up link with its QR code.
   Signposts turned into a commitment say so. Needs window.RoadmapBoard. */
import { h } from '../common/dom.js';
import { mount as mountSynergies } from './synergies.js';

const STATUSES = ['not_started', 'in_progress', 'done', 'blocked', 'dropped'];

function start(RB) {
  const t = RB.t;
  const state = RB.state;
  const staff = () => !!(state.board && state.board.viewer && state.board.viewer.staff);

  async function call(method, noteId, payload) {
    const res = await fetch('/api/commitments/' + noteId + '/follow-up-link', {
      method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: method === 'POST' ? JSON.stringify(payload || {}) : undefined,
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((body.error && body.error.message) || String(res.status));
    return body;
  }

  function linkPanel(note) {
    const status = h('p', { class: 'fu-card-status', role: 'status', 'aria-live': 'polite' });
    const emailId = 'fu-email-' + note.id;
    const email = h('input', { id: emailId, type: 'email', maxlength: '254', autocomplete: 'off' });
    const result = h('div', { class: 'fu-card-link', hidden: true });
    const create = h('button', { type: 'button', class: 'button primary', 'data-fu': 'create-link', onclick: async () => {
      status.textContent = '…';
      try {
        const made = await call('POST', note.id, email.value.trim() ? { email: email.value.trim() } : {});
        const urlId = 'fu-url-' + note.id;
        const url = h('input', { id: urlId, readonly: true, value: made.url, class: 'fu-card-url', 'data-fu': 'url' });
        const qr = h('img', { class: 'fu-card-qr', alt: t('followup.qr_alt'), width: '160', height: '160',
          src: 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(made.qr_svg) });
        const copy = h('button', { type: 'button', class: 'button small', onclick: () => {
          url.select();
          if (navigator.clipboard) navigator.clipboard.writeText(made.url).catch(() => {});
          status.textContent = t('followup.copied');
        } }, t('followup.copy'));
        result.replaceChildren(h('label', { for: urlId, text: t('followup.link_label') }), url, copy, qr,
          h('p', { class: 'hint', text: t('followup.link_hint') }));
        result.hidden = false;
        status.textContent = t('followup.made');
      } catch (err) {
        status.textContent = t('followup.failed', { reason: err.message });
      }
    } }, t('followup.create'));
    const revoke = h('button', { type: 'button', class: 'button small danger', 'data-fu': 'revoke-link', onclick: async () => {
      if (!window.confirm(t('followup.confirm_revoke'))) return;
      try {
        await call('DELETE', note.id);
        result.hidden = true;
        result.replaceChildren();
        status.textContent = t('followup.revoked');
      } catch (err) {
        status.textContent = t('followup.failed', { reason: err.message });
      }
    } }, t('followup.revoke'));
    return h('div', { class: 'fu-card-panel' },
      h('label', { for: emailId, text: t('followup.email') }), email,
      h('p', { class: 'hint', text: t('followup.email_hint') }),
      h('div', { class: 'fac-row' }, create, revoke), status, result);
  }

  /* Staff record progress from the card: a commitment.status op (a history row). */
  function progressForm(note) {
    const c = note.commitment || {};
    const sid = 'fu-status-' + note.id;
    const nid = 'fu-note-' + note.id;
    const select = h('select', { id: sid, 'data-fu': 'status' },
      STATUSES.map((s) => h('option', { value: s, selected: s === (c.status || 'not_started') }, t('followup.statuses.' + s))));
    const text = h('input', { id: nid, maxlength: '2000', 'data-fu': 'status-note' });
    const said = h('span', { class: 'fu-card-status', role: 'status', 'aria-live': 'polite' });
    return h('form', { class: 'fu-card-progress', onsubmit: (e) => {
      e.preventDefault();
      said.textContent = '…';
      RB.sendOp('commitment.status', { note_id: note.id, status: select.value, status_note: text.value.trim() }).then((ack) => {
        said.textContent = ack && ack.ok === false ? t('followup.failed', { reason: ack.error.message }) : t('followup.recorded');
      });
    } },
      h('label', { for: sid, text: t('followup.status') }), select,
      h('label', { for: nid, text: t('followup.progress_note') }), text,
      h('button', { type: 'submit', class: 'button small', 'data-fu': 'record' }, t('followup.record')), said);
  }

  function details(note) {
    const c = note.commitment || {};
    const rows = [];
    const add = (label, value) => { if (value) rows.push(h('div', {}, h('dt', { text: label }), h('dd', { text: value }))); };
    add(t('followup.status'), t('followup.statuses.' + (c.status || 'not_started')) +
      (c.status_value !== null && c.status_value !== undefined ? ' · ' + c.status_value : ''));
    add(t('followup.organisation'), c.owner_org);
    add(t('followup.indicator'), c.indicator);
    add(t('followup.partners'), c.partners);
    const source = c.source_note_id ? state.notes.get(c.source_note_id) : null;
    if (source) add(t('followup.from_label'), t('followup.from', { text: source.text }));
    return rows;
  }

  function decorate() {
    document.querySelectorAll('#lanes .note').forEach((node) => {
      const note = state.notes.get(Number(node.dataset.id));
      let box = node.querySelector(':scope > .note-followup');
      if (!note || (note.kind !== 'commitment' && !note.turned_into_id)) {
        if (box) box.remove();
        return;
      }
      const sig = JSON.stringify([note.kind, note.version, note.commitment, note.turned_into_id, staff()]);
      if (box && box.dataset.sig === sig) return;
      const open = box && box.querySelector('details') && box.querySelector('details').open;
      if (box) box.remove();
      box = h('div', { class: 'note-followup' });
      box.dataset.sig = sig;
      if (note.kind !== 'commitment') {
        box.append(h('p', { class: 'fu-turned', text: '→ ' + t('followup.turned') }));
      } else {
        box.append(h('dl', { class: 'fu-card-facts' }, details(note)));
        if (staff()) {
          const more = h('details', { class: 'fu-card-more', open: !!open },
            h('summary', { 'data-fu': 'owner-link' }, t('followup.owner_link')), linkPanel(note));
          box.append(progressForm(note), more);
        }
      }
      const actions = node.querySelector(':scope > .note-actions');
      node.insertBefore(box, actions || null);
    });
  }

  /* Staff: "possible partners" of this group, in the facilitator panel. */
  function partnersPanel() {
    const panel = document.querySelector('#facilitator-panel .fac-body');
    if (!panel || !staff() || panel.querySelector('.syn-section') || !mountSynergies) return;
    const keys = ['hint', 'refresh', 'introduce', 'introduced', 'why', 'count', 'none', 'done'];
    const T = { failed: t('followup.failed') };
    keys.forEach((k) => { T[k] = t('followup.synergy.' + k); });
    const body = h('div', { class: 'fac-more-body' });
    const box = h('details', { class: 'fac-section fac-more syn-section', 'data-section': 'partners' },
      h('summary', { class: 'fac-summary' }, t('followup.synergy.title')), body);
    let mounted = false;
    box.addEventListener('toggle', () => {
      if (box.open && !mounted) { mounted = true; mountSynergies(body, state.board.group.event_id, T); }
    });
    const foot = panel.querySelector('.fac-foot');
    panel.insertBefore(box, foot || null);
  }

  RB.on('render', () => { decorate(); partnersPanel(); });
  decorate();
  partnersPanel();
}

if (window.RoadmapBoard) start(window.RoadmapBoard);
else document.addEventListener('roadmap:ready', (e) => start(e.detail), { once: true });
