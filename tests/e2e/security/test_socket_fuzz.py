"""Socket fuzz (issue 12): hypothesis sends ops built from every op type's schema — valid, out
of range, of the wrong type, nested, with surrogates — and raw frames. Every frame that asks for
an ack gets one, the server logs no traceback, and a bystander's ops are still acked.

Bounded: at most FUZZ_EXAMPLES examples per test (`make test` keeps it to about a minute).
"""

from __future__ import annotations

import logging
import os
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.api import new_op

from roadmap.extensions import db, socketio
from roadmap.models import Lane, Note
from roadmap.ops.core import REGISTRY

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples every run: no flakes
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["a\ud800b", "\udfff", "", " ", "x" * 2100, "9999-12-31", "2026-01-01"]),
)
any_json = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def from_schema(schema: dict[str, Any], defs: dict[str, Any], ids: st.SearchStrategy) -> Any:
    """A strategy for values of a (pydantic) JSON schema, biased towards the edges."""
    if "$ref" in schema:
        return from_schema(defs[schema["$ref"].split("/")[-1]], defs, ids)
    if "anyOf" in schema:
        return st.one_of(*(from_schema(s, defs, ids) for s in schema["anyOf"]))
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    if kind == "integer":
        low, high = schema.get("minimum", -(2**63)), schema.get("maximum", 2**63)
        return st.one_of(
            ids, st.integers(low, min(high, low + 10**6)), st.sampled_from([low - 1, high + 1])
        )
    if kind == "string":
        return st.one_of(st.text(max_size=schema.get("maxLength", 50) + 5), json_leaf)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "array":
        items = from_schema(schema.get("items", {}), defs, ids)
        return st.lists(items, max_size=schema.get("maxItems", 5) + 1)
    if kind == "object" and "properties" in schema:
        props = schema["properties"]
        required = set(schema.get("required", ()))
        fields = {k: from_schema(v, defs, ids) for k, v in props.items()}
        return st.fixed_dictionaries(
            {k: v for k, v in fields.items() if k in required},
            optional={k: v for k, v in fields.items() if k not in required},
        )
    return any_json


@pytest.fixture
def fuzz_board(app, demo, join, socket_client, caplog):
    app.config.update(OP_RATE_PER_SECOND=1e6, OP_RATE_BURST=1e6, ADDRESS_OP_RATE_PER_SECOND=0)
    board = demo["groups"][1]["board_id"]
    with app.app_context():
        lanes = list(db.session.scalars(sa.select(Lane.id).where(Lane.board_id == board)))
        notes = list(db.session.scalars(sa.select(Note.id).where(Note.board_id == board)))
    ids = st.sampled_from(lanes + notes + [board, 1, 10**9])
    participant = socket_client(join("Fuzzer")["token"])
    staff = socket_client(demo["groups"][1]["facilitator_token"])
    bystander = socket_client(join("Bystander")["token"])
    for sc in (participant, staff, bystander):
        assert sc.emit("board:join", {"board_id": board}, callback=True)["ok"]
    caplog.set_level(logging.ERROR)
    return {
        "board": board,
        "lane": lanes[0],
        "ids": ids,
        "clients": (participant, staff),
        "bystander": bystander,
    }


def ops_strategy(ids: st.SearchStrategy) -> st.SearchStrategy:
    per_type = []
    for name, kind in sorted(REGISTRY.items()):
        schema = kind.schema.model_json_schema()
        data = st.one_of(from_schema(schema, schema.get("$defs", {}), ids), any_json)
        per_type.append(st.tuples(st.just(name), data))
    per_type.append(st.tuples(st.text(max_size=12), any_json))  # unknown types
    return st.one_of(*per_type)


def no_tracebacks(caplog) -> None:
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not failures, [r.getMessage() for r in failures[:3]]


def bystander_is_answered(fuzz_board) -> None:
    op = new_op("note.create", lane_id=fuzz_board["lane"], text="Still here")
    ack = fuzz_board["bystander"].emit("op", {"board_id": fuzz_board["board"], **op}, callback=True)
    assert ack["ok"], ack


def test_every_fuzzed_op_gets_an_ack_and_no_traceback(fuzz_board, caplog):
    @FUZZ
    @given(op=ops_strategy(fuzz_board["ids"]), who=st.sampled_from([0, 1]))
    def run(op, who):
        op_type, data = op
        frame = {"board_id": fuzz_board["board"], "op_id": str(uuid.uuid4()), "type": op_type}
        frame["data"] = data
        ack = fuzz_board["clients"][who].emit("op", frame, callback=True)
        assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
        if not ack["ok"]:
            assert set(ack["error"]) >= {"code", "message"}

    run()
    no_tracebacks(caplog)
    bystander_is_answered(fuzz_board)


raw_frames = st.one_of(
    st.text(max_size=40).map(lambda t: "21" + t),
    any_json.map(lambda v: "21" + socketio.server.packet_class.json.dumps(["op", v])),
    any_json.map(lambda v: "21" + socketio.server.packet_class.json.dumps(v)),
    st.sampled_from(
        [
            '21["op",' + "[" * 3000 + "]" * 3000 + "]",
            '21["op",' + "9" * 5000 + "]",
            '21["disconnect"]',
            '21["connect",{}]',
            "21[]",
            "21",
            '21["presence",{"board_id":1,"editing":123456789}]',
            '21["board:join",{"board_id":"1"}]',
        ]
    ),
)


def test_every_raw_frame_with_an_ack_id_gets_an_ack(fuzz_board, caplog):
    sc = fuzz_board["clients"][0]

    @FUZZ
    @given(frame=raw_frames)
    def run(frame):
        sent: list[Any] = []
        original = socketio.server._send_packet
        socketio.server._send_packet = lambda sid, pkt: sent.append(pkt) or original(sid, pkt)
        try:
            socketio.server._handle_eio_message(sc.eio_sid, frame)
        finally:
            socketio.server._send_packet = original
        connected = socketio.server.manager.sid_from_eio_sid(sc.eio_sid, "/") is not None
        acks = [p for p in sent if p.packet_type == 3]  # ACK
        assert connected, f"closed for a text frame with an ack id: {frame[:80]!r}"
        assert acks, f"no ack for {frame[:80]!r}"

    run()
    no_tracebacks(caplog)
    bystander_is_answered(fuzz_board)
