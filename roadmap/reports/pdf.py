"""PDF reports: Jinja templates and a print stylesheet, laid out by WeasyPrint.

This module needs no app and no database: it turns the dicts of `context.py` into a PDF, so it
runs unchanged in the render worker process. Only the app's own static files can be fetched.
"""

from __future__ import annotations

import datetime as dt
import gc
import mimetypes
import re
import resource
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import cssselect2
import weasyprint
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

try:
    from .scriptlang import script_lang
except ImportError:  # the render worker loads this file by path, without the package
    import importlib.util as _util

    _spec = _util.spec_from_file_location(
        "roadmap_scriptlang", Path(__file__).resolve().parent / "scriptlang.py"
    )
    _module = _util.module_from_spec(_spec)  # type: ignore[arg-type]
    _spec.loader.exec_module(_module)  # type: ignore[union-attr]
    script_lang = _module.script_lang

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
CATALOGUES = ROOT / "translations"
BASE_URL = STATIC.as_uri() + "/"  # templates link "css/print.css"

KINDS = {
    "board": "reports/board.html",
    "event": "reports/event.html",
    "review": "reports/review.html",  # roadmap/follow_up/review.py
}


def lean_user_agent_stylesheet() -> str:
    """WeasyPrint's HTML user-agent stylesheet without rules that match every element for nothing.

    `::marker` and the footnote/note pseudo-elements are written for any element, so WeasyPrint
    cascades their styles for each of the ~5,000 elements of an event report although only list
    items have markers and reports have no footnotes: ~6 % of an event's render (function calls
    counted; the PDF comes out the same). Read from the installed WeasyPrint, so it stays in step.
    """
    text = (Path(weasyprint.__file__).parent / "css" / "html5_ua.css").read_text()
    text = text.replace("\n::marker {", "\nli::marker {")
    return re.sub(r"\n::(?:footnote|note)-[a-z]+ \{[^}]*\}", "\n", text)


class ReportHTML(HTML):
    """HTML with the lean user-agent stylesheet (same output, less cascading), parsed fast.

    The report templates write well-formed XHTML (void elements closed, text escaped), so the
    page is parsed by the standard library's expat, in C, much faster than the pure-Python HTML5
    parser (docs/reports.md), with the same tree and the same pages
    (tests/e2e/reports/test_reports_pdf.py). Anything expat refuses (a control character in a
    note) goes to WeasyPrint's own HTML parser, as before.
    """

    _ua: list[CSS] | None = None  # parsed once per process

    def __init__(self, *, string: str, base_url: str, url_fetcher: URLFetcher) -> None:
        try:
            root = ElementTree.fromstring(string)
        except ElementTree.ParseError:
            super().__init__(string=string, base_url=base_url, url_fetcher=url_fetcher)
            self.parsed_by = "html5"
            return
        # What HTML.__init__ sets once its parser has made the tree (WeasyPrint 70).
        self.base_url = base_url
        self.url_fetcher = url_fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element
        self.parsed_by = "expat"

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        if forms:  # reports have no forms; if ever asked, WeasyPrint's own sheets
            return super()._ua_stylesheets(forms)
        if ReportHTML._ua is None:
            ReportHTML._ua = [CSS(string=lean_user_agent_stylesheet())]
        return ReportHTML._ua


class StaticOnlyFetcher(URLFetcher):
    """Serves files under static/ and refuses everything else: no network, no other files."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"Reports fetch only the app's static files, not {url[:200]}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(STATIC.resolve()) or not path.is_file():
            raise ValueError(f"Reports fetch only the app's static files, not {url[:200]}")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": kind})


def N_(text: str) -> str:
    """Mark a word for the catalogues; it is translated when the report is rendered."""
    return text


def babel_locale(lang: str) -> str:
    # English reports keep the day-month-year order of the organisers' region.
    return {"en": "en_GB", "tl": "fil", "zh_Hans": "zh_Hans"}.get(lang, lang)


def translations_for(lang: str) -> Translations | NullTranslations:
    if lang == "en":
        return NullTranslations()
    folder = {"tl": "fil"}.get(lang, lang)
    return Translations.load(str(CATALOGUES), [folder], domain="messages")


def format_date(value: dt.date | dt.datetime | None, fmt: str = "medium", lang: str = "en") -> str:
    """A date (with the time when `fmt` asks for it: "%H") in the report's language."""
    if value is None:
        return ""
    locale = babel_locale(lang)
    if isinstance(value, dt.datetime) and "%H" in fmt:
        return babel_dates.format_datetime(value, "medium", locale=locale)
    day = value.date() if isinstance(value, dt.datetime) else value
    return babel_dates.format_date(day, "medium", locale=locale)


def format_number(value: int | float, lang: str = "en") -> str:
    return babel_numbers.format_decimal(value, locale=babel_locale(lang))


