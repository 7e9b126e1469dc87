"""A durable run's events made in memory: payloads, keys, and hashes equal to the ledger's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ValidationError, to_record
from spine.core.ids import EventId, RunId
from spine.execution.ledger_chain import GENESIS_HASH, LedgerEvent, event_hash
from spine.execution.ledger_hash import canonical_json, digest, instant_text
from spine.orchestration.checkpoints import StepPayload
from spine.orchestration.report import StepStatus
from spine.orchestration.run_events import (
    InstantTexts,
    chain_hash,
    error_json,
    event_row,
    instant_texts,
    json_string,
    lease_until,
    payload_json,
    seal,
    step_key,
    step_payload,
)
from spine.storage.drivers._values import utc_text

T0 = datetime(2025, 1, 3, tzinfo=UTC)
names = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), min_size=1, max_size=60)
texts = st.text(max_size=40)  # anything: U+0000 and lone surrogates included
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
instants = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.one_of(st.just(UTC), offsets)
)


@given(
    names,
    st.integers(0, 10_000),
    st.sampled_from(list(StepStatus)),
    st.integers(1, 50),
    st.integers(0, 10**12),
    st.none() | st.builds(ValidationError, st.text()),  # U+0000 too: it becomes U+FFFD
)
def test_step_payloads_are_already_canonical_json(  # noqa: PLR0917 - a payload's fields
    name: str, index: int, status: StepStatus, attempt: int, took_us: int, error: ValidationError | None
) -> None:
    name_json = canonical_json(name).unwrap()
    record = None if error is None else to_record(error)
    error_text = None if record is None else error_json(record)
    text = step_payload(name_json, index, status, attempt, took_us, error_text)
    values: dict[str, object] = {
        "step": name,
        "index": index,
        "status": status.value,
        "attempt": attempt,
        "took_us": took_us,
    }
    if record is not None:
        values["error"] = msgspec.json.decode(error_text or "")
    assert text == canonical_json(values).unwrap()
    decoded = msgspec.json.decode(text, type=StepPayload)
    assert (decoded.step, decoded.index, decoded.status, decoded.took_us) == (name, index, status, took_us)
    if record is not None and "\x00" not in record.message:
        assert decoded.error == record
    elif record is not None:
        assert decoded.error == msgspec.structs.replace(
            record, message=record.message.replace("\x00", "\ufffd")
        )


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
    assert event_hash(event) == hashed == row[7]


def test_sealed_events_chain_after_the_head_and_refusals_are_values() -> None:
    ids = iter(["e1", "e2"])
    sealed = seal("run", (4, "ab" * 32), [("a", {"n": 1}), ("b", {})], T0, ids.__next__)
    assert not isinstance(sealed, ValidationError)
    (first, second), head = sealed
    assert (first[1], first[6], second[1], second[6]) == (5, "ab" * 32, 6, first[7])
    assert head == (6, second[7]) == (6, event_row("run", 6, first[7], ("e2", "b", T0, "{}"))[1])
    assert isinstance(seal("run", (0, GENESIS_HASH), [("a", {"x": float("nan")})], T0, str), ValidationError)
    assert isinstance(seal("run", (0, GENESIS_HASH), [("a\x00", {})], T0, str), ValidationError)


def test_event_rows_store_instants_in_utc() -> None:
    paris = datetime(2025, 1, 3, 1, tzinfo=timezone(timedelta(hours=1)))
    row, _ = event_row("run", 1, GENESIS_HASH, ("e", "x", paris, "{}"))
    stored = row[4]
    assert isinstance(stored, datetime)
    assert stored == T0
    assert stored.tzinfo is UTC


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


@given(instants)
def test_one_isoformat_gives_both_the_stored_and_the_hashed_text(at: datetime) -> None:
    assert instant_texts(at) == (utc_text(at), instant_text(at))


@given(texts, st.integers(1, 2**40), texts, st.sampled_from(list(StepStatus)), instants, names, texts)
def test_the_hot_path_hash_is_the_ledgers_digest(  # noqa: PLR0917 - one event's fields
    run_id: str, seq: int, event_id: str, status: StepStatus, at: datetime, name: str, prev: str
) -> None:
    payload = step_payload(canonical_json(name).unwrap(), 3, status, 1, 0)
    event_type = f"step_{status.value}"
    try:
        expected: str | None = digest(
            run_id=run_id,
            seq=seq,
            event_id=event_id,
            event_type=event_type,
            occurred_at=at,
            payload_json=payload,
            prev_hash=prev,
        )
    except ValidationError:
        expected = None
    run_json, type_json = json_string(run_id), json_string(event_type)
    if run_json is None:  # the log refuses such a run before it hashes anything
        assert expected is None
        return
    assert type_json is not None
    hashed = chain_hash(run_json, seq, event_id, type_json, instant_texts(at)[1], payload, prev)
    assert hashed == expected if expected is not None else isinstance(hashed, ValidationError)


@given(st.lists(instants, max_size=20))
def test_a_runs_instant_texts_are_each_instants_own(ats: list[datetime]) -> None:
    texts = InstantTexts()
    for at in sorted(ats, key=lambda a: a.astimezone(UTC)) + ats:  # in order, then any order
        assert texts(at) == instant_texts(at)
