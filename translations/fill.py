"""Fill the fr and th catalogues from translations/<lang>.json (msgid -> msgstr), keeping others.

Run by `make i18n` after `pybabel update`; the JSON files are the translators' working copy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent


def fill(lang: str) -> int:
    po_path = HERE / lang / "LC_MESSAGES" / "messages.po"
    words = json.loads((HERE / f"{lang}.json").read_text(encoding="utf-8"))
    with po_path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    done = 0
    for message in catalog:
        if message.id and message.id in words:
            message.string = words[message.id]
            message.flags.discard("fuzzy")
            done += 1
    with po_path.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False)
    return done


if __name__ == "__main__":
    for lang in sys.argv[1:] or ["fr", "th"]:
        print(lang, fill(lang), "messages translated")
