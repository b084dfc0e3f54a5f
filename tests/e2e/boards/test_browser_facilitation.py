"""Real Chromium against the live server: a facilitator runs a timer and a private-writing
round with two participants; the organiser dashboard follows a group live."""

from __future__ import annotations

import re
import threading
import time
import uuid
from typing import Any

import pytest
import socketio
from support.browser import add_note, api, facilitator_page, participant_page, serious_violations
from support.peers import create_note, lanes_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def group(live_server) -> dict[str, Any]:
    """A fresh group (so other tests on the shared server are not disturbed)."""
    name = f"Browser group {uuid.uuid4().hex[:6]}"
    return api(
        live_server,
        "POST",
        f"/api/events/{live_server.demo['event_id']}/groups",
        live_server.demo["organiser_token"],
        json={"name": name, "template": "challenges-signposts-commitments"},
    )


def seconds_shown(page) -> int:
    text = page.locator("#timer").inner_text()
    found = re.search(r"(\d+):(\d\d)", text)
    assert found, text
    return int(found.group(1)) * 60 + int(found.group(2))


def assert_same_countdown(page, reference) -> None:
    """`page` shows the same countdown as `reference`, to the second.

    The reading of `page` is taken between two readings of `reference`, so however slow the
    machine is between the reads, the two screens agree only if `page` lies between them.
    A page busy on a loaded machine may draw its clock a moment late, so the readings are
    polled until they agree, with a deadline (a real disagreement never converges).
    """
    deadline = time.monotonic() + 15
    while True:
        first = seconds_shown(reference)
        shown = seconds_shown(page)
        last = seconds_shown(reference)
        if last - 1 <= shown <= first + 1 or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert last - 1 <= shown <= first + 1, (first, shown, last)


def test_facilitator_runs_private_writing_and_a_timer(new_context, live_server, group):
    board_id = group["group"]["board_id"]
    fac = facilitator_page(new_context, live_server, group)
    ana = participant_page(new_context, live_server, "Ana", board_id)
    ben = participant_page(new_context, live_server, "Ben", board_id)
    # Participants have no controls, and the server would refuse them anyway.
    assert ana.locator("#facilitator-panel").is_hidden()
    assert ana.locator("script[src*='facilitate.js']").count() == 0

    # Private writing: Ana's note is hidden from Ben until the reveal.
    fac.click('[data-fac="private"]')
    ana.wait_for_function(
        "() => window.RoadmapBoard.state.board.facilitation.private_writing === true"
    )
    add_note(ana, "Ana's private idea")
    ana.locator(".note", has_text="Ana's private idea").wait_for()
    fac.locator(".note", has_text="Ana's private idea").wait_for()
    ben.reload()  # a reload (or a late joiner) does not get it either
    ben.wait_for_selector('#conn[data-state="live"]')
    ben.wait_for_function("window.RoadmapBoard.state.board.facilitation.private_writing")
    assert ben.locator(".note", has_text="Ana's private idea").count() == 0
    assert "Ana's private idea" not in ben.content()
    fac.click('[data-fac="reveal"]')
    ben.locator(".note", has_text="Ana's private idea").wait_for()

    # The timer: the same countdown on both screens, and after a reload.
    fac.fill(".fac-minutes", "5")
    fac.click('[data-fac="timer-start"]')
    for page in (ana, ben):
        page.locator("#timer").wait_for(state="visible")
    assert_same_countdown(ben, ana)
    assert 240 <= seconds_shown(ana) <= 300  # started at 5:00, read soon after
    before = seconds_shown(ana)
    ben.reload()
    ben.wait_for_selector('#conn[data-state="live"]')
    ben.locator("#timer").wait_for(state="visible")
    assert_same_countdown(ben, ana)
    assert seconds_shown(ben) <= before
    # Pause: both screens stop on the very same second; +1 min shows on both.
    fac.click('[data-fac="timer-pause"]')
    for page in (ana, ben):
        page.wait_for_function("document.getElementById('timer').dataset.state === 'paused'")
    assert seconds_shown(ana) == seconds_shown(ben)
    paused_at = seconds_shown(ana)
    fac.click('[data-fac="timer-add"]')
    ben.wait_for_function(
        f"document.getElementById('timer').textContent.includes('{(paused_at + 60) // 60}:')"
    )
    assert seconds_shown(ana) == seconds_shown(ben) == paused_at + 60
    fac.click('[data-fac="timer-stop"]')
    ana.locator("#timer").wait_for(state="hidden")

    # The end signal: a timer that runs out shows "time is up" everywhere.
    api(
        live_server,
        "POST",
        f"/api/boards/{board_id}/ops",
        group["facilitator_token"],
        json={"op_id": str(uuid.uuid4()), "type": "timer.start", "data": {"seconds": 2}},
    )
    for page in (ana, ben):
        page.wait_for_function("document.getElementById('timer').dataset.state === 'ended'")
    ana.locator("#announcer", has_text="Time is up").wait_for(state="attached")

    # Takeaways: the phase opens the question; answers are shared with the group.
    assert ana.locator("#takeaways").is_hidden()
    fac.click('.fac-phase[data-phase="takeaways"]')
    fac.locator('.fac-phase[data-phase="takeaways"][aria-current="step"]').wait_for()
    assert fac.locator('.fac-phase[aria-current="step"]').count() == 1
    assert fac.locator('[data-fac="next-phase"]').is_disabled()  # the last phase
    ana.locator("#takeaways").wait_for()
    ana.fill("#takeaway-text", "Call the shelter network next week")
    ana.click("#takeaways button[type=submit]")
    ben.locator(".takeaway-list", has_text="Call the shelter network next week").wait_for()


