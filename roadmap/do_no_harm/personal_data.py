"""Do No Harm: a soft check for personal data in a note before it is sent.

Boards must never become a place where a survivor's identity is written down (seed 002). The
check looks for what would identify a person: e-mail addresses (also "name (at) domain dot
org"), phone numbers in Latin, Thai, Lao, Khmer and Burmese digits, passport and national ID
numbers of the region, messenger handles, street addresses, and a person's name after
identifying words in every language the boards are written in. It never refuses a note: the
browser asks the author to confirm (edit, or send anyway), note.create / note.update results
carry `"warnings": ["personal_data"]`, and facilitators see a badge and can redact.

The rules live in ONE file, static/safety-rules.json, read here and shipped to the browser in
every board snapshot (`client_rules()`), so both sides flag the same texts. See
docs/do-no-harm.md for the rules, the tests and the measured false-positive rate.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

RULES_FILE = Path(__file__).resolve().parents[2] / "static" / "safety-rules.json"
_MACRO = re.compile(r"\{([A-Z]+)\}")


def _load() -> tuple[str, list[tuple[str, str, str]]]:
    doc = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    macros: dict[str, str] = doc.get("macros", {})

    def expand(pattern: str) -> str:
        return _MACRO.sub(lambda m: macros.get(m.group(1), m.group(0)), pattern)

    rules = [(r["kind"], expand(r["pattern"]), r.get("flags", "")) for r in doc["rules"]]
    return doc["warning"], rules


WARNING, RULES = _load()  # RULES: [(kind, regex source, flags "" or "i")]
KINDS = tuple(dict.fromkeys(kind for kind, _s, _f in RULES))

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
    """The kinds found (email, phone, passport, national_id, messenger, address, name), once."""
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
