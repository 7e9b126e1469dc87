"""The checkpoint codec: each node's value comes back as its type, extras and all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Result, Success

from spine.core.errors import SpineError, ValidationError
from spine.orchestration import chain, conditional, lift, map_each, parallel, step, wait
from spine.orchestration.checkpoints import Checkpoint
from spine.orchestration.durable_codec import PlanCodec, fingerprint, input_type, restore, value_types
from spine.orchestration.graph import NodeKind
from spine.orchestration.plan import Plan
from spine.orchestration.report import StepStatus
from spine.orchestration.step import Fragment

T0 = datetime(2025, 1, 3, tzinfo=UTC)


class Point(msgspec.Struct, frozen=True):
    x: int
    y: int


def parse(text: str) -> int:
    return int(text)


def pair(n: int) -> tuple[int, str]:
    return n, str(n)


def to_point(n: int) -> Point:
    return Point(n, -n)


def first(p: tuple[int, str]) -> int:
    return p[0]


def norm(p: Point) -> int:
    return abs(p.x)


def label(n: int) -> str:
    return str(n)


@step
def checked(n: int) -> Result[float, SpineError]:
    return Success(n / 2)


def codec_of(fragment: Fragment) -> PlanCodec:
    return PlanCodec(Plan(fragment.graph))


def test_calls_keep_their_annotated_types_and_the_input_is_the_first_reader_s_parameter() -> None:
    codec = codec_of(chain(lift(parse), lift(pair), lift(first), lift(to_point), lift(norm), checked))
    assert codec.input_type is str
    assert codec.types == (int, tuple[int, str], int, Point, int, float)


def test_pass_through_join_merge_and_map_derive_their_types() -> None:
    branches = parallel(lift(label), lift(to_point))
    flow = chain(lift(parse), wait(int, seconds=1), branches)
    assert value_types(Plan(flow.graph), str)[-1] == tuple[str, Point]
    fork = conditional(lambda n: n > 0, lift(label, name="pos"), lift(label, name="neg"))
    codec = codec_of(chain(lift(parse), fork))
    kinds = [n.kind for n in codec.plan.nodes]
    assert codec.types[kinds.index(NodeKind.CHOICE)] is int
    assert codec.types[kinds.index(NodeKind.MERGE)] is str
    mapped = codec_of(map_each(lift(to_point)))
    assert mapped.types == (tuple[Point, ...],)


def test_unknown_or_undecodable_types_fall_back_to_object() -> None:
    codec = codec_of(chain(lift(lambda x: x, name="anon"), lift(len)))
    assert codec.input_type is object
    assert codec.types[0] is object

    def odd(x: int) -> Missing:  # type: ignore[name-defined]  # noqa: F821 - an unresolvable annotation
        return x

    assert codec_of(lift(odd)).types == (object,)


def test_input_type_looks_through_pass_through_nodes() -> None:
    fork = conditional(str.isdigit, lift(parse, name="a"), lift(parse, name="b"))
    assert input_type(Plan(fork.graph)) is str


@given(st.integers(-(2**63), 2**63 - 1), st.text())
def test_typed_values_round_trip_exactly(n: int, text: str) -> None:
    codec = codec_of(chain(lift(parse), lift(pair), lift(first), lift(to_point)))
    for i, value in enumerate([n, (n, text), n, Point(n, -n)]):
        data = codec.encode(i, value)
        assert isinstance(data, bytes)
        assert codec.decode(i, data) == (value, None, None)


def test_choices_store_the_branch_taken_and_waits_their_deadline() -> None:
    fork = conditional(lambda n: n > 0, lift(label, name="pos"), lift(label, name="neg"))
    codec = codec_of(chain(lift(parse), wait(int, seconds=5), fork))
    kinds = [n.kind for n in codec.plan.nodes]
    w, c = kinds.index(NodeKind.WAIT), kinds.index(NodeKind.CHOICE)
    deadline = T0 + timedelta(seconds=5)
    stored = codec.encode(w, 7, wake_at=deadline)
    assert isinstance(stored, bytes)
    assert codec.decode(w, stored) == (7, None, deadline)
    chosen = codec.encode(c, 7, chosen="if_1")
    assert isinstance(chosen, bytes)
    assert codec.decode(c, chosen) == (7, "if_1", None)


def test_values_that_cannot_be_stored_or_read_are_validation_errors() -> None:
    codec = codec_of(lift(parse))
    refused = codec.encode(0, object())
    assert isinstance(refused, ValidationError)
    assert "cannot be stored" in refused.message
    wrong = codec.decode(0, msgspec.msgpack.encode("not an int"))
    assert isinstance(wrong, ValidationError)
    assert wrong.field == "parse"


def test_the_input_travels_as_json_builtins_and_converts_back() -> None:
    codec = codec_of(lift(lambda p: p, name="id"))
    assert codec.decode_input(codec.encode_input({"a": [1, 2]})) == {"a": [1, 2]}

    def when(at: datetime) -> str:
        return at.isoformat()

    timed = codec_of(lift(when))
    raw = timed.encode_input(T0)
    assert raw == "2025-01-03T00:00:00Z"
    assert msgspec.json.decode(msgspec.json.encode(raw)) == raw
    assert timed.decode_input(raw) == T0
    assert isinstance(timed.decode_input(3), ValidationError)
    assert isinstance(timed.encode_input(object()), ValidationError)


def test_the_fingerprint_follows_the_shape_not_the_functions() -> None:
    a = Plan(chain(lift(parse), lift(label)).graph)
    b = Plan(chain(lift(parse), lift(hex, name="label")).graph)
    c = Plan(chain(lift(parse), lift(label, name="other")).graph)
    assert fingerprint(a) == fingerprint(b) != fingerprint(c)


def _row(name: str, status: StepStatus, output: bytes | None, index: int = 0) -> Checkpoint:
    return Checkpoint(
        run_id="r",
        step_name=name,
        step_index=index,
        attempt=1,
        status=status,
        output=output,
        idempotency_key=f"r:{name}:1",
        started_at=T0,
        finished_at=T0,
    )


def test_restore_keeps_finished_steps_and_waiting_timers() -> None:
    codec = codec_of(chain(lift(parse), lift(pair), wait(tuple[int, str], seconds=1)))
    rows = [
        _row("parse", StepStatus.COMPLETED, msgspec.msgpack.encode(4)),
        _row("pair", StepStatus.FAILED, None, 1),
        _row("gone", StepStatus.COMPLETED, b"\x01", 5),
    ]
    restored = restore(codec, rows).unwrap()
    assert list(restored.outcomes) == ["parse"]
    assert restored.outcomes["parse"].value == 4
    assert restored.result is None
    waiting = _row("wait", StepStatus.WAITING, msgspec.msgpack.encode([[4, "4"], T0]), 2)
    again = restore(codec, [waiting]).unwrap()
    assert again.outcomes["wait"].wake_at == T0
    done = _row("wait", StepStatus.COMPLETED, msgspec.msgpack.encode([[4, "4"], T0]), 2)
    assert restore(codec, [done]).unwrap().result == done.output


def test_restore_refuses_a_checkpoint_that_does_not_decode() -> None:
    codec = codec_of(lift(parse))
    error = restore(codec, [_row("parse", StepStatus.COMPLETED, msgspec.msgpack.encode("x"))]).failure()
    assert isinstance(error, ValidationError)
    assert error.context["run_id"] == "r"


@pytest.mark.parametrize("status", [StepStatus.COMPLETED, StepStatus.CONTINUED])
def test_the_result_is_decoded_as_the_output_type(status: StepStatus) -> None:
    codec = codec_of(chain(lift(parse), lift(pair)))
    assert codec.decode_result(msgspec.msgpack.encode([1, "1"])) == (1, "1")
    assert restore(codec, [_row("pair", status, b"\x92\x01\xa11", 1)]).unwrap().result == b"\x92\x01\xa11"
