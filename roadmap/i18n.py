"""Languages: Flask-Babel for templates, one JSON catalogue per language for the JavaScript."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, request, session

from .extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or session.get("lang") or request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "en"


def init_i18n(app: Flask) -> None:
    # The catalogues live beside the package (translations/<lang>/LC_MESSAGES/messages.mo).
    catalogues = Path(__file__).resolve().parent.parent / "translations"
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(catalogues))
    babel.init_app(app, locale_selector=select_locale)
