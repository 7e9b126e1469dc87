"""ULIDs: the pure ``next_ulid`` transition, the system id source, and the deterministic one."""

from __future__ import annotations

import os
import re
import threading
import time
import types
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core import system
from spine.core.ids import (
    ULID,
    BatchId,
    DeadLetterId,
    EventId,
    ExecutionId,
    IdSource,
    RunId,
    StepId,
    WorkId,
    next_ulid,
    next_ulid_value,
    successor,
    ulid_random_text,
    ulid_text,
)
from spine.core.system import SystemIdSource, generate_ulid
from spine.testing.ids import SequentialIdSource
from tests.strategies import ulids

MAX_MS = (1 << 48) - 1
MAX_RANDOM = (1 << 80) - 1
FULL = b"\xff" * 10
BASE_MS = 1_700_000_000_000
CROCKFORD = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")


def make(ms: int, random: int) -> ULID:
    return ULID.from_bytes(ms.to_bytes(6, "big") + random.to_bytes(10, "big"))


def random_part(ulid: ULID) -> int:
    return int.from_bytes(ulid.bytes[6:], "big")


# --- next_ulid -------------------------------------------------------------------------

ENTROPY = st.binary(min_size=10, max_size=10) | st.just(FULL) | st.just(bytes(10))
# A clock that repeats, stalls and steps back, with entropy that often exhausts the random part.
TICKS = st.lists(st.tuples(st.integers(BASE_MS - 3, BASE_MS + 3), ENTROPY), min_size=1, max_size=60)


@given(TICKS)
def test_next_ulid_is_strictly_increasing_for_any_clock_and_entropy(ticks: list[tuple[int, bytes]]) -> None:
    previous: ULID | None = None
    for now_ms, entropy in ticks:
        current = next_ulid(previous, now_ms, entropy)
        assert current.milliseconds >= now_ms
        if previous is not None:
            assert current > previous
            assert str(current) > str(previous)
            assert current.bytes > previous.bytes
            assert current.milliseconds <= max(now_ms, previous.milliseconds + 1)
        previous = current


@given(st.none() | ulids(max_ms=MAX_MS - 1), st.integers(0, MAX_MS), ENTROPY)
def test_next_ulid_follows_its_three_rules(previous: ULID | None, now_ms: int, entropy: bytes) -> None:
    current = next_ulid(previous, now_ms, entropy)
    if previous is None or now_ms > previous.milliseconds:
        assert current == ULID.from_bytes(now_ms.to_bytes(6, "big") + entropy)  # fresh entropy
    elif random_part(previous) < MAX_RANDOM:
        assert int(current) == int(previous) + 1  # same or earlier millisecond: count up
    else:
        assert current == ULID.from_bytes((previous.milliseconds + 1).to_bytes(6, "big") + entropy)


def test_a_same_millisecond_burst_counts_up_from_the_first_id() -> None:
    first = next_ulid(None, BASE_MS, bytes(9) + b"\x05")
    burst = [first]
    for _ in range(5):
        burst.append(next_ulid(burst[-1], BASE_MS, FULL))
    assert [random_part(u) for u in burst] == [5, 6, 7, 8, 9, 10]
    assert {u.milliseconds for u in burst} == {BASE_MS}


def test_a_clock_step_back_keeps_the_previous_timestamp() -> None:
    previous = make(BASE_MS, 41)
    stepped = next_ulid(previous, BASE_MS - 60_000, FULL)
    assert stepped == make(BASE_MS, 42)


@pytest.mark.parametrize("now_ms", [BASE_MS - 1, BASE_MS], ids=["clock-back", "same-ms"])
def test_an_exhausted_random_part_moves_to_the_next_millisecond(now_ms: int) -> None:
    entropy = bytes(range(10))
    current = next_ulid(make(BASE_MS, MAX_RANDOM), now_ms, entropy)
    assert current.milliseconds == BASE_MS + 1
    assert current.bytes[6:] == entropy


def test_the_end_of_the_ulid_space_is_an_overflow() -> None:
    with pytest.raises(OverflowError, match="exhausted"):
        next_ulid(make(MAX_MS, MAX_RANDOM), MAX_MS, FULL)


