/* Layout helpers of the board page (issue 16): phone lane tabs that show they scroll, and keep
   the current tab in view. (The phone's "+ Add note" bar is CSS: static/css/layout.css.)
   An ES module; needs window.RoadmapBoard (board.js). */

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

RB.on('render', keepActiveTab);
keepActiveTab();
