"""Compiled plans: integer wiring, and which plans take the linear fast path."""

from __future__ import annotations

import pytest

from spine.core.errors import SpineError
from spine.execution.retry import RetryPolicy
from spine.orchestration import Step, chain, conditional, map_each, parallel, wait, workflow
from spine.orchestration.plan import Plan
from tests.unit.orchestration.support import add, fail_when


def test_a_plain_chain_is_linear() -> None:
    plan = workflow("c", chain(add(1), add(2), fail_when(3))).plan
    assert plan.linear is not None
    assert plan.linear == tuple(n.call for n in plan.nodes)
    assert (plan.inputs, plan.roots, plan.output) == (((-1,), (0,), (1,)), (0,), 2)


@pytest.mark.parametrize(
    "flow",
    [
        chain(add(1), add(2).retry(RetryPolicy())),
        chain(add(1), add(2).timeout(1.0)),
        chain(add(1), add(2).recover(0)),
        chain(add(1), add(2).compensating()),
        chain(add(1), add(2).compensate_with(add(-2))),
        chain(add(1), wait(int, seconds=1)),
        chain(add(1), parallel(add(1), add(2))),
        conditional(lambda x: x > 0, add(1), add(2)),
        map_each(add(1)),
    ],
    ids=["retry", "timeout", "recover", "compensating", "compensation", "wait", "parallel", "choice", "map"],
)
def test_anything_but_plain_calls_in_a_row_is_not_linear(flow: Step[int, object, SpineError]) -> None:
    assert workflow("w", flow).plan.linear is None


def test_plan_wiring_of_a_diamond() -> None:
    plan = Plan(workflow("d", chain(add(1), parallel(add(1), add(2)))).graph)
    assert plan.index == {"add": 0, "add_2": 1, "add_2_2": 2, "parallel": 3}
    assert plan.inputs == ((-1,), (0,), (0,), (1, 2))
    assert plan.users == ((1, 2), (3,), (3,), ())
    assert plan.pending == (0, 1, 1, 2)
    assert plan.roots == (0,)
    assert len(plan) == 4


def test_a_choice_knows_its_targets_and_a_map_its_body() -> None:
    plan = workflow("c", conditional(lambda x: x > 0, add(1), add(2))).plan
    head = plan.index["if"]
    assert {plan.nodes[t].name for t in plan.users[head]} == {"if_1", "if_default"}
    mapped = workflow("m", map_each(chain(add(1), add(1)))).plan
    assert mapped.bodies[0].linear is not None
