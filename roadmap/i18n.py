"""Languages: Flask-Babel for templates, one JSON catalogue per language for the JavaScript.

Adding a language: put its code in LANGUAGES (config.py) and LANGUAGE_NAMES below, run
`pybabel init -i translations/messages.pot -d translations -l <code>`, copy static/i18n/en.json
and translations/fr.json to <code>.json, translate them, and run `make i18n` (docs/languages.md).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale

from .extensions import babel

# Each language named in itself, as the picker shows it.
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "Français",
    "th": "ไทย",
    "vi": "Tiếng Việt",
    "id": "Bahasa Indonesia",
    "km": "ភាសាខ្មែរ",
    "my": "မြန်မာ",
    "lo": "ພາສາລາວ",
    "zh_Hans": "简体中文",
    "tl": "Filipino",
}

# The BCP 47 tag for <html lang> (zh-Hans so CJK text takes the Simplified Chinese glyphs).
HTML_LANG = {"zh_Hans": "zh-Hans"}

# Older spellings (the event settings say "zh") mapped to the UI language.
ALIASES = {
    "zh": "zh_Hans",
    "zh-Hans": "zh_Hans",
    "zh_CN": "zh_Hans",
    "zh-CN": "zh_Hans",
    "fil": "tl",
    "fil_PH": "tl",
}

# Babel knows Filipino as "fil" (it reads "tl" as fil_PH), so its gettext catalogue lives in
# translations/fil/; everything else (cookie, JS catalogue, <html lang>) says "tl".
CATALOGUE_DIR = {"tl": "fil"}


def normalise(code: str | None) -> str | None:
    """The UI language for a code (or None when it is not one of ours)."""
    if not code:
        return None
    code = ALIASES.get(code, code)
    return code if code in current_app.config["LANGUAGES"] else None


def ui_language() -> str:
    """The UI language of this request, as one of LANGUAGES (Babel may spell it otherwise)."""
    code = str(get_locale() or "en")
    return ALIASES.get(code, code)


def html_lang(code: str) -> str:
    return HTML_LANG.get(code, code.replace("_", "-"))


def select_locale() -> str:
    if not has_request_context():  # a CLI command, a worker: the default language
        return str(current_app.config.get("BABEL_DEFAULT_LOCALE", "en"))
    languages = current_app.config["LANGUAGES"]
    for chosen in (request.args.get("lang"), session.get("lang"), request.cookies.get("lang")):
        found = normalise(chosen)
        if found:
            return found
    best = request.accept_languages.best_match([*languages, "zh", "zh-CN", "fil"])
    return normalise(best) or "en"


def init_app(app: Flask) -> None:
    # The catalogues live beside the package (translations/<lang>/LC_MESSAGES/messages.mo).
    catalogues = Path(__file__).resolve().parent.parent / "translations"
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(catalogues))
    babel.init_app(app, locale_selector=select_locale)
