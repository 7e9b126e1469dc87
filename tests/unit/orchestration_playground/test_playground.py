"""The playground steps the real engine: same results, same choices, rewind and edit."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from spine.core.errors import NetworkError, SpineError
from spine.execution.retry import RetryPolicy
from spine.orchestration import (
    StepStatus,
    WorkflowRunner,
    chain,
    conditional,
    lift,
    map_each,
    step,
    wait,
    workflow,
)
from spine.orchestration.playground import WorkflowPlayground
from spine.testing import FakeClock, FakeSleeper


def _double(x: int) -> int:
    return x * 2


def _inc(x: int) -> int:
    return x + 1


def _items(x: int) -> tuple[int, ...]:
    return tuple(range(x % 5))


def _sum(xs: tuple[int, ...]) -> int:
    return sum(xs)


FLOW = workflow(
    "mixed",
    chain(
        lift(_inc, name="inc"),
        conditional(lambda x: x % 2 == 0, lift(_double, name="double"), lift(_inc, name="bump")),
        lift(_items, name="items"),
        map_each(lift(_double, name="each"), concurrency=2),
        lift(_sum, name="total"),
    ),
)


def _playground(value: int) -> WorkflowPlayground[int, int]:
    clock = FakeClock()
    return WorkflowPlayground(FLOW, value, clock=clock, sleeper=FakeSleeper(clock))


@given(st.integers(min_value=-50, max_value=50))
def test_stepping_to_the_end_gives_what_the_runner_gives(value: int) -> None:
    pg = _playground(value)
    steps = 0
    while pg.step() is not None:
        steps += 1
    expected = WorkflowRunner().run(FLOW, value)
    assert pg.report().result == expected.result
    assert [s.status for s in pg.report().steps] == [s.status for s in expected.steps]
    assert steps == sum(1 for s in expected.steps if s.status is not StepStatus.SKIPPED)


@given(st.integers(min_value=-50, max_value=50), st.integers(min_value=1, max_value=8))
def test_step_back_then_forward_is_the_same_run(value: int, back: int) -> None:
    pg = _playground(value)
    pg.run()
    final = pg.report().result
    history = [e.name for e in pg.history]
    for _ in range(back):
        pg.step_back()
    assert [e.name for e in pg.history] == history[: max(len(history) - back, 0)]
    pg.run()
    assert pg.report().result == final
    assert [e.name for e in pg.history] == history


def test_breakpoints_by_name_and_by_value() -> None:
    pg = _playground(3)  # inc -> 4, even -> double -> 8
    pg.break_at("items")
    pg.run()
    assert pg.peek() == ("items", 8)
    pg.clear_breakpoints()
    pg.break_when(lambda name, value: name == "total" and value == (0, 2, 4))
    pg.run()
    assert pg.peek() == ("total", (0, 2, 4))
    assert pg.run().result == Success(6)


def test_run_to_and_unknown_steps() -> None:
    pg = _playground(3)
    assert isinstance(pg.run_to("map"), Success)
    assert pg.peek() == ("map", (0, 1, 2))
    assert isinstance(pg.run_to("nope"), Failure)


def test_editing_a_value_reruns_what_followed() -> None:
    pg = _playground(3)
    pg.run_to("total")
    pg.set_value("inc", 5)  # odd now: the other branch
    assert pg.peek() == ("if", 5)
    assert pg.run().result == Success(sum(2 * i for i in range(6 % 5)))
    assert pg.status_of("double") is StepStatus.SKIPPED
    assert pg.status_of("bump") is StepStatus.COMPLETED


def test_waits_pass_on_the_fake_clock_and_retries_count_like_the_runner() -> None:
    calls: list[int] = []

    @step
    def flaky(x: int) -> Result[int, SpineError]:
        calls.append(x)
        return Failure(NetworkError("down")) if len(calls) < 3 else Success(x)

    flow = workflow("waits", chain(wait(int, seconds=3600), flaky.retry(RetryPolicy(max_attempts=3))))
    clock = FakeClock()
    pg = WorkflowPlayground(flow, 7, clock=clock, sleeper=FakeSleeper(clock))
    start = clock.now()
    assert pg.run().result == Success(7)
    assert clock.now() - start >= dt.timedelta(hours=1)
    assert [e.outcome.attempts for e in pg.history] == [1, 3]


def test_restart_with_a_new_input() -> None:
    pg = _playground(3)
    pg.run()
    pg.restart(10)
    assert pg.history == ()
    assert pg.peek() == ("inc", 10)
