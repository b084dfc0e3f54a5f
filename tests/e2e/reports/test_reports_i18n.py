"""Reports in the language picked per export (?lang=): PDFs, CSV/XLSX headers, ICS texts.

These ran in a pytest process of their own until issue 15's "font state" bug was found: it was
no font state but the first report's language kept in the shared report macros (see
test_one_report_language_never_leaks_into_the_next below and docs/languages.md).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from openpyxl import load_workbook
from support.api import auth

from roadmap.reports import pdf
from roadmap.reports.worker import RenderWorker

# The PDF's own English words: none may be left in a translated report.
ENGLISH_HEADINGS = (
    "Contents", "Participation", "Inclusion", "Action tracker", "Appendix", "The roadmap",
    "Top-voted signposts", "Commitments", "Takeaways", "Generated", "Most affected group",
    "Notes that mention it", "For example", "Owner", "Organisation", "Indicator", "Status",
    "Breakout roadmaps", "Signposts", "Challenges", "participants", "countries",
)  # fmt: skip
WORD = re.compile(r"\b(" + "|".join(ENGLISH_HEADINGS) + r")\b")
OWN_WORDS = {
    # (pdftotext reorders Khmer's page word "ទំព័រ" around its vowel signs: not checked)
    "km": ("មាតិកា", "ការចូលរួម", "តារាងតាមដានសកម្មភាព"),
    "vi": ("Mục lục", "Sự tham gia", "Bảng theo dõi hành động", "Trang"),
}


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def demo_words(app) -> set[str]:
    """Typed text (group names, notes, owners): English there is the participants' own."""
    import sqlalchemy as sa

    from roadmap.extensions import db
    from roadmap.models import Event, Group, Note, Participant, Takeaway

    with app.app_context():
        words: set[str] = set()
        for model, fields in (
            (Event, ("name", "place")),
            (Group, ("name", "description")),
            (Note, ("text", "owner_name", "owner_org", "indicator", "partners", "status_note")),
            (Participant, ("name", "organisation", "country")),
            (Takeaway, ("text",)),
        ):
            for row in db.session.scalars(sa.select(model)):
                words |= {getattr(row, f) for f in fields if getattr(row, f)}
        return words


@pytest.mark.parametrize("lang", ["km", "vi"])
def test_the_event_pdf_has_no_english_headings(app, client, demo, tmp_path, artifacts, lang):
    res = client.get(
        f"/api/events/{demo['event_id']}/report.pdf?lang={lang}",
        headers=auth(demo["organiser_token"]),
    )
    assert res.status_code == 200, res.get_json()
    (artifacts / f"event-report-{lang}.pdf").write_bytes(res.data)
    text = pdf_text(res.data, tmp_path)
    squashed = "".join(text.split())
    for word in OWN_WORDS[lang]:
        assert "".join(word.split()) in squashed, word
    # What remains once the participants' own words are taken out holds no English heading.
    lines = []
    typed = sorted(demo_words(app), key=len, reverse=True)
    for line in text.splitlines():
        for word in typed:
            for piece in word.split("\n"):
                line = line.replace(piece.strip(), " ") if piece.strip() else line
        lines.append(line)
    left = [line for line in lines if WORD.search(line)]
    assert not left, left[:20]
    today = format_date(dt.date.today(), "medium", locale=lang)
    assert "".join(today.split()) in squashed  # dates in the locale's own form (Babel)


def test_the_board_pdf_in_simplified_chinese(client, demo, tmp_path):
    board_id = demo["groups"][0]["board_id"]
    res = client.get(
        f"/api/boards/{board_id}/report.pdf?lang=zh_Hans", headers=auth(demo["organiser_token"])
    )
    assert res.status_code == 200
    text = "".join(pdf_text(res.data, tmp_path).split())
    assert "路线图" in text and "包容" in text and "第1页" in text


