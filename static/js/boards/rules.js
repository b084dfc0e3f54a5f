/* The server's rules, shipped in the snapshot and used here as they are: the inclusion groups
   (roadmap/inclusion.py: which notes consider which most-affected group) and the Do No Harm
   safety rules (roadmap/safety.py, static/safety-rules.json: personal data in a note). Each is
   compiled once per snapshot. do-no-harm.js uses the same compiled rules. */
import { el, short } from "../common/dom.js";
import { $, state, ui, current } from "./core.js";
import { t } from "./i18n.js";
import { announce } from "./messages.js";

/* --- inclusion of the most affected groups (seed 002) ---------------------------------- */

var inclusionCompiled = { src: null, groups: [] };
export function inclusionGroups() {
  var inc = state.board && state.board.inclusion;
  if (!inc || !Array.isArray(inc.groups)) return [];
  if (inclusionCompiled.src !== inc.groups) {
    inclusionCompiled = {
      src: inc.groups,
      groups: inc.groups.map(function (g) {
        var re = null;
        try {
          re = new RegExp(g.pattern, g.flags || "i");
        } catch (err) {
          console.warn("inclusion pattern", g.key, err);
        }
        return { key: g.key, label: g.label, tag: g.tag, re: re };
      }),
    };
  }
  return inclusionCompiled.groups;
}

export function tagPrefix() {
  return (state.board && state.board.inclusion && state.board.inclusion.tag_prefix) || "inclusion:";
}

export function groupLabel(g) {
  var name = t("inclusion.group." + g.key);
  return name === "inclusion.group." + g.key ? g.label : name;
}

/* considers(note, g) for every note and group, kept per note object (the store replaces a
   note's object when it changes) until the groups change: the panel's live counts and the
   filter do not run every group's regex over every note on every render. */
var considered = { src: null, byNote: new WeakMap() };
export function considers(note, g) {
  if (!note || note.kind === "cluster") return false;
  var src = state.board && state.board.inclusion && state.board.inclusion.groups;
  if (considered.src !== src) considered = { src: src, byNote: new WeakMap() };
  var known = considered.byNote.get(note);
  if (!known) considered.byNote.set(note, (known = new Map()));
  if (!known.has(g.key)) known.set(g.key, considersNow(note, g));
  return known.get(g.key);
}

function considersNow(note, g) {
  var tags = note.tags || [];
  if (tags.indexOf(g.tag) !== -1) return true;
  if (!g.re) return false;
  var prefix = tagPrefix();
  var other = tags.filter(function (x) { return x.indexOf(prefix) !== 0; }).join(" ");
  // The room's translations count too (issue 15), as on the server (roadmap/boards/inclusion.py).
  var translated = Object.keys(note.translations || {}).map(function (k) { return note.translations[k].text || ""; });
  return [note.text || ""].concat(translated).some(function (text) { return g.re.test(text); }) ||
    (!!other && g.re.test(other));
}

/* A note's text and its translations' texts (the Do No Harm badge reads them all). */
export function allTexts(note) {
  if (!note) return [];
  var tr = note.translations || {};
  return [note.text || ""].concat(Object.keys(tr).map(function (k) { return tr[k].text || ""; }));
}

export function inclusionCoverage() {
  var notes = Array.from(current().notes.values());
  return inclusionGroups().map(function (g) {
    var count = notes.filter(function (n) { return considers(n, g); }).length;
    return { group: g, count: count };
  });
}

export function inclusionFilterGroup() {
  if (!ui.inclusionFilter) return null;
  return inclusionGroups().find(function (g) { return g.key === ui.inclusionFilter; }) || null;
}

/* --- Do No Harm: personal data in a text ------------------------------------------------- */

var safetyCompiled = { src: null, rules: [] };
/* [{kind, re}] with the "g" flag (reset lastIndex before use). */
export function safetyRules() {
  var safety = state.board && state.board.safety;
  if (!safety || !Array.isArray(safety.rules)) return [];
  if (safetyCompiled.src !== safety.rules) {
    safetyCompiled = {
      src: safety.rules,
      rules: safety.rules
        .map(function (r) {
          try {
            return { kind: r.kind, re: new RegExp(r.pattern, (r.flags || "").replace("g", "") + "g") };
          } catch (err) {
            console.warn("safety pattern", r.kind, err);
            return null;
          }
        })
        .filter(Boolean),
    };
  }
  return safetyCompiled.rules;
}

/* Every match: [{kind, match, index}]. */
export function personalData(text) {
  var found = [];
  safetyRules().forEach(function (rule) {
    rule.re.lastIndex = 0;
    var m;
    while ((m = rule.re.exec(text)) !== null) {
      found.push({ kind: rule.kind, match: m[0], index: m.index });
      if (m[0] === "") rule.re.lastIndex += 1;
    }
  });
  return found;
}

/* Does the text hold anything a rule finds? (Answers kept per text until the rules change.) */
var flaggedTexts = { rules: null, answers: new Map() };
export function mayHoldPersonalData(text) {
  text = text || "";
  if (!text) return false;
  var rules = safetyRules();
  if (flaggedTexts.rules !== rules || flaggedTexts.answers.size > 5000) flaggedTexts = { rules: rules, answers: new Map() };
  if (!flaggedTexts.answers.has(text)) {
    flaggedTexts.answers.set(text, rules.some(function (rule) {
      rule.re.lastIndex = 0;
      return rule.re.test(text);
    }));
  }
  return flaggedTexts.answers.get(text);
}

/* Before a note is sent: resolves true to send, false to go back and edit. Asks only when
   something was found. */
export function confirmSafe(text, area) {
  var found = personalData(text);
  if (!found.length) return Promise.resolve(true);
  var dialog = $("safety-dialog");
  var list = $("safety-found");
  list.textContent = "";
  var kinds = [];
  found.forEach(function (f) {
    if (kinds.indexOf(f.kind) !== -1) return;
    kinds.push(f.kind);
    var li = el("li");
    li.textContent = t("safety.kind." + f.kind) + ": “" + short(f.match) + "”";
    list.appendChild(li);
  });
  dialog.returnValue = "";
  dialog.showModal();
  $("safety-edit").focus();
  announce(t("safety.found"));
  return new Promise(function (resolve) {
    dialog.addEventListener(
      "close",
      function () {
        var send = dialog.returnValue === "send";
        if (!send && area && area.isConnected) {
          area.focus();
          area.setSelectionRange(found[0].index, found[0].index + found[0].match.length);
        }
        resolve(send);
      },
      { once: true }
    );
  });
}
