"""Leaf steps and their policies: what each constructor puts in the IR."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime

import msgspec
import pytest
from returns.result import Result, Success

from spine.core.errors import NetworkError, ValidationError
from spine.execution.retry import RetryPolicy
from spine.orchestration import OnError, StepPolicy, Task, lift, map_each, operation, step, wait
from spine.orchestration.graph import INPUT, NodeKind, WaitSpec
from spine.orchestration.step import accepted_type, returned_type
from tests.unit.orchestration.support import add


class Order(msgspec.Struct, frozen=True):
    qty: int


@step
def parse(text: str) -> Result[int, ValidationError]:
    return Success(int(text))


def test_step_makes_a_one_node_task_named_after_the_function() -> None:
    assert parse.name == "parse"
    node = parse.node
    assert (node.kind, node.inputs, node.result_type) == (NodeKind.CALL, (INPUT,), int)
    assert node.policy.is_default
    assert repr(parse) == "Task('parse', steps=1)"


def test_step_with_options_sets_name_and_policy() -> None:
    retry = RetryPolicy(max_attempts=5)

    @step(name="fetch", retry=retry, timeout_s=2.0)
    def get(n: int) -> Result[str, NetworkError]:
        return Success(str(n))

    assert get.name == "fetch"
    assert get.policy == StepPolicy(retry=retry, timeout_s=2.0)
    assert not get.policy.is_default


def test_lift_names_lambdas_and_partials_step() -> None:
    assert lift(lambda x: x).name == "step"
    assert lift(functools.partial(int, base=2)).name == "step"
    assert lift(str.upper).name == "upper"
    assert lift(str.upper, name="shout").name == "shout"


def test_the_types_of_values_are_read_from_annotations() -> None:
    def count(items: Sequence[str]) -> int:
        return len(items)

    assert lift(count).node.result_type is int
    assert returned_type(parse.node.call, result=True) is int
    assert accepted_type(lift(count).node.call) == Sequence[str]
    assert accepted_type(lambda x: x) is object
    assert returned_type(lambda x: x, result=False) is object


def test_unresolvable_annotations_leave_the_type_unknown() -> None:
    def later(x: int) -> Undefined:  # type: ignore[name-defined]  # noqa: F821 - the point of the test
        return x

    assert returned_type(later, result=False) is object


def test_policies_replace_each_other_field_by_field() -> None:
    retry = RetryPolicy(max_attempts=4)
    task = add(1).retry(retry).timeout(3.0).recover(0)
    assert task.policy == StepPolicy(retry=retry, timeout_s=3.0, on_error=OnError.CONTINUE)
    assert task.node.fallback == 0
    assert task.compensating().policy.on_error is OnError.COMPENSATE
    assert task.compensating().policy.retry == retry
    assert task.with_policy(StepPolicy()).policy.is_default
    # The original is untouched: tasks are values.
    assert add(1).policy.is_default


def test_named_renames_the_node_and_the_output() -> None:
    renamed = add(1).retry(RetryPolicy()).named("plus_one")
    assert (renamed.name, renamed.node.name, renamed.graph.output) == ("plus_one", "plus_one", "plus_one")
    assert renamed.policy.retry == RetryPolicy()


def test_compensate_with_keeps_the_undo_fragment() -> None:
    undo = add(-1, name="undo")
    task = add(1).compensate_with(undo)
    assert task.node.compensate is undo.graph


def test_a_timeout_must_be_positive_and_finite() -> None:
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="timeout_s must be a finite number > 0"):
            add(1).timeout(bad)


def test_operation_names_the_handler_and_the_result_type() -> None:
    op = operation("orders.place", params=Order, result=int, step_name="place")
    node = op.node
    assert (node.kind, node.name, node.operation, node.result_type) == (
        NodeKind.OPERATION,
        "place",
        "orders.place",
        int,
    )
    assert operation("orders.place", params=Order, result=int).name == "orders.place"


def test_wait_holds_a_duration_or_a_deadline() -> None:
    assert wait(int, seconds=60).node.wait == WaitSpec(duration_s=60)
    deadline = datetime(2030, 1, 1, tzinfo=UTC)
    assert wait(int, until=deadline, name="nap").node.wait == WaitSpec(until=deadline)
    with pytest.raises(ValueError, match="exactly one of"):
        wait(int)
    with pytest.raises(ValueError, match=">= 0"):
        wait(int, seconds=-5)


def test_map_each_holds_its_body_and_limits() -> None:
    body = add(1)
    m = map_each(body, concurrency=3, tolerated_failures=2, name="each")
    node = m.node
    assert (node.kind, node.name, node.body, node.concurrency, node.tolerated_failures) == (
        NodeKind.MAP,
        "each",
        body.graph,
        3,
        2,
    )
    assert isinstance(m, Task)


@pytest.mark.parametrize(("concurrency", "tolerated"), [(0, 0), (1, -1)])
def test_map_each_refuses_bad_limits(concurrency: int, tolerated: int) -> None:
    with pytest.raises(ValueError, match="concurrency >= 1 and tolerated_failures >= 0"):
        map_each(add(1), concurrency=concurrency, tolerated_failures=tolerated)


def test_untyped_gives_the_same_fragment() -> None:
    task = add(1)
    assert task.untyped().graph is task.graph


def test_a_default_policy_is_the_fast_path() -> None:
    assert StepPolicy().is_default
    assert not StepPolicy(on_error=OnError.CONTINUE).is_default
    assert not StepPolicy(retry=RetryPolicy()).is_default
