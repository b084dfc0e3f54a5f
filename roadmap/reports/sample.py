"""A large synthetic event for the report benchmark and tests: boards full of notes in many scripts.

Rows are written with the models directly (not through ops.apply): this is test data, made fast.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from fractional_indexing import generate_n_keys_between

from ..extensions import db
from ..joining.participants import add_participant, new_join_code
from ..models import Event, Note, Takeaway, Vote
from ..organise.groups import add_group

TEXTS = [
    "Building capacity and awareness at grassroots level with women and girls",
    "More research to drive evidence-based policy on labour migration",
    "สร้างความตระหนักรู้และศักยภาพในระดับชุมชน",
    "ពង្រឹងសមត្ថភាពសហគមន៍ ដើម្បីទប់ស្កាត់ការជួញដូរមនុស្ស",
    "ရပ်ရွာအဆင့် အသိပညာပေးခြင်းနှင့် စွမ်းရည်မြှင့်တင်ခြင်း",
    "ສ້າງຄວາມເຂັ້ມແຂງໃຫ້ຊຸມຊົນ ແລະ ຜູ້ໃຫ້ບໍລິການ",
    "Tạo việc làm bền vững cho cộng đồng có nguy cơ cao",
    "加强供应链透明度，保护外来务工人员",
    "Memperkuat layanan pendampingan korban di tingkat desa",
    "Palakasin ang ugnayan ng mga ahensya para sa mga biktima",
    "Shelters and psychosocial services for men and boys who were exploited at sea",
    "Accessible reporting channels for people with disability",
]
KINDS = ["signpost", "signpost", "challenge", "question", "resource", "signpost"]
COUNTRIES = ["Thailand", "Cambodia", "Myanmar", "Lao PDR", "Viet Nam", "Philippines", "Indonesia"]


def build_event(
    boards: int = 5, notes_per_board: int = 200, commitments: int = 100, people: int = 60
) -> dict[str, Any]:
    """Create the event; returns {"event_id", "organiser_token", "board_ids"}."""
    rnd = random.Random(7)
    event = Event(
        name="Regional Network Meeting (benchmark)",
        starts_on=dt.date(2025, 3, 10),
        ends_on=dt.date(2025, 3, 11),
        place="Phnom Penh, Cambodia",
        languages=["en", "th", "km", "my", "lo", "vi", "zh", "id", "tl"],
        join_code=new_join_code(8),
        retention_days=0,  # fictional data: never purged by itself (docs/do-no-harm.md)
    )
    db.session.add(event)
    db.session.flush()
    _organiser, token = add_participant(event, "Organiser", role="organiser")
    crowd = [
        add_participant(
            event,
            f"Participant {i}",
            organisation=f"Organisation {i % 17}",
            country=COUNTRIES[i % len(COUNTRIES)],
            anonymous=i % 5 == 0,
        )[0]
        for i in range(people)
    ]
    groups = [add_group(event, f"Working group {g + 1}")[0] for g in range(boards)]
    db.session.flush()
    per_board = commitments // boards if boards else 0
    today = dt.date.today()
    for g, group in enumerate(groups):
        board = group.board
        lanes = board.lanes
        keys = generate_n_keys_between(None, None, notes_per_board)
        made: list[Note] = []
        for i in range(notes_per_board):
            commitment = i < per_board
            lane = lanes[-1] if commitment else lanes[i % len(lanes)]
            text = TEXTS[(i + g) % len(TEXTS)] + f" ({g + 1}.{i + 1})"
            note = Note(
                board_id=board.id,
                lane_id=lane.id,
                kind="commitment" if commitment else KINDS[i % len(KINDS)],
                text=text,
                position=keys[i],
                author_id=crowd[(i * 7 + g) % people].id,
                anonymous=i % 9 == 0,
                tags=["migrants"] if i % 13 == 0 else [],
            )
            if commitment:
                owner = crowd[(i + g) % people]
                note.owner_name = owner.name
                note.owner_org = owner.organisation
                note.due_date = today + dt.timedelta(days=30 + 7 * i)
                note.indicator = f"Indicator {i + 1}: partners reporting progress each quarter"
                note.partners = "UNODC, IOM"
                note.status = ("not_started", "in_progress", "done", "blocked")[i % 4]
            made.append(note)
        db.session.add_all(made)
        db.session.flush()
        signposts = [n for n in made if n.kind == "signpost"]
        for i, note in enumerate(made[:per_board]):
            note.source_note_id = signposts[i % len(signposts)].id
        for person in crowd[:30]:
            for note in rnd.sample(signposts, min(3, len(signposts))):
                db.session.add(Vote(note_id=note.id, participant_id=person.id, board_id=board.id))
        for i, person in enumerate(crowd[:5]):
            db.session.add(
                Takeaway(
                    board_id=board.id,
                    participant_id=person.id,
                    text=f"I take away new partners from group {g + 1}.",
                    anonymous=i == 0,
                )
            )
    db.session.commit()
    return {
        "event_id": event.id,
        "organiser_token": token,
        "board_ids": [group.board.id for group in groups],
    }
