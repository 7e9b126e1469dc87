"""Rows and events of durable runs: canonical payloads, chain hashes, keys, stored outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import CancelledError, NotFoundError, ValidationError, WorkflowError, to_record
from spine.core.ids import EventId, RunId
from spine.execution.ledger_chain import GENESIS_HASH, LedgerEvent, event_hash
from spine.execution.ledger_hash import canonical_json
from spine.execution.spec import WorkSpec
from spine.execution.status import RunStatus
from spine.orchestration.checkpoints import (
    Checkpoint,
    TrackedRun,
    event_row,
    lease_until,
    payload_json,
    step_key,
    step_payload,
    step_reports,
    stored_outcome,
)
from spine.orchestration.graph import INPUT, Node, NodeKind
from spine.orchestration.report import RunState, StepStatus

T0 = datetime(2025, 1, 3, tzinfo=UTC)
names = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), min_size=1, max_size=60)


@given(names, st.integers(0, 10_000), st.sampled_from(list(StepStatus)), st.integers(1, 50))
def test_step_payloads_are_already_canonical_json(
    name: str, index: int, status: StepStatus, attempt: int
) -> None:
    name_json = canonical_json(name).unwrap()
    text = step_payload(name_json, index, status, attempt)
    values = {"step": name, "index": index, "status": status.value, "attempt": attempt}
    assert text == canonical_json(values).unwrap()


@given(names, st.integers(1, 1000), st.sampled_from(["started", "step_completed"]))
def test_sealed_rows_hash_as_the_ledger_recomputes_them(name: str, seq: int, kind: str) -> None:
    payload = payload_json({"step": name})
    assert isinstance(payload, str)
    row, hashed = event_row("run", seq, "ab" * 32, ("e1", kind, T0, payload))
    event = LedgerEvent(
        run_id=RunId("run"),
        seq=seq,
        event_id=EventId("e1"),
        event_type=kind,
        occurred_at=T0,
        payload=msgspec.json.decode(payload),
        prev_hash="ab" * 32,
        hash=hashed,
    )
    assert event_hash(event) == hashed == row["hash"]


def test_event_rows_store_instants_in_utc() -> None:
    paris = datetime(2025, 1, 3, 1, tzinfo=timezone(timedelta(hours=1)))
    row, _ = event_row("run", 1, GENESIS_HASH, ("e", "x", paris, "{}"))
    assert row["occurred_at"] == T0
    assert row["occurred_at"].tzinfo is UTC  # type: ignore[union-attr]  # a datetime here


def test_payloads_that_are_not_json_are_refused() -> None:
    assert isinstance(payload_json({"x": float("nan")}), ValidationError)


@given(st.text(min_size=1, max_size=400), st.integers(1, 99))
def test_step_keys_are_stable_and_fit_the_column(step: str, attempt: int) -> None:
    run_id = "01JGZ8X9K3M5N7P9Q1R3S5T7V9"
    key = step_key(run_id, step, attempt)
    assert key == step_key(run_id, step, attempt)
    assert len(key) <= 200
    assert key.startswith(run_id)
    assert key.endswith(f":{attempt}")
    assert step_key(run_id, step, attempt + 1) != key


def test_leases_run_for_their_length() -> None:
    assert lease_until(T0, 1.5) == T0 + timedelta(seconds=1.5)


def _run(status: RunStatus, **fields: object) -> TrackedRun:
    base = TrackedRun(
        run_id="r",
        name="w",
        status=status,
        idempotency_key="r",
        spec=WorkSpec(name="w"),
        created_at=T0,
        updated_at=T0,
    )
    return msgspec.structs.replace(base, **fields)


def test_stored_outcomes_say_how_the_run_ended() -> None:
    def decode(data: bytes) -> object:
        return msgspec.msgpack.decode(data)

    done = _run(RunStatus.COMPLETED, result=msgspec.msgpack.encode([1, 2]))
    state, result = stored_outcome(done, decode)
    assert state is RunState.COMPLETED
    assert result.unwrap() == [1, 2]
    state, result = stored_outcome(
        _run(RunStatus.DEAD_LETTERED, error=to_record(NotFoundError("gone"))), decode
    )
    assert state is RunState.FAILED
    assert isinstance(result.failure(), NotFoundError)
    assert isinstance(stored_outcome(_run(RunStatus.CANCELLED), decode)[1].failure(), CancelledError)
    assert isinstance(stored_outcome(_run(RunStatus.FAILED), decode)[1].failure(), WorkflowError)
    asleep = stored_outcome(_run(RunStatus.WAITING, wake_at=T0), decode, waiting=True)
    assert asleep[0] is RunState.SUSPENDED
    bad = stored_outcome(done, lambda _: ValidationError("nope"))
    assert bad[0] is RunState.FAILED


def test_step_reports_follow_the_plan_and_mark_steps_restored() -> None:
    nodes = [Node(name=n, kind=NodeKind.PASS, inputs=(INPUT,)) for n in ("a", "b")]
    row = Checkpoint(
        run_id="r",
        step_name="a",
        step_index=0,
        attempt=2,
        status=StepStatus.FAILED,
        error=to_record(ValidationError("bad")),
        idempotency_key="r:a:2",
        started_at=T0,
        finished_at=T0,
    )
    a, b = step_reports(nodes, [row])
    assert (a.status, a.attempts, a.error, a.restored) == (StepStatus.FAILED, 2, "bad", True)
    assert (b.name, b.status) == ("b", StepStatus.PENDING)
