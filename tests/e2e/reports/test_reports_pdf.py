"""PDF reports: rendered for real, read back with pdftotext, pages kept as PNG artifacts."""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.api import auth
from support.server import ROOT

from roadmap.extensions import db
from roadmap.models import Board, Note, Participant
from roadmap.reports.pdf import StaticOnlyFetcher, render_html


def pdf_text(data: bytes, tmp_path: Path, mode: str = "-layout") -> str:
    """The PDF's text; "-raw" keeps content order (Thai marks stay on their letters)."""
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", mode, str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return out.stdout.decode("utf-8")


def pdf_fonts(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()


def keep_pages(data: bytes, artifacts: Path, stem: str, last: int = 4) -> list[Path]:
    """Render the first pages to PNG under test-artifacts/ (look at them)."""
    pdf = artifacts / f"{stem}.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "60",
            "-png",
            "-f",
            "1",
            "-l",
            str(last),
            str(pdf),
            str(artifacts / stem),
        ],
        check=True,
        timeout=60,
    )
    return sorted(artifacts.glob(f"{stem}-*.png"))


def squash(text: str) -> str:
    return " ".join(text.split())


def add_note(app, board_id: int, text: str, **fields) -> int:
    with app.app_context():
        board = db.session.get(Board, board_id)
        lane = board.lanes[0]
        note = Note(board_id=board_id, lane_id=lane.id, text=text, position="zz", **fields)
        db.session.add(note)
        db.session.commit()
        return note.id


@pytest.fixture
def event_pdf(app, client, demo, tmp_path):
    def _get(query: str = "") -> tuple[bytes, str]:
        res = client.get(
            f"/api/events/{demo['event_id']}/report.pdf{query}",
            headers=auth(demo["organiser_token"]),
        )
        assert res.status_code == 200, res.get_json()
        assert res.mimetype == "application/pdf"
        return res.data, pdf_text(res.data, tmp_path)

    return _get


def test_the_event_pdf_holds_every_group_note_script_owner_and_page_number(
    app, demo, event_pdf, artifacts, tmp_path
):
    board = demo["groups"][0]["board_id"]
    add_note(app, board, "<script>alert('x')</script><b>bold?</b>")
    data, text = event_pdf()
    flat = squash(text)
    raw = "".join(pdf_text(data, tmp_path, "-raw").split())
    for group in demo["groups"]:
        assert group["name"] in flat
    for note in [
        "Victims of trafficking are identified",
        "More research to drive evidence-based policy",
        "สร้างความตระหนักรู้และศักยภาพในระดับชุมชน",  # Thai
        "សមត្ថភាពសហគមន៍",  # Khmer (pdftotext garbles the coeng cluster before it)
        "ရပ်ရွာအဆင့်",  # Burmese
        "ສ້າງຄວາມເຂັ້ມແຂງ",  # Lao
        "加强供应链透明度",  # Chinese
        "Tạo việc làm bền vững",  # Vietnamese
    ]:
        assert "".join(note.split()) in raw, note  # scripts without spaces wrap anywhere
    for owner in ("Regional working group", "Ana", "Somchai", "Visayan Forum"):
        assert "".join(owner.split()) in raw, owner
    assert "<script>alert('x')</script><b>bold?</b>" in flat  # markup comes out as text
    pages = int(
        subprocess.run(["pdfinfo", "-"], input=data, capture_output=True)
        .stdout.decode()
        .split("Pages:")[1]
        .split()[0]
    )
    assert pages >= 8
    assert f"Page 2 of {pages}" in flat and f"Page {pages} of {pages}" in flat
    fonts = pdf_fonts(data, tmp_path)
    for script in ("Thai", "Khmer", "Myanmar", "Lao", "CJK-SC"):
        assert f"+Noto-Sans-{script} " in fonts, script  # embedded: real glyphs, no tofu
    for heading in ("Contents", "Participation", "Inclusion", "Action tracker", "Appendix"):
        assert heading in flat
    assert "Asia Region Anti-Trafficking Conference" in flat and "Bangkok, Thailand" in flat
    assert len(keep_pages(data, artifacts, "event-report", last=pages)) == pages


def test_the_contents_page_gives_page_numbers(event_pdf):
    _data, text = event_pdf()
    contents = text.split("Contents", 1)[1].split("\f", 1)[0]
    lines = [line.split() for line in contents.splitlines() if "Participation" in line]
    assert lines and lines[0][-1].isdigit() and int(lines[0][-1]) >= 3


def test_hidden_deleted_and_anonymous_stay_out(app, demo, event_pdf, tmp_path):
    board = demo["groups"][0]["board_id"]
    with app.app_context():
        author = db.session.scalar(sa.select(Participant).where(Participant.name == "Dewi"))
        author_id = author.id
    add_note(app, board, "Secret draft in private writing", hidden=True)
    add_note(app, board, "A note that was deleted", deleted_at=db.func.now())
    add_note(app, board, "Written without a name", author_id=author_id, anonymous=True)
    data, text = event_pdf("?authors=1")  # the internal copy names authors, not anonymous ones
    flat = squash(text)
    assert "Secret draft" not in flat and "was deleted" not in flat
    assert "Written without a name" in flat
    raw = "".join(pdf_text(data, tmp_path, "-raw").split())
    after = [part.lstrip("—·")[:12] for part in raw.split("Writtenwithoutaname")[1:]]
    assert any(a.startswith("Anonymous") for a in after), after  # the appendix's author column
    assert "Dewi" not in "".join(after)