def test_organiser_dashboard_follows_a_group_live(new_context, live_server, group, artifacts):
    board_id = group["group"]["board_id"]
    context = new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/organise/{live_server.demo['organiser_token']}")
    tile = page.locator(f'.tile[data-board-id="{board_id}"]')
    tile.wait_for()
    page.wait_for_selector('#conn[data-state="online"]')
    assert tile.locator(".tile-notes").inner_text().startswith("0")
    # The summary line adds up every group.
    groups = page.locator(".tile").count()
    page.wait_for_function(f"document.getElementById('sum-groups').textContent === '{groups}'")
    for stat in ("#sum-online", "#sum-notes", "#sum-commitments"):
        assert re.fullmatch(r"\d+", page.locator(stat).inner_text())
    # Stats are label/number pairs, each on one line (no "0" then "online" below it).
    wrapped = page.evaluate(
        """() => Array.from(document.querySelectorAll(
          '.tile-stats dt, .tile-stats dd, .summary dt, .summary dd'))
        .filter((el) => el.getBoundingClientRect().height
          > parseFloat(getComputedStyle(el).lineHeight) * 1.5)
        .map((el) => el.className + ': ' + el.textContent)"""
    )
    assert wrapped == []
    # A participant works on the board: the tile follows.
    ana = live_server.join("Dewi")
    lanes = api(live_server, "GET", f"/api/boards/{board_id}", ana["token"])["lanes"]
    api(
        live_server,
        "POST",
        f"/api/boards/{board_id}/ops",
        ana["token"],
        json={
            "op_id": str(uuid.uuid4()),
            "type": "note.create",
            "data": {"lane_id": lanes[1]["id"], "text": "Dashboard sees this live"},
        },
    )
    tile.locator(".tile-latest", has_text="Dashboard sees this live").wait_for()
    assert tile.locator(".tile-notes").inner_text().startswith("1")
    api(
        live_server,
        "POST",
        f"/api/boards/{board_id}/ops",
        group["facilitator_token"],
        json={"op_id": str(uuid.uuid4()), "type": "board.phase", "data": {"phase": "vote"}},
    )
    page.wait_for_function(
        f"document.querySelector('.tile[data-board-id=\"{board_id}\"] .tile-phase')"
        ".dataset.phase === 'vote'"
    )
    # One control starts the same timer in every group.
    page.fill("#broadcast-minutes", "3")
    page.click("#broadcast-timer button[type=submit]")
    page.locator("#broadcast-status", has_text="Timer started").wait_for()
    tile.locator(".tile-timer:not([hidden])").wait_for()
    assert re.search(r"\d+:\d\d", tile.locator(".tile-timer").inner_text())
    # Tiles share one grid: the same width, and as wide a grid as the boxes around it.
    widths = {
        round(b["width"])
        for b in page.eval_on_selector_all(
            ".tile", "els => els.map((e) => e.getBoundingClientRect().toJSON())"
        )
    }
    assert len(widths) == 1, widths
    tiles_box = page.locator("#tiles").bounding_box()
    broadcast_box = page.locator(".broadcast").bounding_box()
    assert abs(tiles_box["width"] - broadcast_box["width"]) <= 1
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)
    dashboard = api(
        live_server,
        "GET",
        f"/api/events/{live_server.demo['event_id']}/dashboard",
        live_server.demo["organiser_token"],
    )
    assert all(b["timer"]["state"] == "running" for b in dashboard["boards"])
    # The projector view follows the same board, read-only.
    projector = context.new_page()
    projector.goto(f"{live_server.url}/boards/{board_id}/projector")
    projector.locator(".p-note", has_text="Dashboard sees this live").wait_for()
    projector.locator("#projector-timer:not([hidden])").wait_for()


