"""Languages: Flask-Babel for templates, one JSON catalogue per language for the JavaScript."""

from __future__ import annotations

from flask import Flask, current_app, request, session

from .extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or session.get("lang") or request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "en"


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
