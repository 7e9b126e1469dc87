"""AnomalyRecorder on each live database, with time windows checked at hour granularity.

Anomalies are recorded at whole-hour offsets from a fixed "now", each given in a different
zone (+05:30, -08:00, UTC, +14:00, -03:30), so their wall-clock texts do not sort like their
instants. Every window (``recent_critical``, ``count_by_severity``, ``unresolved(since=)``)
must still select exactly the anomalies whose *instants* fall inside it, on every backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from spine.anomalies.model import Anomaly, AnomalyCategory, Severity
from spine.anomalies.recorder import AnomalyRecorder
from spine.core.errors import ConflictError, NotFoundError, ValidationError
from spine.storage.database import Database
from spine.storage.sql.statement import sql
from spine.testing import FakeClock, SequentialIdSource
from tests.integration.storage.isolated import BACKEND_PARAMS, migrated

NOW = datetime(2025, 1, 3, 12, tzinfo=UTC)
ZONES = (
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-8)),
    UTC,
    timezone(timedelta(hours=14)),
    timezone(-timedelta(hours=3, minutes=30)),
)
HOURS = range(10)
SEVERITY_AT = {
    k: (Severity.CRITICAL if k % 2 == 0 else (Severity.ERROR, Severity.INFO)[k % 4 == 1]) for k in HOURS
}


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One migrated private database per backend for this module (migrating costs ~1 s on MariaDB)."""
    with migrated(request.param, tmp_path_factory.mktemp("anomalies")) as (database, _):
        yield database


@pytest.fixture
def db(database: Database) -> Database:
    """The module's database with no anomalies."""
    database.execute(sql("DELETE FROM spine_anomalies")).unwrap()
    return database


def _recorder(db: Database) -> tuple[AnomalyRecorder, FakeClock]:
    clock = FakeClock(NOW)
    return AnomalyRecorder(db, ids=SequentialIdSource(), clock=clock), clock


def _hourly(recorder: AnomalyRecorder) -> dict[int, Anomaly]:
    """One anomaly k hours before NOW for each k, in zone k % 5."""
    recorded: dict[int, Anomaly] = {}
    for k in HOURS:
        at = (NOW - timedelta(hours=k)).astimezone(ZONES[k % len(ZONES)])
        recorded[k] = recorder.record(
            "orders",
            "load",
            severity=SEVERITY_AT[k],
            category=AnomalyCategory.VOLUME,
            message=f"{k} hours ago",
            detected_at=at,
        ).unwrap()
    return recorded


def _ages(anomalies: tuple[Anomaly, ...]) -> list[int]:
    return [int(a.message.split()[0]) for a in anomalies]


def test_wall_clock_texts_do_not_sort_like_the_instants() -> None:
    # The premise of this module: comparing the inputs' texts would give wrong windows.
    texts = [(NOW - timedelta(hours=k)).astimezone(ZONES[k % len(ZONES)]).isoformat() for k in HOURS]
    assert texts != sorted(texts, reverse=True)


def test_recent_critical_selects_by_instant_at_hour_granularity(db: Database) -> None:
    recorder, _ = _recorder(db)
    recorded = _hourly(recorder)
    assert all(a.detected_at == NOW - timedelta(hours=k) for k, a in recorded.items())
    for hours in range(len(HOURS) + 1):
        now = NOW.astimezone(ZONES[(hours + 2) % len(ZONES)])
        found = recorder.recent_critical(timedelta(hours=hours), now=now).unwrap()
        expected = [k for k in HOURS if k <= hours and SEVERITY_AT[k] is Severity.CRITICAL]
        assert _ages(found) == expected, f"window of {hours} h"
    # Both ends are inclusive and exact to the microsecond.
    just_before = NOW - timedelta(microseconds=1)
    assert _ages(recorder.recent_critical(timedelta(hours=2), now=just_before).unwrap()) == [2]
    assert _ages(recorder.recent_critical(timedelta(hours=2) - timedelta(microseconds=1)).unwrap()) == [0]


def test_count_by_severity_selects_by_instant_at_hour_granularity(db: Database) -> None:
    recorder, _ = _recorder(db)
    _hourly(recorder)
    for hours in range(len(HOURS) + 1):
        since = (NOW - timedelta(hours=hours)).astimezone(ZONES[hours % len(ZONES)])
        counts = recorder.count_by_severity(since).unwrap()
        expected = dict.fromkeys(Severity, 0)
        for k in HOURS:
            if k <= hours:
                expected[SEVERITY_AT[k]] += 1
        assert counts == expected, f"since {hours} h ago"
    until = (NOW - timedelta(hours=3)).astimezone(ZONES[1])
    counts = recorder.count_by_severity(NOW - timedelta(hours=6), until=until).unwrap()
    assert counts == {Severity.INFO: 1, Severity.WARNING: 0, Severity.ERROR: 1, Severity.CRITICAL: 2}


