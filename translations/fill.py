"""Write every language's catalogue from the template and its working copy, then compile it.

translations/<lang>.json (msgid -> msgstr; a list of strings for a plural msgid) is the
translators' working copy, one per language. This script rebuilds
translations/<lang>/LC_MESSAGES/messages.po from translations/messages.pot with those words, so a
new language is only a new JSON file (and its code in roadmap/config.py LANGUAGES). Messages the
JSON lacks stay empty: `make i18n-check` then names them. Run by `make i18n` after extraction:

    python translations/fill.py            # every language with a JSON file
    python translations/fill.py km vi      # some
    python translations/fill.py --missing  # list what each language still lacks (as JSON)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

# Babel reads "tl" as fil_PH: the Filipino catalogue is translations/fil/ (roadmap/i18n.py).
CATALOGUE_DIR = {"tl": "fil"}
HERE = Path(__file__).resolve().parent
POT = HERE / "messages.pot"


def languages() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.json") if not p.stem.endswith(".tmp"))


def template() -> Catalog:
    with POT.open("rb") as f:
        return read_po(f)


def words(lang: str) -> dict[str, str | list[str]]:
    return json.loads((HERE / f"{lang}.json").read_text(encoding="utf-8"))


def build(lang: str) -> tuple[Catalog, list[str]]:
    """The catalogue for `lang`, and the msgids its working copy lacks."""
    pot = template()
    have = words(lang)
    catalog = Catalog(locale=lang, project="roadmap", domain="messages", fuzzy=False)
    missing = []
    for message in pot:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        string = have.get(key)
        if isinstance(message.id, tuple):
            n = catalog.num_plurals
            forms = string if isinstance(string, list) else [string] * n if string else [""] * n
            forms = (list(forms) + [forms[-1]] * n)[:n]
            if not all(forms):
                missing.append(key)
            catalog.add(message.id, tuple(forms), context=message.context)
        else:
            if not string:
                missing.append(key)
            catalog.add(message.id, string or "", context=message.context)
    return catalog, missing


def fill(lang: str) -> int:
    catalog, missing = build(lang)
    out = HERE / CATALOGUE_DIR.get(lang, lang) / "LC_MESSAGES"
    out.mkdir(parents=True, exist_ok=True)
    with (out / "messages.po").open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, no_location=True)
    with (out / "messages.mo").open("wb") as f:
        write_mo(f, catalog)
    return len(catalog) - len(missing)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--missing"]:
        # What the translators still have to do: {lang: {msgid: ""}} for every gap.
        todo = {lang: {m: "" for m in build(lang)[1]} for lang in args[1:] or languages()}
        print(json.dumps({k: v for k, v in todo.items() if v}, ensure_ascii=False, indent=1))
    else:
        for lang in args or languages():
            print(lang, fill(lang), "messages translated")