def date_range(start: dt.date | None, end: dt.date | None, lang: str = "en") -> str:
    if start is None:
        return format_date(end, lang=lang)
    if end is None or end == start:
        return format_date(start, lang=lang)
    return babel_dates.format_interval(start, end, "yMMMd", locale=babel_locale(lang))


def css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def page_counter(template: str) -> str:
    """CSS `content` for "Page %(page)s of %(pages)s" in the report's language."""
    parts = re.split(r"(%\(pages?\)s)", template)
    out = []
    for part in parts:
        if part == "%(page)s":
            out.append("counter(page)")
        elif part == "%(pages)s":
            out.append("counter(pages)")
        elif part:
            out.append(css_string(part))
    return " ".join(out)


KIND_PLURAL = {
    "signpost": N_("Signposts"),
    "challenge": N_("Challenges"),
    "question": N_("Questions"),
    "resource": N_("Resources"),
    "commitment": N_("Commitments"),
    "cluster": N_("Clusters"),
}

KIND_NAME = {
    "signpost": N_("Signpost"),
    "challenge": N_("Challenge"),
    "question": N_("Question"),
    "resource": N_("Resource"),
    "commitment": N_("Commitment"),
    "cluster": N_("Cluster"),
}

STATUS_NAME = {
    "not started": N_("Not started"),  # context.py names statuses with spaces
    "planned": N_("Planned"),  # the status of commitments made before migration 0006
    "in progress": N_("In progress"),
    "done": N_("Done"),
    "blocked": N_("Blocked"),
    "dropped": N_("Dropped"),
}

# The inclusion lenses' group names (roadmap/boards/inclusion.py GROUPS), for the catalogues.
INCLUSION_LABELS = (
    N_("Women and girls"),
    N_("Men and boys"),
    N_("People with disability"),
    N_("Ethnic minorities"),
    N_("Migrants and stateless people"),
    N_("LGBTQI people"),
)

# Names the reports write for people (roadmap/models.py, context.py): translated when shown.
PEOPLE = (N_("Anonymous"), N_("removed participant"))

# One Jinja environment per report language, its words and formats fixed when it is made.
# Not one environment whose translations are swapped per render: Jinja keeps an imported
# template (`{% from "reports/_sections.html" import ... %}`) as a module made once, with the
# globals of that moment, so the first report of a process fixed the language of the shared
# macros' words (chapter headings, note kinds, inclusion table) for every later report. That was
# issue 15's "font state after a Chinese report" (docs/languages.md).
_envs: dict[str, Environment] = {}


def environment(lang: str = "en") -> Environment:
    env = _envs.get(lang)
    if env is None:
        env = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(["html"], default=True),
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"],
        )
        env.install_gettext_translations(translations_for(lang), newstyle=True)  # type: ignore[attr-defined]
        env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt, lang)
        env.filters["num"] = lambda value: format_number(value, lang)
        env.filters["script_lang"] = script_lang
        env.globals["page_counter"] = page_counter
        env.globals["STATUS_NAME"] = STATUS_NAME
        env.globals["PEOPLE"] = PEOPLE
        env.globals["date_range"] = lambda start, end: date_range(start, end, lang)
        env.globals["KIND_PLURAL"] = KIND_PLURAL
        env.globals["KIND_NAME"] = KIND_NAME
        _envs[lang] = env
    return env


def render_html(kind: str, context: dict[str, Any]) -> str:
    """The report's HTML (notes are escaped text: a note's markup never becomes markup).

    Its own words (headings, legends, contents, page numbers) come from the gettext catalogues
    in `context["lang"]` (default English); dates and numbers are formatted for that locale.
    """
    lang = context.get("lang") or "en"
    context = {**context, "html_lang": {"zh_Hans": "zh-Hans"}.get(lang, lang)}
    return environment(lang).get_template(KINDS[kind]).render(**context)


COLLECT_BEFORE_DRAWING_PAGES = 150


def render(kind: str, context: dict[str, Any]) -> dict[str, Any]:
    """Lay out a report: the PDF bytes, page count, seconds (wall, CPU) and peak memory."""
    started, cpu = time.perf_counter(), time.process_time()
    html = ReportHTML(
        string=render_html(kind, context), base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()
    )
    document = html.render()
    del html
    if not gc.isenabled() and len(document.pages) > COLLECT_BEFORE_DRAWING_PAGES:
        # The worker lays an event out without cyclic collections (worker.py). For a large one
        # its discarded layout attempts are collected here, once, before the pages are drawn, so
        # drawing reuses that memory instead of adding to the peak: 5,000-note event (316 pages)
        # 584 -> 541 MB. Not for smaller ones: walking the live page tree costs ~0.3 s (the
        # 1,000-note event's 67 pages, against its 5 s bar) to save 32 MB (docs/reports.md).
        gc.collect()
    pdf = document.write_pdf()
    return {
        "pdf": pdf,
        "pages": len(document.pages),
        "seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - cpu, 3),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