def board_op(live_server, token: str, board_id: int, op_type: str, **data: Any) -> dict:
    return api(
        live_server,
        "POST",
        f"/api/boards/{board_id}/ops",
        token,
        json={"op_id": str(uuid.uuid4()), "type": op_type, "data": data},
    )


def test_facilitator_sidebar_sits_beside_the_board_and_folds_on_phones(
    new_context, live_server, group, artifacts
):
    board_id = group["group"]["board_id"]
    writer = live_server.join("Sidebar S")
    lanes = api(live_server, "GET", f"/api/boards/{board_id}", writer["token"])["lanes"]
    for lane, kind, text in (
        (0, "challenge", "Referral forms differ in each province"),
        (1, "signpost", "One shared referral form"),
        (2, "resource", "Number of cases referred within 48 hours"),
    ):
        board_op(
            live_server,
            writer["token"],
            board_id,
            "note.create",
            lane_id=lanes[lane]["id"],
            kind=kind,
            text=text,
        )
    for n in range(8):  # a board taller than the screen
        board_op(
            live_server,
            writer["token"],
            board_id,
            "note.create",
            lane_id=lanes[0]["id"],
            text=f"Idea {n + 1} from the brainstorm",
        )
    fac = facilitator_page(new_context, live_server, group)
    fac.locator(".note", has_text="One shared referral form").wait_for()
    viewport = fac.viewport_size
    panel = fac.locator("#facilitator-panel").bounding_box()
    lanes_box = fac.locator("#lanes").bounding_box()
    # A ~340 px sidebar on the right, beside (not above) the board.
    assert 300 <= panel["width"] <= 380
    assert panel["x"] + panel["width"] >= viewport["width"] - 1
    assert lanes_box["x"] + lanes_box["width"] <= panel["x"] + 1
    assert panel["y"] < 150 and lanes_box["y"] < 600
    # The essentials are on the first screen, without scrolling the panel.
    for hook in (
        '.fac-phase[data-phase="vote"]',
        '[data-fac="next-phase"]',
        ".fac-timer",
        '[data-fac="timer-start"]',
        '[data-fac="timer-stop"]',
        '[data-fac="private"]',
        '[data-fac="reveal"]',
        '[data-fac="lock"]',
    ):
        box = fac.locator(hook).bounding_box()
        assert box and box["y"] + box["height"] <= viewport["height"], hook
    assert fac.locator('.fac-phase[data-phase="brainstorm"][aria-current="step"]').count() == 1
    # The rest is folded; what the facilitator opens stays open after a reload (per browser).
    votes = fac.locator("details[data-section=votes]")
    assert votes.get_attribute("open") is None
    assert fac.locator(".fac-budget").is_hidden()
    fac.click("details[data-section=votes] > summary")
    fac.locator(".fac-budget").wait_for()
    fac.reload()
    fac.wait_for_selector('#conn[data-state="live"]')
    assert votes.get_attribute("open") is not None
    fac.click("details[data-section=votes] > summary")  # closed again for the screenshot
    # Sticky: scrolling the board leaves the controls in view.
    fac.evaluate("window.scrollTo(0, 700)")
    fac.wait_for_function("window.scrollY > 300")
    assert fac.locator("#facilitator-panel").bounding_box()["y"] >= -1
    assert fac.locator('[data-fac="timer-start"]').bounding_box()["y"] < viewport["height"]
    fac.evaluate("window.scrollTo(0, 0)")
    board_op(live_server, group["facilitator_token"], board_id, "timer.start", seconds=300)
    fac.locator(".fac-timer[data-state=running]").wait_for()
    assert serious_violations(fac) == []
    fac.screenshot(path=str(artifacts / "facilitator-desktop.png"))

    # A phone: "Facilitator controls" is a closed disclosure above the board.
    phone = new_context(phone=True).new_page()
    phone.goto(group["facilitator_url"].replace("http://localhost", live_server.url))
    phone.wait_for_selector('#conn[data-state="live"]')
    toggle = phone.locator(".fac-disclosure")
    toggle.wait_for()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "fac-body"
    assert phone.locator('[data-fac="timer-start"]').is_hidden()
    assert phone.locator(".lane").first.bounding_box()["y"] < 740
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    phone.locator('[data-fac="timer-start"]').wait_for()
    assert serious_violations(phone) == []
    phone.screenshot(path=str(artifacts / "facilitator-phone.png"))


