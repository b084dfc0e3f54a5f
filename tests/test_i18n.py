"""Every page in every UI language: no English UI string left; the catalogues are complete."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from support.api import sign_in_with_link

from roadmap.config import LANGUAGES
from roadmap.extensions import db
from roadmap.i18n import LANGUAGE_NAMES, html_lang
from roadmap.models import Board, Event, Group, Lane, Note, Participant, Takeaway

ROOT = Path(__file__).resolve().parent.parent
OTHERS = [code for code in LANGUAGES if code != "en"]
ATTRIBUTES = ("aria-label", "placeholder", "title", "alt", "data-i18n")
# English function words: a fragment with one of them left in a translated page is English.
FUNCTION_WORDS = "the your this with and of to is are for you not no yet all by on in at or be"
# ... except where they are words of the language too (Filipino "at" is "and"; "sign in" is
# the usual Filipino loan; Vietnamese "in" is "to print").
NATIVE = {"tl": {"at", "in", "no"}, "vi": {"in"}}


def english(lang: str) -> re.Pattern[str]:
    words = [w for w in FUNCTION_WORDS.split() if w not in NATIVE.get(lang, set())]
    return re.compile(r"\b(" + "|".join(words) + r")\b", re.I)


# Words that stay as they are in every language (product names, keys, file types, codes).
KEPT = {
    "PDF", "QR", "CSV", "XLSX", "JSON", "ICS", "COMMIT", "Enter", "Shift", "Esc", "Ctrl",
    "Delete", "Tab", "Space", "OK", "e.g.", "en th km", "Authorization: Bearer <token>",
}  # fmt: skip


class Text(HTMLParser):
    """The words a reader sees or hears: text nodes, labelling attributes, JSON catalogues."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.json = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
            self.json = attrs.get("type") == "application/json"
        for name in ATTRIBUTES:
            value = attrs.get(name)
            if not value:
                continue
            if name == "data-i18n":
                self.parts.extend(str(v) for v in json.loads(value).values())
            else:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
            self.json = False

    def handle_data(self, data):
        if self.skip and self.json:
            found = json.loads(data)
            values = found.values() if isinstance(found, dict) else []
            self.parts.extend(str(v) for v in values if isinstance(v, str))
        elif not self.skip and data.strip():
            self.parts.append(data)


def seen(html: str) -> list[str]:
    parser = Text()
    parser.feed(html)
    return [" ".join(p.split()) for p in parser.parts if p.strip()]


def data_words(app) -> list[str]:
    """Everything people typed (names, notes, groups): it stays in its own language."""
    with app.app_context():
        found: set[str] = set()
        for row in db.session.scalars(sa.select(Event)):
            found |= {row.name, row.place or "", row.join_code}
        for row in db.session.scalars(sa.select(Group)):
            found |= {row.name, row.description or ""}
        for row in db.session.scalars(sa.select(Board)):
            found.add(row.title)
        for row in db.session.scalars(sa.select(Note)):
            found |= {row.text, *(row.tags or []), row.owner_name, row.owner_org}
            found |= {row.indicator, row.partners, row.status_note}
        for row in db.session.scalars(sa.select(Takeaway)):
            found.add(row.text)
        for row in db.session.scalars(sa.select(Participant)):
            found |= {row.name, row.organisation or "", row.country or ""}
        stock = {lane.title for lane in db.session.scalars(sa.select(Lane))}
    # Longest first, so a name inside a longer note text does not leave the rest behind.
    return sorted((w for w in found - stock if w), key=len, reverse=True)


def english_left(html: str, data: list[str], lang: str = "") -> list[str]:
    pattern = english(lang)
    left = []
    for part in seen(html):
        rest = part
        for word in data:
            rest = rest.replace(" ".join(word.split()), " ")
        for word in KEPT | set(LANGUAGE_NAMES.values()):
            rest = rest.replace(word, " ")
        rest = re.sub(r"\{[a-z_]+\}|%\([a-z_]+\)s", " ", rest)  # the JS and Python placeholders
        if pattern.search(rest) and re.search(r"[A-Za-z]{3}", rest):
            left.append(part)
    return left


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def pages(client, demo, lang: str, owner_url: str = "") -> list[str]:
    """Join as a participant: the pages a participant (and anyone) sees."""
    code, event_id = demo["join_code"], demo["event_id"]
    board_id = demo["groups"][1]["board_id"]
    urls = ["/", "/join", f"/join/{code}", f"/join/{code}/card", "/join/NOPE", "/organise/login"]
    page = client.get(f"/join/{code}").get_data(as_text=True)
    form = {"csrf_token": csrf_of(page), "name": "Ana", "language": lang}
    client.post(f"/join/{code}", data=form)
    urls += [f"/e/{event_id}", f"/boards/{board_id}", f"/boards/{board_id}/list"]
    urls += [f"/facilitate/{demo['groups'][1]['facilitator_token']}", "/signin"]
    if owner_url:
        urls.append(owner_url)  # the commitment owner's page (no account)
    return urls


