"""PDF reports: Jinja templates and a print stylesheet, laid out by WeasyPrint.

This module needs no app and no database: it turns the dicts of `context.py` into a PDF, so it
runs unchanged in the render worker process. Only the app's own static files can be fetched.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib
import importlib.util
import mimetypes
import re
import resource
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace
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
from weasyprint.anchors import make_page_bookmark_tree
from weasyprint.matrix import Matrix
from weasyprint.urls import URLFetcher, URLFetcherResponse


def _sibling(name: str) -> Any:
    """A module of this folder: imported from the package, or loaded by path in the render
    worker, which runs without the package (worker.py)."""
    if __package__:
        return importlib.import_module(f"{__package__}.{name}")
    module = sys.modules.get(f"roadmap_{name}")
    if module is None:
        spec = importlib.util.spec_from_file_location(
            f"roadmap_{name}", Path(__file__).resolve().parent / f"{name}.py"
        )
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        sys.modules[f"roadmap_{name}"] = module
    return module


script_lang = _sibling("scriptlang").script_lang

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

    def __init__(
        self,
        *,
        string: str | None = None,
        base_url: str,
        url_fetcher: URLFetcher,
        tree: ElementTree.Element | None = None,
    ) -> None:
        """From the page's text, or from a `tree` already parsed (a part of one: pdf.render)."""
        if tree is None:
            try:
                tree = ElementTree.fromstring(string or "")
            except ElementTree.ParseError:
                super().__init__(string=string, base_url=base_url, url_fetcher=url_fetcher)
                self.parsed_by = "html5"
                return
            self.parsed_by = "expat"
        else:
            self.parsed_by = "tree"
        # What HTML.__init__ sets once its parser has made the tree (WeasyPrint 70).
        self.base_url = base_url
        self.url_fetcher = url_fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(tree, content_language=None)
        self.etree_element = self.wrapper_element.etree_element

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
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # an ISO date from a serialised row
        value = dt.date.fromisoformat(value[:10])
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


def render(
    kind: str,
    context: dict[str, Any],
    *,
    part_notes: int | None = None,
    on_part: Callable[[int, bool], None] | None = None,
) -> dict[str, Any]:
    """Lay out a report: the PDF bytes, page count, seconds (wall, CPU) and peak memory.

    An event of more than `part_notes` notes is laid out in parts (`render_in_parts`), so that
    its peak memory is a part's, not the whole document's; `on_part(pages_done, last)` is told
    as each part starts (the worker's progress: WeasyPrint counts each part's pages from 1).
    """
    started, cpu = time.perf_counter(), time.process_time()
    if kind == "event" and part_notes and (context.get("note_count") or 0) > part_notes:
        result = render_in_parts(context, part_notes, on_part)
    else:
        result = render_whole(kind, context)
    return {
        **result,
        "seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - cpu, 3),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def render_whole(kind: str, context: dict[str, Any]) -> dict[str, Any]:
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
    return {"pdf": document.write_pdf(), "pages": len(document.pages), "parts": 1}


# --- an event in parts ---------------------------------------------------------------------------
#
# The event page is made and parsed once; its body is cut between chapters (which start a page
# anyway, so the pages break where they did): the front matter (cover, contents, participation,
# inclusion), the groups' chapters packed into parts of at most `part_notes` notes, the action
# tracker, the appendix. Each part is laid out and written on its own, then freed. What depends
# on the whole document is added afterwards: the contents' page numbers (the front matter is laid
# out last, once every part's pages are known), "Page x of N" (a footer document of N pages drawn
# over the joined pages), the outline and the links (pdfjoin.py).

# Every part: no footer of its own (the footer document draws it over the joined pages).
PART_CSS = """
@page { @bottom-left { content: none; } @bottom-right { content: none; } }
@page :first { @bottom-left { content: none; } @bottom-right { content: none; } }
"""
# A part after the front matter: its first page is not the document's, so it keeps its header;
# its first chapter starts that page (after the event's name, which has no height).
LATER_PART_CSS = """
@page :first { @top-left { content: string(event); } @top-right { content: string(chapter); } }
.running-event + * { break-before: auto; }
"""
# The footer document: only the bottom margin boxes of base.html and print.css, on N pages.
FOOTER_CSS = """
@page { @top-left { content: none; } @top-right { content: none; } }
.page-break { break-before: page; }
"""
FRONT_MAX_TRIES = 3


def _local(tag: Any) -> str:
    """An element's name without the HTML5 parser's namespace ("" for comments)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_page(string: str) -> ElementTree.Element:
    """The page's tree, parsed as `ReportHTML` parses it (expat, else the HTML5 parser)."""
    return ReportHTML(
        string=string, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()
    ).etree_element


def event_parts(
    root: ElementTree.Element, context: dict[str, Any], part_notes: int
) -> tuple[list[ElementTree.Element], list[ElementTree.Element], list[list[ElementTree.Element]]]:
    """(running elements, front matter, parts) of an event page's body. The running elements
    (the event's name for the header) go at the start of every part."""
    notes = {b["anchor"]: len(b["notes"]) for b in context.get("boards", [])}
    body = next(child for child in root if _local(child.tag) == "body")
    running: list[ElementTree.Element] = []
    front: list[ElementTree.Element] = []
    parts: list[list[ElementTree.Element]] = []
    chapters: list[ElementTree.Element] | None = None  # the part groups' chapters are added to
    in_part = 0
    for child in body:
        if not _local(child.tag):
            continue
        anchor = child.get("id")
        if "running-event" in (child.get("class") or "").split():
            running.append(child)
        elif anchor in notes:
            if chapters is None or in_part + notes[anchor] > part_notes:
                chapters, in_part = [], 0
                parts.append(chapters)
            chapters.append(child)
            in_part += notes[anchor]
        elif not parts:
            front.append(child)
        else:  # the action tracker, the appendix: a part each
            parts.append([child])
            chapters = None
    return running, front, parts


def part_tree(
    root: ElementTree.Element, body_children: list[ElementTree.Element], css: str
) -> ElementTree.Element:
    """A page with the same head (plus `css`) and these body elements (shared, not copied)."""
    page = ElementTree.Element(root.tag, root.attrib)
    page.text = root.text
    for child in root:
        name = _local(child.tag)
        if name == "head":
            head = ElementTree.Element(child.tag, child.attrib)
            head.text = child.text
            head.extend(list(child))
            style = ElementTree.SubElement(head, child.tag[: -len("head")] + "style")
            style.text = css
            page.append(head)
        elif name == "body":
            body = ElementTree.Element(child.tag, child.attrib)
            body.text = child.text
            body.extend(body_children)
            page.append(body)
        else:
            page.append(child)
    return page


def render_part(tree: ElementTree.Element, placeholders: Iterable[str] = ()) -> dict[str, Any]:
    """Lay one part out and write it; what joining needs of it is kept, its boxes are freed:
    its pages' heights and bookmarks, and on which of its pages each anchor is. `placeholders`:
    anchors of later parts that this part links to, put on its first page so that WeasyPrint
    writes the links (pdfjoin points them at the right part)."""
    html = ReportHTML(tree=tree, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher())
    document = html.render()
    del html
    anchors: dict[str, int] = {}
    pages = []
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, number)
        pages.append((page.height, list(page.bookmarks)))
    for name in placeholders:
        document.pages[0].anchors.setdefault(name, (0, 0, 0, 0))
    data = document.write_pdf()
    del document
    gc.collect()  # the part's boxes are cyclic: free them before the next part is laid out
    return {"pdf": data, "pages": pages, "anchors": anchors}


