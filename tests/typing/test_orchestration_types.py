"""The typed surface of ``spine.orchestration``: types flow through every combinator.

Type-checked by mypy (strict) and basedpyright (strict); never run (pytest does not collect
``tests/typing``), and every fact sits inside a function. Positive facts are ``assert_type``
lines: an inferred type that drifts (an error union lost, an output widened to ``object``)
fails both checkers. The mistakes are in ``test_orchestration_errors.py``.
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Never, assert_type

import msgspec
from returns.result import Result, Success

from spine.core.errors import NetworkError, SpineError, StepError, ValidationError, WorkflowError
from spine.execution.retry import RetryPolicy
from spine.orchestration import (
    Step,
    StepPolicy,
    StepReport,
    Task,
    Workflow,
    WorkflowReport,
    WorkflowRunner,
    chain,
    chain_all,
    choice,
    conditional,
    lift,
    map_each,
    merge_workflows,
    operation,
    parallel,
    step,
    wait,
    workflow,
)
from spine.orchestration.graph import Graph


class Order(msgspec.Struct, frozen=True):
    qty: int


class Receipt(msgspec.Struct, frozen=True):
    id: str


@step
def parse(text: str) -> Result[int, ValidationError]:
    return Success(int(text))


@step(name="doubled", retry=RetryPolicy(), timeout_s=1.0)
def double(n: int) -> Result[int, ValidationError]:
    return Success(n * 2)


@step
def fetch(n: int) -> Result[str, NetworkError]:
    return Success(str(n))


def inc(n: int) -> int:
    return n + 1


def describe(value: object) -> str:
    return repr(value)


def total(values: Sequence[int]) -> int:
    return sum(values)


def spread(n: int) -> list[int]:
    return [n, n + 1]


def takes_any_error(s: Step[str, int, SpineError]) -> None:
    del s


def takes_an_int(s: Step[int, str, Never]) -> None:
    del s


def positive(n: int) -> bool:
    return n > 0


def leaf_steps() -> None:
    assert_type(parse, Task[str, int, ValidationError])
    assert_type(double, Task[int, int, ValidationError])
    assert_type(lift(inc), Task[int, int, Never])
    assert_type(wait(int, seconds=5), Task[int, int, Never])
    assert_type(wait(str, until=datetime(2030, 1, 1, tzinfo=UTC)), Task[str, str, Never])
    assert_type(operation("orders.place", params=Order, result=Receipt), Task[Order, Receipt, SpineError])
    assert_type(map_each(fetch), Task[Sequence[int], tuple[str, ...], NetworkError | StepError])


def policies_keep_the_types() -> None:
    assert_type(parse.retry(RetryPolicy()), Task[str, int, ValidationError])
    assert_type(parse.timeout(2.0).recover(0), Task[str, int, ValidationError])
    assert_type(parse.compensating().named("p"), Task[str, int, ValidationError])
    assert_type(parse.compensate_with(lift(describe)), Task[str, int, ValidationError])
    assert_type(fetch.with_policy(StepPolicy()), Task[int, str, NetworkError])
    assert_type(
        map_each(fetch).retry(RetryPolicy()), Task[Sequence[int], tuple[str, ...], NetworkError | StepError]
    )


def composition_unions_errors() -> None:
    assert_type(chain(parse, fetch), Step[str, str, ValidationError | NetworkError])
    assert_type(chain(parse, lift(inc), fetch), Step[str, str, ValidationError | NetworkError])
    assert_type(chain(parse, wait(int, seconds=1), fetch), Step[str, str, ValidationError | NetworkError])
    assert_type(
        chain(lift(inc), lift(inc), lift(inc), lift(inc), lift(inc), fetch), Step[int, str, NetworkError]
    )
    plain = chain_all([lift(inc), lift(inc)])  # (inline, pyright infers the error type as Unknown)
    assert_type(plain, Step[int, int, Never])


def compositions_that_cannot_fail() -> None:
    # pyright leaves a type variable solved only from ``Never`` unsolved, so composing steps
    # that all have the error type ``Never`` (lift, wait) gives ``Unknown`` there: a user
    # under pyright strict sees reportUnknownVariableType. mypy infers ``Never``. Pinned
    # both ways, so the day pyright changes, this file says so.
    assert_type(chain(lift(inc), lift(inc)), Step[int, int, Never])  # pyright: ignore[reportAssertTypeFailure]
    assert_type(parallel(lift(inc), wait(int, seconds=1)), Step[int, tuple[int, int], Never])  # pyright: ignore[reportAssertTypeFailure]
    assert_type(chain(lift(inc), lift(inc), fetch), Step[int, str, NetworkError])
    assert_type(chain_all([double, double]), Step[int, int, ValidationError])


def parallel_gives_tuples() -> None:
    assert_type(parallel(double, fetch), Step[int, tuple[int, str], ValidationError | NetworkError])
    assert_type(
        parallel(double, fetch, lift(inc)), Step[int, tuple[int, str, int], ValidationError | NetworkError]
    )
    assert_type(chain(parallel(double, double), lift(total)), Step[int, int, ValidationError])


def branches_agree() -> None:
    assert_type(conditional(positive, double, lift(inc)), Step[int, int, ValidationError])
    assert_type(
        choice((positive, fetch), (lambda n: n == 0, fetch), default=fetch),
        Step[int, str, NetworkError],
    )
    assert_type(
        chain(lift(spread), map_each(double, concurrency=4)),
        Step[int, tuple[int, ...], ValidationError | StepError],
    )


def variance() -> None:
    # Errors are covariant: a narrower error is a wider one.
    takes_any_error(parse)
    takes_any_error(chain(parse, double))
    # Inputs are contravariant: a step taking any object takes an int.
    takes_an_int(lift(describe))
    takes_an_int(chain(lift(describe), lift(len), lift(inc), lift(describe)))  # pyright: ignore[reportUnknownArgumentType]  # see compositions_that_cannot_fail


def workflows_and_runs() -> None:
    wf = workflow("etl", chain(parse, fetch))
    assert_type(wf, Workflow[str, str, ValidationError | NetworkError])
    assert_type(wf.as_step(), Step[str, str, ValidationError | NetworkError])
    assert_type(wf.step_names, tuple[str, ...])
    report = WorkflowRunner().run(wf, "1")
    assert_type(report, WorkflowReport[str])
    assert_type(report.result, Result[str, SpineError])
    assert_type(report.steps, tuple[StepReport, ...])
    assert_type(report.ok, bool)
    merged = merge_workflows("twice", workflow("a", double), workflow("b", fetch))
    assert_type(merged, Workflow[int, str, ValidationError | NetworkError])
    untyped = Workflow.from_graph("raw", Graph((), "x"))
    assert_type(untyped, Result[Workflow[object, object, SpineError], WorkflowError])
    assert_type(parse.untyped(), Step[object, object, SpineError])
