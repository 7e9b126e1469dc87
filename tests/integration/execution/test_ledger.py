"""``ExecutionLedger`` on live SQLite, PostgreSQL and MariaDB: appends, queries, tampering, races."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Result

from spine.core.errors import ConflictError, NotFoundError, SpineError, ValidationError
from spine.core.ids import EventId, RunId
from spine.core.json_types import JsonValue
from spine.core.system import SystemClock, SystemSleeper
from spine.execution.ledger import ExecutionLedger, VerifyReport
from spine.execution.ledger_chain import Anchor, Extra, LedgerEvent, Missing, Modified, draft, seal
from spine.storage.database import Database
from spine.storage.migrations import migrate
from spine.storage.sql import insert, sql
from spine.storage.tables import LEDGER_EVENTS, RUNS
from spine.testing import FakeClock, SequentialIdSource
from tests.integration.storage.isolated import isolated, reopen

T0: Final = datetime(2025, 1, 3, tzinfo=UTC)
_FRESH = itertools.count()
_ADD_RUN = insert(
    RUNS, ["run_id", "kind", "name", "status", "idempotency_key", "spec", "created_at", "updated_at"]
)
_ANCHOR = sql("SELECT last_seq, last_hash FROM spine_runs WHERE run_id = :run_id")
_STATUS = sql("UPDATE spine_runs SET status = :status WHERE run_id = :run_id")
_GET_STATUS = sql("SELECT status FROM spine_runs WHERE run_id = :run_id")
_SET_PAYLOAD = sql("UPDATE spine_ledger_events SET payload = :payload WHERE run_id = :run_id AND seq = :seq")
_SET_AT = sql("UPDATE spine_ledger_events SET occurred_at = :at WHERE run_id = :run_id AND seq = :seq")
_SET_SEQ = sql("UPDATE spine_ledger_events SET seq = :new WHERE run_id = :run_id AND seq = :seq")
_DELETE = sql("DELETE FROM spine_ledger_events WHERE run_id = :run_id AND seq = :seq")

type Live = tuple[Database, str, str]  # database, url, backend


def _live(backend: str, tmp: Path) -> Iterator[Live]:
    with isolated(backend, tmp) as (db, url):
        migrate(db, clock=SystemClock(), sleeper=SystemSleeper(), owner="test").unwrap()
        yield db, url, backend


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One migrated database per backend, shared by the tests that use their own runs."""
    yield from _live(request.param, tmp_path_factory.mktemp("ledger"))


@pytest.fixture
def private(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Live]:
    """A database of its own, for tests that look at every run."""
    yield from _live(request.param, tmp_path)


def _on_every_backend(fixture: str) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(
        fixture,
        [
            pytest.param("sqlite"),
            pytest.param("postgres", marks=pytest.mark.integration),
            pytest.param("mysql", marks=pytest.mark.integration),
        ],
        indirect=True,
    )


shared = _on_every_backend("live")
alone = _on_every_backend("private")


def add_run(db: Database, name: str = "run") -> RunId:
    run_id = RunId(f"{name}-{next(_FRESH):06d}")
    params = {"kind": "task", "name": name, "status": "pending", "idempotency_key": run_id, "spec": "{}"}
    db.execute(_ADD_RUN, {**params, "run_id": run_id, "created_at": T0, "updated_at": T0}).unwrap()
    return run_id


def ledger_of(db: Database, clock: FakeClock | None = None) -> ExecutionLedger:
    return ExecutionLedger(
        db, ids=SequentialIdSource(start_ms=1_800_000_000_000 + next(_FRESH)), clock=clock or FakeClock()
    )


def field_of(result: Result[object, SpineError]) -> str | None:
    error = result.failure()
    assert isinstance(error, ValidationError)
    return error.field


def anchor_of(db: Database, run_id: str) -> tuple[int, str | None]:
    last_seq, last_hash = db.execute(_ANCHOR, {"run_id": run_id}).unwrap().rows[0]
    assert isinstance(last_seq, int)
    assert last_hash is None or isinstance(last_hash, str)
    return last_seq, last_hash


# --- appending and reading ----------------------------------------------------------------


@shared
def test_appended_events_read_back_exactly(live: Live) -> None:
    db, _, _ = live
    clock = FakeClock(T0 + timedelta(microseconds=123_457))
    ledger = ledger_of(db, clock)
    a, b = add_run(db), add_run(db)
    written: list[LedgerEvent] = []
    for n in range(3):
        for run in (a, b):
            payload: dict[str, JsonValue] = {
                "n": n,
                "ratio": n / 3,
                "tags": ["x", "é"],
                "nested": {"ok": True, "none": None},
            }
            written.append(ledger.append(run, f"step.{n}", payload).unwrap())
            clock.advance(0.000_001)
    for run in (a, b):
        mine = [e for e in written if e.run_id == run]
        assert ledger.events(run).unwrap() == tuple(mine)
        assert [e.seq for e in mine] == [1, 2, 3]
        assert anchor_of(db, run) == (3, mine[-1].hash)
        assert ledger.verify(run).unwrap().ok
    assert written[0].occurred_at == clock.now() - timedelta(microseconds=6)  # microseconds kept
    assert ledger.events("no-such-run").unwrap() == ()


