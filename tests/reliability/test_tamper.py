"""Ledger rows changed behind spine's back: ``spine ledger verify`` names exactly what changed.

Runs are made the way production makes them (the ``Dispatcher``, four ledger events each:
submitted, queued, started, completed) on SQLite, PostgreSQL and MariaDB. Then raw SQL
edits a payload, deletes events, swaps two events' seq, re-seals an edit or a swap (as
someone who knows the public hash function would), forges an event past the anchor, or
deletes a run's row (the anchor itself), with or without the chain's tail.
``ExecutionLedger.verify`` and the command line (its table, its ``--json`` and its exit
code) must list exactly those tamperings, of the right kind, and nothing else.

tests/integration/execution/test_ledger.py checks the API on one tampering per run; these
check the command line, several tamperings in one run, re-sealed rows (``Reordered``), and
hypothesis-chosen tamperings across many runs.
"""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import Final

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Result, Success

from spine.core.errors import SpineError
from spine.core.ids import EventId, RunId
from spine.core.json_types import JsonValue
from spine.execution.dispatcher import Dispatcher
from spine.execution.dlq import DLQManager
from spine.execution.executors import InlineExecutor
from spine.execution.ledger import ExecutionLedger, VerifyReport
from spine.execution.ledger_chain import (
    Anchor,
    Extra,
    LedgerEvent,
    Missing,
    Modified,
    Reordered,
    Tamper,
    Unanchored,
    draft,
    seal,
)
from spine.execution.ledger_rows import event_row
from spine.execution.registry import HandlerRegistry
from spine.execution.spec import WorkSpec
from spine.storage.compiled import SqlValue
from spine.storage.database import Database
from spine.storage.migrations import migrate
from spine.storage.sql import insert, sql
from spine.storage.sql.statement import Statement
from spine.storage.tables import LEDGER_EVENTS
from spine.testing import FakeClock, FakeSleeper, ScriptedRandom, SequentialIdSource
from tests.integration.storage.isolated import backends, reachable
from tests.unit.cli.invoke import Invocation, invoke

ROOT: Final = Path(__file__).resolve().parents[2]
EVENTS_PER_RUN: Final = 4
KINDS: Final = frozenset({"Modified", "Missing", "Reordered", "Extra", "Unanchored"})

_FORGED = itertools.count()
_SET_PAYLOAD = sql("UPDATE spine_ledger_events SET payload = :payload WHERE run_id = :run_id AND seq = :seq")
_SET_SEQ = sql("UPDATE spine_ledger_events SET seq = :new WHERE run_id = :run_id AND seq = :seq")
_DELETE = sql("DELETE FROM spine_ledger_events WHERE run_id = :run_id AND seq = :seq")
_DELETE_RUN = sql("DELETE FROM spine_runs WHERE run_id = :run_id")
_COUNT = sql("SELECT COUNT(*) FROM spine_ledger_events")
_INSERT = insert(LEDGER_EVENTS)


# --- making runs ---------------------------------------------------------------------------


class Note(msgspec.Struct, frozen=True):
    n: int


def _note(params: Note) -> Result[int, SpineError]:
    return Success(params.n)


REGISTRY: Final = HandlerRegistry()
REGISTRY.register("note", Note, _note)


class Ledgered:
    """A migrated database and a dispatcher whose every run leaves four chained events."""

    def __init__(self, db: Database, url: str) -> None:
        clock, ids = FakeClock(), SequentialIdSource()
        migrate(db, clock=clock, sleeper=FakeSleeper(clock), owner="tamper").unwrap()
        self.db, self.url = db, url
        self.ledger = ExecutionLedger(db, ids=ids, clock=clock)
        self.dispatcher = Dispatcher(
            db,
            REGISTRY,
            events=self.ledger,
            dead_letters=DLQManager(db, ids=ids, clock=clock),
            ids=ids,
            clock=clock,
            sleeper=FakeSleeper(clock),
            random=ScriptedRandom([0.5]),
            executor=InlineExecutor(REGISTRY),
        )

    def runs(self, count: int) -> list[RunId]:
        made = [self.dispatcher.submit(WorkSpec(name="note", params={"n": n})).unwrap() for n in range(count)]
        for run in made:
            assert len(self.events(run)) == EVENTS_PER_RUN
        return made

    def events(self, run: RunId) -> tuple[LedgerEvent, ...]:
        return self.ledger.events(run).unwrap()

    def stored(self) -> int:
        count = self.db.execute(_COUNT).unwrap().rows[0][0]
        assert isinstance(count, int)
        return count


