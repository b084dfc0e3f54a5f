"""The demo event: the Asia Region Anti-Trafficking Conference's five breakout groups (seed 003)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from . import ops
from .extensions import db
from .identity import hash_token, new_token, participant_for_token
from .joining.participants import add_participant
from .models import Board, Event, Group, Participant
from .organise.groups import add_group, rotate_facilitator_link

EVENT_NAME = "Asia Region Anti-Trafficking Conference"

# (group, template, description, [(lane key, kind, text)])
GROUPS: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        "The Legal Route",
        "outcome-output-indicator",
        "Law as the foundation for social change: enforcement, access to justice, victims' rights.",
        [
            ("outcomes", "signpost", "Victims of trafficking are identified"),
            (
                "outcomes",
                "signpost",
                "Using the legal system to support whatever conception of justice makes the "
                "individual victim feel whole – compensation, public accountability or moving on",
            ),
            (
                "outputs",
                "commitment",
                "Standardised regional identification procedures, based on commonly agreed "
                "indicators, agreed, implemented and reviewed",
            ),
            ("outputs", "commitment", "National referral mechanisms operationalised"),
            (
                "indicators",
                "resource",
                "Number of first responders trained on the joint victim identification indicators",
            ),
            (
                "outcomes",
                "challenge",
                "Laws exist, but enforcement against perpetrators and access to justice lag behind",
            ),
        ],
    ),
    (
        "Prevention and Building Resilient Communities",
        "now-next-later",
        "Awareness, resilience and behaviour change where trafficking starts.",
        [
            ("now", "signpost", "Building capacity and awareness at grassroots level"),
            ("now", "signpost", "สร้างความตระหนักรู้และศักยภาพในระดับชุมชน"),
            ("next", "signpost", "More research to drive evidence-based policy"),
            ("next", "question", "How do we reach stateless people and migrants without papers?"),
            ("later", "signpost", "ពង្រឹងសមត្ថភាពសហគមន៍ ដើម្បីទប់ស្កាត់ការជួញដូរមនុស្ស"),
            ("later", "signpost", "ရပ်ရွာအဆင့် အသိပညာပေးခြင်းနှင့် စွမ်းရည်မြှင့်တင်ခြင်း"),
        ],
    ),
    (
        "Social Enterprise and Freedom Businesses",
        "challenges-signposts-commitments",
        "For-profit businesses that employ survivors, and sustainable livelihoods.",
        [
            (
                "challenges",
                "challenge",
                "Few sustainable employment options outside of manufacturing and trades",
            ),
            (
                "signposts",
                "signpost",
                "Job creation aimed at family members, rather than survivors of trafficking, "
                "during recovery",
            ),
            ("signposts", "signpost", "Tạo việc làm bền vững cho cộng đồng có nguy cơ cao"),
            (
                "commitments",
                "commitment",
                "Map freedom businesses in the region and share the directory",
            ),
        ],
    ),
    (
        "Engaging with the Business Sector and Supply Chains",
        "challenges-signposts-commitments",
        "Labour trafficking in supply chains: fishing, agriculture, factories.",
        [
            (
                "challenges",
                "challenge",
                "Men and boys in fishing, agriculture and factory work may not self-identify as "
                "victims",
            ),
            (
                "signposts",
                "signpost",
                "The use of supply chain technology such as LabourLink to give workers a direct "
                "channel of communication with companies to report exploitation",
            ),
            ("signposts", "signpost", "加强供应链透明度，保护外来务工人员"),
            ("commitments", "commitment", "Pilot a worker voice channel with two suppliers"),
        ],
    ),
    (
        "Trauma-informed Care",
        "challenges-signposts-commitments",
        "After-care that puts the survivor first, in every partnership.",
        [
            (
                "challenges",
                "challenge",
                "Male victims have less access to shelters and psychosocial services",
            ),
            (
                "signposts",
                "signpost",
                "Ensure a trauma-informed care approach can be managed within a corporate "
                "partnership",
            ),
            ("signposts", "signpost", "Staff well-being and supervision for front-line workers"),
            ("signposts", "resource", "ສ້າງຄວາມເຂັ້ມແຂງໃຫ້ຊຸມຊົນ ແລະ ຜູ້ໃຫ້ບໍລິການ"),
        ],
    ),
]

PEOPLE = [
    ("Somchai", "Chab Dai Coalition", "Cambodia"),
    ("Dewi", "Yayasan Bandungwangi", "Indonesia"),
    ("Mai", "Blue Dragon", "Viet Nam"),
    ("Aung", "Myanmar Anti-Trafficking Network", "Myanmar"),
    ("Ana", "Visayan Forum", "Philippines"),
    ("Noi", "Village Focus International", "Lao PDR"),
]

COMMITMENTS = {
    "Standardised regional identification procedures, based on commonly agreed indicators, "
    "agreed, implemented and reviewed": (
        "Regional working group",
        "COMMIT Taskforce",
        180,
        "Guidelines endorsed by six governments",
    ),
    "Map freedom businesses in the region and share the directory": (
        "Ana",
        "Visayan Forum",
        90,
        "Directory published with 50 businesses",
    ),
    "Pilot a worker voice channel with two suppliers": (
        "Somchai",
        "Chab Dai Coalition",
        120,
        "Reports received and resolved per quarter",
    ),
}

TAKEAWAYS = [
    "Coming out of my working group I now have more work to do, but with the momentum of new "
    "ideas and new partners.",
    "My goal is to have a whole table of Indonesians at the next conference.",
    "We can collaborate with people we don't like or trust.",
]


def tokens_file() -> Path:
    return Path(current_app.instance_path) / "demo_tokens.json"


def _apply(board_id: int, actor: Participant, op_type: str, data: dict[str, Any]) -> dict:
    ack = ops.apply(
        board_id, {"op_id": str(uuid.uuid4()), "type": op_type, "data": data}, actor
    ).ack
    if not ack["ok"]:
        raise RuntimeError(f"demo op {op_type} refused: {ack['error']}")
    return ack["result"]


def _board_and_facilitator(group: Group) -> tuple[Board, Participant]:
    """The group's board and facilitator, which add_group() made together."""
    board = db.session.scalars(sa.select(Board).where(Board.group_id == group.id)).one()
    facilitator = db.session.scalars(
        sa.select(Participant)
        .where(Participant.group_id == group.id, Participant.role == "facilitator")
        .order_by(Participant.id)
        .limit(1)
    ).one()
    return board, facilitator


