/* Group notes the way people expect (issue 16, staff only — cluster.create is a facilitator
   op): drag a note and hold it over another note (its middle, half a second) to merge them
   into a cluster titled like the note it lands on; the keyboard equivalent is G on a note,
   then G on the other one (Esc cancels). The checkbox list in the panel stays for many at once.
   An ES module; needs window.RoadmapBoard (main.js). */

const RB = (window.RoadmapBoard && window.RoadmapBoard.ready) ? window.RoadmapBoard : (await new Promise((resolve) => {
  document.addEventListener('roadmap:ready', (e) => resolve(e.detail), { once: true });
}));
const { state, t } = RB;
const lanes = document.getElementById('lanes');
const staff = () => !!(state.board && state.board.viewer && state.board.viewer.staff);
const HOLD_MS = 500;

const noteOf = (node) => (node && /^\d+$/.test(node.dataset.id || '') ? state.notes.get(Number(node.dataset.id)) : null);
const groupable = (note) => note && note.kind !== 'cluster' && !note.hidden && note.cluster_id == null;

function merge(dragged, target) {
  if (!groupable(dragged) || !groupable(target) || dragged.id === target.id) return;
  const title = target.text.replace(/\s+/g, ' ').trim().slice(0, 200);
  RB.sendOp('cluster.create', { note_ids: [target.id, dragged.id], title }).then((ack) => {
    if (ack && ack.ok === false) RB.toast(t('group.refused', { reason: ack.error.message }), false);
    else RB.announce(t('group.done', { title }));
  });
}

/* --- drag (SortableJS drags with the browser's own drag and drop on desktop) ----------------- */
let dragged = null;
let over = null;
let since = 0;
function clearOver() {
  if (over) over.classList.remove('group-target');
  over = null;
}
lanes.addEventListener('dragstart', (e) => {
  const node = (e.target.closest && e.target.closest('.note')) || document.querySelector('#lanes .sortable-chosen');
  dragged = staff() && node ? noteOf(node) : null;
}, true);
document.addEventListener('dragover', (e) => {
  if (!dragged) return;
  const node = e.target.closest && e.target.closest('.note:not(.cluster-card)');
  const note = noteOf(node);
  if (!note || note.id === dragged.id || !groupable(note)) { clearOver(); return; }
  const r = node.getBoundingClientRect();
  const middle = e.clientY > r.top + r.height * 0.25 && e.clientY < r.bottom - r.height * 0.25;
  if (!middle) { clearOver(); return; }
  if (over !== node) { clearOver(); over = node; since = performance.now(); }
  if (performance.now() - since >= HOLD_MS) node.classList.add('group-target');
}, true);
document.addEventListener('dragend', () => {
  const target = over && over.classList.contains('group-target') ? noteOf(over) : null;
  const source = dragged;
  clearOver();
  dragged = null;
  if (source && target) merge(source, target);
}, true);

/* --- keyboard: G, then G on the other note ----------------------------------------------- */
let picked = null;
document.addEventListener('keydown', (e) => {
  if (!staff() || e.ctrlKey || e.metaKey || e.altKey || document.querySelector('dialog[open]')) return;
  const node = e.target.closest && e.target.closest('.note');
  if (e.key === 'Escape' && picked) {
    picked.node.classList.remove('group-picked');
    picked = null;
    RB.announce(t('group.cancelled'));
    return;
  }
  if (e.key.toLowerCase() !== 'g' || !node || e.target !== node) return;
  const note = noteOf(node);
  if (!groupable(note)) { RB.announce(t('group.cannot')); return; }
  e.preventDefault();
  if (!picked || !picked.node.isConnected) {
    picked = { node, note };
    node.classList.add('group-picked');
    RB.announce(t('group.picked', { text: note.text.slice(0, 60) }));
    return;
  }
  picked.node.classList.remove('group-picked');
  const first = picked.note;
  picked = null;
  if (first.id !== note.id) merge(first, note);
}, true);
