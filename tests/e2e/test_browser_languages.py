"""The new UI languages in Chromium: phones at 360 px, the served note fonts, axe."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support.browser import api, serious_violations, wait_live

SHOTS = ["km", "my", "lo", "zh_Hans", "vi"]


def new_group(server: Any, name: str) -> dict[str, Any]:
    """A fresh group (an empty board) made by the demo's organiser."""
    event_id = server.demo["event_id"]
    made = api(server, "POST", f"/api/events/{event_id}/groups", server.demo["organiser_token"],
               json={"name": name})  # fmt: skip
    return made["group"]


def open_board(context: Any, server: Any, board_id: int, lang: str, name: str) -> Any:
    """Join through the join page in `lang` (its picker), then open the board."""
    page = context.new_page()
    page.goto(f"{server.url}/join/{server.demo['join_code']}?lang={lang}")
    page.fill("#name", name)
    page.select_option("#language", lang)
    page.click("form.stack button[type=submit]")
    page.goto(f"{server.url}/boards/{board_id}")
    wait_live(page)
    return page


def clipped(page: Any) -> list[str]:
    """Elements whose text is cut off: wider or taller than their box, with overflow hidden."""
    return page.evaluate(
        """() => {
      const out = [];
      for (const el of document.querySelectorAll('body *')) {
        if (!el.offsetParent || !el.textContent.trim() || el.children.length > 3) continue;
        const hidden = el.closest('.visually-hidden, .sr-only');
        if (hidden || el.getBoundingClientRect().width <= 2) continue;
        const s = getComputedStyle(el);
        const cuts = (v) => v === 'hidden' || v === 'clip';
        const hides = cuts(s.overflowX) || cuts(s.overflowY);
        const wider = el.scrollWidth > el.clientWidth + 2;
        const taller = el.scrollHeight > el.clientHeight + 2;
        const ellipsis = s.textOverflow === 'ellipsis' && wider;
        if (ellipsis || (hides && (wider || taller))) out.push(el.outerHTML.slice(0, 120));
      }
      const wide = document.documentElement.scrollWidth > window.innerWidth + 1;
      if (wide) out.push('page wider than the screen: ' + document.documentElement.scrollWidth);
      return out;
    }"""
    )


@pytest.mark.parametrize("lang", SHOTS)
def test_phone_board_in_the_language_has_no_clipped_text(live_server, new_context, artifacts, lang):
    context = new_context(phone=True)
    page = open_board(context, live_server, live_server.board_id(1), lang, f"Phone {lang}")
    html_lang = "zh-Hans" if lang == "zh_Hans" else lang
    assert page.get_attribute("html", "lang") == html_lang
    page.wait_for_selector(".note")
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(artifacts / f"board-360-{lang}.png"), full_page=True)
    assert clipped(page) == []
    # The page's own words are in the language: the lane titles come from the catalogue.
    titles = page.locator(".lane-title").all_inner_texts()
    assert titles and not any(t.strip().startswith(("Challenges", "Signposts")) for t in titles)


def test_a_khmer_board_draws_with_the_served_font(live_server, new_context, artifacts):
    group = new_group(live_server, f"Khmer only {uuid.uuid4().hex[:4]}")
    context = new_context(phone=True, service_workers="block")
    fonts: list[str] = []
    context.on("requestfinished", lambda r: fonts.append(r.url) if ".woff2" in r.url else None)
    who = live_server.join("Sokha", language="km")
    api(live_server, "POST", f"/api/boards/{group['board_id']}/ops", who["token"], json={
        "op_id": str(uuid.uuid4()), "type": "note.create",
        "data": {"lane_id": lane_id(live_server, group["board_id"], who["token"]),
                 "text": "ការការពារជនរងគ្រោះនៅតាមព្រំដែន"},
    })  # fmt: skip
    page = open_board(context, live_server, group["board_id"], "km", "Dara")
    page.wait_for_selector(".note-text[lang=km]")
    page.wait_for_function("document.fonts.check('16px \"Roadmap Khmer\"', 'ក')")
    assert any(url.endswith("/static/fonts/noto-sans-khmer.woff2") for url in fonts), fonts
    # The font Chromium really drew the note with: the served (custom) face, not a system one.
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": ".note-text[lang=km]"})
    used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    khmer = [f for f in used if "Khmer" in f["familyName"]]
    assert khmer and all(f["isCustomFont"] for f in khmer), used
    assert not any(url.endswith("noto-sans-sc.woff2") for url in fonts)  # no Chinese: not loaded
    page.screenshot(path=str(artifacts / "board-khmer-only.png"), full_page=True)


def lane_id(server: Any, board_id: int, token: str) -> int:
    return api(server, "GET", f"/api/boards/{board_id}", token)["lanes"][0]["id"]


def test_a_latin_board_downloads_no_note_font(live_server, new_context):
    group = new_group(live_server, f"Latin only {uuid.uuid4().hex[:4]}")
    context = new_context(service_workers="block")
    page = open_board(context, live_server, group["board_id"], "en", "Lee")
    page.wait_for_load_state("networkidle")
    sizes = page.evaluate(
        "performance.getEntriesByType('resource').map(e => [e.name, e.transferSize])"
    )
    fonts = [name for name, _ in sizes if name.endswith(".woff2")]
    # Only the picker's tiny faces (each language's own name, a few KB): no note font.
    assert all(name.endswith("-names.woff2") for name in fonts), fonts
    total = sum(size for _, size in sizes)
    print(f"Latin-only board: {total / 1024:.0f} KB of resources, fonts {fonts}")
    assert sum(size for name, size in sizes if name in fonts) < 16 * 1024


@pytest.mark.parametrize("lang", ["km", "vi"])
def test_axe_is_clean_in_the_new_language(live_server, new_context, lang):
    context = new_context()
    page = open_board(context, live_server, live_server.board_id(0), lang, f"Axe {lang}")
    page.wait_for_selector(".note")
    assert serious_violations(page) == []
    join = context.new_page()
    join.goto(f"{live_server.url}/join/{live_server.demo['join_code']}?lang={lang}")
    assert serious_violations(join) == []
