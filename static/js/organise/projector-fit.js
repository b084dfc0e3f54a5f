/* The projector fits the wall (issue 16): the board is scaled to the screen — a density
   (comfortable, compact, dense; how small depends on the note count) and a number of columns
   per lane chosen from what fits — and
   a lane that still does not fit scrolls slowly by itself (or turns a page every few seconds
   with reduced motion). The header (timer, phase, lock), the message and the spotlight keep
   their large type. An ES module; listens to projector.js's "projector:render". */

const root = document.querySelector('.projector');
const lanesBox = document.getElementById('projector-lanes');
const DENSITIES = [['comfortable', 18], ['compact', 14], ['dense', 11]]; // min card width, rem
const calm = window.matchMedia('(prefers-reduced-motion: reduce)');
const rem = () => parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
const scrolls = new Map(); // lane id -> {pos, wait, dir}

function lists() {
  return Array.from(lanesBox.querySelectorAll('.p-lane-notes'));
}

function overflowing() {
  return lists().filter((l) => l.scrollHeight > l.clientHeight + 2);
}

function apply(density, cols) {
  root.dataset.density = density;
  root.style.setProperty('--p-cols', String(cols));
}

let choice = null;
function fit() {
  root.classList.add('p-fit');
  const lane = lanesBox.querySelector('.p-lane');
  if (!lane) return;
  const width = lane.clientWidth;
  // The note count sets how small cards may get: a short board keeps room-sized type (and
  // scrolls if it must); compact from 31 notes, dense from 81.
  const count = lanesBox.querySelectorAll('.p-note').length;
  const allowed = DENSITIES.slice(0, count > 80 ? 3 : count > 30 ? 2 : 1);
  for (const [density, minRem] of allowed) {
    const most = Math.max(1, Math.floor((width + 12) / (minRem * rem() + 12)));
    for (let cols = 1; cols <= most; cols++) {
      apply(density, cols);
      if (!overflowing().length) { choice = { density, cols, scrolling: false }; return; }
    }
  }
  const [density, minRem] = allowed[allowed.length - 1];
  apply(density, Math.max(1, Math.floor((width + 12) / (minRem * rem() + 12))));
  choice = { density, cols: Number(root.style.getPropertyValue('--p-cols')), scrolling: true };
}

function keepScroll() {
  lists().forEach((list) => {
    const id = list.closest('.p-lane').dataset.laneId;
    const s = scrolls.get(id);
    if (s) list.scrollTop = s.pos;
  });
}

/* Each lane that does not fit: down slowly, a pause at the end, back to the top, a pause. */
let last = performance.now();
function step(now) {
  const dt = Math.min(100, now - last);
  last = now;
  overflowing().forEach((list) => {
    const id = list.closest('.p-lane').dataset.laneId;
    const s = scrolls.get(id) || { pos: 0, wait: 3000 };
    const end = list.scrollHeight - list.clientHeight;
    if (s.wait > 0) {
      s.wait -= dt;
    } else if (calm.matches) {
      s.pos = s.pos >= end ? 0 : Math.min(end, s.pos + list.clientHeight * 0.9);
      s.wait = 8000;
    } else if (s.pos >= end) {
      s.pos = 0;
      s.wait = 3000;
    } else {
      s.pos = Math.min(end, s.pos + dt * 0.04); // 40 px a second
      if (s.pos >= end) s.wait = 4000;
    }
    scrolls.set(id, s);
    list.scrollTop = s.pos;
  });
  requestAnimationFrame(step);
}

let pending = false;
function refit() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    fit();
    keepScroll();
    root.dataset.fit = choice ? `${choice.density}:${choice.cols}:${choice.scrolling ? 'scroll' : 'fits'}` : '';
  });
}

document.addEventListener('projector:render', refit);
window.addEventListener('resize', refit);
requestAnimationFrame(step);
refit();
