"""``BiTemporalStore`` on live databases answers as-of queries exactly as the pure core does."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spine.core.bitemporal import BiTemporalRecord, as_of, correct
from spine.core.errors import ValidationError
from spine.core.system import SystemClock, SystemSleeper
from spine.storage.bitemporal import BiTemporalStore
from spine.storage.database import Database
from spine.storage.migrations import migrate
from tests.integration.storage.isolated import isolated

T0 = datetime(2025, 1, 1, tzinfo=UTC)
_FRESH = itertools.count()


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with isolated(request.param, tmp_path) as (db, _):
        migrate(db, clock=SystemClock(), sleeper=SystemSleeper(), owner="test").unwrap()
        yield db


all_backends = pytest.mark.parametrize(
    "database",
    [
        pytest.param("sqlite"),
        pytest.param("postgres", marks=pytest.mark.integration),
        pytest.param("mysql", marks=pytest.mark.integration),
    ],
    indirect=True,
)

corrections = st.lists(
    st.tuples(
        st.integers(0, 20),  # valid_from day
        st.none() | st.integers(1, 10),  # length in days (None: open)
        st.integers(-1000, 1000),  # value
    ),
    min_size=1,
    max_size=6,
)


@all_backends
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=corrections, entity=st.uuids().map(str))
def test_as_of_matches_the_pure_model(
    database: Database, steps: list[tuple[int, int | None, int]], entity: str
) -> None:
    entity = f"{entity}-{next(_FRESH)}"  # the database outlives one example; ids must not repeat
    store = BiTemporalStore(database, "price", int)
    model: tuple[BiTemporalRecord[int], ...] = ()
    for n, (start, length, value) in enumerate(steps):
        at = T0 + timedelta(days=100, seconds=n + 1, microseconds=7)
        valid_from = T0 + timedelta(days=start)
        valid_to = None if length is None else valid_from + timedelta(days=length)
        model = correct(
            model, value, entity_id=entity, valid_from=valid_from, valid_to=valid_to, at=at
        ).unwrap()
        store.correct(entity, value, valid_from=valid_from, valid_to=valid_to, at=at).unwrap()
    assert sorted(store.history(entity).unwrap(), key=_order) == sorted(model, key=_order)
    for day in range(0, 32, 3):
        for known_s in range(len(steps) + 1):
            valid = T0 + timedelta(days=day, hours=12)
            known = T0 + timedelta(days=100, seconds=known_s, microseconds=8)
            assert store.as_of(entity, valid, known).unwrap() == as_of(model, valid, known)


@all_backends
def test_a_stale_correction_changes_nothing(database: Database) -> None:
    store = BiTemporalStore(database, "price", float)
    store.correct("X", 1.0, valid_from=T0, valid_to=None, at=T0 + timedelta(days=2)).unwrap()
    error = store.correct("X", 2.0, valid_from=T0, valid_to=None, at=T0 + timedelta(days=1)).failure()
    assert isinstance(error, ValidationError)
    assert [r.value for r in store.history("X").unwrap()] == [1.0]


def _order(record: BiTemporalRecord[int]) -> tuple[datetime, datetime]:
    return record.system_from, record.valid_from
