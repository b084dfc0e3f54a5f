/* A participant's own undo (issue 16): "Undo my last change" (and Ctrl+Z outside a text
   field) takes back the last note I added, edited, moved, deleted, voted on or translated, with
   the same ops anyone may send (note.delete, note.update, note.move, note.restore,
   vote.add/remove, note.translate/untranslate).
   The facilitator's own undo (facilitator.undo) stays in the facilitator panel. An ES module;
   needs window.RoadmapBoard (main.js, its "send" event). */
import { short as shortText } from '../common/dom.js';

const RB = (window.RoadmapBoard && window.RoadmapBoard.ready) ? window.RoadmapBoard : (await new Promise((resolve) => {
  document.addEventListener('roadmap:ready', (e) => resolve(e.detail), { once: true });
}));
const { t } = RB;
const button = document.getElementById('undo-mine');
const stack = []; // newest last: {label, inverse: () => [type, data] | null}
const MAX = 20;
let undoing = false;

const short = (text) => shortText(text, 50);

/* The op that takes `sent` back, worked out from the board as it was before it. */
function inverseOf(sent) {
  const { type, data, view } = sent;
  const before = data && data.note_id != null ? view.notes.get(data.note_id) : null;
  if (type === 'note.create') {
    return { label: t('undo.create'), op: (ack) => ack.result && ack.result.note && ['note.delete', { note_id: ack.result.note.id }] };
  }
  if (type === 'note.restore') {
    return { label: t('undo.restore'), op: (ack) => ack.result && !ack.result.already_there && ['note.delete', { note_id: data.note_id }] };
  }
  if (!before || typeof before.id !== 'number') return null; // not yet on the server: nothing to undo there
  if (type === 'note.update') {
    const back = { note_id: before.id, text: before.text, kind: before.kind, tags: before.tags || [] };
    return { label: t('undo.edit', { text: short(before.text) }), op: (ack) => ack.result && ack.result.note && ['note.update', { ...back, base_version: ack.result.note.version }] };
  }
  if (type === 'note.move') {
    const lane = (view.byLane.get(before.lane_id) || []).filter((n) => n.cluster_id == null || n.kind === 'cluster');
    const i = lane.findIndex((n) => n.id === before.id);
    const back = { note_id: before.id, lane_id: before.lane_id };
    const prev = lane.slice(0, Math.max(0, i)).reverse().find((n) => typeof n.id === 'number');
    if (prev) back.after = prev.id;
    return { label: t('undo.move'), op: () => ['note.move', back] };
  }
  if (type === 'note.translate') {
    // My translation taken back, or the one it replaced put back (issue 15).
    const prev = (before.translations || {})[data.lang];
    const named = ((RB.state.board && RB.state.board.languages) || []).find((l) => l.code === data.lang);
    const label = t('undo.translate', { language: named ? named.name : data.lang });
    const back = prev && !prev.pending
      ? ['note.translate', { note_id: before.id, lang: data.lang, text: prev.text }]
      : ['note.untranslate', { note_id: before.id, lang: data.lang }];
    return { label, op: (ack) => ack.result && back };
  }
  if (type === 'note.delete') return { label: t('undo.delete', { text: short(before.text) }), op: () => ['note.restore', { note_id: before.id }] };
  if (type === 'vote.add') return { label: t('undo.vote'), op: (ack) => ack.result && ack.result.changed && ['vote.remove', { note_id: before.id }] };
  if (type === 'vote.remove') return { label: t('undo.unvote'), op: (ack) => ack.result && ack.result.changed && ['vote.add', { note_id: before.id }] };
  return null;
}

RB.on('send', (sent) => {
  if (undoing) return;
  const inverse = inverseOf(sent);
  if (!inverse) return;
  const entry = { label: inverse.label, op: null };
  stack.push(entry);
  if (stack.length > MAX) stack.shift();
  // Once acknowledged, the inverse is known (the note's id, its new version); a refusal drops it.
  Promise.resolve().then(() => sent.promise).then((ack) => {
    const op = ack && ack.ok !== false ? inverse.op(ack) : null;
    if (op) entry.op = op;
    else stack.splice(stack.indexOf(entry), 1);
    render();
  });
  render();
});

function undo() {
  for (let i = stack.length - 1; i >= 0; i--) {
    const entry = stack[i];
    if (!entry.op) continue; // still waiting for its ack
    stack.splice(i, 1);
    undoing = true;
    RB.sendOp(entry.op[0], entry.op[1]).then((ack) => {
      if (ack && ack.ok === false) RB.toast(t('undo.failed', { reason: ack.error.message }), false);
    });
    undoing = false;
    RB.announce(t('undo.done', { what: entry.label }));
    render();
    return;
  }
}

function render() {
  const last = [...stack].reverse().find((e) => e.op);
  button.hidden = !last;
  if (last) button.title = last.label;
}

button.addEventListener('click', undo);
document.addEventListener('keydown', (e) => {
  if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'z' || e.shiftKey || e.altKey) return;
  if (e.target.closest('input, textarea, select, [contenteditable]') || document.querySelector('dialog[open]')) return;
  if (!stack.some((x) => x.op)) return;
  e.preventDefault();
  undo();
});
render();
