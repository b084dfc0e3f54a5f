"""Do No Harm: a soft check for personal data in a note before it is sent.

Boards must never become a place where a survivor's identity is written down (seed 002). This
looks for what would identify a person: an e-mail address, a phone number, a street address
with a number, "survivor named …" / "victim called …". It never refuses a note: the browser asks
the author to confirm (edit, or send anyway), and note.create / note.update results carry
`"warnings": ["personal_data"]`. Facilitators can delete any note.

The patterns are written once, here, as regex sources valid in both Python and JavaScript (ASCII
classes only, no inline flags, no Python-only syntax); the board snapshot ships them to the
browser (`client_rules()`), so both sides flag the same texts.
"""

from __future__ import annotations

import re
from typing import Any

WARNING = "personal_data"


def _ci(word: str) -> str:
    """`Street` -> `[Ss]treet`: a capitalised word matched either way, without the i flag."""
    first = word[0]
    return f"[{first.upper()}{first.lower()}]{word[1:]}" if first.isalpha() else word


_NOT_WORD_BEFORE = "(?<![0-9A-Za-z_])"
_NOT_WORD_AFTER = "(?![0-9A-Za-z_])"

_STREET_WORDS = [
    "street",
    "road",
    "avenue",
    "lane",
    "alley",
    "boulevard",
    "soi",
    "moo",
    "thanon",
    "rue",
    "chemin",
    "jalan",
    "duong",
]
_PLACE_WORDS = "|".join(_ci(w) for w in _STREET_WORDS)

# (kind, regex source, flags). Flags are "" or "i" (the same letter in Python and JavaScript).
RULES: list[tuple[str, str, str]] = [
    (
        "email",
        r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
        "",
    ),
    (
        # 9 to 15 digits, maybe after "+", with single spaces, dots, dashes or brackets between:
        # "+66 81 234 5678", "081-234-5678", "(02) 123 4567". Dates and years are too short.
        "phone",
        _NOT_WORD_BEFORE + r"\+?\(?[0-9](?:[ .\-()]{0,2}[0-9]){8,14}" + _NOT_WORD_AFTER,
        "",
    ),
    (
        # A number, up to three capitalised words, a street word: "12 Sukhumvit Road",
        # "221B Baker Street", "45/2 Moo", "5 rue de la Paix" ("5 people in the street" is not).
        "address",
        _NOT_WORD_BEFORE
        + r"[0-9]{1,5}[A-Za-z]?(?:/[0-9]{1,4})?,? +(?:(?:[A-Z][A-Za-z'\-]*|de|la|du|des) +){0,3}(?:"
        + _PLACE_WORDS
        + ")"
        + _NOT_WORD_AFTER,
        "",
    ),
    (
        # "Soi 11", "Moo 3", "house number 12", and the Thai forms (ซอย, หมู่, ถนน, บ้านเลขที่).
        "address",
        r"(?:"
        + _NOT_WORD_BEFORE
        + r"(?:[Ss]oi|[Mm]oo|[Hh]ouse (?:[Nn]o\.?|[Nn]umber)|[Aa]partment|[Aa]pt\.?|[Rr]oom)"
        + r" ?[0-9]{1,5}"
        + r"|(?:ซอย|หมู่(?:ที่)?|บ้านเลขที่|เลขที่) ?[0-9]{1,5})",
        "",
    ),
    (
        # "survivor named Mai", "a victim called Dao", "the girl, named …", "victim's name is …",
        # and the same in French and Thai.
        "name",
        r"(?:survivor|victim|girl|boy|woman|man|child|worker|person|survivante?|victime|"
        r"fille|garçon|enfant)s?,?\s+(?:who\s+is\s+|was\s+|is\s+)?(?:named|called|"
        r"nommée?|appelée?|qui\s+s'appelle)\s+\S"
        r"|(?:survivor|victim)'?s?\s+name\s+(?:is|was)\s+\S"
        r"|(?:ผู้เสียหาย|เหยื่อ|ผู้รอดชีวิต)[^\s]{0,12}ชื่อ",
        "i",
    ),
]

_COMPILED = [
    (kind, re.compile(source, re.IGNORECASE if "i" in flags else 0))
    for kind, source, flags in RULES
]


def find(text: str) -> list[dict[str, str]]:
    """What looks like personal data in `text`: [{kind, match}], in rule order."""
    found = []
    for kind, pattern in _COMPILED:
        for m in pattern.finditer(text or ""):
            found.append({"kind": kind, "match": m.group(0)})
    return found


def kinds(text: str) -> list[str]:
    """The kinds found (email, phone, address, name), each once."""
    return list(dict.fromkeys(item["kind"] for item in find(text)))


def warnings(text: str) -> list[str]:
    """`["personal_data"]` when the text looks like it holds personal data, else `[]`."""
    return [WARNING] if find(text) else []


def client_rules() -> dict[str, Any]:
    """`snapshot["safety"]`: the rules as regex sources for the browser."""
    return {
        "warning": WARNING,
        "rules": [{"kind": k, "pattern": s, "flags": f} for k, s, f in RULES],
    }
