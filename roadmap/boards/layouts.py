"""Lane layouts (a board's "template": which lanes, of which kind) and creating a board from one."""

from __future__ import annotations

from dataclasses import dataclass

from ..extensions import db
from ..models import Board, Group, Lane


def N_(text: str) -> str:
    """Mark a stock title for the catalogues; it is stored in English and translated when shown."""
    return text


@dataclass(frozen=True)
class LaneSpec:
    key: str
    title: str
    default_kind: str


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    description: str
    lanes: tuple[LaneSpec, ...]


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template(
            "now-next-later",
            N_("Now / Next / Later"),
            N_("A roadmap in three horizons: what starts now, what follows, what comes later."),
            (
                LaneSpec("now", N_("Now"), "signpost"),
                LaneSpec("next", N_("Next"), "signpost"),
                LaneSpec("later", N_("Later"), "signpost"),
            ),
        ),
        Template(
            "challenges-signposts-commitments",
            N_("Challenges → Signposts → Commitments"),
            N_("From the gaps we see, to the directions we want, to who will do what by when."),
            (
                LaneSpec("challenges", N_("Challenges"), "challenge"),
                LaneSpec("signposts", N_("Signposts"), "signpost"),
                LaneSpec("commitments", N_("Commitments"), "commitment"),
            ),
        ),
        Template(
            "outcome-output-indicator",
            N_("Outcome → Output → Indicator"),
            N_(
                "The COMMIT style: outcomes, the outputs that reach them, how progress is measured."
            ),
            (
                LaneSpec("outcomes", N_("Outcomes"), "signpost"),
                LaneSpec("outputs", N_("Outputs"), "commitment"),
                LaneSpec("indicators", N_("Indicators"), "resource"),
            ),
        ),
    )
}
DEFAULT_TEMPLATE = "challenges-signposts-commitments"


def create_board(group: Group, template: str = DEFAULT_TEMPLATE, title: str | None = None) -> Board:
    """Create a group's board with the lanes of `template` (added to the session)."""
    spec = TEMPLATES[template]
    board = Board(group=group, title=title or group.name, template=template)
    for i, lane in enumerate(spec.lanes):
        board.lanes.append(
            Lane(key=lane.key, title=lane.title, position=i, default_kind=lane.default_kind)
        )
    db.session.add(board)
    return board
