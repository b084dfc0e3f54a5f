/* For everyone on the board page: the Takeaways phase form ("What will you take away, and what
   will you do next?", seed 003) and a spoken signal when the facilitator's timer ends.
   Needs window.RoadmapBoard (board.js). */
(function () {
  'use strict';
  const T = JSON.parse(document.getElementById('participate-i18n').textContent);

  function start(RB) {
    const state = RB.state;
    const main = document.getElementById('main');
    const box = document.createElement('section');
    box.id = 'takeaways';
    box.className = 'takeaways';
    box.hidden = true;
    box.setAttribute('aria-labelledby', 'takeaways-title');
    box.innerHTML =
      '<h2 id="takeaways-title"></h2>' +
      '<form class="takeaway-form"><label for="takeaway-text" class="takeaway-question"></label>' +
      '<textarea id="takeaway-text" rows="3" maxlength="2000"></textarea>' +
      '<label class="check"><input type="checkbox" id="takeaway-anon"> <span class="takeaway-anon-label"></span></label>' +
      '<button type="submit" class="button primary"></button> <span class="takeaway-status" role="status"></span></form>' +
      '<h3 class="takeaway-list-title"></h3><ul class="takeaway-list"></ul>';
    main.insertBefore(box, main.firstChild);
    box.querySelector('h2').textContent = T.title;
    box.querySelector('.takeaway-question').textContent = T.question;
    box.querySelector('.takeaway-anon-label').textContent = T.anonymous;
    box.querySelector('button').textContent = T.save;
    box.querySelector('.takeaway-list-title').textContent = T.given;
    const text = box.querySelector('#takeaway-text');
    const anon = box.querySelector('#takeaway-anon');
    const status = box.querySelector('.takeaway-status');
    let filled = false;

    box.querySelector('form').addEventListener('submit', (e) => {
      e.preventDefault();
      if (!text.value.trim()) return;
      status.textContent = '…';
      RB.sendOp('takeaway.set', { text: text.value.trim(), anonymous: anon.checked }).then((ack) => {
        status.textContent = ack && ack.ok === false ? ack.error.message : T.saved;
      });
    });

    function mine() {
      const me = state.board.viewer && state.board.viewer.id;
      return (state.board.takeaways || []).find((t) => t.participant && t.participant.id === me);
    }

    function render() {
      const b = state.board;
      if (!b) return;
      box.hidden = b.phase !== 'takeaways';
      if (box.hidden) return;
      const own = mine();
      if (own && !filled && document.activeElement !== text) {
        text.value = own.text;
        anon.checked = own.anonymous;
        filled = true;
      }
      const list = box.querySelector('.takeaway-list');
      list.replaceChildren(...(b.takeaways || []).map((t) => {
        const li = document.createElement('li');
        li.textContent = t.text + ' — ' + (t.participant ? t.participant.name : T.anonymous_name);
        return li;
      }));
    }

    // The timer's end, said once per countdown to screen readers (the board shows it too).
    let announcedFor = null;
    function watchTimer() {
      const timer = state.board && state.board.facilitation && state.board.facilitation.timer;
      const el = document.getElementById('timer');
      if (!timer || !el) return;
      const ended = el.dataset.state === 'ended' || timer.state === 'ended';
      if (ended && timer.ends_at && announcedFor !== timer.ends_at) {
        announcedFor = timer.ends_at;
        const region = document.getElementById('announcer');
        if (region) region.textContent = T.time_up;
      }
    }

    RB.on('render', render);
    setInterval(watchTimer, 500);
    render();
  }

  if (window.RoadmapBoard) start(window.RoadmapBoard);
  else document.addEventListener('roadmap:ready', (e) => start(e.detail), { once: true });
})();
