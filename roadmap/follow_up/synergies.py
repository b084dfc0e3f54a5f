"""Possible partners: commitments and signposts of different groups or organisations that aim
at the same thing, in whatever language they were written.

Two signals, each a TF-IDF model from scikit-learn (nothing is downloaded):
- the concepts a note names (lexicon.py: one concept, many languages), weighted by how rare they
  are in the event, so "shelter + trauma care" counts for more than "community";
- character n-grams (3-5, within words, accents folded), which catch shared names, acronyms
  and words of the same script ("ILO", "COMMIT", "nghiên cứu").
score = CONCEPT_WEIGHT * concept cosine + (1 - CONCEPT_WEIGHT) * character cosine.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Board, Event, Group, Note, Participant
from .lexicon import concepts_in

CONCEPT_WEIGHT = 0.7
THRESHOLD = 0.35  # measured with bench/synergies.py (docs/follow-up.md)
MAX_ITEMS = 50
STOP_WORDS = (
    "the and for with from that this will into over more than our their all are was were have "
    "has been by of to in on a an as at or be it its is we they who what when how which also "
    "des les une pour avec dans sur par aux est sont"
)
STOP = set(STOP_WORDS.split())


def fold(text: str) -> str:
    """Casefolded, accents removed (Vietnamese and French words meet their plain spelling)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) or _thai(c))


def _thai(c: str) -> bool:
    return "\u0e00" <= c <= "\u0e7f"


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w{4,}", fold(text)) if w not in STOP and not w.isdigit()}


def preload() -> None:
    """Import scikit-learn now (the server does it at boot)."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: F401
    from sklearn.metrics.pairwise import cosine_similarity  # noqa: F401


def similarity(texts: list[str]) -> tuple[Any, list[set[str]]]:
    """The pairwise score matrix of `texts` and the concepts of each."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    concepts = [concepts_in(t) for t in texts]
    n = len(texts)
    if n < 2:
        import numpy as np

        return np.zeros((n, n)), concepts
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    char_sim = cosine_similarity(chars.fit_transform([fold(t) for t in texts]))
    docs = [" ".join(sorted(c)) for c in concepts]
    if any(docs):
        tags = TfidfVectorizer(analyzer=str.split, sublinear_tf=True)
        concept_sim = cosine_similarity(tags.fit_transform(docs))
    else:
        concept_sim = char_sim * 0
    return CONCEPT_WEIGHT * concept_sim + (1 - CONCEPT_WEIGHT) * char_sim, concepts


@dataclass
class Item:
    note: Note
    group: Group
    organisation: str


def why(a: str, b: str, ca: set[str], cb: set[str]) -> list[str]:
    """The shared terms: the concepts both name, then words both use."""
    shared = [c.replace("_", " ") for c in sorted(ca & cb)]
    return shared + sorted(words(a) & words(b))[:5]


def items_of(event: Event) -> list[Item]:
    groups = {g.id: g for g in event.groups}
    boards = {
        b.id: b for b in db.session.scalars(sa.select(Board).where(Board.group_id.in_(groups)))
    }
    people = {
        p.id: p
        for p in db.session.scalars(sa.select(Participant).where(Participant.event_id == event.id))
    }
    notes = db.session.scalars(
        sa.select(Note)
        .where(
            Note.board_id.in_(list(boards)),
            Note.deleted_at.is_(None),
            Note.hidden.is_(False),
            Note.kind.in_(("commitment", "signpost")),
            Note.turned_into_id.is_(None),  # a converted signpost is its commitment
        )
        .order_by(Note.id)
    ).all()
    found = []
    for note in notes:
        author = people.get(note.author_id or 0)
        org = note.owner_org if note.kind == "commitment" else ""
        if not org and author is not None and author.role == "participant" and not note.anonymous:
            org = author.organisation
        found.append(Item(note, groups[boards[note.board_id].group_id], org))
    return found


def text_of(note: Note) -> str:
    return " ".join(x for x in (note.text, note.indicator) if x)


def _introduced(a: Note, b: Note) -> bool:
    return f"#{b.id}" in (a.partners or "") and f"#{a.id}" in (b.partners or "")


