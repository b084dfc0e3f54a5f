"""The two bugs of writes outside the op core, over real websockets on a real server."""

from __future__ import annotations

import re

import pytest
import requests
from support.peers import wait_for

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


def organiser_session(live_server, email: str) -> requests.Session:
    live_server.env["ORGANISER_PASSWORD"] = PASSWORD
    try:
        live_server.flask("create-organiser", "--email", email, "--name", "Lea")
    finally:
        del live_server.env["ORGANISER_PASSWORD"]
    web = requests.Session()
    web.headers["Origin"] = live_server.url
    page = web.get(live_server.url + "/organise/login", timeout=10).text
    form = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    res = web.post(
        live_server.url + "/organise/login",
        data={"email": email, "password": PASSWORD, "csrf_token": form},
        allow_redirects=False,
        timeout=10,
    )
    assert res.status_code in (302, 303), res.text
    return web


def test_a_new_account_broadcasts_to_every_open_board(live_server, peers):
    web = organiser_session(live_server, "broadcaster@example.org")
    board = live_server.board_id(3)
    ana = peers("Ana")
    ana.join(board)
    res = web.post(
        f"{live_server.url}/api/events/{live_server.demo['event_id']}/broadcast",
        json={"message": "Back in the plenary at 15:30"},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    assert wait_for(
        lambda: any(
            m["type"] == "board.message"
            and m["result"]["facilitation"]["message"] == "Back in the plenary at 15:30"
            for m in ana.received
        )
    )


def test_renaming_a_group_reaches_open_boards_and_catch_up(live_server, peers):
    org = {"Authorization": f"Bearer {live_server.demo['organiser_token']}"}
    made = requests.post(
        f"{live_server.url}/api/events/{live_server.demo['event_id']}/groups",
        json={"name": "Survivor-led advocacy"},
        headers=org,
        timeout=10,
    )
    assert made.status_code == 201, made.text
    group = made.json()["group"]
    ana, ben = peers("Ana"), peers("Ben")
    seq = ana.join(group["board_id"])["snapshot"]["seq"]
    ben.join(group["board_id"])
    res = requests.patch(
        f"{live_server.url}/api/groups/{group['id']}",
        json={"name": "Survivor-led advocacy and care"},
        headers=org,
        timeout=10,
    )
    assert res.status_code == 200, res.text
    for peer in (ana, ben):
        assert wait_for(
            lambda peer=peer: any(
                m["type"] == "board.retitle"
                and m["result"]["board"]["title"] == "Survivor-led advocacy and care"
                for m in peer.received
            )
        )
    ana.close()
    late = peers("Ana again", token=ana.token)
    again = late.join(group["board_id"], since=seq)
    assert [op["type"] for op in again["ops"]] == ["board.retitle"]
    assert again["ops"][0]["result"]["board"]["title"] == "Survivor-led advocacy and care"
