"""``Workflow``: validated on construction, merged with every reference rewritten."""

from __future__ import annotations

from returns.result import Success

from spine.core.errors import SpineError
from spine.orchestration import Workflow, chain, conditional, lift, merge_workflows, parallel, workflow
from spine.orchestration.graph import INPUT, Graph, NodeKind
from tests.unit.orchestration.support import add, run_in_engine, statuses, total


def references(graph: Graph) -> set[str]:
    """Every name a graph refers to: inputs, choice targets and defaults, the output."""
    found = {graph.output}
    for n in graph.nodes:
        found.update(n.inputs)
        found.update(n.targets())
    return found - {INPUT}


def test_a_workflow_is_named_validated_and_ordered() -> None:
    wf = workflow("count", chain(add(1), add(2)))
    assert (wf.name, wf.step_names, repr(wf)) == ("count", ("add", "add_2"), "Workflow('count', steps=2)")
    assert wf.plan is wf.plan  # compiled once
    assert len(wf.plan) == 2
    assert wf.plan.linear is not None


def test_from_graph_validates_and_sorts_an_untyped_graph() -> None:
    g = chain(add(1), add(2)).graph
    shuffled = Graph(tuple(reversed(g.nodes)), g.output)
    wf = Workflow.from_graph("g", shuffled).unwrap()
    assert wf.step_names == ("add", "add_2")
    assert run_in_engine(wf, 0).result == Success(3)


def test_as_step_composes_a_workflow_into_a_bigger_one() -> None:
    inner = workflow("inner", chain(add(1), add(1)))
    outer = workflow("outer", chain(inner.as_step(), add(10), inner.as_step()))
    assert len(outer.step_names) == 5
    assert run_in_engine(outer, 0).result == Success(14)


def test_merging_renames_clashes_and_rewrites_every_reference() -> None:
    sign = conditional(lambda x: x >= 0, add(1, name="up"), add(-1, name="down"), name="sign")
    one = workflow(
        "one",
        chain(add(0, name="load"), sign, parallel(add(1), add(2), name="pair"), lift(total, name="sum")),
    )
    merged = merge_workflows("both", one, one)

    names = merged.step_names
    assert len(set(names)) == len(names) == 2 * len(one.step_names)
    assert set(one.step_names) < set(names)
    second = [n for n in merged.graph.nodes if n.name not in one.step_names]
    renamed = {n.name for n in second}
    assert {"load_2", "sign_2", "up_2", "down_2", "sign_end_2", "pair_2", "sum_2"} <= renamed

    # Every reference points at a step that exists; the second copy only at the second copy
    # (and its head at the first copy's output).
    assert references(merged.graph) <= set(names)
    head = merged.graph.node("load_2")
    assert head.inputs == (one.graph.output,)
    choice2 = merged.graph.node("sign_2")
    assert choice2.kind is NodeKind.CHOICE
    assert set(choice2.targets()) <= renamed
    assert choice2.default in renamed
    assert choice2.inputs == ("load_2",)
    assert all(set(n.inputs) <= renamed for n in second if n is not head)
    assert merged.graph.output == "sum_2"

    # And it computes one(one(x)): one(x) = 2 * (x +- 1) + 3.
    def once(x: int) -> int:
        return 2 * (x + (1 if x >= 0 else -1)) + 3

    for x in (5, -7):
        report = run_in_engine(merged, x)
        assert report.result == Success(once(once(x)))


def test_merging_three_runs_them_in_order() -> None:
    def twice(x: int) -> int:
        return x * 2

    double = workflow("double", lift(twice, name="double"))
    plus = workflow("plus", add(3))
    merged = merge_workflows("three", plus, double, plus)
    assert merged.step_names == ("add", "double", "add_2")
    assert run_in_engine(merged, 1).result == Success(11)


def test_a_merged_choice_still_skips_the_branch_not_taken() -> None:
    cond = workflow("c", conditional(lambda x: x > 0, add(1, name="yes"), add(-1, name="no")))
    merged = merge_workflows("cc", cond, cond)
    report = run_in_engine(merged, 1)
    assert report.result == Success(3)
    status = statuses(report)
    assert (status["yes"], status["no"], status["yes_2"], status["no_2"]) == (
        "completed",
        "skipped",
        "completed",
        "skipped",
    )
    report = run_in_engine(merged, 0)
    assert report.result == Success(-2)


def test_workflow_types_survive_merging() -> None:
    wf: Workflow[int, int, SpineError] = merge_workflows("m", workflow("a", add(1)), workflow("b", add(1)))
    assert wf.name == "m"