@pytest.mark.parametrize("size", [0, 9, 11, 16])
def test_entropy_of_the_wrong_length_is_a_value_error(size: int) -> None:
    with pytest.raises(ValueError, match=f"entropy must be 10 bytes, got {size}"):
        next_ulid(None, BASE_MS, bytes(size))


@pytest.mark.parametrize("now_ms", [-1, MAX_MS + 1, 1 << 60])
def test_milliseconds_outside_the_ulid_range_are_a_value_error(now_ms: int) -> None:
    with pytest.raises(ValueError, match="now_ms out of the ULID range"):
        next_ulid(None, now_ms, bytes(10))


@pytest.mark.parametrize("now_ms", [0, MAX_MS])
def test_the_ends_of_the_millisecond_range_are_accepted(now_ms: int) -> None:
    assert next_ulid(None, now_ms, bytes(10)).milliseconds == now_ms


# --- typed ids -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [RunId, StepId, ExecutionId, BatchId, EventId, DeadLetterId, WorkId])
def test_typed_ids_are_plain_strings_at_run_time(kind: object) -> None:
    text = generate_ulid()
    assert callable(kind)
    wrapped = kind(text)
    assert wrapped == text
    assert type(wrapped) is str
    assert getattr(kind, "__supertype__", None) is str


def test_the_typed_ids_are_distinct_kinds() -> None:
    kinds = [RunId, StepId, ExecutionId, BatchId, EventId, DeadLetterId, WorkId]
    assert len({k.__name__ for k in kinds}) == len(kinds)


# --- SystemIdSource --------------------------------------------------------------------


def test_system_ids_are_strictly_increasing_in_one_thread() -> None:
    source: IdSource = SystemIdSource()
    ids = [source.new_ulid() for _ in range(10_000)]
    assert all(a < b for a, b in pairwise(ids))
    texts = [source.new_id() for _ in range(100)]
    assert texts == sorted(set(texts))
    assert str(ids[-1]) < texts[0]


def test_system_ids_carry_the_current_time() -> None:
    before = time.time_ns() // 1_000_000
    ulid = SystemIdSource().new_ulid()
    after = time.time_ns() // 1_000_000
    assert before <= ulid.milliseconds <= after


