"""An event PDF laid out in parts and joined (REPORT_PART_NOTES, pdf.render_in_parts) reads as
one document: page numbers run on, the contents and its links point at each chapter's first
page, and the outline has one entry per group. Read back with pdftotext and pikepdf."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from support.api import auth

from roadmap.extensions import db
from roadmap.models import Event
from roadmap.reports import pdf
from roadmap.reports.context import event_context
from roadmap.reports.worker import RenderWorker


def pages_text(data: bytes, tmp_path: Path, name: str) -> list[str]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return out.stdout.decode("utf-8").split("\f")[:-1]  # the text ends with a form feed


def squash(text: str) -> str:
    return " ".join(text.split())


def header(page: str) -> str:
    """The page's first line: the event's name and the running chapter title."""
    return next((line.strip() for line in page.splitlines() if line.strip()), "")


def chapter_starts(pages: list[str], groups: list[str]) -> dict[str, int]:
    """Each group's chapter: the first page (1-based) whose running header names it."""
    return {
        group: next(n for n, page in enumerate(pages, 1) if header(page).endswith(group))
        for group in groups
    }


def contents_numbers(pages: list[str], titles: list[str]) -> dict[str, int]:
    contents = next(page for page in pages if header(page).endswith("Contents"))
    found = {}
    for line in contents.splitlines():
        for title in titles:
            match = re.fullmatch(rf"\s*{re.escape(title)}\s+(\d+)\s*", line)
            if match:
                found[title] = int(match.group(1))
    return found


def outline(data: bytes) -> list[tuple[str, int]]:
    """The outline's top-level entries: (title, 1-based page)."""
    with pikepdf.open(io.BytesIO(data)) as document:
        number = {page.obj.objgen: n for n, page in enumerate(document.pages, 1)}
        with document.open_outline() as tree:
            return [(item.title, number[item.destination[0].objgen]) for item in tree.root]


def link_targets(data: bytes) -> dict[str, int]:
    """Each named destination the contents page links to: its 1-based page."""
    with pikepdf.open(io.BytesIO(data)) as document:
        number = {page.obj.objgen: n for n, page in enumerate(document.pages, 1)}
        names = list(document.Root.Names.Dests.Names)
        dests = {
            str(name): number[dest[0].objgen]
            for name, dest in zip(names[::2], names[1::2], strict=True)
        }
        links = [str(annot.Dest) for annot in document.pages[1].obj.get("/Annots", [])]
        return {link: dests[link] for link in links}


@pytest.fixture
def event(app, demo):
    with app.app_context():
        context = event_context(db.session.get(Event, demo["event_id"]))
    groups = [b["group"] for b in context["boards"]]
    return context, groups


def test_an_event_in_parts_reads_as_one_document(app, client, demo, event, tmp_path):
    context, groups = event
    whole = pdf.render("event", context)
    app.config["REPORT_PART_NOTES"] = 1  # every group's chapter a part of its own
    res = client.get(
        f"/api/events/{demo['event_id']}/report.pdf", headers=auth(demo["organiser_token"])
    )
    assert res.status_code == 200
    joined = res.data
    assert pdf.render("event", context, part_notes=1)["parts"] == len(groups) + 3
    assert whole["parts"] == 1 and len(groups) >= 3

    pages = pages_text(joined, tmp_path, "joined")
    n = len(pages)
    assert n == whole["pages"]
    # Page numbers run on across parts: "Page i of N" on page i, every page.
    for i, page in enumerate(pages, 1):
        assert f"Page {i} of {n}" in page, (i, squash(page)[-80:])
    # The same text on every page as the document laid out in one piece.
    for i, (one, other) in enumerate(
        zip(pages_text(whole["pdf"], tmp_path, "whole"), pages, strict=True), 1
    ):
        assert squash(one) == squash(other), i

    # The contents' numbers are where the chapters start, in the joined document.
    starts = chapter_starts(pages, groups)
    assert len(set(starts.values())) == len(groups)  # each group a chapter of its own
    tracker = next(i for i, p in enumerate(pages, 1) if header(p).endswith("Action tracker"))
    appendix = next(i for i, p in enumerate(pages, 1) if header(p).endswith("all notes"))
    numbers = contents_numbers(pages, [*groups, "Action tracker", "Appendix: all notes"])
    assert numbers == {**starts, "Action tracker": tracker, "Appendix: all notes": appendix}

    # One outline entry per group, at its chapter's first page, between the front matter's
    # and the tracker's.
    top = outline(joined)
    titles = [title for title, _page in top]
    assert titles == [
        context["event"]["name"],  # the cover
        "Contents",
        "Participation",
        "Inclusion",
        *groups,
        "Action tracker",
        "Appendix: all notes",
    ]
    assert dict(top) == {**dict(outline(whole["pdf"])), **starts}
    # The contents' links go to the same pages.
    anchors = {b["anchor"]: b["group"] for b in context["boards"]}
    targets = link_targets(joined)
    assert {anchors[a]: page for a, page in targets.items() if a in anchors} == starts
    assert targets["actions"] == tracker and targets["appendix"] == appendix


def test_the_render_worker_joins_parts_with_progress(app, event, tmp_path):
    """The worker loads pdf.py and pdfjoin.py by path; progress runs on across the parts."""
    context, groups = event
    worker = RenderWorker()
    progress: list[float] = []
    try:
        result = worker.render(
            "event", context, part_notes=1, pages_expected=20, on_progress=progress.append
        )
    finally:
        worker.stop()
    assert result["parts"] == len(groups) + 3
    pages = pages_text(result["pdf"], tmp_path, "worker")
    assert [f"Page {i} of {len(pages)}" in p for i, p in enumerate(pages, 1)] == [True] * len(pages)
    assert progress == sorted(progress) and progress[-1] == 0.85
    assert len([p for p in progress if p < 0.85]) > len(groups)  # not stuck on the first part