def test_make_a_commitment_from_a_signpost(new_context, live_server, group):
    board_id = group["group"]["board_id"]
    writer = live_server.join("Signpost S")
    lanes = api(live_server, "GET", f"/api/boards/{board_id}", writer["token"])["lanes"]
    made = board_op(
        live_server,
        writer["token"],
        board_id,
        "note.create",
        lane_id=lanes[1]["id"],
        kind="signpost",
        text="Train border officials together",
    )
    note_id = made["result"]["note"]["id"]
    fac = facilitator_page(new_context, live_server, group)
    signpost = fac.locator(f'.note[data-id="{note_id}"]')
    signpost.wait_for()
    assert signpost.locator(".note-commit").count() == 0  # only in the Commit phase
    fac.click('.fac-phase[data-phase="commit"]')
    signpost.locator(".note-commit").wait_for()
    assert (
        fac.locator(".note.kind-challenge .note-commit, .note.kind-resource .note-commit").count()
        == 0
    )
    signpost.locator(".note-commit").click()
    section = fac.locator("details[data-section=commitment]")
    assert section.get_attribute("open") is not None
    assert fac.locator('[data-fac="commitment-source"]').input_value() == str(note_id)
    owner = section.locator("input[required]")
    fac.wait_for_function("document.activeElement && document.activeElement.required")
    owner.fill("Provincial police academy")
    section.locator("button[type=submit]").click()
    fac.locator(".note.kind-commitment", has_text="Train border officials together").wait_for()
    board = api(live_server, "GET", f"/api/boards/{board_id}", writer["token"])
    made = [
        n
        for n in board["notes"]
        if n["kind"] == "commitment"
        and (n.get("commitment") or {}).get("source_note_id") == note_id
    ]
    assert made and made[0]["commitment"]["owner_name"] == "Provincial police academy"