def staff_pages(client, demo) -> list[str]:
    """Signed in (by the POST from /signin) as a facilitator, then as the organiser."""
    board_id = demo["groups"][1]["board_id"]
    sign_in_with_link(client, f"/facilitate/{demo['groups'][1]['facilitator_token']}")
    urls = [f"/boards/{board_id}", f"/boards/{board_id}/list"]
    return urls


def organiser_pages(client, demo) -> list[str]:
    event_id, board_id = demo["event_id"], demo["groups"][1]["board_id"]
    sign_in_with_link(client, f"/organise/{demo['organiser_token']}")
    urls = ["/organise/", f"/organise/events/{event_id}", f"/organise/events/{event_id}/edit"]
    urls += [f"/organise/events/{event_id}/participants", "/organise/events/new"]
    urls += [f"/organise/events/{event_id}/commitments", f"/boards/{board_id}/projector"]
    return urls


def check_pages(client, urls, data, lang, problems) -> int:
    visited = 0
    for url in urls:
        res = client.get(url, follow_redirects=True)
        if "text/html" not in res.headers.get("Content-Type", ""):
            continue
        html = res.get_data(as_text=True)
        visited += 1
        assert f'<html lang="{html_lang(lang)}"' in html, url
        assert "/organise/login" not in res.request.path or "login" in url, url
        left = english_left(html, data, lang)
        if left:
            problems[url] = left
    return visited


@pytest.mark.parametrize("lang", OTHERS)
def test_every_page_is_in_the_language(app, client, demo, c, lang):
    note, _ = c.commitment("Shelter training in three provinces")
    owner_url = urlsplit(c.link(note["id"]).get_json()["url"]).path
    client.set_cookie("lang", lang)
    data = data_words(app)
    problems: dict[str, list[str]] = {}
    visited = check_pages(client, pages(client, demo, lang, owner_url), data, lang, problems)
    visited += check_pages(client, staff_pages(client, demo), data, lang, problems)
    visited += check_pages(client, organiser_pages(client, demo), data, lang, problems)
    assert visited >= 20
    assert not problems, f"English left in {lang}: {json.dumps(problems, indent=1)}"


def test_the_check_finds_english_on_an_english_page(app, client, demo):
    """The detector itself: the English pages are full of what it looks for."""
    html = client.get(f"/join/{demo['join_code']}").get_data(as_text=True)
    assert english_left(html, data_words(app))


def test_picker_names_each_language_in_itself(client):
    html = client.get("/").get_data(as_text=True)
    for name in ("ភាសាខ្មែរ", "Tiếng Việt", "Bahasa Indonesia", "မြန်မာ", "ພາສາລາວ", "简体中文"):
        assert name in html
    assert 'lang="zh-Hans"' in html
    assert '<html lang="zh-Hans"' in client.get("/?lang=zh_Hans").get_data(as_text=True)
    # The event settings spell Chinese "zh": it means the Simplified Chinese UI.
    assert '<html lang="zh-Hans"' in client.get("/?lang=zh").get_data(as_text=True)


def test_join_page_picker_is_remembered(app, client, demo):
    code = demo["join_code"]
    page = client.get(f"/join/{code}").get_data(as_text=True)
    assert 'value="km"' in page
    form = {"csrf_token": csrf_of(page), "name": "Sok", "language": "km"}
    client.post(f"/join/{code}", data=form)
    assert '<html lang="km"' in client.get(f"/e/{demo['event_id']}").get_data(as_text=True)
    with app.app_context():
        who = db.session.scalar(sa.select(Participant).where(Participant.name == "Sok"))
        assert who.language == "km"


