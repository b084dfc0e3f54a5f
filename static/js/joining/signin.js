// The sign-in page of a secret link: with nobody signed in yet, continue at once (a POST from
// our own page: roadmap/views.py). When someone else is signed in, the person chooses.
(function () {
  'use strict';
  const form = document.getElementById('signin-form');
  if (form && form.dataset.auto === '1') {
    const button = form.querySelector('button[value="switch"]');
    if (button) form.requestSubmit ? form.requestSubmit(button) : button.click();
  }
})();
