"""PDF reports: Jinja templates and a print stylesheet, laid out by WeasyPrint.

This module needs no app and no database: it turns the dicts of `context.py` into a PDF, so it
runs unchanged in the render worker process. Only the app's own static files can be fetched.
"""

from __future__ import annotations

import datetime as dt
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
from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
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
    page is parsed by the standard library's expat, in C: 0.01 s instead of about 0.5 s for the
    pure-Python HTML5 parser on an event report (~5 % of its render), with the same tree and the
    same pages (tests/test_reports_pdf.py). Anything expat refuses (a control character in a
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


def format_date(value: dt.date | dt.datetime | None, fmt: str = "%d %b %Y") -> str:
    if value is None:
        return ""
    return value.strftime(fmt).lstrip("0")


def date_range(start: dt.date | None, end: dt.date | None) -> str:
    if start is None:
        return format_date(end)
    if end is None or end == start:
        return format_date(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{format_date(end)}"
    return f"{format_date(start)} – {format_date(end)}"


KIND_PLURAL = {
    "signpost": "Signposts",
    "challenge": "Challenges",
    "question": "Questions",
    "resource": "Resources",
    "commitment": "Commitments",
    "cluster": "Clusters",
}

KIND_NAME = {
    "signpost": "Signpost",
    "challenge": "Challenge",
    "question": "Question",
    "resource": "Resource",
    "commitment": "Commitment",
    "cluster": "Cluster",
}

_env: Environment | None = None


def environment() -> Environment:
    global _env
    if _env is None:
        _env = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(["html"], default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        _env.filters["date"] = format_date
        _env.globals["date_range"] = date_range
        _env.globals["KIND_PLURAL"] = KIND_PLURAL
        _env.globals["KIND_NAME"] = KIND_NAME
    return _env


def render_html(kind: str, context: dict[str, Any]) -> str:
    """The report's HTML (notes are escaped text: a note's markup never becomes markup)."""
    return environment().get_template(KINDS[kind]).render(**context)


def render(kind: str, context: dict[str, Any]) -> dict[str, Any]:
    """Lay out a report: the PDF bytes, page count, seconds (wall, CPU) and peak memory."""
    started, cpu = time.perf_counter(), time.process_time()
    html = ReportHTML(
        string=render_html(kind, context), base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()
    )
    document = html.render()
    pdf = document.write_pdf()
    return {
        "pdf": pdf,
        "pages": len(document.pages),
        "seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - cpu, 3),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