@contextlib.contextmanager
def ledgered(backend: str, tmp: Path) -> Generator[Ledgered]:
    """A private database that the command line finds from its URL alone (``spine --db URL``)."""
    with reachable(backend, tmp, pool_max=2) as (db, url):
        yield Ledgered(db, url)


# --- tampering (raw SQL, behind the ledger's back) -----------------------------------------


def _execute(h: Ledgered, statement: Statement, params: Mapping[str, SqlValue]) -> None:
    h.db.execute(statement, params).unwrap()


def edit(h: Ledgered, run: RunId, seq: int) -> None:
    """Change one event's payload, leaving its hash as it was."""
    _execute(h, _SET_PAYLOAD, {"run_id": run, "seq": seq, "payload": '{"forged":true}'})


def delete(h: Ledgered, run: RunId, *seqs: int) -> None:
    for seq in seqs:
        _execute(h, _DELETE, {"run_id": run, "seq": seq})


def unanchor(h: Ledgered, run: RunId, *seqs: int) -> None:
    """Delete the run's row (its chain's anchor), and the events at ``seqs``."""
    _execute(h, _DELETE_RUN, {"run_id": run})
    delete(h, run, *seqs)


def swap(h: Ledgered, run: RunId, a: int, b: int) -> None:
    """Swap two events' seq (through seq 0, free in every chain)."""
    for old, new in ((a, 0), (b, a), (0, b)):
        _execute(h, _SET_SEQ, {"run_id": run, "seq": old, "new": new})


def _sealed(after: Anchor, like: LedgerEvent, payload: Mapping[str, JsonValue] | None = None) -> LedgerEvent:
    body = like.payload if payload is None else payload
    made = draft(like.event_id, like.event_type, like.occurred_at, body).unwrap()
    return seal(after, made).unwrap()


def _rewrite(h: Ledgered, run: RunId, events: list[LedgerEvent]) -> None:
    """Replace the rows at these events' seqs with the events (delete first: event ids are unique)."""
    delete(h, run, *(e.seq for e in events))
    for event in events:
        _execute(h, _INSERT, event_row(event, msgspec.json.encode(event.payload).decode()))


def _anchor(run: RunId, seq: int, prev_hash: str) -> Anchor:
    """The anchor that makes ``seal`` place an event at ``seq`` linked to ``prev_hash``."""
    return Anchor(run_id=run, last_seq=seq - 1, last_hash=None if seq == 1 else prev_hash)


def reseal(h: Ledgered, run: RunId, seq: int) -> None:
    """Change one event's payload and recompute its hash, keeping its link to its predecessor."""
    old = h.events(run)[seq - 1]
    _rewrite(h, run, [_sealed(_anchor(run, seq, old.prev_hash), old, {"forged": True})])


def reseal_swap(h: Ledgered, run: RunId, a: int) -> None:
    """Swap events ``a`` and ``a + 1`` (a >= 2), each re-hashed at its new seq with its own link."""
    first, second = h.events(run)[a - 1 : a + 1]
    _rewrite(
        h,
        run,
        [
            _sealed(_anchor(run, a, second.prev_hash), second),
            _sealed(_anchor(run, a + 1, first.prev_hash), first),
        ],
    )


def forge(h: Ledgered, run: RunId, seq: int | None = None) -> None:
    """Insert a well-formed event at ``seq`` (default: just past the anchor), linked to the last one."""
    last = h.events(run)[-1]
    at = last.seq + 1 if seq is None else seq
    made = draft(EventId(f"F{next(_FORGED):025d}"), "forged", last.occurred_at, {}).unwrap()
    _execute(h, _INSERT, event_row(seal(_anchor(run, at, last.hash), made).unwrap(), made.payload_json))


def before_the_chain(h: Ledgered, run: RunId) -> None:
    """A row at seq 0 (a copy of event 1 under a new id): not even a valid event."""
    first = h.events(run)[0]
    row = event_row(first, msgspec.json.encode(first.payload).decode())
    _execute(h, _INSERT, {**row, "seq": 0, "event_id": f"Z{next(_FORGED):025d}"})


type Tampering = Callable[[Ledgered, RunId], None]
type Expected = Callable[[RunId], tuple[Tamper, ...]]


def _everything(h: Ledgered, run: RunId) -> None:
    edit(h, run, 1)
    delete(h, run, 3)
    forge(h, run)


