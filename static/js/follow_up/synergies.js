/* "Possible partners": pairs of commitments and signposts of different groups or organisations
   that aim at the same thing (GET /api/events/<id>/synergies), and one click to introduce them
   (a partners entry on both notes, through the op core). Used on the organiser's tracker page
   and in the facilitator panel. window.RoadmapSynergies.mount(container, eventId, strings); an ES module
   (import { mount }). */
import { h } from '../common/dom.js';

function fmt(text, vars) {
  return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));
}

function mount(container, eventId, T) {
  const status = h('p', { class: 'syn-status', role: 'status', 'aria-live': 'polite' });
  const list = h('ol', { class: 'syn-list' });
  const refresh = h('button', { type: 'button', class: 'button small', 'data-syn': 'refresh', onclick: load }, T.refresh);
  container.replaceChildren(h('p', { class: 'hint', text: T.hint }), refresh, status, list);
  const api = '/api/events/' + eventId + '/synergies';

  function side(n) {
    const who = [n.group.name, n.organisation].filter(Boolean).join(' · ');
    return h('p', { class: 'syn-note' }, h('strong', { text: who }), ' ', h('span', { text: (n.kind === 'commitment' ? '✓ ' : '➜ ') + n.text }));
  }

  async function introduce(pair, button) {
    button.disabled = true;
    status.textContent = '…';
    const res = await fetch(api + '/introduce', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ items: pair.items }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      button.disabled = false;
      status.textContent = fmt(T.failed, { reason: (body.error && body.error.message) || res.status });
      return;
    }
    button.textContent = '✓ ' + T.introduced;
    status.textContent = T.done;
  }

  async function load() {
    status.textContent = '…';
    const res = await fetch(api, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      status.textContent = fmt(T.failed, { reason: (body.error && body.error.message) || res.status });
      return;
    }
    list.replaceChildren(...body.items.map((pair) => {
      const button = h('button', { type: 'button', class: 'button small primary', 'data-syn': 'introduce', disabled: pair.introduced },
        pair.introduced ? '✓ ' + T.introduced : T.introduce);
      button.addEventListener('click', () => introduce(pair, button));
      return h('li', { class: 'syn-pair', 'data-items': pair.items.join(',') },
        side(pair.notes[0]), side(pair.notes[1]),
        h('p', { class: 'syn-why muted', text: fmt(T.why, { terms: pair.why.join(', '), score: Math.round(pair.score * 100) }) }),
        button);
    }));
    status.textContent = body.items.length ? fmt(T.count, { n: body.items.length }) : T.none;
  }

  load();
}

window.RoadmapSynergies = { mount };
export { mount };
