// Small behaviours of plain pages, attached here because the Content-Security-Policy allows no
// inline handlers: print buttons (data-print) and confirmations before a form is sent
// (data-confirm="question").
(function () {
  'use strict';
  document.addEventListener('click', (event) => {
    const target = event.target.closest('[data-print]');
    if (target) { event.preventDefault(); window.print(); }
  });
  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
