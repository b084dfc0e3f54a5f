/* The tracker page: mount "possible partners" (the rest of the page works without JS). */
(function () {
  'use strict';
  const root = document.getElementById('synergies');
  if (!root || !window.RoadmapSynergies) return;
  const T = JSON.parse(document.getElementById('synergies-i18n').textContent);
  window.RoadmapSynergies.mount(root, Number(root.dataset.eventId), T);
})();