def test_projector_shows_kinds_votes_clusters_and_the_spotlight(
    new_context, live_server, group, artifacts
):
    board_id = group["group"]["board_id"]
    token = group["facilitator_token"]
    writer = live_server.join("Projector P")
    lanes = api(live_server, "GET", f"/api/boards/{board_id}", writer["token"])["lanes"]
    ids = {}
    for lane, kind, text in (
        (0, "challenge", "ការកំណត់អត្តសញ្ញាណជនរងគ្រោះឱ្យបានឆាប់ និងការបញ្ជូនទៅកាន់សេវាកម្មគាំទ្រ"),
        (0, "question", "လူကုန်ကူးခံရသူများကို စောစီးစွာ ဖော်ထုတ်ပြီး ထောက်ပံ့ရေးဝန်ဆောင်မှုများသို့ လွှဲပြောင်းပေးခြင်း"),
        (0, "question", "Who pays for interpreters?"),
        (1, "signpost", "A shared referral form for border provinces"),
        (2, "resource", "Cases referred within 48 hours"),
    ):
        made = board_op(
            live_server,
            writer["token"],
            board_id,
            "note.create",
            lane_id=lanes[lane]["id"],
            kind=kind,
            text=text,
        )
        ids[text] = made["result"]["note"]["id"]
    khmer, burmese, interpreters, signpost, _resource = ids.values()
    board_op(live_server, token, board_id, "board.phase", phase="vote")
    for voter in ("V1", "V2", "V3"):
        who = live_server.join(f"Voter {voter}")
        for note_id in (khmer, signpost):
            board_op(live_server, who["token"], board_id, "vote.add", note_id=note_id)
    cluster = board_op(
        live_server,
        token,
        board_id,
        "cluster.create",
        note_ids=[burmese, interpreters],
        title="Language access",
    )
    board_op(live_server, token, board_id, "board.spotlight", note_id=signpost)
    board_op(live_server, token, board_id, "board.message", text="Back in the plenary at 15:30")
    board_op(live_server, token, board_id, "timer.start", seconds=600)

    page = facilitator_page(new_context, live_server, group).context.new_page()
    page.goto(f"{live_server.url}/boards/{board_id}/projector")
    page.locator(".p-note", has_text="Cases referred").wait_for()
    # Every note shows its kind as an icon and a word, not only a colour.
    kinds = page.eval_on_selector_all(
        ".p-note",
        "els => els.map((e) => [e.className, e.querySelector('.p-kind-name')?.textContent])",
    )
    assert kinds and all(name and name.strip() for _, name in kinds), kinds
    card = page.locator(f'.p-note[data-note-id="{khmer}"]')
    assert card.locator(".p-kind-name").text_content() == "Challenge"
    assert card.locator(".p-kind-icon").text_content() == "!"
    # Votes on their own line under the text (never over a Khmer or Burmese line).
    text_box = card.locator(".p-text").bounding_box()
    votes_box = card.locator(".p-votes").bounding_box()
    assert card.locator(".p-votes").inner_text() == "● 3 votes"
    assert votes_box["y"] >= text_box["y"] + text_box["height"] - 1
    # Large type for a room.
    size = page.evaluate(
        "(id) => parseFloat(getComputedStyle(document.querySelector("
        '`.p-note[data-note-id="${id}"] .p-text`)).fontSize)',
        khmer,
    )
    assert size >= 24
    # A cluster is a card with its notes inside, not loose in the lane.
    box = page.locator(f'.p-cluster[data-note-id="{cluster["result"]["cluster_id"]}"]')
    assert "Language access" in box.locator(".p-cluster-title").inner_text()
    for note_id in (burmese, interpreters):
        box.locator(f'.p-cluster-members .p-note[data-note-id="{note_id}"]').wait_for()
        assert page.locator(f'.p-note[data-note-id="{note_id}"]').count() == 1
    assert "2 notes inside" in box.locator(".p-cluster-meta").inner_text()
    # The spotlight (on top, and marked in its lane), the message as a banner, the timer big.
    spot = page.locator("#projector-spotlight")
    assert "A shared referral form" in spot.inner_text()
    page.locator(f'.p-lane .p-note.spotlit[data-note-id="{signpost}"]').wait_for()
    assert page.locator("#projector-message").inner_text() == "Back in the plenary at 15:30"
    timer = page.locator("#projector-timer")
    timer.wait_for()
    assert re.search(r"\d+:\d\d", timer.inner_text())
    assert (
        page.evaluate(
            "parseFloat(getComputedStyle(document.getElementById('projector-timer')).fontSize)"
        )
        >= 48
    )
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "projector.png"), full_page=True)


def test_organiser_renders_the_event_report_while_the_boards_are_busy(
    new_context, live_server, artifacts
):
    """The organiser clicks "Render": while participants type fast the panel says it waits for
    the boards; when they stop, the report is laid out and listed for download."""
    page = new_context().new_page()
    page.goto(f"{live_server.url}/organise/{live_server.demo['organiser_token']}")
    page.wait_for_selector('#conn[data-state="online"]')
    writer = live_server.join("Fast typist")
    board = live_server.board_id(0)
    lane = lanes_of(live_server, board)[0]
    client = socketio.Client()
    client.connect(live_server.url, auth={"token": writer["token"]}, transports=["websocket"])
    typing = threading.Event()
    typing.set()

    def type_fast() -> None:  # ~16 ops a second: above REPORT_YIELD_OPS
        while typing.is_set():
            assert create_note(client, board, lane, "Typed while the report waits")["ok"]
            time.sleep(0.05)

    try:
        assert client.call("board:join", {"board_id": board}, timeout=10)["ok"]
        sender = threading.Thread(target=type_fast, daemon=True)
        sender.start()
        time.sleep(1.5)
        before = page.locator(".exports-list a").count()
        page.click(".exports-render")
        state = page.locator(".exports-state")
        state.filter(has_text="Waiting for a quieter moment on the boards").wait_for(timeout=20000)
        page.screenshot(path=str(artifacts / "exports-waiting.png"))
        assert page.locator(".exports-render").is_disabled()
    finally:
        typing.clear()
        sender.join(10)
        client.disconnect()
    state.filter(has_text="Done").wait_for(timeout=60000)
    page.wait_for_function(
        f"document.querySelectorAll('.exports-list a').length === {before + 1}", timeout=10000
    )
    link = page.locator(".exports-list a").first
    assert re.fullmatch(r"event-\d+-report-\d{8}-\d{6}(-\d+)?\.pdf", link.inner_text())
    pdf = page.request.get(live_server.url + link.get_attribute("href"))  # as the cookie allows
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
    assert not page.locator(".exports-render").is_disabled()
    page.screenshot(path=str(artifacts / "exports-done.png"))
