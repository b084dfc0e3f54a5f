"""HTML pages: joining with a code, the group picker, the board pages, QR, language, CSRF."""

from __future__ import annotations

import re

import pytest

from roadmap.extensions import db
from roadmap.models import Participant


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def join_in_browser(client, code: str, name: str = "Ana", **extra: str):
    page = client.get(f"/join/{code}")
    assert page.status_code == 200
    form = {"csrf_token": csrf_of(page.get_data(as_text=True)), "name": name, **extra}
    return client.post(f"/join/{code}", data=form)


def test_index_has_a_code_form(client):
    res = client.get("/")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert 'name="code"' in html and 'action="/join"' in html


def test_code_form_normalises_and_redirects(client, demo):
    res = client.get("/join", query_string={"code": " arat-19 "})
    assert res.status_code == 302
    assert res.headers["Location"].endswith(f"/join/{demo['join_code']}")


def test_unknown_code_renders_the_error_page(client, demo):
    res = client.get("/join/NOPE42")
    assert res.status_code == 404
    assert "No event has this code" in res.get_data(as_text=True)


def test_join_signs_in_and_lists_groups(app, client, demo):
    res = join_in_browser(
        client,
        demo["join_code"],
        name="Mai Tran",
        organisation="Blue Dragon",
        country="Viet Nam",
        anonymous="on",
        language="fr",
    )
    assert res.status_code == 302
    assert res.headers["Location"].endswith(f"/e/{demo['event_id']}")
    assert "lang=fr" in res.headers.get("Set-Cookie", "") or any(
        "lang=fr" in c for c in res.headers.getlist("Set-Cookie")
    )
    with app.app_context():
        who = db.session.query(Participant).filter_by(name="Mai Tran").one()
        assert (who.organisation, who.country, who.anonymous, who.language) == (
            "Blue Dragon",
            "Viet Nam",
            True,
            "fr",
        )
    # The cookie keeps the participant signed in: the group picker, in French.
    page = client.get(f"/e/{demo['event_id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Choisissez votre groupe de travail" in html
    for group in demo["groups"]:
        assert f'href="/boards/{group["board_id"]}"' in html


def test_join_without_a_name_shows_the_form_again(client, demo):
    res = join_in_browser(client, demo["join_code"], name="  ")
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert 'role="alert"' in html and 'aria-invalid="true"' in html


def test_post_without_csrf_token_is_refused(client, demo):
    client.get(f"/join/{demo['join_code']}")
    res = client.post(f"/join/{demo['join_code']}", data={"name": "Eve"})
    assert res.status_code == 400
    assert "expired" in res.get_data(as_text=True)


def test_post_from_another_origin_is_refused(client, demo):
    page = client.get(f"/join/{demo['join_code']}")
    res = client.post(
        f"/join/{demo['join_code']}",
        data={"csrf_token": csrf_of(page.get_data(as_text=True)), "name": "Eve"},
        headers={"Origin": "https://evil.example"},
    )
    assert res.status_code == 403


def test_board_pages_need_a_participant(client, demo):
    board_id = demo["groups"][0]["board_id"]
    assert client.get(f"/boards/{board_id}").status_code == 401
    assert client.get(f"/e/{demo['event_id']}").status_code == 401


def test_board_and_list_pages(client, demo):
    join_in_browser(client, demo["join_code"], name="<b>Ana</b>")
    board_id = demo["groups"][1]["board_id"]
    board = client.get(f"/boards/{board_id}")
    assert board.status_code == 200
    html = board.get_data(as_text=True)
    assert f'data-board-id="{board_id}"' in html
    assert 'data-view="board"' in html
    assert '<aside id="facilitator-panel"' in html and "hidden" in html
    assert "Sortable.min.js" in html and 'type="module" src="/static/js/boards/main.js"' in html
    assert 'aria-live="polite"' in html
    listed = client.get(f"/boards/{board_id}/list")
    assert listed.status_code == 200
    assert 'data-view="list"' in listed.get_data(as_text=True)
    assert "Sortable.min.js" not in listed.get_data(as_text=True)
    assert client.get("/boards/9999").status_code == 404


def test_every_board_module_is_preloaded_and_kept_offline(client, demo):
    """The board's ES modules: each file of static/js/boards/ (and the shared ones) has a
    modulepreload link on the page and is in the service worker's MODULES list (an import the
    worker never kept fails offline), and every module an import names exists."""
    from pathlib import Path

    static = Path(__file__).resolve().parents[2] / "static"
    join_in_browser(client, demo["join_code"])
    html = client.get(f"/boards/{demo['groups'][1]['board_id']}").get_data(as_text=True)
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', html))
    own = {f"/static/js/boards/{p.name}" for p in (static / "js" / "boards").glob("*.js")}
    assert own and own <= preloaded
    res = client.get("/sw.js")
    sw = res.get_data(as_text=True)
    res.close()
    modules = sw.split("var MODULES", 1)[1].split("];", 1)[0]
    listed = set(re.findall(r'"(/static/js/[^"]+\.js)"', modules))
    assert listed == preloaded
    for url in preloaded:
        path = static / url.removeprefix("/static/")
        assert path.is_file(), url
        for name in re.findall(r"^import .* from ['\"](\.[^'\"]+)['\"];", path.read_text(), re.M):
            target = "/static/" + str((path.parent / name).resolve().relative_to(static.resolve()))
            assert target in preloaded, (url, name)


def test_names_are_escaped(client, demo):
    join_in_browser(client, demo["join_code"], name="<script>alert(1)</script>")
    html = client.get(f"/e/{demo['event_id']}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_qr_code_and_table_card(client, demo):
    res = client.get(f"/join/{demo['join_code']}/qr.svg")
    assert res.status_code == 200
    assert res.mimetype == "image/svg+xml"
    assert b"<svg" in res.data and b"<path" in res.data
    card = client.get(f"/join/{demo['join_code']}/card").get_data(as_text=True)
    assert f"/join/{demo['join_code']}/qr.svg" in card
    assert f"http://localhost/join/{demo['join_code']}" in card


def test_facilitator_link_signs_in_and_opens_the_board(client, demo):
    group = demo["groups"][2]
    res = client.get(f"/facilitate/{group['facilitator_token']}")
    assert res.status_code == 302 and res.headers["Location"].endswith("/signin")
    page = client.get("/signin").get_data(as_text=True)
    assert group["facilitator_token"] not in page and 'data-auto="1"' in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    res = client.post("/signin", data={"csrf_token": token, "action": "switch"})
    assert res.headers["Location"].endswith(f"/boards/{group['board_id']}")
    assert client.get(f"/boards/{group['board_id']}").status_code == 200
    assert client.get("/facilitate/not-a-token").status_code == 401
    # An organiser's token is not a facilitator link.
    assert client.get(f"/facilitate/{demo['organiser_token']}").status_code == 401


def test_language_switch_is_remembered(client):
    page = client.get("/").get_data(as_text=True)
    res = client.post(
        "/lang", data={"csrf_token": csrf_of(page), "language": "th", "next": "/join/X"}
    )
    assert res.status_code == 302 and res.headers["Location"].endswith("/join/X")
    assert "เข้าร่วมกลุ่มย่อยของคุณ" in client.get("/").get_data(as_text=True)
    assert client.get_cookie("lang").value == "th"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/"])
def test_language_switch_never_redirects_away(client, target):
    page = client.get("/").get_data(as_text=True)
    res = client.post("/lang", data={"csrf_token": csrf_of(page), "language": "fr", "next": target})
    assert res.headers["Location"] == "/"


def test_service_worker_is_served_for_the_whole_site(client):
    res = client.get("/sw.js")
    body = res.data
    res.close()  # a file response: let go of the file
    assert res.status_code == 200
    assert res.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in res.headers["Cache-Control"]
    assert b"networkFirst" in body


def test_javascript_catalogues_have_the_same_keys():
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "static" / "i18n"

    def keys(lang: str) -> set[str]:
        data = json.loads((folder / f"{lang}.json").read_text(encoding="utf-8"))
        return {k.rsplit(".", 1)[0] if k.endswith((".one", ".other")) else k for k in data}

    english = keys("en")
    assert len(english) > 50
    assert keys("fr") == english
    assert keys("th") == english
