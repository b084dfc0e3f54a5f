/* The tracker page: mount "possible partners" (the rest of the page works without JS). */
import { mount } from './synergies.js';

const root = document.getElementById('synergies');
if (root) {
  const T = JSON.parse(document.getElementById('synergies-i18n').textContent);
  mount(root, Number(root.dataset.eventId), T);
}
