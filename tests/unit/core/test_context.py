"""ExecutionContext: validated lineage values, child and batch derivation, encoding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure, Success

from spine.core.codec import decode_json, encode_json
from spine.core.context import ExecutionContext
from spine.core.errors import ValidationError
from spine.core.ids import BatchId, ExecutionId
from tests.strategies import execution_contexts, ulids, utc_datetimes

T0 = datetime(2025, 1, 3, 9, 30, tzinfo=UTC)
IDS = ulids().map(lambda u: ExecutionId(str(u)))


def root(execution_id: str = "E1", started_at: datetime = T0) -> ExecutionContext:
    return ExecutionContext(execution_id=ExecutionId(execution_id), started_at=started_at)


def test_a_root_context_has_no_parent_no_batch_and_depth_zero() -> None:
    context = root()
    assert (context.parent_id, context.batch_id, context.depth) == (None, None, 0)


@pytest.mark.parametrize(
    "started_at",
    [
        datetime(2025, 1, 3, 9, 30),
        datetime(2025, 1, 3, 9, 30, tzinfo=timezone(timedelta(hours=2))),
        datetime(2025, 1, 3, 9, 30, tzinfo=timezone(-timedelta(minutes=1))),
    ],
    ids=["naive", "+02:00", "-00:01"],
)
def test_started_at_must_be_utc_aware(started_at: datetime) -> None:
    with pytest.raises(ValidationError) as info:
        root(started_at=started_at)
    assert (info.value.field, info.value.constraint) == ("started_at", "UTC")
    assert started_at.isoformat() in info.value.message


def test_started_at_is_required() -> None:
    with pytest.raises(TypeError, match="started_at"):
        ExecutionContext(execution_id=ExecutionId("E1"))  # type: ignore[call-arg]


def test_an_empty_execution_id_and_a_negative_depth_are_rejected() -> None:
    with pytest.raises(ValidationError) as empty:
        root("")
    assert empty.value.field == "execution_id"
    with pytest.raises(ValidationError) as negative:
        ExecutionContext(execution_id=ExecutionId("E1"), started_at=T0, depth=-1)
    assert (negative.value.field, negative.value.value) == ("depth", -1)


@given(execution_contexts(), IDS, utc_datetimes())
def test_child_points_at_its_parent_keeps_the_batch_and_goes_one_deeper(
    parent: ExecutionContext, child_id: ExecutionId, started_at: datetime
) -> None:
    assume(child_id != parent.execution_id)
    child = parent.child(child_id, started_at=started_at)
    assert child.execution_id == child_id
    assert child.started_at == started_at
    assert child.parent_id == parent.execution_id
    assert child.batch_id == parent.batch_id
    assert child.depth == parent.depth + 1
    assert parent.child(child_id, started_at=started_at) == child


def test_a_child_cannot_reuse_its_parents_id() -> None:
    parent = root("E0")
    with pytest.raises(ValidationError, match="cannot reuse its parent's id") as info:
        parent.child(ExecutionId("E0"), started_at=T0)
    assert info.value.field == "execution_id"


def test_a_chain_of_children_counts_depth() -> None:
    context = root("E0").with_batch(BatchId("B"))
    for n in range(1, 6):
        context = context.child(ExecutionId(f"E{n}"), started_at=T0 + timedelta(seconds=n))
        assert (context.depth, context.parent_id, context.batch_id) == (n, f"E{n - 1}", "B")


def test_a_child_started_at_is_validated_too() -> None:
    with pytest.raises(ValidationError):
        root().child(ExecutionId("E2"), started_at=datetime(2025, 1, 3))


@given(execution_contexts(), ulids().map(lambda u: BatchId(str(u))))
def test_with_batch_changes_only_the_batch(context: ExecutionContext, batch_id: BatchId) -> None:
    batched = context.with_batch(batch_id)
    assert batched.batch_id == batch_id
    assert msgspec.structs.replace(batched, batch_id=context.batch_id) == context


@pytest.mark.parametrize("field", ["execution_id", "started_at", "batch_id", "parent_id", "depth"])
def test_a_context_is_frozen(field: str) -> None:
    context = root()
    with pytest.raises(AttributeError):
        setattr(context, field, None)
    assert context == root()


@given(execution_contexts())
def test_contexts_are_hashable_values(context: ExecutionContext) -> None:
    copy = msgspec.structs.replace(context)
    assert copy == context
    assert hash(copy) == hash(context)
    assert len({context, copy}) == 1


@given(execution_contexts())
def test_contexts_round_trip_through_msgspec(context: ExecutionContext) -> None:
    assert decode_json(encode_json(context), ExecutionContext) == Success(context)
    assert msgspec.msgpack.decode(msgspec.msgpack.encode(context), type=ExecutionContext) == context


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b'{"execution_id": "E1", "started_at": "2025-01-03T09:30:00"}', "timezone-aware UTC"),
        (b'{"execution_id": "E1", "started_at": "2025-01-03T09:30:00+01:00"}', "timezone-aware UTC"),
        (b'{"execution_id": "E1", "started_at": "2025-01-03T09:30:00Z", "depth": -2}', "depth must be >= 0"),
        (b'{"execution_id": "E1"}', "started_at"),
        (b'{"execution_id": 1, "started_at": "2025-01-03T09:30:00Z"}', "execution_id"),
    ],
)
def test_decoding_an_invalid_context_is_an_err(data: bytes, fragment: str) -> None:
    result = decode_json(data, ExecutionContext)
    assert isinstance(result, Failure)
    assert fragment in result.failure().message


def test_decoding_gives_back_utc_aware_instants() -> None:
    data = b'{"execution_id": "E1", "started_at": "2025-01-03T09:30:00.000001Z", "batch_id": "B"}'
    context = decode_json(data, ExecutionContext).unwrap()
    assert context.started_at == T0 + timedelta(microseconds=1)
    assert context.started_at.utcoffset() == timedelta(0)
    assert context.batch_id == "B"


@given(st.lists(IDS, min_size=1, max_size=8, unique=True))
def test_lineage_of_a_chain_is_recoverable_from_parent_ids(ids: list[ExecutionId]) -> None:
    contexts = [ExecutionContext(execution_id=ids[0], started_at=T0)]
    for execution_id in ids[1:]:
        contexts.append(contexts[-1].child(execution_id, started_at=T0))
    by_id = {c.execution_id: c for c in contexts}
    walk, node = [], contexts[-1]
    while node.parent_id is not None:
        walk.append(node.execution_id)
        node = by_id[node.parent_id]
    walk.append(node.execution_id)
    assert walk[::-1] == ids
    assert contexts[-1].depth == len(ids) - 1