SCENARIOS: Final[tuple[tuple[str, Tampering, Expected], ...]] = (
    ("clean", lambda h, r: None, lambda r: ()),
    ("payload edited", lambda h, r: edit(h, r, 2), lambda r: (Modified(r, 2),)),
    ("middle deleted", lambda h, r: delete(h, r, 3), lambda r: (Missing(r, 3),)),
    ("head and tail deleted", lambda h, r: delete(h, r, 1, 4), lambda r: (Missing(r, 1), Missing(r, 4))),
    ("two deleted", lambda h, r: delete(h, r, 2, 3), lambda r: (Missing(r, 2, 2),)),
    ("seq swapped", lambda h, r: swap(h, r, 2, 4), lambda r: (Modified(r, 2), Modified(r, 4))),
    ("forged past the anchor", forge, lambda r: (Extra(r, 5),)),
    ("forged far past the anchor", lambda h, r: forge(h, r, 9), lambda r: (Extra(r, 9),)),
    ("row before the chain", before_the_chain, lambda r: (Extra(r, 0),)),
    ("edit re-sealed", lambda h, r: reseal(h, r, 2), lambda r: (Reordered(r, 3),)),
    ("head re-sealed", lambda h, r: reseal(h, r, 1), lambda r: (Reordered(r, 2),)),
    ("tail re-sealed", lambda h, r: reseal(h, r, 4), lambda r: (Modified(r, 4),)),
    (
        "swap re-sealed",
        lambda h, r: reseal_swap(h, r, 2),
        lambda r: (Reordered(r, 2), Reordered(r, 3), Reordered(r, 4)),
    ),
    ("edit, delete and forge", _everything, lambda r: (Modified(r, 1), Missing(r, 3), Extra(r, 5))),
    ("anchor row deleted", unanchor, lambda r: (Unanchored(r, 4),)),
    ("anchor row and tail deleted", lambda h, r: unanchor(h, r, 3, 4), lambda r: (Unanchored(r, 2),)),
    (
        "anchor row and a middle event deleted",
        lambda h, r: unanchor(h, r, 2),
        lambda r: (Missing(r, 2), Unanchored(r, 4)),
    ),
)


# --- the command line ----------------------------------------------------------------------


def table_rows(text: str) -> list[tuple[str, str, int]]:
    """The (kind, run, seq) rows of ``ledger verify``'s table (rich's or the plain one)."""
    rows: list[tuple[str, str, int]] = []
    for line in text.splitlines():
        cells = [c for c in line.replace("│", " ").split() if c]
        if len(cells) == 3 and cells[0] in KINDS:
            rows.append((cells[0], cells[1], int(cells[2])))
    return rows


def as_rows(tampers: tuple[Tamper, ...]) -> list[tuple[str, str, int]]:
    return [(type(t).__name__, t.run_id, t.seq) for t in tampers]


def verify_cli(url: str, run: str | None = None) -> tuple[Invocation, Invocation]:
    """``spine ledger verify`` as a table, then as JSON."""
    argv = ["ledger", "verify", *([run] if run else []), "--db", url]
    return invoke(*argv), invoke("--json", *argv)


def _tampers_of(scenarios: Mapping[RunId, Expected]) -> tuple[Tamper, ...]:
    """What verify must report: each run's tamperings, runs in id order."""
    return tuple(t for run in sorted(scenarios) for t in scenarios[run](run))


# --- the tests -----------------------------------------------------------------------------