def outline_tree(pages: list[tuple[float, list[Any]]]) -> list[Any]:
    """The joined document's outline, as `Document.make_bookmark_tree(0.75, True)` would make
    it for one document of all these pages (PDF points, from the bottom-left corner)."""
    tree: list[Any] = []
    skipped: list[int] = []
    last_by_depth = [tree]
    previous = 0
    for number, (height, bookmarks) in enumerate(pages):
        matrix = Matrix(a=0.75, d=-0.75, f=height * 0.75)
        page = SimpleNamespace(bookmarks=bookmarks)
        previous = make_page_bookmark_tree(page, skipped, last_by_depth, previous, number, matrix)
    return tree


def contents_css(front_pages: int, parts: list[dict[str, Any]], links: set[str]) -> str:
    """The contents' page numbers of targets in later parts (`target-counter` finds only the
    front matter's own): the same text, as literal numbers."""
    first_page: dict[str, int] = {}
    done = front_pages
    for part in parts:
        for name, number in part["anchors"].items():
            first_page.setdefault(name, done + number + 1)
        done += len(part["pages"])
    rules = []
    for name in sorted(links & first_page.keys()):
        target = css_string("#" + name)
        rules.append(
            f'.toc a[href={target}]::after {{ content: leader(" ") "{first_page[name]}"; }}'
        )
    return "\n".join(rules)


def render_in_parts(
    context: dict[str, Any],
    part_notes: int,
    on_part: Callable[[int, bool], None] | None = None,
) -> dict[str, Any]:
    """The event report laid out part by part, then joined (see above and docs/reports.md)."""
    root = parse_page(render_html("event", context))
    running, front, pieces = event_parts(root, context, part_notes)
    parts: list[dict[str, Any]] = []
    done = 0
    for piece in pieces:
        if on_part:
            on_part(done, False)
        parts.append(render_part(part_tree(root, running + piece, PART_CSS + LATER_PART_CSS)))
        done += len(parts[-1]["pages"])

    # The front matter last: its contents give the later parts' pages, which follow its own.
    links = {
        href[1:]
        for element in front
        for link in element.iter()
        if _local(link.tag) == "a" and (href := link.get("href") or "").startswith("#")
    }
    links -= {element.get("id") for top in front for element in top.iter()}
    front_pages = 4  # cover, contents, participation, inclusion; checked below
    for _try in range(FRONT_MAX_TRIES):
        if on_part:
            on_part(done, False)
        css = PART_CSS + contents_css(front_pages, parts, links)
        front_part = render_part(part_tree(root, running + front, css), placeholders=links)
        if len(front_part["pages"]) == front_pages:
            break
        front_pages = len(front_part["pages"])
    parts.insert(0, front_part)
    pages = [page for part in parts for page in part["pages"]]

    if on_part:
        on_part(done + front_pages, True)
    html_tag = root.tag[: -len("html")]
    footer_body = [ElementTree.Element(html_tag + "div")] + [
        ElementTree.Element(html_tag + "div", {"class": "page-break"})
        for _ in range(len(pages) - 1)
    ]
    footers = render_part(part_tree(root, footer_body, FOOTER_CSS))
    del root, running, front, pieces
    if len(footers["pages"]) != len(pages):
        raise RuntimeError(f"{len(footers['pages'])} footer pages for {len(pages)} pages")
    # pikepdf is loaded only now: a worker that renders no large event never holds it (~6 MB).
    join = _sibling("pdfjoin").join
    pdf = join([part["pdf"] for part in parts], footers["pdf"], outline_tree(pages), links)
    return {"pdf": pdf, "pages": len(pages), "parts": len(parts)}
