"""The completeness check behind `make i18n-check` (part of `make lint`); exits 1 on any gap.

It fails when
- the committed translations/messages.pot differs from a fresh extraction (a new or changed
  `_()` string was not extracted: run `make i18n`);
- a UI language's catalogue lacks a message, has an empty or fuzzy one, a msgstr whose
  placeholders differ from the msgid's, or a messages.mo that is not its compiled .po;
- a JavaScript catalogue static/i18n/<lang>.json has other keys than en.json, an empty value, or
  other {placeholders} than English.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
# Babel reads "tl" as fil_PH: the Filipino catalogue is translations/fil/ (roadmap/i18n.py).
CATALOGUE_DIR = {"tl": "fil"}
HERE = ROOT / "translations"
JS = ROOT / "static" / "i18n"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
EXTRACT = ["extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-k", "N_"]
EXTRACT += ["--no-location", "--sort-output", "--project", "roadmap"]


def ui_languages() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from roadmap.config import LANGUAGES

    return list(LANGUAGES)


def messages(path: Path) -> dict:
    with path.open("rb") as f:
        return {m.id: m for m in read_po(f) if m.id}


def fresh_template() -> dict:
    pybabel = Path(sys.executable).parent / "pybabel"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "messages.pot"
        subprocess.run(
            [str(pybabel), *EXTRACT, "-o", str(out), "."], cwd=ROOT, check=True, capture_output=True
        )
        return messages(out)


def placeholders(text) -> list[str]:
    parts = text if isinstance(text, tuple | list) else [text]
    return sorted({p for part in parts for p in PLACEHOLDER.findall(part or "")})


def check() -> list[str]:
    problems: list[str] = []
    committed = messages(HERE / "messages.pot")
    fresh = fresh_template()
    for msgid in sorted(set(fresh) - set(committed), key=str):
        problems.append(f"messages.pot is stale: not extracted yet: {msgid!r}")
    for msgid in sorted(set(committed) - set(fresh), key=str):
        problems.append(f"messages.pot is stale: no longer in the code: {msgid!r}")
    for lang in ui_languages():
        if lang == "en":
            continue
        po = HERE / CATALOGUE_DIR.get(lang, lang) / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            problems.append(f"{lang}: no catalogue (add translations/{lang}.json, run make i18n)")
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang)
        have = {m.id: m for m in catalog if m.id}
        for msgid in fresh:
            m = have.get(msgid)
            strings = (
                m.string
                if m is not None and isinstance(m.string, tuple)
                else ((m.string,) if m is not None else ("",))
            )
            if m is None or not all(strings):
                problems.append(f"{lang}: untranslated: {msgid!r}")
            elif m.fuzzy:
                problems.append(f"{lang}: fuzzy: {msgid!r}")
            elif placeholders(msgid) != placeholders(m.string):
                problems.append(f"{lang}: placeholders differ: {msgid!r} -> {m.string!r}")
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compiled.getvalue():
            problems.append(f"{lang}: messages.mo is not the compiled messages.po (make i18n)")
    english = json.loads((JS / "en.json").read_text(encoding="utf-8"))
    for lang in ui_languages():
        path = JS / f"{lang}.json"
        if not path.exists():
            problems.append(f"static/i18n/{lang}.json is missing")
            continue
        other = json.loads(path.read_text(encoding="utf-8"))
        for key in sorted(set(english) - set(other)):
            problems.append(f"static/i18n/{lang}.json lacks {key!r}")
        for key in sorted(set(other) - set(english)):
            problems.append(f"static/i18n/{lang}.json has {key!r}, which en.json has not")
        for key in sorted(set(english) & set(other)):
            if not other[key]:
                problems.append(f"static/i18n/{lang}.json: {key!r} is empty")
            elif placeholders(english[key]) != placeholders(other[key]):
                problems.append(f"static/i18n/{lang}.json: {key!r} placeholders differ")
    return problems


if __name__ == "__main__":
    found = check()
    for line in found:
        print("i18n:", line)
    print(f"i18n: {len(found)} problem(s) in {len(ui_languages())} languages")
    sys.exit(1 if found else 0)
