"""The action tracker: filters, sort, counts, exports of exactly the filtered rows."""

from __future__ import annotations

import csv
import io

from icalendar import Calendar
from openpyxl import load_workbook
from support.api import auth, new_op, sign_in_with_link


def commitments(client, demo) -> list[dict]:
    res = client.get(
        f"/api/events/{demo['event_id']}/commitments", headers=auth(demo["organiser_token"])
    )
    assert res.status_code == 200, res.get_json()
    return res.get_json()["items"]


def test_every_commitment_with_filters_and_counts(client, demo, join):
    org = auth(demo["organiser_token"])
    rows = commitments(client, demo)
    assert len(rows) >= 4 and all(r["status"] == "not_started" for r in rows)
    assert "contact_email" not in str(rows)
    first = rows[0]
    board = first["board_id"]
    group = first["group"]["id"]
    fac = next(g["facilitator_token"] for g in demo["groups"] if g["board_id"] == board)
    ack = client.post(
        f"/api/boards/{board}/ops",
        json=new_op("commitment.status", note_id=first["id"], status="blocked"),
        headers=auth(fac),
    ).get_json()
    assert ack["ok"], ack
    url = f"/api/events/{demo['event_id']}/commitments"
    got = client.get(f"{url}?status=blocked", headers=org).get_json()
    assert [r["id"] for r in got["items"]] == [first["id"]] and got["total"] == 1
    assert got["counts"][0]["counts"]["blocked"] == 1
    by_group = client.get(f"{url}?group_id={group}", headers=org).get_json()["items"]
    assert by_group and {r["group"]["id"] for r in by_group} == {group}
    org_name = first["organisation"]
    by_org = client.get(f"{url}?organisation={org_name[:4].lower()}", headers=org).get_json()[
        "items"
    ]
    assert first["id"] in [r["id"] for r in by_org]
    assert all(org_name[:4].lower() in r["organisation"].lower() for r in by_org)
    late = client.get(f"{url}?overdue=true", headers=org).get_json()["items"]
    assert all(r["overdue"] for r in late)
    counts = client.get(url, headers=org).get_json()["counts"]
    assert sum(g["total"] for g in counts) == len(rows)
    desc = client.get(f"{url}?sort=owner&order=desc", headers=org).get_json()["items"]
    owners = [r["owner"].casefold() for r in desc]
    assert owners == sorted(owners, reverse=True)
    for bad in ("status=maybe", "overdue=perhaps", "sort=secret", "group_id=x"):
        res = client.get(f"{url}?{bad}", headers=org)
        assert res.status_code == 400 and res.get_json()["error"]["code"] == "invalid"
    ana = join("Ana")["token"]
    assert client.get(url, headers=auth(ana)).status_code == 403
    assert client.get(url).status_code == 401


def test_exports_hold_exactly_the_filtered_rows(client, demo):
    org = auth(demo["organiser_token"])
    rows = commitments(client, demo)
    group = rows[0]["group"]["id"]
    wanted = {r["id"] for r in rows if r["group"]["id"] == group}
    base = f"/api/events/{demo['event_id']}/commitments"
    res = client.get(f"{base}.csv?group_id={group}", headers=org)
    assert res.status_code == 200 and res.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(res.data.decode("utf-8-sig"))))
    texts = {r["text"] for r in rows if r["id"] in wanted}
    assert {line[1] for line in table[1:]} == texts
    res = client.get(f"{base}.xlsx?group_id={group}", headers=org)
    sheet = load_workbook(io.BytesIO(res.data)).active
    assert {row[1].value for row in sheet.iter_rows(min_row=2)} == texts
    res = client.get(f"{base}.ics?group_id={group}", headers=org)
    events = Calendar.from_ical(res.data).walk("VEVENT")
    dated = {r["id"] for r in rows if r["id"] in wanted and r["due_date"]}
    assert len(events) == len(dated)
    assert all(e.walk("VALARM") for e in events)


def test_the_tracker_page(client, demo):
    sign_in_with_link(client, f"/organise/{demo['organiser_token']}")
    page = client.get(f"/organise/events/{demo['event_id']}/commitments?sort=group")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    html = page.get_data(as_text=True)
    rows = commitments(client, demo)
    assert all(r["text"] in html for r in rows)
    assert 'class="status-chart"' in html and "sc-seg sc-not_started" in html
    assert f"/api/events/{demo['event_id']}/commitments.csv?sort=group" in html
    dashboard = client.get(f"/organise/events/{demo['event_id']}").get_data(as_text=True)
    assert f"/organise/events/{demo['event_id']}/commitments" in dashboard  # in the event nav
    res = client.get(f"/organise/events/{demo['event_id']}/commitments?status=x")
    assert res.status_code == 400
