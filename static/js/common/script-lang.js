/* The language of a note from its script (offline, no library): the scripts of the region
   that belong to one language, Han (Simplified Chinese unless it carries kana or hangul), and
   Vietnamese by its own letters. Mirrors roadmap/scriptlang.py. "" when unsure (the note then
   inherits the page's language). Marking the note lets CJK text take the right glyphs and
   screen readers the right voice. */
(function () {
  "use strict";
  var RULES = [
    [/[\u1780-\u17FF\u19E0-\u19FF]/, "km"],
    [/[\u0E80-\u0EFF]/, "lo"],
    [/[\u1000-\u109F\uA9E0-\uA9FF\uAA60-\uAA7F]/, "my"],
    [/[\u0E00-\u0E7F]/, "th"],
    [/[\u3040-\u30FF]/, "ja"],
    [/[\uAC00-\uD7AF\u1100-\u11FF]/, "ko"],
    [/[\u3400-\u4DBF\u4E00-\u9FFF]/, "zh-Hans"],
    [/[ăâđêôơưĂÂĐÊÔƠƯ\u1EA0-\u1EF9]/, "vi"],
  ];
  window.scriptLang = function (text) {
    text = String(text || "");
    for (var i = 0; i < RULES.length; i++) if (RULES[i][0].test(text)) return RULES[i][1];
    return "";
  };
  /* Set (or clear) an element's lang from its text. */
  window.markLang = function (el, text) {
    var lang = window.scriptLang(text);
    if (lang) el.setAttribute("lang", lang);
    else el.removeAttribute("lang");
  };
})();
