/* Countdowns that agree on every screen: the server keeps the end time (facilitation.timer),
   each client corrects its own clock with the server_time that comes with it. */
(function () {
  'use strict';
  let offset = null; // server clock minus this clock, in ms (the best estimate so far)

  function learn(timer) {
    if (!timer || !timer.server_time) return;
    // A sample is offset minus network delay: the largest sample is the closest.
    const sample = Date.parse(timer.server_time) - Date.now();
    if (!Number.isNaN(sample) && (offset === null || sample > offset)) offset = sample;
  }

  function secondsLeft(timer) {
    if (!timer) return null;
    if (timer.state === 'paused') return timer.remaining;
    if (timer.state === 'stopped') return null;
    if (!timer.ends_at) return 0;
    const now = Date.now() + (offset || 0);
    return Math.max(0, Math.ceil((Date.parse(timer.ends_at) - now) / 1000));
  }

  function format(seconds) {
    if (seconds === null || seconds === undefined) return '';
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    const mm = h ? String(m).padStart(2, '0') : String(m);
    return (h ? h + ':' : '') + mm + ':' + String(s).padStart(2, '0');
  }

  /* Show `timer` in `el` every second; `onEnd` runs once when a running timer reaches zero. */
  function bind(el, getTimer, labels, onEnd) {
    let endedFor = null;
    function tick() {
      const timer = getTimer();
      const left = secondsLeft(timer);
      if (!timer || timer.state === 'stopped' || left === null) {
        el.hidden = true;
        el.classList.remove('ended', 'paused');
        return;
      }
      el.hidden = false;
      const ended = timer.state === 'ended' || (timer.state === 'running' && left === 0);
      el.classList.toggle('ended', ended);
      el.classList.toggle('paused', timer.state === 'paused');
      el.dataset.state = ended ? 'ended' : timer.state;
      el.dataset.left = String(left);
      if (ended) {
        el.textContent = '⏰ ' + (labels.ended || 'Time is up');
        if (endedFor !== timer.ends_at) {
          endedFor = timer.ends_at;
          if (onEnd) onEnd(timer);
        }
      } else {
        el.textContent = '⏱ ' + format(left) + (timer.state === 'paused' ? ' (' + (labels.paused || 'paused') + ')' : '');
      }
    }
    tick();
    return setInterval(tick, 250);
  }

  window.RoadmapCountdown = { learn, secondsLeft, format, bind };
})();