def test_server_errors_speak_the_readers_language(app, client, demo, join):
    token = join("Lan")["token"]
    res = client.get("/api/boards/999999", headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 404
    english = res.get_json()["error"]["message"]
    res = client.get(
        "/api/boards/999999?lang=vi", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert res["error"]["message"] != english and "Không có bảng" in res["error"]["message"]


def test_catalogues_are_complete():
    """`make i18n-check`: the .pot is fresh, every language complete, JS keys as English."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "translations" / "check.py")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "0 problem(s) in 10 languages" in done.stdout


def test_plural_forms_follow_each_language():
    from babel.messages.pofile import read_po

    with (ROOT / "translations" / "km" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        assert read_po(f).num_plurals == 1
    with (ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        assert read_po(f).num_plurals >= 2
    tl = json.loads((ROOT / "static" / "i18n" / "tl.json").read_text(encoding="utf-8"))
    assert tl["note.votes.one"] and tl["note.votes.other"]


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("Hỗ trợ phụ nữ và trẻ em gái bị mua bán", "women_girls"),
        ("Perlindungan pekerja migran di perbatasan", "migrants_stateless"),
        ("ការការពារជនចំណាកស្រុកនៅតាមព្រំដែន", "migrants_stateless"),
        ("မသန်စွမ်းသူများအတွက် ဝန်ဆောင်မှု", "disability"),
        ("ຊ່ວຍເຫຼືອແມ່ຍິງ ແລະ ເດັກຍິງ", "women_girls"),
        ("保护少数民族社区", "ethnic_minorities"),
        ("Suporta sa mga mangingisda at kanilang pamilya", "men_boys"),
    ],
)
def test_inclusion_lenses_read_every_ui_language(text, group):
    from roadmap.boards.inclusion import PATTERNS

    assert PATTERNS[group].search(text)
    assert not PATTERNS["lgbtqi"].search(text)


def test_every_op_type_has_words_in_the_javascript_catalogue():
    """A refused op's toast names the change in the reader's words, never its type."""
    from roadmap.ops.core import REGISTRY

    en = json.loads((ROOT / "static" / "i18n" / "en.json").read_text(encoding="utf-8"))
    missing = [name for name in REGISTRY if f"op.{name}" not in en]
    assert not missing, missing
    assert "op.unknown" in en


def _untranslatable_errors() -> list[str]:
    """AppError(...) calls whose message is a plain string or an f-string: English only."""
    import ast

    found = []
    for path in sorted((ROOT / "roadmap").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "AppError"):
                continue
            if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant | ast.JoinedStr):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_server_messages_are_all_translatable():
    """Every refusal the server words goes through the catalogues (`_l(...)`), not a literal."""
    assert not _untranslatable_errors()


def test_the_check_finds_a_literal_message(tmp_path):
    import ast

    call = ast.parse('AppError("invalid", f"Unknown {x}.")').body[0].value
    assert isinstance(call.args[1], ast.JoinedStr)  # the shape _untranslatable_errors looks for


@pytest.mark.parametrize(
    ("url", "english"),
    [
        ("/no/such/page", "The requested URL was not found"),
        ("/api/no/such/thing", "The requested URL was not found"),
    ],
)
def test_http_errors_speak_the_readers_language(client, url, english):
    res = client.get(url + "?lang=km", headers={"Accept": "application/json"})
    assert res.status_code == 404
    message = res.get_json()["error"]["message"]
    assert english not in message and not re.search(r"[A-Za-z]{4}", message), message


def test_validation_messages_speak_the_readers_language(client, demo):
    res = client.post("/api/join?lang=vi", json={"code": demo["join_code"], "name": "x" * 5000})
    assert res.status_code in (400, 413)
    message = res.get_json()["error"]["message"]
    assert "String should" not in message and "characters" not in message, message


def test_a_figure_is_read_in_the_owners_language():
    from roadmap.follow_up.views import parse_value

    assert parse_value("1,200", "en") == 1200
    assert parse_value("1.200", "vi") == 1200
    assert parse_value("1,5", "fr") == 1.5
    assert parse_value("1 200,5", "fr") == 1200.5
    assert parse_value("2.5", "km") == 2.5
    assert parse_value("", "en") is None


def test_the_exports_panel_offers_each_language(app, client, demo):
    sign_in_with_link(client, f"/organise/{demo['organiser_token']}")
    html = client.get(f"/organise/events/{demo['event_id']}").get_data(as_text=True)
    assert 'class="exports-lang"' in html
    for code in LANGUAGES:
        assert f'<option value="{code}"' in html
    assert f"/api/events/{demo['event_id']}/actions.csv?lang=" in html