payload_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=5).filter(lambda k: "\x00" not in k), inner, max_size=3)
    ),
    max_leaves=8,
)


@shared
@settings(max_examples=15)
@given(
    payloads=st.lists(
        st.dictionaries(st.text(max_size=6).filter(lambda k: "\x00" not in k), payload_values, max_size=4),
        min_size=1,
        max_size=3,
    )
)
def test_any_json_payload_reads_back_to_the_hashed_value(
    live: Live, payloads: list[dict[str, JsonValue]]
) -> None:
    db, _, _ = live
    ledger, run = ledger_of(db), add_run(db, "json")
    written = tuple(ledger.append(run, "data", payload).unwrap() for payload in payloads)
    assert ledger.events(run).unwrap() == written
    assert ledger.verify(run).unwrap().ok


@shared
def test_refused_appends_write_nothing(live: Live) -> None:
    db, _, _ = live
    ledger, run = ledger_of(db), add_run(db)
    assert isinstance(ledger.append("no-such-run", "x", {}).failure(), NotFoundError)
    assert field_of(ledger.append(run, "x" * 41, {})) == "event_type"
    assert field_of(ledger.append(run, "x", {}, at=datetime(2025, 1, 3))) == "at"
    assert field_of(ledger.append(run, "x", {"when": T0})) == "payload.when"  # type: ignore[dict-item]
    assert field_of(ledger.append(run, "x", {"nan": float("nan")})) == "payload.nan"
    assert ledger.events(run).unwrap() == ()
    assert anchor_of(db, run) == (0, None)


@shared
def test_queries_by_type_and_half_open_windows_at_hour_granularity(live: Live) -> None:
    db, _, _ = live
    ledger, run = ledger_of(db), add_run(db)
    start = datetime(2031, 6, 1, tzinfo=UTC)  # a day no other test writes in
    kinds = ["hour.even", "hour.odd"]
    written = [
        ledger.append(run, kinds[h % 2], {"h": h}, at=start + timedelta(hours=h)).unwrap() for h in range(6)
    ]
    hour = [start + timedelta(hours=h) for h in range(7)]
    assert ledger.window(hour[1], hour[3]).unwrap() == tuple(written[1:3])
    assert ledger.window(hour[0], hour[6]).unwrap() == tuple(written)
    assert ledger.window(hour[2], hour[2]).unwrap() == ()
    india = timezone(timedelta(hours=5, minutes=30))  # the same instants, written elsewhere
    assert ledger.window(hour[1].astimezone(india), hour[3].astimezone(india)).unwrap() == tuple(written[1:3])
    evens = [e for e in written if e.event_type == "hour.even"]
    assert ledger.by_type("hour.even").unwrap() == tuple(evens)
    assert ledger.by_type("hour.even", since=hour[2]).unwrap() == tuple(evens[1:])
    assert ledger.by_type("hour.even", until=hour[2]).unwrap() == tuple(evens[:1])
    assert ledger.by_type("hour.odd", since=hour[1], until=hour[5]).unwrap() == (written[1], written[3])
    assert field_of(ledger.window(hour[3], hour[1])) == "until"
    assert field_of(ledger.by_type("hour.odd", since=datetime(2031, 6, 1))) == "since"


# --- tampering ---------------------------------------------------------------------------


@alone
def test_tampering_in_the_database_is_reported_exactly(private: Live) -> None:
    db, _, _ = private
    ledger = ledger_of(db)
    assert ledger.verify().unwrap() == VerifyReport(runs=0, events=0)
    runs = [add_run(db, name) for name in ("payload", "middle", "last", "swap", "clean", "instant")]
    for run in runs:
        for n in range(5):
            ledger.append(run, "step", {"n": n}).unwrap()
    payload, middle, last, swap, _, instant = runs
    db.execute(_SET_PAYLOAD, {"run_id": payload, "seq": 2, "payload": '{"n": 99}'}).unwrap()
    db.execute(_DELETE, {"run_id": middle, "seq": 3}).unwrap()
    db.execute(_DELETE, {"run_id": last, "seq": 5}).unwrap()
    for old, new in ((2, 0), (4, 2), (0, 4)):
        db.execute(_SET_SEQ, {"run_id": swap, "seq": old, "new": new}).unwrap()
    moved = ledger.events(instant).unwrap()[2].occurred_at + timedelta(microseconds=1)
    db.execute(_SET_AT, {"run_id": instant, "seq": 3, "at": moved}).unwrap()

    report = ledger.verify().unwrap()
    assert report.tampers == (  # in run id order: clean, instant, last, middle, payload, swap
        Modified(instant, 3),
        Missing(last, 5),
        Missing(middle, 3),
        Modified(payload, 2),
        Modified(swap, 2),
        Modified(swap, 4),
    )
    assert (report.ok, report.runs, report.events) == (False, 6, 28)
    assert ledger.verify(swap).unwrap().tampers == (Modified(swap, 2), Modified(swap, 4))
    assert ledger.verify(runs[4]).unwrap().ok
    assert isinstance(ledger.verify("no-such-run").failure(), NotFoundError)


