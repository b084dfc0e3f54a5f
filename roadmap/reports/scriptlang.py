"""The language of a note from its script (offline, no model): the region's scripts that
belong to one language, Han (Simplified Chinese unless it has kana or hangul), and Vietnamese
by its own letters. Mirrors static/js/script-lang.js. "" when unsure.

A note marked with its language draws CJK with the right glyphs (a PDF with lang="zh-Hans"
takes Noto Sans CJK SC) and tells screen readers which voice to use.
"""

from __future__ import annotations

import re

RULES = [
    (re.compile(r"[\u1780-\u17FF\u19E0-\u19FF]"), "km"),
    (re.compile(r"[\u0E80-\u0EFF]"), "lo"),
    (re.compile(r"[\u1000-\u109F\uA9E0-\uA9FF\uAA60-\uAA7F]"), "my"),
    (re.compile(r"[\u0E00-\u0E7F]"), "th"),
    (re.compile(r"[\u3040-\u30FF]"), "ja"),
    (re.compile(r"[\uAC00-\uD7AF\u1100-\u11FF]"), "ko"),
    (re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF]"), "zh-Hans"),
    (re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯ\u1EA0-\u1EF9]"), "vi"),
]


def script_lang(text: str | None) -> str:
    for pattern, lang in RULES:
        if pattern.search(text or ""):
            return lang
    return ""