def synergies(event: Event, group_id: int | None = None) -> list[dict[str, Any]]:
    """Pairs of notes from different groups or organisations, best first (`group_id`: only
    pairs that touch that group, for its facilitator)."""
    items = items_of(event)
    scores, concepts = similarity([text_of(i.note) for i in items])
    pairs = []
    for x in range(len(items)):
        for y in range(x + 1, len(items)):
            a, b = items[x], items[y]
            same_group = a.group.id == b.group.id
            same_org = a.organisation.casefold() == b.organisation.casefold()
            if same_group and (same_org or not a.organisation):
                continue  # the same people: not partners to introduce
            if group_id is not None and group_id not in (a.group.id, b.group.id):
                continue
            score = float(scores[x, y])
            if score < THRESHOLD:
                continue
            pairs.append(
                {
                    "items": [a.note.id, b.note.id],
                    "score": round(score, 3),
                    "why": why(text_of(a.note), text_of(b.note), concepts[x], concepts[y]),
                    "notes": [note_brief(a), note_brief(b)],
                    "introduced": _introduced(a.note, b.note),
                }
            )
    pairs.sort(key=lambda p: -p["score"])
    return pairs[:MAX_ITEMS]


def note_brief(item: Item) -> dict[str, Any]:
    return {
        "id": item.note.id,
        "kind": item.note.kind,
        "text": item.note.text,
        "group": {"id": item.group.id, "name": item.group.name},
        "board_id": item.note.board_id,
        "organisation": item.organisation,
        "owner": item.note.owner_name if item.note.kind == "commitment" else "",
    }


# --- who sees them, and the introduction -------------------------------------------------------


def viewer_scope(who: Participant, event_id: int) -> int | None:
    """None: every pair (an organiser); a group id: its facilitator sees the pairs it is in."""
    from ..errors import AppError

    if who.event_id != event_id:
        raise AppError("forbidden", _l("This is another event."))
    if who.role == "organiser":
        return None
    if who.role == "facilitator" and who.group_id:
        return who.group_id
    raise AppError("forbidden", _l("Only organisers and facilitators see possible partners."))


SHORT_CHARS = 77  # a partner's label quotes this much of a long note (erasure looks for it)


def label(item_note: Note) -> str:
    """How a note is named on its partner: organisation (or group) and its words."""
    board = db.session.get(Board, item_note.board_id)
    group = db.session.get(Group, board.group_id)
    who = item_note.owner_org if item_note.kind == "commitment" and item_note.owner_org else ""
    if not who and item_note.author is not None and not item_note.anonymous:
        who = item_note.author.organisation
    text = item_note.text
    short = text if len(text) <= SHORT_CHARS + 3 else text[:SHORT_CHARS] + "…"
    return f"{who or group.name}: “{short}”"


def introduce(who: Participant, event: Event, note_ids: list[int]) -> list[dict[str, Any]]:
    """A partners entry on both notes: one synergy.introduce op on each board."""
    import uuid

    from .. import ops
    from ..errors import AppError
    from ..realtime.handlers import publish

    scope = viewer_scope(who, event.id)
    a, b = (db.session.get(Note, i) for i in note_ids)
    if a is None or b is None:
        raise AppError("not_found", _l("There is no such note."))
    labels = {a.id: label(b), b.id: label(a)}
    pairs = ((a, b), (b, a))
    if scope is not None:  # the facilitator's own note first: its op proves who they are
        pairs = tuple(
            sorted(pairs, key=lambda p: db.session.get(Board, p[0].board_id).group_id != scope)
        )
    applied = []
    for note, partner in pairs:
        raw = {
            "op_id": f"introduce-{uuid.uuid4()}",
            "type": "synergy.introduce",
            "data": {"note_id": note.id, "partner_note_id": partner.id, "partner": labels[note.id]},
        }
        done = ops.apply(note.board_id, raw, who)
        publish(done)
        if not done.ack["ok"]:
            raise AppError(done.ack["error"]["code"], done.ack["error"]["message"])
        applied.append(
            {"board_id": note.board_id, "seq": done.ack["seq"], "note": done.ack["result"]["note"]}
        )
    return applied
