"""The flight table: whatever the order of events, each attempt is taken out exactly once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery import Celery
from celery.result import AsyncResult
from hypothesis import given
from hypothesis import strategies as st

from spine.execution.celery.flights import Flight, FlightTable
from spine.execution.runner import Attempt, Outcome


@pytest.fixture(scope="module")
def app() -> Iterator[Celery]:
    celery_app = Celery("flights", backend="cache+memory://", set_as_current=False)
    yield celery_app
    celery_app.close()


def flight(app: Celery, n: int, *, sent_at: float = 0.0, deadline: float = 10.0) -> Flight:
    def done(_: Outcome) -> None:
        raise AssertionError

    attempt = Attempt(run_id=f"run-{n}", attempt=1, name="x")
    return Flight(attempt, done, AsyncResult(f"task-{n}", app=app), sent_at=sent_at, deadline=deadline)


def test_a_flight_is_found_by_task_or_by_run_but_taken_out_once(app: Celery) -> None:
    table = FlightTable()
    table.add(one := flight(app, 1))
    assert len(table) == 1
    assert table.pop_run("run-1") is one
    assert table.pop("task-1") is None
    assert table.pop_run("run-1") is None
    assert table.pop_due(100.0) == []
    assert len(table) == 0


def test_deadlines_come_due_in_order_and_only_once(app: Celery) -> None:
    table = FlightTable()
    flights = [flight(app, n, deadline=float(d)) for n, d in enumerate([5, 1, 3])]
    for f in flights:
        table.add(f)
    assert table.pop_due(0.5) == []
    assert table.pop_due(3.0) == [flights[1], flights[2]]
    assert table.pop_due(3.0) == []
    assert table.sent_before(0.0) == [flights[0]]
    assert table.pop_all() == [flights[0]]


def test_the_deadline_heap_forgets_flights_that_ended(app: Celery) -> None:
    table = FlightTable()
    for n in range(3000):
        table.add(flight(app, n, deadline=1e9))
        assert table.pop(f"task-{n}") is not None
        table.pop_due(0.0)
    assert len(table._deadlines) <= 1024 + 2


ops = st.lists(
    st.tuples(
        st.sampled_from(["add", "pop", "pop_run", "pop_due", "pop_all"]), st.integers(0, 5), st.integers(0, 9)
    ),
    max_size=60,
)


@given(ops)
def test_every_added_flight_is_taken_out_exactly_once(steps: list[tuple[str, int, int]]) -> None:
    app = Celery("flights", backend="cache+memory://", set_as_current=False)
    table, added, taken = FlightTable(), set[str](), list[str]()
    for n, (op, key, at) in enumerate(steps):
        if op == "add":
            f = flight(app, n, deadline=float(at))
            table.add(f)
            added.add(f.task_id)
            continue
        if op == "pop":
            got = [table.pop(f"task-{n - key}")]
        elif op == "pop_run":
            got = [table.pop_run(f"run-{n - key}")]
        elif op == "pop_due":
            got = list(table.pop_due(float(at)))
        else:
            got = list(table.pop_all())
        taken.extend(f.task_id for f in got if f is not None)
    taken.extend(f.task_id for f in table.pop_all())
    assert sorted(taken) == sorted(added)
    assert len(table) == 0
    app.close()