def test_system_ids_from_four_threads_are_unique_and_increasing_per_thread() -> None:
    source = SystemIdSource()
    per_thread = 3_000
    start = threading.Barrier(4)
    results: list[list[ULID]] = [[] for _ in range(4)]

    def work(out: list[ULID]) -> None:
        start.wait()
        out.extend(source.new_ulid() for _ in range(per_thread))

    threads = [threading.Thread(target=work, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(len(out) == per_thread for out in results)
    assert len({u for out in results for u in out}) == 4 * per_thread
    for out in results:
        assert all(a < b for a, b in pairwise(out))


def _ids_from_a_forked_child(source: SystemIdSource, count: int) -> tuple[list[str], list[str]]:
    """Fork; the child sends ``count`` ids over a pipe while the parent makes ``count`` too."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child process; coverage is not collected there
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "w") as pipe:
                pipe.write("\n".join(source.new_id() for _ in range(count)))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    parent_ids = [source.new_id() for _ in range(count)]
    with os.fdopen(read_end) as pipe:
        child_ids = pipe.read().split("\n")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return parent_ids, child_ids


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_does_not_repeat_the_parents_ids() -> None:
    source = SystemIdSource()
    source.new_id()  # the child inherits a non-empty sequence
    parent_ids, child_ids = _ids_from_a_forked_child(source, 200)
    assert len(child_ids) == 200
    assert child_ids == sorted(child_ids)
    assert not set(parent_ids) & set(child_ids)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_does_not_repeat_the_parents_ids_within_one_millisecond(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Freeze the wall clock, so parent and child certainly share their last millisecond:
    # continuing the parent's sequence in the child would repeat every id.
    frozen = time.time_ns()
    monkeypatch.setattr(system, "time", types.SimpleNamespace(time_ns=lambda: frozen))
    source = SystemIdSource()
    last = source.new_ulid()
    parent_ids, child_ids = _ids_from_a_forked_child(source, 50)
    assert {ULID.from_str(i).milliseconds for i in parent_ids + child_ids} == {last.milliseconds}
    assert len(set(parent_ids) | set(child_ids)) == 100
    assert parent_ids[0] == str(make(last.milliseconds, random_part(last) + 1))


def test_generate_ulid_gives_increasing_crockford_strings() -> None:
    ids = [generate_ulid() for _ in range(1_000)]
    assert ids == sorted(set(ids))
    for text in ids[:50]:
        assert CROCKFORD.fullmatch(text), text
        assert str(ULID.from_str(text)) == text
    assert abs(ULID.from_str(ids[-1]).milliseconds - time.time_ns() // 1_000_000) < 60_000


# --- SequentialIdSource ----------------------------------------------------------------


def test_sequential_ids_are_the_same_for_every_instance() -> None:
    first, second = SequentialIdSource(), SequentialIdSource()
    a = [first.new_id() for _ in range(100)]
    b = [second.new_id() for _ in range(100)]
    assert a == b
    assert a == sorted(set(a))
    assert all(CROCKFORD.fullmatch(text) for text in a)


def test_sequential_ids_count_up_in_one_millisecond_by_default() -> None:
    source: IdSource = SequentialIdSource(start_ms=BASE_MS)
    ids = [source.new_ulid() for _ in range(5)]
    assert ids == [make(BASE_MS, k) for k in range(5)]


@given(st.integers(0, MAX_MS // 2), st.integers(1, 10_000), st.integers(1, 50))
def test_sequential_ids_honour_step_ms(start_ms: int, step_ms: int, count: int) -> None:
    source = SequentialIdSource(start_ms=start_ms, step_ms=step_ms)
    ids = [source.new_ulid() for _ in range(count)]
    assert [u.milliseconds for u in ids] == [start_ms + k * step_ms for k in range(count)]
    assert all(random_part(u) == 0 for u in ids)


def test_a_negative_step_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="step_ms must be >= 0"):
        SequentialIdSource(step_ms=-1)


def test_sequential_ids_from_four_threads_are_the_sequence_shared_out() -> None:
    source = SequentialIdSource()
    results: list[list[str]] = [[] for _ in range(4)]

    def work(out: list[str]) -> None:
        out.extend(source.new_id() for _ in range(500))

    threads = [threading.Thread(target=work, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reference = SequentialIdSource()
    assert {i for out in results for i in out} == {reference.new_id() for _ in range(2_000)}
    for out in results:
        assert out == sorted(out)


@given(st.integers(min_value=0, max_value=(1 << 128) - 1))
def test_ulid_text_is_the_crockford_text_python_ulid_gives(value: int) -> None:
    assert ulid_text(value) == str(ULID.from_int(value))


@given(
    st.one_of(st.none(), st.integers(min_value=0, max_value=(1 << 128) - 2)),
    st.integers(min_value=0, max_value=(1 << 48) - 1),
    st.binary(min_size=10, max_size=10),
)
def test_the_integer_transition_agrees_with_the_ulid_one(
    previous: int | None, now_ms: int, entropy: bytes
) -> None:
    as_ulid = next_ulid(None if previous is None else ULID.from_int(previous), now_ms, entropy)
    assert int(as_ulid) == next_ulid_value(previous, now_ms, entropy)


@given(
    st.one_of(st.none(), st.integers(min_value=0, max_value=(1 << 128) - 1)),
    st.integers(min_value=0, max_value=(1 << 48) - 1),
    st.binary(min_size=10, max_size=10),
)
def test_the_entropy_free_successor_is_the_transition_whenever_it_answers(
    previous: int | None, now_ms: int, entropy: bytes
) -> None:
    following = successor(previous, now_ms)
    if following is not None:
        assert following == next_ulid_value(previous, now_ms, entropy)
    else:  # a fresh random part: a later millisecond, no id yet, or the random part used up
        assert previous is None or now_ms > previous >> 80 or previous & ((1 << 80) - 1) == (1 << 80) - 1


@given(st.integers(min_value=0, max_value=(1 << 128) - 1))
def test_the_random_text_is_the_tail_of_the_whole_text(value: int) -> None:
    assert ulid_text(value)[10:] == ulid_random_text(value)


def test_system_ids_made_from_the_cached_time_text_are_the_ulids_text() -> None:
    source = SystemIdSource()
    made = [source.new_id() for _ in range(5_000)]  # many share a millisecond, some do not
    assert [ulid_text(int(ULID.from_str(text))) for text in made] == made
    assert made == sorted(set(made))