@backends
def test_every_tampering_across_runs_is_reported_exactly_by_api_and_cli(backend: str, tmp_path: Path) -> None:
    with ledgered(backend, tmp_path) as h:
        runs = h.runs(len(SCENARIOS))
        table, js = verify_cli(h.url)
        assert (table.code, js.code, table.err, js.err) == (0, 0, "", "")
        assert f"{len(runs) * EVENTS_PER_RUN} events in {len(runs)} runs, nothing altered" in table.out
        assert msgspec.json.decode(js.out, type=VerifyReport).ok

        for run, (_, tamper, _) in zip(runs, SCENARIOS, strict=True):
            tamper(h, run)
        expected = _tampers_of({run: want for run, (_, _, want) in zip(runs, SCENARIOS, strict=True)})
        report = VerifyReport(runs=len(runs), events=h.stored(), tampers=expected)

        assert h.ledger.verify().unwrap() == report
        table, js = verify_cli(h.url)
        assert (table.code, js.code, table.err, js.err) == (1, 1, "", "")
        assert msgspec.json.decode(js.out, type=VerifyReport) == report
        assert f"ledger: {len(expected)} problem(s) in {report.events} events" in table.out
        assert table_rows(table.out) == as_rows(expected)

        # One run at a time: every scenario on SQLite, the clean and the busiest elsewhere.
        for index in range(len(runs)) if backend == "sqlite" else (0, len(runs) - 1):
            (name, _, want), run = SCENARIOS[index], runs[index]
            table, js = verify_cli(h.url, run)
            assert (table.code, js.code) == ((0, 0) if name == "clean" else (1, 1)), name
            assert msgspec.json.decode(js.out, type=VerifyReport).tampers == want(run), name
            assert table_rows(table.out) == as_rows(want(run)), name

        done = subprocess.run(
            [sys.executable, "-m", "spine", "ledger", "verify", "--db", h.url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert (done.returncode, done.stderr) == (1, "")
        assert table_rows(done.stdout) == as_rows(expected)


def test_verify_refuses_an_unknown_run_with_one_line(tmp_path: Path) -> None:
    with ledgered("sqlite", tmp_path) as h:
        h.runs(1)
        missing = invoke("ledger", "verify", "no-such-run", "--db", h.url)
        assert missing.code == 2
        assert missing.err == "spine: error: ledger verify: no run 'no-such-run' and no events\n"
        assert missing.out == ""


def test_deleting_a_runs_anchor_row_and_its_last_event_is_reported(tmp_path: Path) -> None:
    with ledgered("sqlite", tmp_path) as h:
        (run,) = h.runs(1)
        unanchor(h, run, EVENTS_PER_RUN)
        expected = (Unanchored(run, EVENTS_PER_RUN - 1),)
        assert h.ledger.verify().unwrap() == VerifyReport(runs=1, events=3, tampers=expected)
        assert h.ledger.verify(run).unwrap().tampers == expected
        table, js = verify_cli(h.url)
        assert (table.code, js.code, table.err, js.err) == (1, 1, "", "")
        assert table_rows(table.out) == as_rows(expected)
        assert msgspec.json.decode(js.out, type=VerifyReport).tampers == expected
        assert '"type":"Unanchored"' in js.out


# --- hypothesis: independent tamperings in many runs ---------------------------------------


def _one(kind: str, k: int) -> tuple[Tampering, Expected]:
    """A single tampering at position ``k`` (1-4) and what it must be reported as."""
    a = min(k, 3)
    table: dict[str, tuple[Tampering, Expected]] = {
        "none": (lambda h, r: None, lambda r: ()),
        "edit": (lambda h, r: edit(h, r, k), lambda r: (Modified(r, k),)),
        "delete": (lambda h, r: delete(h, r, k), lambda r: (Missing(r, k),)),
        "swap": (lambda h, r: swap(h, r, a, a + 1), lambda r: (Modified(r, a), Modified(r, a + 1))),
        "forge": (lambda h, r: forge(h, r, 4 + k), lambda r: (Extra(r, 4 + k),)),
        "reseal": (
            lambda h, r: reseal(h, r, k),
            lambda r: (Reordered(r, k + 1),) if k < EVENTS_PER_RUN else (Modified(r, k),),
        ),
        "unanchor": (  # the row, and every event after k
            lambda h, r: unanchor(h, r, *range(k + 1, EVENTS_PER_RUN + 1)),
            lambda r: (Unanchored(r, k),),
        ),
    }
    return table[kind]


PLANS: Final = st.lists(
    st.tuples(
        st.sampled_from(["none", "edit", "delete", "swap", "forge", "reseal", "unanchor"]), st.integers(1, 4)
    ),
    min_size=1,
    max_size=5,
)


class Accumulated:
    """One SQLite database for every example, and every tampering made in it so far."""

    def __init__(self, h: Ledgered) -> None:
        self.h = h
        self.expected: dict[RunId, Expected] = {}


@pytest.fixture(scope="module")
def accumulated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Accumulated]:
    with ledgered("sqlite", tmp_path_factory.mktemp("tamper")) as h:
        yield Accumulated(h)


@settings(max_examples=25, deadline=None)
@given(plan=PLANS)
def test_tamperings_chosen_at_random_are_all_reported_and_nothing_else(
    accumulated: Accumulated, plan: list[tuple[str, int]]
) -> None:
    h = accumulated.h
    for run, (kind, k) in zip(h.runs(len(plan)), plan, strict=True):
        tamper, want = _one(kind, k)
        tamper(h, run)
        accumulated.expected[run] = want
        assert h.ledger.verify(run).unwrap().tampers == want(run)
    everything = _tampers_of(accumulated.expected)
    js = invoke("--json", "ledger", "verify", "--db", h.url)
    assert js.code == (1 if everything else 0)
    assert msgspec.json.decode(js.out, type=VerifyReport).tampers == everything
