/* Exports panel (templates/reports/_exports_panel.html): background PDF renders with progress
   over Socket.IO ("report:progress" in room event:<id>:organisers) and the list of finished files.
   Authenticated by the page's session cookie. */
(function () {
  "use strict";
  const panel = document.querySelector(".exports-panel");
  if (!panel) return;
  const eventId = Number(panel.dataset.eventId);
  const base = "/api/events/" + eventId;
  const bar = panel.querySelector("progress");
  const stateBox = panel.querySelector(".exports-progress");
  const stateText = panel.querySelector(".exports-state");
  const list = panel.querySelector(".exports-list");
  const button = panel.querySelector(".exports-render");
  // Words from the page (templates/reports/_exports_panel.html), in the reader's language.
  const labels = JSON.parse(panel.dataset.i18n || "{}");

  function showFiles(files) {
    list.replaceChildren();
    if (!files.length) {
      const li = document.createElement("li");
      li.className = "exports-empty";
      li.textContent = labels.none || "None yet.";
      list.append(li);
      return;
    }
    for (const f of files) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = f.url;
      a.textContent = f.name;
      a.setAttribute("download", "");
      li.append(a, " (" + Math.round(f.size / 1024) + " KB)");
      list.append(li);
    }
  }

  function refresh() {
    return fetch(base + "/exports", {credentials: "same-origin"})
      .then((r) => (r.ok ? r.json() : {files: []}))
      .then((body) => showFiles(body.files || []));
  }

  function progress(msg) {
    if (!msg || msg.event_id !== eventId) return;
    stateBox.hidden = false;
    bar.value = Math.round((msg.progress || 0) * 100);
    stateText.textContent = (labels[msg.state] || msg.state) + (msg.error ? ": " + msg.error : "");
    if (msg.state === "done" || msg.state === "failed") {
      button.disabled = false;
      refresh();
    }
  }

  const socket = window.roadmapSocket || (window.io ? window.io({transports: ["websocket", "polling"]}) : null);
  if (socket) {
    const join = () => socket.emit("organiser:join", {event_id: eventId}, () => {});
    socket.on("connect", join);
    if (socket.connected) join();
    socket.on("report:progress", progress);
  }

  // "Include authors": an internal copy; without it, reports name no participant (Do No Harm).
  // The language select: the words, dates and numbers of every report and export (?lang=).
  const authors = panel.querySelector(".exports-include-authors");
  const language = panel.querySelector(".exports-lang");
  function withChoices(url, authorsApply) {
    const u = new URL(url, location.href);
    if (language) u.searchParams.set("lang", language.value);
    if (authorsApply && authors && authors.checked) u.searchParams.set("authors", "1");
    else u.searchParams.delete("authors");
    return u.pathname + u.search;
  }
  const links = Array.from(panel.querySelectorAll("a[data-lang]"));
  links.forEach((a) => (a.dataset.base = a.getAttribute("href").split("?")[0]));
  function relink() {
    links.forEach((a) => a.setAttribute("href", withChoices(a.dataset.base, "authors" in a.dataset)));
  }
  if (authors) authors.addEventListener("change", relink);
  if (language) language.addEventListener("change", relink);
  relink();

  button.addEventListener("click", () => {
    button.disabled = true;
    progress({event_id: eventId, state: "queued", progress: 0});
    fetch(withChoices(base + "/report-jobs", true), {method: "POST", credentials: "same-origin"})
      .then((r) => r.json().then((body) => ({ok: r.ok, body})))
      .then(({ok, body}) => {
        if (!ok) throw new Error((body.error && body.error.message) || labels.refused || "Refused");
        if (!socket) poll(body.job_id);
      })
      .catch((err) => progress({event_id: eventId, state: "failed", progress: 0, error: err.message}));
  });

  function poll(jobId) {  // without a socket: ask every second
    fetch(base + "/report-jobs/" + jobId, {credentials: "same-origin"})
      .then((r) => r.json())
      .then((job) => {
        progress(job);
        if (job.state !== "done" && job.state !== "failed") setTimeout(() => poll(jobId), 1000);
      });
  }

  refresh();
})();