def _fill_board(group: Group, notes: list[tuple[str, str, str]], people: list[Participant]) -> None:
    board, facilitator = _board_and_facilitator(group)
    lanes = {lane.key: lane.id for lane in board.lanes}
    created = []
    for i, (lane_key, kind, text) in enumerate(notes):
        author = people[i % len(people)]
        # Only staff make commitments: the participant proposes, the facilitator confirms.
        asked = "signpost" if kind == "commitment" else kind
        result = _apply(
            board.id,
            author,
            "note.create",
            {"lane_id": lanes[lane_key], "kind": asked, "text": text},
        )
        if kind != asked:
            note = result["note"]
            update = {"note_id": note["id"], "base_version": note["version"], "kind": kind}
            result = _apply(board.id, facilitator, "note.update", update)
        created.append(result["note"])
    for i, person in enumerate(people):
        for note in created[i % 2 :: 2][:3]:
            _apply(board.id, person, "vote.add", {"note_id": note["id"]})
    today = dt.date.today()
    for note in created:
        details = COMMITMENTS.get(note["text"])
        if details:
            owner, organisation, days, indicator = details
            commitment = {
                "note_id": note["id"],
                "owner_name": owner,
                "owner_org": organisation,
                "due_date": (today + dt.timedelta(days=days)).isoformat(),
                "indicator": indicator,
            }
            _apply(board.id, facilitator, "commitment.set", commitment)


def _add_takeaways(group: Group, people: list[Participant]) -> None:
    """Three takeaways on one board, given as participants give them: in the Takeaways phase."""
    board, facilitator = _board_and_facilitator(group)
    phase = board.phase
    _apply(board.id, facilitator, "board.phase", {"phase": "takeaways"})
    for i, text in enumerate(TAKEAWAYS):
        _apply(board.id, people[i], "takeaway.set", {"text": text, "anonymous": i == 2})
    _apply(board.id, facilitator, "board.phase", {"phase": phase})


def create_demo() -> dict[str, Any]:
    """Create the demo event and return its tokens (printed once, then kept in instance/)."""
    event = Event(
        name=EVENT_NAME,
        starts_on=dt.date(2019, 2, 19),
        ends_on=dt.date(2019, 2, 22),
        place="Bangkok, Thailand",
        languages=["en", "th", "km", "lo", "my", "vi", "zh", "id", "tl"],
        join_code="ARAT19",
        retention_days=0,  # fictional data: never purged by itself (docs/do-no-harm.md)
    )
    db.session.add(event)
    db.session.flush()
    _organiser, organiser_token = add_participant(event, "Organiser", role="organiser")
    groups = []
    for name, template, description, _notes in GROUPS:
        group, token = add_group(event, name, description, template)
        groups.append((group, token))
    people = [add_participant(event, n, organisation=o, country=c)[0] for n, o, c in PEOPLE]
    db.session.commit()
    for (group, _token), (_n, _t, _d, notes) in zip(groups, GROUPS, strict=True):
        _fill_board(group, notes, people)
    _add_takeaways(groups[1][0], people)
    info = {
        "event_id": event.id,
        "join_code": event.join_code,
        "organiser_token": organiser_token,
        "groups": [
            {"id": g.id, "name": g.name, "board_id": g.board.id, "facilitator_token": t}
            for g, t in groups
        ],
    }
    path = tokens_file()
    path.write_text(json.dumps(info, indent=2))
    path.chmod(0o600)
    return info


def demo_event() -> Event | None:
    return db.session.scalar(sa.select(Event).where(Event.name == EVENT_NAME))


def reissue_tokens(event: Event) -> dict[str, Any]:
    """New organiser and facilitator tokens for an existing demo (the old ones stop working)."""
    organiser = db.session.scalar(
        sa.select(Participant)
        .where(
            Participant.event_id == event.id,
            Participant.role == "organiser",
            Participant.organiser_id.is_(None),  # not an organiser account's identity
        )
        .order_by(Participant.id)
    )
    if organiser is None:
        organiser, organiser_token = add_participant(event, "Organiser", role="organiser")
    else:
        organiser_token = new_token()
        organiser.token_hash = hash_token(organiser_token)
    groups = []
    for group in event.groups:
        token = rotate_facilitator_link(group)
        groups.append(
            {
                "id": group.id,
                "name": group.name,
                "board_id": group.board.id,
                "facilitator_token": token,
            }
        )
    db.session.commit()
    info = {
        "event_id": event.id,
        "join_code": event.join_code,
        "organiser_token": organiser_token,
        "groups": groups,
    }
    tokens_file().write_text(json.dumps(info, indent=2))
    return info


def ensure_demo() -> tuple[dict[str, Any], bool]:
    """The demo's tokens, creating the event first if there is none. Idempotent."""
    event = demo_event()
    if event is None:
        return create_demo(), True
    path = tokens_file()
    if path.exists():
        info = json.loads(path.read_text())
        if info.get("event_id") == event.id and participant_for_token(info.get("organiser_token")):
            return info, False
    return reissue_tokens(event), False