def test_unresolved_since_selects_by_instant_at_hour_granularity(db: Database) -> None:
    recorder, _ = _recorder(db)
    _hourly(recorder)
    for hours in HOURS:
        since = (NOW - timedelta(hours=hours)).astimezone(ZONES[(hours + 1) % len(ZONES)])
        assert _ages(recorder.unresolved(since=since).unwrap()) == list(range(hours + 1))


def test_an_anomaly_reads_back_exactly_as_recorded(db: Database) -> None:
    recorder, clock = _recorder(db)
    recorded = recorder.record(
        "orders",
        "enrich",
        severity=Severity.WARNING,
        category="fx_rate_missing",
        message="no EUR rate",
        partition_key="2025-01-03",
        details={"currency": "EUR", "rows": [1, 2], "ratio": 0.25, "nested": {"ok": False, "none": None}},
        run_id="01JGQX0000000000000000000R",
    ).unwrap()
    assert recorded.detected_at == clock.now()
    assert recorder.get(recorded.anomaly_id).unwrap() == recorded
    assert recorder.unresolved().unwrap() == (recorded,)
    assert isinstance(recorder.get("nope").failure(), NotFoundError)


def test_unresolved_filters_and_orders_newest_first(db: Database) -> None:
    recorder, clock = _recorder(db)
    specs = [
        ("orders", "load", Severity.ERROR, AnomalyCategory.VOLUME),
        ("orders", "load", Severity.INFO, AnomalyCategory.OUTLIER),
        ("orders", "enrich", Severity.ERROR, AnomalyCategory.OUTLIER),
        ("trades", "load", Severity.ERROR, AnomalyCategory.VOLUME),
    ]
    made = []
    for domain, stage, severity, category in specs:
        made.append(
            recorder.record(domain, stage, severity=severity, category=category, message="m").unwrap()
        )
        clock.advance(60)

    def ids(**filters: object) -> list[str]:
        found = recorder.unresolved(**filters).unwrap()  # type: ignore[arg-type]  # filters by name
        return [a.anomaly_id for a in found]

    a, b, c, d = (m.anomaly_id for m in made)
    assert ids() == [d, c, b, a]
    assert ids(domain="orders") == [c, b, a]
    assert ids(domain="orders", stage="load") == [b, a]
    assert ids(severity=Severity.ERROR) == [d, c, a]
    assert ids(category=AnomalyCategory.OUTLIER) == [c, b]
    assert ids(category="volume", domain="trades") == [d]
    assert ids(limit=2) == [d, c]


def test_resolve_once_with_a_note_then_it_is_a_conflict(db: Database) -> None:
    recorder, clock = _recorder(db)
    first = recorder.record(
        "orders", "load", severity=Severity.CRITICAL, category="volume", message="m"
    ).unwrap()
    other = recorder.record(
        "orders", "load", severity=Severity.CRITICAL, category="volume", message="m"
    ).unwrap()
    clock.advance(3600)
    resolved = recorder.resolve(first.anomaly_id, note="source re-sent the file").unwrap()
    assert resolved.resolved_at == NOW + timedelta(hours=1)
    assert resolved.resolution_note == "source re-sent the file"
    assert recorder.get(first.anomaly_id).unwrap() == resolved
    again = recorder.resolve(first.anomaly_id, note="again").failure()
    assert isinstance(again, ConflictError)
    assert recorder.get(first.anomaly_id).unwrap().resolution_note == "source re-sent the file"
    assert isinstance(recorder.resolve("missing", note="n").failure(), NotFoundError)
    assert isinstance(recorder.resolve(other.anomaly_id, note="").failure(), ValidationError)
    assert [x.anomaly_id for x in recorder.unresolved().unwrap()] == [other.anomaly_id]
    since = NOW - timedelta(hours=1)
    assert recorder.count_by_severity(since).unwrap()[Severity.CRITICAL] == 2
    assert recorder.count_by_severity(since, unresolved_only=True).unwrap()[Severity.CRITICAL] == 1
    # "recent critical" is about time: resolved ones are still listed.
    assert len(recorder.recent_critical(timedelta(hours=2)).unwrap()) == 2


def test_naive_instants_and_bad_input_are_refused_before_anything_runs(db: Database) -> None:
    recorder, _ = _recorder(db)
    naive = datetime(2025, 1, 3, 12)
    for outcome in (
        recorder.record(
            "orders", "load", severity=Severity.INFO, category="x", message="m", detected_at=naive
        ),
        recorder.record("orders", "load", severity=Severity.INFO, category="Not A Code", message="m"),
        recorder.unresolved(since=naive),
        recorder.unresolved(limit=0),
        recorder.count_by_severity(naive),
        recorder.count_by_severity(NOW, until=naive),
        recorder.recent_critical(timedelta(hours=1), now=naive),
        recorder.recent_critical(timedelta(hours=-1)),
    ):
        assert isinstance(outcome.failure(), ValidationError)
    assert recorder.unresolved().unwrap() == ()
