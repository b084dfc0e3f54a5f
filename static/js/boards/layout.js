/* Layout helpers of the board page (issue 16): phone lane tabs that show they scroll (and keep
   the current tab in view); a compact density; lanes that fold on desktop; the inclusion panel
   folded to one line (open when asked; this device remembers). The phone's "+ Add note" bar is
   CSS (static/css/layout.css). An ES module; needs window.RoadmapBoard (main.js). */

const RB = (window.RoadmapBoard && window.RoadmapBoard.ready) ? window.RoadmapBoard : (await new Promise((resolve) => {
  document.addEventListener('roadmap:ready', (e) => resolve(e.detail), { once: true });
}));

const phone = window.matchMedia('(max-width: 700px)');
const tabs = document.getElementById('lane-tabs');

/* --- lane tabs: a fade and an arrow on the side that has more ------------------------------- */
function tabHints() {
  const more = tabs.scrollWidth - tabs.clientWidth > 2;
  tabs.classList.toggle('more-right', more && tabs.scrollLeft + tabs.clientWidth < tabs.scrollWidth - 2);
  tabs.classList.toggle('more-left', more && tabs.scrollLeft > 2);
}
let lastActive = null;
function keepActiveTab() {
  const active = tabs.querySelector('[aria-pressed="true"]');
  if (active && active !== lastActive && phone.matches) {
    lastActive = active;
    const r = active.getBoundingClientRect();
    const box = tabs.getBoundingClientRect();
    if (r.left < box.left || r.right > box.right) active.scrollIntoView({ block: 'nearest', inline: 'center' });
  }
  tabHints();
}
tabs.addEventListener('scroll', tabHints, { passive: true });

window.addEventListener('resize', tabHints);
phone.addEventListener('change', tabHints);

/* --- remembered view choices (this device, this board) --------------------------------------- */
const { t } = RB;
const key = (name) => 'roadmap:board:' + RB.config.boardId + ':' + name;
function remembered(name, fallback) {
  try { const v = localStorage.getItem(key(name)); return v == null ? fallback : JSON.parse(v); } catch (e) { return fallback; }
}
function remember(name, value) {
  try { localStorage.setItem(key(name), JSON.stringify(value)); } catch (e) { /* private mode */ }
}

/* Compact: smaller cards, so more of the board fits the screen. */
const compact = document.createElement('button');
compact.type = 'button';
compact.id = 'density';
compact.className = 'button';
function setCompact(on) {
  document.body.classList.toggle('density-compact', on);
  compact.setAttribute('aria-pressed', String(on));
  compact.textContent = '▤ ' + t('layout.compact');
}
compact.addEventListener('click', () => {
  const on = compact.getAttribute('aria-pressed') !== 'true';
  remember('compact', on);
  setCompact(on);
});
document.getElementById('help-button').before(compact);
setCompact(remembered('compact', false));

/* Fold a lane (desktop): a narrow column with its title and count; Expand brings it back. */
const folded = new Set(remembered('folded', []));
function laneButtons() {
  document.querySelectorAll('#lanes .lane').forEach((lane) => {
    const id = Number(lane.dataset.laneId);
    let b = lane.querySelector(':scope > .lane-head > .lane-fold');
    if (!b) {
      b = document.createElement('button');
      b.type = 'button';
      b.className = 'button small lane-fold';
      b.setAttribute('aria-controls', lane.id);
      b.addEventListener('click', () => {
        if (folded.has(id)) folded.delete(id);
        else folded.add(id);
        remember('folded', Array.from(folded));
        laneButtons();
      });
      lane.querySelector('.lane-head').append(b);
    }
    const isFolded = folded.has(id);
    lane.classList.toggle('folded', isFolded);
    b.setAttribute('aria-expanded', String(!isFolded));
    const title = lane.querySelector('.lane-title').textContent;
    const label = isFolded ? t('layout.expand', { lane: title }) : t('layout.collapse', { lane: title });
    if (b.getAttribute('aria-label') !== label) b.setAttribute('aria-label', label);
    b.textContent = isFolded ? '▸' : '◂';
  });
}

/* The inclusion panel: one line ("Inclusion: 2 of 6 groups considered") until opened. */
const inclusion = document.getElementById('inclusion');
const incTitle = document.getElementById('inclusion-title');
const incToggle = document.createElement('button');
incToggle.type = 'button';
incToggle.className = 'inclusion-toggle';
incToggle.setAttribute('aria-controls', 'inclusion-groups');
incToggle.append(...incTitle.childNodes);
incTitle.append(incToggle);
function setInclusionOpen(open) {
  inclusion.classList.toggle('folded', !open);
  incToggle.setAttribute('aria-expanded', String(open));
}
incToggle.addEventListener('click', () => {
  if (phone.matches) return;
  const open = incToggle.getAttribute('aria-expanded') !== 'true';
  remember('inclusion-open', open);
  setInclusionOpen(open);
});
// On phones the panel already sits behind "Board options": there it is always open.
const inclusionChoice = () => setInclusionOpen(phone.matches || remembered('inclusion-open', false));
phone.addEventListener('change', inclusionChoice);
inclusionChoice();

RB.on('render', () => { keepActiveTab(); laneButtons(); });
keepActiveTab();
laneButtons();