def participant_names(app, event_id: int) -> set[str]:
    """The display names of the event's participants who are not commitment owners."""
    with app.app_context():
        names = set(
            db.session.scalars(
                sa.select(Participant.name).where(
                    Participant.event_id == event_id, Participant.role == "participant"
                )
            )
        )
        owners = set(db.session.scalars(sa.select(Note.owner_name)))
    return {n for n in names if n not in owners and n.strip()}


def test_the_event_pdf_names_no_participant(app, demo, event_pdf):
    names = participant_names(app, demo["event_id"])
    assert len(names) >= 3
    _data, text = event_pdf()
    flat = squash(text)
    named = [n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", flat)]
    assert named == []
    assert "names no participant" in flat and "Internal copy" not in flat
    _data, internal = event_pdf("?authors=1")  # the organiser's internal copy does name them
    assert [n for n in names if n in squash(internal)] and "Internal copy" in squash(internal)


def test_participation_is_counts_and_inclusion_is_shown(event_pdf):
    _data, text = event_pdf()
    flat = squash(text)
    assert "6 participants from 6 organisations and 6 countries" in flat
    for label in ("Women and girls", "Men and boys", "People with disability", "LGBTQI people"):
        assert label in flat
    assert "Indicative only" in flat


def test_the_board_pdf_is_one_group(app, client, demo, tmp_path, artifacts):
    group = demo["groups"][1]
    res = client.get(
        f"/api/boards/{group['board_id']}/report.pdf", headers=auth(group["facilitator_token"])
    )
    assert res.status_code == 200
    text = squash(pdf_text(res.data, tmp_path)).lower()
    assert group["name"].lower() in text and "the legal route" not in text
    assert "top-voted signposts" in text and "takeaways" in text and "inclusion" in text
    assert "សមត្ថភាពសហគមន៍" in "".join(pdf_text(res.data, tmp_path, "-raw").split())
    assert "page 1 of" in text
    assert keep_pages(res.data, artifacts, "board-report")


def test_report_access_is_for_staff_only(client, demo, join):
    event, board = demo["event_id"], demo["groups"][0]["board_id"]
    participant = join("Mallory")["token"]
    other_facilitator = demo["groups"][1]["facilitator_token"]
    cases = [
        (f"/api/events/{event}/report.pdf", None, 401),
        (f"/api/events/{event}/report.pdf", participant, 403),
        (f"/api/events/{event}/report.pdf", demo["groups"][0]["facilitator_token"], 403),
        (f"/api/boards/{board}/report.pdf", participant, 403),
        (f"/api/boards/{board}/report.pdf", other_facilitator, 403),
        (f"/api/boards/{board}/report.pdf", "not-a-token", 401),
        ("/api/boards/999999/report.pdf", demo["organiser_token"], 404),
    ]
    for url, token, status in cases:
        res = client.get(url, headers=auth(token) if token else {})
        assert res.status_code == status, (url, res.get_json())
        assert set(res.get_json()["error"]) == {"code", "message"}


def test_the_fetcher_serves_only_static_files():
    fetcher = StaticOnlyFetcher()
    css = fetcher.fetch((ROOT / "static/css/print.css").as_uri())
    assert b"@page" in css.read() and css.content_type == "text/css"
    for url in (
        "file:///etc/passwd",
        "http://example.com/x.png",
        "https://127.0.0.1/",
        (ROOT / "static/../pyproject.toml").as_uri(),
        "data:text/plain,hi",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_markup_in_notes_is_escaped_in_the_html():
    context = {
        "event": {"id": 1, "name": "E", "starts_on": None, "ends_on": None, "place": ""},
        "board": {
            "id": 1,
            "anchor": "g",
            "title": "",
            "group": "<img src=x>",
            "description": "",
            "lanes": [{"id": 1, "title": "L", "notes": []}],
            "notes": [],
            "top_signposts": [],
            "commitments": [],
            "clusters": [],
            "takeaways": [{"text": '<img src="file:///etc/passwd">', "who": "A"}],
            "inclusion": [],
            "vote_total": 0,
        },
        "generated_at": None,
    }
    html = render_html("board", context)
    assert "<img" not in html and "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html


def test_the_lean_user_agent_stylesheet_draws_the_same_pages(tmp_path):
    """ReportHTML drops cascading that matches nothing; lists keep their markers, pixels match."""
    from weasyprint import HTML

    from roadmap.reports.pdf import BASE_URL, ReportHTML, StaticOnlyFetcher

    page = (
        '<link rel="stylesheet" href="css/print.css"><h1>Chapter</h1>'
        "<ol><li>First step</li><li>Second step</li></ol><ul><li>ก้าวต่อไป</li></ul>"
        '<div class="note kind-signpost">A note<small>Signpost</small></div><p>Text</p>'
    )
    images = []
    for cls in (HTML, ReportHTML):
        pdf = tmp_path / f"{cls.__name__}.pdf"
        cls(string=page, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).write_pdf(pdf)
        subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(pdf)], check=True)
        images.append(sorted(tmp_path.glob(f"{cls.__name__}.pdf*.png")))
    assert len(images[0]) == len(images[1]) == 1
    assert images[0][0].read_bytes() == images[1][0].read_bytes()
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "ReportHTML.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "1. First step" in text and "2. Second step" in text


