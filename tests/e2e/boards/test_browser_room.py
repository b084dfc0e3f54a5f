"""Real Chromium, three screens on one board (issue 16): a facilitator on a laptop, a
participant on a 360x740 phone and the projector at 1920x1080. The room's state reaches every
screen: private writing, lock, the vote (hidden results, the ready check), the spotlight and
"bring everyone"; screenshots of each state land in test-artifacts/."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support.browser import add_note, api, facilitator_page, participant_page, serious_violations

pytestmark = pytest.mark.e2e

PROJECTOR = {"width": 1920, "height": 1080}


@pytest.fixture
def room(live_server, new_context) -> dict[str, Any]:
    name = f"Room {uuid.uuid4().hex[:6]}"
    group = api(
        live_server,
        "POST",
        f"/api/events/{live_server.demo['event_id']}/groups",
        live_server.demo["organiser_token"],
        json={"name": name, "template": "challenges-signposts-commitments"},
    )
    board_id = group["group"]["board_id"]
    errors: list[str] = []

    def watch(page: Any, who: str) -> Any:
        page.on("console", lambda m: m.type == "error" and errors.append(f"{who}: {m.text}"))
        page.on("pageerror", lambda e: errors.append(f"{who}: {e}"))
        return page

    fac = watch(facilitator_page(new_context, live_server, group), "facilitator")
    phone_ctx = new_context(phone=True)
    phone = phone_ctx.new_page()
    watch(phone, "phone")
    phone.goto(f"{live_server.url}/join/{live_server.demo['join_code']}")
    phone.fill("#name", "Mai")
    phone.click("form.stack button[type=submit]")
    phone.wait_for_load_state()
    phone.goto(f"{live_server.url}/boards/{board_id}")
    phone.wait_for_selector('#conn[data-state="live"]')
    projector = new_context(viewport=PROJECTOR).new_page()
    watch(projector, "projector")
    # The projector is the facilitator's second screen: signed in by the same secret link.
    projector.goto(group["facilitator_url"].replace("http://localhost", live_server.url))
    projector.goto(f"{live_server.url}/boards/{board_id}/projector")
    yield {
        "group": group,
        "board_id": board_id,
        "fac": fac,
        "phone": phone,
        "projector": projector,
        "errors": errors,
        "ana": watch(participant_page(new_context, live_server, "Ana", board_id), "ana"),
    }
    assert errors == [], errors  # zero console errors on every screen


def banner(page: Any, key: str) -> Any:
    return page.locator(f'#room-state [data-room="{key}"]')


def test_every_screen_shows_the_state_of_the_room(room, artifacts):
    fac, phone, ana = room["fac"], room["phone"], room["ana"]
    # Private writing: the phone says so, in words, in the announced banner.
    fac.click('[data-fac="private"]')
    banner(phone, "private").wait_for()
    assert "hidden until the facilitator reveals them" in banner(phone, "private").inner_text()
    assert phone.locator("#room-state .room-items[aria-live=polite]").count() == 1
    phone.wait_for_function(
        "() => document.getElementById('announcer').textContent.includes('Private writing is on')"
    )
    phone.screenshot(path=str(artifacts / "room-phone-private.png"))
    fac.click('[data-fac="private"]')
    banner(phone, "private").wait_for(state="detached")

    # Lock: "read-only" on the participant's screen, not only missing buttons.
    fac.click('[data-fac="lock"]')
    banner(phone, "locked").wait_for()
    assert "Read-only" in banner(phone, "locked").inner_text()
    assert phone.locator("#add-note").is_disabled()
    phone.screenshot(path=str(artifacts / "room-phone-locked.png"))
    fac.click('[data-fac="lock"]')
    banner(phone, "locked").wait_for(state="detached")
    assert serious_violations(phone) == []

    # A note far down, then the spotlight: every device scrolls to it and says it.
    add_note(ana, "Spotlight this one")
    fac.locator(".note", has_text="Spotlight this one").wait_for()
    phone.locator(".note", has_text="Spotlight this one").wait_for(state="attached")
    fac.locator("details[data-section=spotlight] summary").click()
    fac.locator("details[data-section=spotlight] select").select_option(label="Spotlight this one")
    fac.locator("details[data-section=spotlight] button").first.click()
    banner(phone, "spotlight").wait_for()
    spot = phone.locator(".note.spotlight", has_text="Spotlight this one")
    spot.wait_for()
    phone.wait_for_function(
        """() => { const n = document.querySelector('#lanes .note.spotlight');
                   const r = n && n.getBoundingClientRect();
                   return r && r.top >= 0 && r.bottom <= innerHeight; }"""
    )
    phone.wait_for_function(
        "() => document.getElementById('announcer').textContent.includes('In the spotlight')"
    )
    phone.screenshot(path=str(artifacts / "room-phone-spotlight.png"))
    fac.screenshot(path=str(artifacts / "room-facilitator-spotlight.png"))


def test_bring_everyone_and_come_back_with_one_tap(room, artifacts):
    fac, phone, projector = room["fac"], room["phone"], room["projector"]
    lanes = fac.evaluate("() => window.RoadmapBoard.state.board.lanes.map(l => [l.id, l.title])")
    last_id, last_title = lanes[-1]
    # On the phone one lane shows at a time: the first.
    phone.wait_for_function(f"() => document.getElementById('lane-{lanes[0][0]}').hidden === false")
    fac.locator("#room-bring-lane").select_option(str(last_id))
    fac.locator('[data-room-action="bring-lane"]').click()
    phone.wait_for_function(f"() => document.getElementById('lane-{last_id}').hidden === false")
    assert last_title in banner(phone, "bring").inner_text()
    phone.wait_for_function(
        "() => document.getElementById('announcer').textContent.includes('brought everyone')"
    )
    phone.screenshot(path=str(artifacts / "room-phone-brought.png"))
    # Step away (another lane), then one tap brings the participant back.
    phone.locator(f".lane-tab[data-lane-id='{lanes[0][0]}']").click()
    phone.wait_for_function(f"() => document.getElementById('lane-{last_id}').hidden === true")
    phone.locator('[data-room-action="bring"]').click()
    phone.wait_for_function(f"() => document.getElementById('lane-{last_id}').hidden === false")
    # The projector follows the facilitator too.
    projector.wait_for_function(
        f"() => document.querySelector('[data-lane-id=\"{last_id}\"].p-followed') !== null"
    )
    projector.screenshot(path=str(artifacts / "room-projector-brought.png"))


def test_hidden_vote_results_and_the_ready_check(room, artifacts):
    fac, phone, ana = room["fac"], room["phone"], room["ana"]
    add_note(ana, "Vote on me")
    phone.locator(".note", has_text="Vote on me").wait_for(state="attached")
    fac.locator('[data-phase="vote"]').click()
    fac.locator("#room-hide-results").check()
    phone.wait_for_function(
        "() => window.RoadmapBoard.state.board.facilitation.results_hidden === true"
    )
    banner(phone, "vote").wait_for()
    assert "Results are hidden" in banner(phone, "vote").inner_text()
    assert "Votes left: 5 of 5" in banner(phone, "vote").inner_text()
    ana.locator(".note", has_text="Vote on me").locator(".note-vote").click()
    fac.locator(".note", has_text="Vote on me").locator(".note-meta", has_text="1 vote").wait_for()
    # Not one count reached the phone: the state it holds has none.
    counts = phone.evaluate(
        "() => Array.from(window.RoadmapBoard.state.notes.values()).map(n => n.votes)"
    )
    assert all(c is None for c in counts), counts
    note = phone.locator(".note", has_text="Vote on me")
    assert "votes hidden" in note.locator(".note-meta").inner_text()
    # The ready check: the phone says it is done, the facilitator sees the count.
    phone.locator('[data-room-action="ready"]').click()
    fac.locator(".room-ready-staff", has_text="1 of").wait_for()
    phone.locator('[data-room-action="ready"][aria-pressed="true"]').wait_for()
    phone.screenshot(path=str(artifacts / "room-phone-vote-hidden.png"))
    fac.screenshot(path=str(artifacts / "room-facilitator-vote.png"))
    assert serious_violations(phone) == []
    # Ending the vote shows everyone the results.
    fac.locator('[data-room-action="end-vote"]').click()
    phone.locator(".note", has_text="Vote on me").locator(
        ".note-meta", has_text="1 vote"
    ).wait_for()
    fac.locator("#sort-votes").wait_for()  # sorting by votes is offered again
    phone.screenshot(path=str(artifacts / "room-phone-vote-ended.png"))


def test_group_notes_by_keyboard_and_by_drag(room, artifacts):
    fac, phone, ana = room["fac"], room["phone"], room["ana"]
    for text in ("Fund shelters", "Shelter funding gap", "More shelter staff"):
        add_note(ana, text)
        fac.locator(".note", has_text=text).wait_for()
    # Keyboard: G on one note, G on the other.
    fac.locator(".note", has_text="Shelter funding gap").focus()
    fac.keyboard.press("g")
    fac.locator(".note.group-picked").wait_for()
    fac.locator(".note", has_text="Fund shelters").focus()
    fac.keyboard.press("g")
    card = fac.locator(".cluster-card", has_text="Fund shelters")
    card.wait_for()
    phone.locator(".cluster-card", has_text="Fund shelters").wait_for(state="attached")
    assert "2 notes inside" in card.inner_text()
    # Drag: hold a note over the middle of another one, then let go.
    add_note(ana, "Spotlight me")
    fac.locator(".note", has_text="Spotlight me").wait_for()
    # The browser's drag events as SortableJS gets them on a desktop (Playwright's drag does
    # not hold still over a target); SortableJS itself is kept out of this synthetic drag.
    held = fac.evaluate(
        """async ([from, to]) => {
          const find = (t) => Array.from(
              document.querySelectorAll('#lanes .note:not(.cluster-card)'))
            .find((n) => n.querySelector('.note-text').textContent === t);
          const src = find(from), tgt = find(to);
          const keepSortableOut = (e) => e.stopPropagation();
          document.querySelectorAll('.note-list').forEach((l) => ['dragstart', 'dragover'].forEach(
            (type) => l.addEventListener(type, keepSortableOut, true)));
          const dt = new DataTransfer();
          src.dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: dt }));
          const r = tgt.getBoundingClientRect();
          const over = () => tgt.dispatchEvent(new DragEvent('dragover', {
            bubbles: true, cancelable: true, dataTransfer: dt,
            clientX: r.x + r.width / 2, clientY: r.y + r.height / 2 }));
          over();
          await new Promise((done) => setTimeout(done, 650));
          over();
          const marked = tgt.classList.contains('group-target');
          src.dispatchEvent(new DragEvent('dragend', { bubbles: true, dataTransfer: dt }));
          return marked;
        }""",
        ["More shelter staff", "Spotlight me"],
    )
    assert held is True
    fac.locator(".cluster-card", has_text="Spotlight me").wait_for()
    fac.screenshot(path=str(artifacts / "room-facilitator-grouped.png"))


DRAG_ONTO = """async ([from, to, onCluster]) => {
  const text = (n) => n.querySelector(':scope > .note-text').textContent;
  const src = Array.from(document.querySelectorAll('#lanes .note:not(.cluster-card)'))
    .find((n) => text(n) === from);
  const sel = onCluster ? '#lanes .cluster-card' : '#lanes .note';
  const tgt = Array.from(document.querySelectorAll(sel))
    .find((n) => text(n) === to);
  const keepSortableOut = (e) => e.stopPropagation();
  document.querySelectorAll('.note-list').forEach((l) => ['dragstart', 'dragover'].forEach(
    (type) => l.addEventListener(type, keepSortableOut, true)));
  const dt = new DataTransfer();
  src.dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: dt }));
  const head = onCluster ? tgt.querySelector('.cluster-title') : tgt;
  const r = head.getBoundingClientRect();
  const over = () => head.dispatchEvent(new DragEvent('dragover', {
    bubbles: true, cancelable: true, dataTransfer: dt,
    clientX: r.x + r.width / 2, clientY: r.y + r.height / 2 }));
  over();
  await new Promise((done) => setTimeout(done, 650));
  over();
  const marked = tgt.classList.contains('group-target');
  src.dispatchEvent(new DragEvent('dragend', { bubbles: true, dataTransfer: dt }));
  return marked;
}"""


def lane_counts_agree(page) -> list[tuple[str, str]]:
    """Each lane's tab count and header count ("N notes"), as the page shows them."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#lanes .lane')).map((lane) => {
             const tab = document.querySelector(`.lane-tab[data-lane-id="${lane.dataset.laneId}"]`);
             return [tab ? tab.querySelector('.tab-count').textContent : '',
                     lane.querySelector('.lane-count').textContent.replace(/\\D+/g, '')];
           })"""
    )


def test_add_a_note_to_an_existing_cluster_by_drag_and_by_keyboard(room, artifacts):
    """Issue 16 item 5: a note dropped on a cluster card, or on a note inside a cluster, joins
    that cluster (cluster.add); G then G on the cluster does the same; counts agree."""
    fac, phone, ana = room["fac"], room["phone"], room["ana"]
    tag = uuid.uuid4().hex[:4]
    names = [f"{w} {tag}" for w in ("Beds", "Blankets", "Food", "Water")]
    for text in names:
        add_note(ana, text)
        fac.locator(".note", has_text=text).wait_for()
    fac.locator(".note", has_text=names[1]).focus()
    fac.keyboard.press("g")
    fac.locator(".note.group-picked").wait_for()
    fac.locator(".note", has_text=names[0]).focus()
    fac.keyboard.press("g")
    card = fac.locator(".cluster-card", has_text=names[0])
    card.wait_for()
    assert "2 notes inside" in card.inner_text()
    # Drag onto the cluster card's title: the note joins it.
    assert fac.evaluate(DRAG_ONTO, [names[2], names[0], True]) is True
    card.locator(".note-meta", has_text="3 notes inside").first.wait_for()
    # Keyboard: G on a loose note, G on the cluster card.
    fac.locator(".note:not(.cluster-card)", has_text=names[3]).first.focus()
    fac.keyboard.press("g")
    fac.locator(".note.group-picked").wait_for()
    card.focus()
    fac.keyboard.press("g")
    card.locator(".note-meta", has_text="4 notes inside").first.wait_for()
    phone.locator(".cluster-card", has_text=names[3]).wait_for(state="attached")
    # Every note of the cluster is in its lane on every screen: tab and header agree.
    fac.wait_for_function("() => !document.querySelector('#conn').textContent.includes('·')")
    for page in (fac, phone):
        counts = lane_counts_agree(page)
        assert all(tab == head for tab, head in counts), counts
    fac.screenshot(path=str(artifacts / "room-facilitator-cluster-add.png"))


def test_several_dots_on_one_note(room, artifacts):
    fac, phone, ana = room["fac"], room["phone"], room["ana"]
    add_note(ana, "Worth three dots")
    phone.locator(".note", has_text="Worth three dots").wait_for(state="attached")
    fac.locator('[data-phase="vote"]').click()
    fac.fill("#room-per-note", "3")
    fac.locator("#room-per-note + button").click()
    phone.wait_for_function(
        "() => window.RoadmapBoard.state.board.facilitation.vote_max_per_note === 3"
    )
    note = phone.locator(".note", has_text="Worth three dots")
    note.locator(".note-vote").click()
    note.locator(".note-vote[aria-pressed=true]").wait_for()
    phone.wait_for_function(
        "() => !document.querySelector('#conn').textContent.includes('waiting')"
    )
    note.locator(".note-vote-more").click()
    note.locator(".note-vote", has_text="×2").wait_for()
    note.locator(".note-vote-more").click()
    note.locator(".note-vote", has_text="×3").wait_for()
    assert note.locator(".note-vote-more").is_hidden()  # 3 of 3 on this note
    banner(phone, "vote").locator(".room-votes-left", has_text="2 of 5").wait_for()
    fac.locator(".note", has_text="Worth three dots").locator(
        ".note-meta", has_text="3 votes"
    ).wait_for()
    phone.screenshot(path=str(artifacts / "room-phone-three-dots.png"))
    note.locator(".note-vote").click()  # takes one back
    note.locator(".note-vote", has_text="×2").wait_for()
