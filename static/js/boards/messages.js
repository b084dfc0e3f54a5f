/* Messages: a polite live region for screen readers (announce) and toasts. */
import { el, short } from "../common/dom.js";
import { $, cfg, laneById } from "./core.js";
import { t, laneTitle } from "./i18n.js";

var announceQueue = [];
var announceTimer = null;
export function announce(text) {
  announceQueue.push(text);
  if (announceTimer) return;
  announceTimer = setTimeout(function () {
    announceTimer = null;
    var region = $("announcer");
    var p = el("p");
    p.textContent = announceQueue.splice(0).join(" ");
    region.appendChild(p);
    while (region.childNodes.length > 5) region.removeChild(region.firstChild);
  }, 250);
}

/* Someone else's change, said in words. */
export function announceOp(msg) {
  if (msg.type === "redacted" || msg.type === "coalesced" || (msg.actor && msg.actor.id === cfg.me)) return;
  var who = (msg.actor && msg.actor.name) || t("note.anonymous");
  var r = msg.result || {};
  var lane = r.note ? laneById(r.note.lane_id) : r.lane_id ? laneById(r.lane_id) : null;
  var laneName = laneTitle(lane);
  var text = null;
  if (msg.type === "note.create" && r.note) text = t("announce.added", { who: who, lane: laneName, text: short(r.note.text) });
  else if (msg.type === "note.update" && r.note) text = t("announce.edited", { who: who, text: short(r.note.text) });
  else if (msg.type === "note.move") text = t("announce.moved", { who: who, lane: laneName });
  else if (msg.type === "note.delete") text = t("announce.deleted", { who: who });
  else if (msg.type === "cluster.create" && r.notes && r.notes.length) {
    text = t("announce.clustered", { who: who, count: r.notes.length - 1, title: short(r.notes[0].text) });
  } else if (msg.type === "cluster.add" && r.notes && r.notes.length) {
    text = t("announce.added_to_cluster", { who: who, title: short(r.notes[0].text) });
  } else if (msg.type === "cluster.dissolve") text = t("announce.unmerged", { who: who });
  if (text) announce(text);
}

export function toast(text, sticky, action) {
  var box = $("toasts");
  var same = Array.prototype.find.call(box.children, function (item) {
    return item.firstChild && item.firstChild.textContent === text;
  });
  if (same) {
    same.classList.remove("toast-again");
    void same.offsetWidth; // restart the "again" pulse
    same.classList.add("toast-again");
    return;
  }
  var item = el("div", "toast" + (sticky ? " toast-error" : ""));
  var p = el("p");
  p.textContent = text;
  item.appendChild(p);
  if (action) {
    var act = el("button", "button small toast-action");
    act.type = "button";
    act.textContent = action.label;
    act.addEventListener("click", function () {
      item.remove();
      action.run();
    });
    item.appendChild(act);
  }
  var close = el("button", "button small");
  close.type = "button";
  close.textContent = t("action.dismiss");
  close.addEventListener("click", function () {
    item.remove();
  });
  item.appendChild(close);
  box.appendChild(item);
  if (!sticky) setTimeout(function () { item.remove(); }, action ? 10000 : 6000);
}