def test_reports_are_parsed_by_expat_and_draw_the_pages_of_the_html5_parser(
    app, demo, tmp_path, monkeypatch
):
    """The templates write well-formed XHTML, so expat parses them (~0.5 s less on an event);
    the tree is WeasyPrint's own parser's: the same pages, pixel for pixel."""
    from xml.etree import ElementTree

    from roadmap.models import Event
    from roadmap.reports.context import event_context
    from roadmap.reports.pdf import BASE_URL, ReportHTML

    board = demo["groups"][0]["board_id"]
    add_note(app, board, "<script>x</script> & “quotes” ‘too’ — ไทย ខ្មែរ")
    with app.app_context():
        html = render_html("event", event_context(db.session.get(Event, demo["event_id"])))

    def refuse(text):
        raise ElementTree.ParseError("forced: use the HTML5 parser")

    images = []
    for label in ("expat", "html5"):
        if label == "html5":
            monkeypatch.setattr(ElementTree, "fromstring", refuse)
        page = ReportHTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher())
        assert page.parsed_by == label
        pdf = tmp_path / f"{label}.pdf"
        page.write_pdf(pdf)
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(pdf)], check=True)
        images.append(sorted(tmp_path.glob(f"{label}.pdf*.png")))
    assert len(images[0]) == len(images[1]) >= 8
    for fast, slow in zip(*images, strict=True):
        assert fast.read_bytes() == slow.read_bytes(), fast.name


def test_a_note_expat_refuses_still_renders(app, client, demo, tmp_path):
    """A control character is not XML: that report goes to the HTML5 parser, text intact."""
    from roadmap.reports.pdf import BASE_URL, ReportHTML

    fallback = ReportHTML(
        string="<p>a\x0bb</p>", base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()
    )
    assert fallback.parsed_by == "html5"
    group = demo["groups"][0]
    add_note(app, group["board_id"], "Vertical\x0btab and form\x0cfeed survive")
    res = client.get(
        f"/api/boards/{group['board_id']}/report.pdf", headers=auth(group["facilitator_token"])
    )
    assert res.status_code == 200
    flat = squash(pdf_text(res.data, tmp_path))
    assert "Vertical" in flat and "tab and form" in flat and "feed survive" in flat


def test_event_chapters_leave_origin_and_partners_to_the_tracker(app, client, demo, tmp_path):
    """The board report shows where a commitment came from and its partners; in the event report
    the chapter points to the action tracker, which shows them."""
    group = demo["groups"][0]
    signpost = add_note(app, group["board_id"], "Signpost the pilot grew from", kind="signpost")
    add_note(
        app,
        group["board_id"],
        "Pilot a helpline in three languages",
        kind="commitment",
        owner_name="Mai",
        source_note_id=signpost,
        partners="UNODC and IOM",
    )
    board_pdf = client.get(
        f"/api/boards/{group['board_id']}/report.pdf", headers=auth(group["facilitator_token"])
    ).data
    board_text = squash(pdf_text(board_pdf, tmp_path))
    assert "from: Signpost the pilot grew from · with: UNODC and IOM" in board_text

    event_pdf = client.get(
        f"/api/events/{demo['event_id']}/report.pdf", headers=auth(demo["organiser_token"])
    ).data
    pages = [squash(page) for page in pdf_text(event_pdf, tmp_path, "-raw").split("\f")]
    assert "and its partners: see the action tracker." in " ".join(pages)
    tracker = next(i for i, page in enumerate(pages) if "Every commitment, by due date" in page)
    assert "Action tracker" in pages[tracker] and "Pilot a helpline" in " ".join(pages[tracker:])
    chapters = " ".join(pages[:tracker])
    assert "Pilot a helpline" in chapters and "UNODC" not in chapters
    assert "from: Signpost the pilot grew from · with: UNODC and IOM" in " ".join(pages[tracker:])


def test_the_board_pdf_names_authors_only_in_an_organisers_internal_copy(
    app, client, demo, tmp_path
):
    names = participant_names(app, demo["event_id"])
    group = demo["groups"][1]  # the demo's takeaways are there
    path = f"/api/boards/{group['board_id']}/report.pdf?authors=1"

    def named(token: str) -> list[str]:
        res = client.get(path, headers=auth(token))
        assert res.status_code == 200
        flat = squash(pdf_text(res.data, tmp_path))
        return [n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", flat)]

    assert named(group["facilitator_token"]) == []  # a facilitator cannot ask for authors
    assert named(demo["organiser_token"])  # the organiser's internal copy names them