@pytest.mark.parametrize("private", ["sqlite"], indirect=True)  # the others refuse such values
def test_rows_that_are_not_even_events_are_reported_not_raised(private: Live) -> None:
    db, _, _ = private
    ledger, run = ledger_of(db), add_run(db)
    for n in range(4):
        ledger.append(run, "step", {"n": n}).unwrap()
    db.execute(_SET_PAYLOAD, {"run_id": run, "seq": 2, "payload": "not json"}).unwrap()
    db.execute(_SET_AT, {"run_id": run, "seq": 3, "at": "yesterday"}).unwrap()
    assert ledger.verify(run).unwrap().tampers == (Modified(run, 2), Modified(run, 3))
    assert field_of(ledger.events(run)) is None  # a ValidationError naming the row
    assert "not a valid event" in str(ledger.events(run).failure())


@shared
def test_an_event_written_behind_the_ledgers_back_blocks_appends_and_is_reported(live: Live) -> None:
    db, _, _ = live
    ledger, run = ledger_of(db), add_run(db)
    first = ledger.append(run, "step", {}).unwrap()
    forged = seal(
        Anchor(run_id=run, last_seq=1, last_hash=first.hash),
        draft(EventId("F" * 26), "step", T0, {}).unwrap(),
    ).unwrap()
    row = {f: getattr(forged, f) for f in forged.__struct_fields__} | {"payload": "{}", "body": None}
    db.execute(insert(LEDGER_EVENTS), row).unwrap()
    refused = ledger.append(run, "step", {})
    assert isinstance(refused.failure(), ConflictError)
    assert ledger.verify(run).unwrap().tampers == (Extra(run, 2),)


# --- transactions and races ------------------------------------------------------------


@shared
def test_an_append_commits_or_rolls_back_with_the_callers_transaction(live: Live) -> None:
    db, _, _ = live
    ledger, run = ledger_of(db), add_run(db)
    with db.transaction() as tx:
        db.execute(_STATUS, {"run_id": run, "status": "running"}).unwrap()
        ledger.append(run, "started", {}).unwrap()
        tx.set_rollback_only()
    assert (ledger.events(run).unwrap(), anchor_of(db, run)) == ((), (0, None))
    assert db.execute(_GET_STATUS, {"run_id": run}).unwrap().scalar() == "pending"
    with db.transaction() as tx:
        db.execute(_STATUS, {"run_id": run, "status": "running"}).unwrap()
        event = ledger.append(run, "started", {}).unwrap()
    assert tx.outcome.unwrap() is True
    assert ledger.events(run).unwrap() == (event,)
    assert db.execute(_GET_STATUS, {"run_id": run}).unwrap().scalar() == "running"


@shared
def test_a_refused_append_leaves_the_callers_transaction_usable(live: Live) -> None:
    db, _, _ = live
    ledger, run = ledger_of(db), add_run(db)
    with db.transaction() as tx:
        assert isinstance(ledger.append("no-such-run", "x", {}).failure(), NotFoundError)
        assert isinstance(ledger.append(run, "x", {"bad": float("inf")}).failure(), ValidationError)
        db.execute(_STATUS, {"run_id": run, "status": "running"}).unwrap()
        ledger.append(run, "started", {}).unwrap()
    assert tx.outcome.unwrap() is True
    assert [e.seq for e in ledger.events(run).unwrap()] == [1]


@shared
def test_concurrent_appenders_leave_a_gap_free_chain(live: Live) -> None:
    db, url, backend = live
    run, workers, each = add_run(db, "race"), 4, 10
    ids, clock = SequentialIdSource(start_ms=1_900_000_000_000), FakeClock()
    start = threading.Barrier(workers)
    seen: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        own = reopen(backend, url)
        try:
            ledger = ExecutionLedger(own, ids=ids, clock=clock)
            start.wait()
            seen[worker] = [
                ledger.append(run, "tick", {"worker": worker, "i": i}).unwrap().seq for i in range(each)
            ]
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ledger = ledger_of(db)
    events = ledger.events(run).unwrap()
    assert [e.seq for e in events] == list(range(1, workers * each + 1))
    assert sorted(itertools.chain.from_iterable(seen.values())) == [e.seq for e in events]
    for worker, mine in seen.items():
        assert [e.payload["i"] for e in events if e.payload["worker"] == worker] == list(range(each))
        assert mine == sorted(mine)
    assert ledger.verify(run).unwrap().ok
    assert anchor_of(db, run) == (workers * each, events[-1].hash)
