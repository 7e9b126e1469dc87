"""Properties over random combinator trees, checked against a naive recursive interpreter.

A tree is data (``Leaf``/``Seq``/``Par``/``If``/``Each``); ``build`` turns it into a
``Step`` with the real combinators, ``reference`` evaluates it directly. Every tree must
build into a graph that validates, sorts topologically, and computes what the reference
computes, on the fast path and the general path alike, in the engine and in the runner.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from spine.core.errors import SpineError
from spine.orchestration import (
    Step,
    Workflow,
    chain,
    chain_all,
    conditional,
    lift,
    map_each,
    merge_workflows,
    parallel,
    workflow,
)
from spine.orchestration.engine import Journal, Outcome
from spine.orchestration.graph import INPUT, validate
from tests.unit.orchestration.support import (
    add,
    fail_when,
    fake_runner,
    raise_when,
    run_in_engine,
    total,
)


class Op(Enum):
    ADD = "add"
    FAIL = "fail"
    RAISE = "raise"
    RECOVER = "recover"


@dataclass(frozen=True)
class Leaf:
    op: Op
    k: int


@dataclass(frozen=True)
class Seq:
    parts: tuple[Tree, ...]


@dataclass(frozen=True)
class Par:
    parts: tuple[Tree, ...]


@dataclass(frozen=True)
class If:
    threshold: int
    then: Tree
    else_: Tree


@dataclass(frozen=True)
class Each:
    body: Tree


type Tree = Leaf | Seq | Par | If | Each

leaves = st.builds(Leaf, st.sampled_from(Op), st.integers(2, 7))


def extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    parts = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(
        parts.map(Seq),
        parts.map(Par),
        st.builds(If, st.integers(-20, 20), children, children),
        st.builds(Each, children),
    )


trees: st.SearchStrategy[Tree] = st.recursive(leaves, extend, max_leaves=10)
values = st.integers(-30, 30)

# --- building with the real combinators -------------------------------------------------


def spread(x: int) -> list[int]:
    return [x, x + 1, x + 2]


def build(tree: Tree) -> Step[int, int, SpineError]:  # noqa: PLR0911 - one case per tree node
    if isinstance(tree, Leaf):
        if tree.op is Op.ADD:
            return add(tree.k)
        if tree.op is Op.FAIL:
            return fail_when(tree.k, name="fail")
        if tree.op is Op.RAISE:
            return raise_when(tree.k, name="boom")
        return fail_when(tree.k, name="soft").recover(-tree.k)
    if isinstance(tree, Seq):
        return chain_all(build(p) for p in tree.parts)
    if isinstance(tree, Par):
        steps = [build(p) for p in tree.parts]
        if len(steps) == 2:
            return chain(parallel(steps[0], steps[1]), lift(total))
        return chain(parallel(steps[0], steps[1], steps[2]), lift(total))
    if isinstance(tree, If):
        threshold = tree.threshold
        return conditional(lambda x: x < threshold, build(tree.then), build(tree.else_))
    return chain(lift(spread), map_each(build(tree.body), concurrency=2), lift(total))


# --- the reference: a naive recursive interpreter of the tree --------------------------

type Ref = Result[int, frozenset[str]]
"""A value, or every error message the run may stop with (parallel branches race)."""


def reference(tree: Tree, x: int) -> Ref:  # noqa: PLR0911 - one case per tree node
    if isinstance(tree, Leaf):
        if tree.op is Op.ADD:
            return Success(x + tree.k)
        if x % tree.k:
            return Success(x)
        if tree.op is Op.FAIL:
            return Failure(frozenset({f"fail{tree.k}@{x}"}))
        if tree.op is Op.RAISE:
            return Failure(frozenset({f"ValueError: boom{tree.k}@{x}"}))
        return Success(-tree.k)
    if isinstance(tree, Seq):
        for part in tree.parts:
            result = reference(part, x)
            if not isinstance(result, Success):
                return result
            x = result.unwrap()
        return Success(x)
    if isinstance(tree, Par):
        results = [reference(p, x) for p in tree.parts]
        errors = frozenset().union(*(r.failure() for r in results if not isinstance(r, Success)))
        return Failure(errors) if errors else Success(sum(r.unwrap() for r in results))
    if isinstance(tree, If):
        return reference(tree.then if x < tree.threshold else tree.else_, x)
    for item in spread(x):  # a map fails with its first failing item, in input order
        result = reference(tree.body, item)
        if not isinstance(result, Success):
            return result
    return Success(sum(reference(tree.body, item).unwrap() for item in spread(x)))


def agrees(result: Result[object, SpineError], expected: Ref) -> bool:
    if isinstance(expected, Success):
        return result == expected
    return isinstance(result, Failure) and result.failure().message in expected.failure()


# --- properties -------------------------------------------------------------------------


@given(trees, values)
def test_a_combinator_tree_computes_what_the_reference_computes(tree: Tree, x: int) -> None:
    wf = workflow("tree", build(tree))
    expected = reference(tree, x)
    for general in (False, True):
        result = run_in_engine(wf, x, general=general).result
        assert agrees(result, expected), (result, expected)


@settings(max_examples=25)
@given(trees, values)
def test_the_threaded_runner_computes_what_the_reference_computes(tree: Tree, x: int) -> None:
    runner, _, _ = fake_runner()
    result = runner.run(workflow("tree", build(tree)), x).result
    assert agrees(result, reference(tree, x))


@given(trees)
def test_every_combinator_built_graph_validates_in_topological_order(tree: Tree) -> None:
    graph = build(tree).graph
    checked = Workflow.from_graph("tree", graph)
    assert isinstance(checked, Success)
    assert validate(graph, workflow="tree").unwrap().nodes == checked.unwrap().graph.nodes
    names = [n.name for n in graph.nodes]
    assert len(set(names)) == len(names)
    seen = {INPUT}
    for node in checked.unwrap().graph.nodes:
        assert set(node.inputs) <= seen
        seen.add(node.name)
        assert set(node.targets()) <= set(names)


@given(trees, trees, values)
def test_merging_two_workflows_runs_one_after_the_other(first: Tree, second: Tree, x: int) -> None:
    merged = merge_workflows("merged", workflow("a", build(first)), workflow("b", build(second)))
    expected = reference(first, x)
    if isinstance(expected, Success):
        expected = reference(second, expected.unwrap())
    assert agrees(run_in_engine(merged, x, general=True).result, expected)


chains = st.lists(
    st.builds(Leaf, st.sampled_from([Op.ADD, Op.FAIL, Op.RAISE]), st.integers(2, 7)), max_size=12, min_size=1
)


def _journal_into(seen: list[tuple[int, str, object, str | None, int, float]]) -> Journal:
    def journal(i: int, outcome: Outcome) -> SpineError | None:
        error = None if outcome.error is None else outcome.error.message
        seen.append((i, outcome.status.value, outcome.value, error, outcome.attempts, outcome.duration_s))
        return None

    return journal


@given(chains, values)
def test_the_linear_fast_paths_and_the_general_path_agree_exactly(parts: list[Leaf], x: int) -> None:
    wf = workflow("line", chain_all(build(p) for p in parts))
    assert wf.plan.linear is not None
    journaled: list[tuple[int, str, object, str | None, int, float]] = []
    general: list[tuple[int, str, object, str | None, int, float]] = []
    fast = run_in_engine(wf, x)
    logged = run_in_engine(wf, x, journal=_journal_into(journaled))
    slow = run_in_engine(wf, x, general=True, journal=_journal_into(general))
    assert journaled == general  # the same outcomes, in the same order, journaled before the next
    for report in (logged, slow):
        assert (fast.state, fast.steps) == (report.state, report.steps)
        if isinstance(fast.result, Success):
            assert fast.result == report.result
        else:
            e1, e2 = fast.result.failure(), report.result.failure()
            assert (type(e1), e1.message, e1.context) == (type(e2), e2.message, e2.context)
    assert agrees(fast.result, reference(Seq(tuple(parts)), x))
