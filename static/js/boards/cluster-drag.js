/* Group notes the way people expect (issue 16, staff only — cluster.create is a facilitator
   op): drag a note and hold it over another note (its middle, half a second) to merge them
   into a cluster titled like the note it lands on, or onto a cluster card (or a note inside a
   cluster) to add it to that cluster (op cluster.add); the keyboard equivalent is G on a note,
   then G on the other one or on a cluster (Esc cancels). The checkbox list in the panel stays for many at once.
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
/* The cluster a drop on this note joins: the cluster card itself, or the cluster of a note in it. */
const clusterOf = (note) => {
  if (!note || note.hidden) return null;
  if (note.kind === 'cluster') return note;
  const cluster = note.cluster_id != null ? state.notes.get(note.cluster_id) : null;
  return cluster && cluster.kind === 'cluster' ? cluster : null;
};
/* Can `dragged` be grouped with `target` (a loose note, a cluster card, a note in a cluster)? */
const joinable = (dragged, target) => groupable(dragged) && !!target && target.id !== dragged.id && (groupable(target) || !!clusterOf(target));

function merge(dragged, target) {
  if (!joinable(dragged, target)) return;
  const cluster = clusterOf(target);
  if (cluster) {
    // Onto a cluster (or a note inside one): the note joins that cluster (op cluster.add).
    const title = cluster.text;
    RB.sendOp('cluster.add', { cluster_id: cluster.id, note_ids: [dragged.id] }).then((ack) => {
      if (ack && ack.ok === false) RB.toast(t('group.refused', { reason: ack.error.message }), false);
      else RB.announce(t('group.added', { title }));
    });
    return;
  }
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
  const node = e.target.closest && e.target.closest('.note');
  const note = noteOf(node);
  if (!joinable(dragged, note)) { clearOver(); return; }
  // A cluster card is tall: its head (kind line and title) is the target, not its whole body.
  const box = note.kind === 'cluster' ? (node.querySelector('.cluster-title') || node) : node;
  const r = box.getBoundingClientRect();
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
  const second = picked && picked.node.isConnected;
  if (second ? !joinable(picked.note, note) && note && note.id !== picked.note.id : !groupable(note)) {
    RB.announce(t('group.cannot'));
    return;
  }
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