def test_the_tracker_speaks_the_export_language(client, demo):
    base = f"/api/events/{demo['event_id']}"
    headers = auth(demo["organiser_token"])
    csv_text = client.get(f"{base}/actions.csv?lang=vi", headers=headers).data.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Nhóm,Cam kết,Định hướng,Người phụ trách")
    english = client.get(f"{base}/actions.csv", headers=headers).data.decode("utf-8-sig")
    assert english.splitlines()[0].startswith("Group,Commitment,Signpost,Owner")
    book = load_workbook(
        io.BytesIO(client.get(f"{base}/actions.xlsx?lang=km", headers=headers).data)
    )
    sheet = book.active
    assert sheet.cell(1, 1).value == "ក្រុម" and sheet.cell(1, 2).value == "ការប្តេជ្ញាចិត្ត"
    ics = client.get(f"{base}/actions.ics?lang=id", headers=headers).data.decode("utf-8")
    assert "Tenggat:" in ics and "Kelompok:" in ics and "Due:" not in ics


# Words of the shared macros (templates/reports/_sections.html) and of the page template itself.
MACRO_WORDS = {
    "en": ("TOP-VOTED SIGNPOSTS", "MOST AFFECTED GROUP", "Signpost ·"),
    "zh_Hans": ("得票最多的方向", "受影响最大的群体"),
    "vi": (
        "Định hướng được bình chọn nhiều nhất",
        "Nhóm chịu ảnh hưởng nhiều nhất",
        "Định hướng ·",
    ),
}
WORD_BOX = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def word_boxes(data: bytes, tmp_path: Path) -> list[tuple[str, ...]]:
    """Every word of the PDF with its box (pdftotext -bbox), page by page: the layout."""
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True)
    return WORD_BOX.findall(out.stdout.decode("utf-8"))


def board_contexts(app, demo) -> dict[str, dict[str, Any]]:
    from roadmap.extensions import db
    from roadmap.models import Board
    from roadmap.reports.context import board_context

    with app.app_context():
        board = db.session.get(Board, demo["groups"][0]["board_id"])
        return {lang: board_context(board, lang=lang) for lang in ("en", "zh_Hans")}


def squashed_text(data: bytes, tmp_path: Path) -> str:
    """The PDF's text without spaces, case folded (headings are set in capitals)."""
    return "".join(pdf_text(data, tmp_path).split()).casefold()


def test_one_report_language_never_leaks_into_the_next(app, demo, tmp_path):
    """Issue 15: after a zh-Hans PDF, later PDFs of the process came out different ("font
    state"). It was the first report's language frozen into the shared macros' words (Jinja
    caches an imported template with the context it was first made in), which changed those
    words and so the layout of every later report in another language. Each report is now the
    same, word for word and box for box, whatever was rendered before it in the process."""
    contexts = board_contexts(app, demo)
    order = ["en", "zh_Hans", "en", "zh_Hans"]
    pdfs = [pdf.render("board", contexts[lang])["pdf"] for lang in order]
    for data, lang in zip(pdfs, order, strict=True):
        text = squashed_text(data, tmp_path)
        for word in MACRO_WORDS[lang]:
            assert "".join(word.split()).casefold() in text, (lang, word)
    english_first, chinese, english_after, chinese_again = (word_boxes(d, tmp_path) for d in pdfs)
    assert english_first and english_after == english_first  # same words at the same places
    assert chinese and chinese_again == chinese
    assert any(w[4] == "REGION" for w in english_after)  # "ASIA REGION": not "A SIA" metrics


def test_the_render_worker_speaks_each_reports_language(app, demo, tmp_path):
    """The long-running worker warms up with an English report; later reports in other
    languages must not keep its words (they did: chapter headings and note kinds in English)."""
    contexts = board_contexts(app, demo)
    from roadmap.extensions import db
    from roadmap.models import Board
    from roadmap.reports.context import board_context

    with app.app_context():
        board = db.session.get(Board, demo["groups"][0]["board_id"])
        contexts["vi"] = board_context(board, lang="vi")
    worker = RenderWorker()
    try:
        for lang in ("vi", "en", "zh_Hans"):
            text = squashed_text(worker.render("board", contexts[lang])["pdf"], tmp_path)
            for word in MACRO_WORDS[lang]:
                assert "".join(word.split()).casefold() in text, (lang, word)
    finally:
        worker.stop()
