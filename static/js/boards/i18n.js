/* The board's strings: the JS catalogue static/i18n/<lang>.json (keys equal English), with
   plural forms (key.one / key.other …) chosen by Intl.PluralRules. */

let catalogue = {};
let plurals = null;

export function t(key, vars) {
  vars = vars || {};
  var text;
  if (typeof vars.count === "number" && plurals) {
    text = catalogue[key + "." + plurals.select(vars.count)] || catalogue[key + ".other"];
  }
  if (text == null) text = catalogue[key];
  if (text == null) text = key;
  return text.replace(/\{(\w+)\}/g, function (whole, name) {
    return vars[name] != null ? String(vars[name]) : whole;
  });
}

// Stock lane titles (roadmap/boards.py TEMPLATES) are stored in English; show them translated.
export function laneTitle(lane) {
  if (!lane) return "";
  return catalogue["lane_title." + lane.title] || lane.title;
}

export function phaseName(phase) {
  var name = t("phase." + phase);
  return name === "phase." + phase ? phase : name;
}

/* Resolves once the catalogue is loaded (an empty one when offline and not cached). */
export function loadCatalogue(url, lang) {
  plurals = globalThis.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  return fetch(url, { credentials: "same-origin" })
    .then(function (res) {
      return res.ok ? res.json() : {};
    })
    .catch(function () {
      return {};
    })
    .then(function (data) {
      catalogue = data || {};
    });
}
