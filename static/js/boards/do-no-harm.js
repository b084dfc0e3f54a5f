/* Do No Harm on the board page: a badge on notes that may hold personal data (the rules of
   static/safety-rules.json, shipped in the snapshot), and for facilitators a panel section
   with a filter, "Redact" (op note.redact: erased for good) and "Ask the author to edit"
   (a board message that names no one and quotes nothing). Participants see the badge on
   their own notes only. An ES module; needs window.RoadmapBoard (main.js) and the compiled
   rules of rules.js. */
import { mayHoldPersonalData, allTexts } from "./rules.js";

function start(RB) {
  var state = RB.state;
  var t = RB.t;
  function flagged(note) {
    return allTexts(note).some(mayHoldPersonalData); // translations too (issue 15)
  }

  function staff() {
    return !!(state.board && state.board.viewer && state.board.viewer.staff);
  }

  var filterOn = false;
  var lastListed = null; // the warned notes last listed in the panel
  var section = null;
  var list = null;
  var filter = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function laneTitle(note) {
    var lanes = (state.board && state.board.lanes) || [];
    var lane = lanes.find(function (l) { return l.id === note.lane_id; });
    return lane ? lane.title : "";
  }

  function buildSection() {
    var body = document.querySelector("#facilitator-panel .fac-body");
    if (!body || section) return;
    section = el("section", "fac-section dnh-section");
    section.setAttribute("aria-labelledby", "dnh-title");
    var title = el("h3", null, t("dnh.title"));
    title.id = "dnh-title";
    var label = el("label", "check");
    filter = el("input");
    filter.type = "checkbox";
    filter.className = "dnh-filter";
    filter.addEventListener("change", function () {
      filterOn = filter.checked;
      document.body.classList.toggle("dnh-filtering", filterOn);
    });
    label.append(filter, " " + t("dnh.filter"));
    list = el("ul", "dnh-list");
    section.append(title, label, list);
    body.insertBefore(section, body.querySelector(".fac-foot"));
  }

  function redact(note) {
    if (!window.confirm(t("dnh.confirm_redact"))) return;
    RB.sendOp("note.redact", { note_id: note.id });
  }

  function ask(note) {
    RB.sendOp("board.message", { text: t("dnh.ask_message", { lane: laneTitle(note) }) });
  }

  function renderSection(notes) {
    buildSection();
    if (!list) return;
    var items = notes.map(function (note) {
      var li = el("li", "dnh-item");
      li.dataset.id = note.id;
      var text = el("span", "dnh-text", note.text.length > 60 ? note.text.slice(0, 57) + "…" : note.text);
      var redactBtn = el("button", "button small danger dnh-redact", t("dnh.redact"));
      redactBtn.type = "button";
      redactBtn.addEventListener("click", function () { redact(note); });
      var askBtn = el("button", "button small dnh-ask", t("dnh.ask"));
      askBtn.type = "button";
      askBtn.addEventListener("click", function () { ask(note); });
      li.append(text, " ", redactBtn, " ", askBtn);
      return li;
    });
    if (!items.length) items = [el("li", "dnh-none", t("dnh.none"))];
    list.replaceChildren.apply(list, items);
  }

  function render() {
    if (!state.board) return;
    var isStaff = staff();
    var warned = [];
    document.querySelectorAll("#lanes .note, #main .note").forEach(function (node) {
      var id = Number(node.dataset.id);
      var note = state.notes.get(id);
      var mine = !!(note && note.mine);
      // A card whose note (the store's object) and viewer did not change, and that still has
      // what was drawn (render.js may reset its class), is left alone.
      var drawn = node._dnh;
      if (
        drawn && drawn.note === note && drawn.mine === mine && drawn.staff === isStaff &&
        node.classList.contains("dnh-flagged") === drawn.show &&
        (!drawn.badge || drawn.badge.parentNode === node)
      ) return;
      var show = !!note && (isStaff || note.mine) && flagged(note);
      node.classList.toggle("dnh-flagged", show);
      var badge = node.querySelector(":scope > .dnh-badge");
      if (show && !badge) {
        badge = el("p", "dnh-badge", isStaff ? t("dnh.badge") : t("dnh.badge_mine"));
        node.append(badge);
      } else if (!show && badge) {
        badge.remove();
        badge = null;
      }
      node._dnh = { note: note, mine: mine, staff: isStaff, show: show, badge: badge };
    });
    if (isStaff) {
      state.notes.forEach(function (note) {
        if (typeof note.id === "number" && flagged(note)) warned.push(note);
      });
      var listed = warned.map(function (n) { return n.id + ":" + n.version; }).join(",");
      if (listed !== lastListed || !list || !list.isConnected) renderSection(warned);
      lastListed = listed;
    }
  }

  RB.on("render", render);
  RB.on("notes", render); // cards redrawn outside a full render (presence, filters …)
  render();
}

if (window.RoadmapBoard) start(window.RoadmapBoard);
else document.addEventListener("roadmap:ready", function (e) { start(e.detail); }, { once: true });
