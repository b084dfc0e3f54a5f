/* "Leave this board" on a shared phone: nothing of this person stays on the device.
   Clears every roadmap:* key of localStorage (cached boards, offline queues, identity) and the
   service worker's caches, then lets the form sign the browser out (POST /leave). An ES module. */
const form = document.getElementById("leave-form");

function clearStorage() {
  try {
    var doomed = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (key && key.indexOf("roadmap:") === 0) doomed.push(key);
    }
    doomed.forEach(function (key) {
      window.localStorage.removeItem(key);
    });
    window.sessionStorage.clear();
  } catch (err) {
    /* storage disabled: nothing was kept */
  }
}

function clearCaches() {
  if (!window.caches || !window.caches.keys) return Promise.resolve();
  return window.caches.keys().then(function (names) {
    return Promise.all(names.map(function (name) { return window.caches.delete(name); }));
  });
}

if (form) form.addEventListener("submit", function (event) {
  event.preventDefault();
  if (window.RoadmapBoard && window.RoadmapBoard.leave) window.RoadmapBoard.leave();
  clearStorage();
  var done = function () {
    clearStorage(); // again: a debounced snapshot save may have run meanwhile
    form.submit();
  };
  clearCaches().then(done, done);
});
