"""The workflow IR: build-time validation, topological order, and absorb/rename."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from spine.core.errors import SpineError, WorkflowError
from spine.orchestration import Workflow, lift, workflow
from spine.orchestration.graph import INPUT, Branch, Graph, Node, NodeKind, WaitSpec, absorb, rename, validate
from spine.orchestration.step import Step
from tests.unit.orchestration.strategies import dags, evaluate
from tests.unit.orchestration.support import run_in_engine

CALLS: list[object] = []


def record(value: object) -> Success[object]:
    CALLS.append(value)
    return Success(value)


def call(name: str, *inputs: str) -> Node:
    return Node(name=name, kind=NodeKind.CALL, inputs=inputs or (INPUT,), call=record)


def passing(name: str, *inputs: str) -> Node:
    return Node(name=name, kind=NodeKind.PASS, inputs=inputs or (INPUT,))


def problems_of(*nodes: Node, output: str = "out") -> str:
    """The message ``Workflow.from_graph`` refuses the graph with (nothing may run)."""
    CALLS.clear()
    built = Workflow.from_graph("wf", Graph(nodes, output))
    assert isinstance(built, Failure)
    error = built.failure()
    assert isinstance(error, WorkflowError)
    assert error.workflow == "wf"
    assert CALLS == []
    return error.message


# --- validation: each mistake is an error before anything runs, naming the step --------


def test_a_cycle_names_its_steps() -> None:
    message = problems_of(call("in"), call("a", "in", "b"), call("b", "a"), call("out", "b"))
    assert "steps ['a', 'b'] form a cycle (and ['out'] depend on it)" in message


def test_only_the_steps_on_a_cycle_are_said_to_form_it() -> None:
    message = problems_of(
        call("a", "b"),
        call("b", "a"),
        call("mid", "b"),
        call("c", "mid", "d"),
        call("d", "c"),
        call("out", "d"),
    )
    assert "steps ['a', 'b', 'c', 'd', 'mid'] form a cycle (and ['out'] depend on it)" in message


def test_a_self_loop_is_a_cycle() -> None:
    assert "steps ['out'] form a cycle" in problems_of(call("out", "out"))


def test_an_unknown_reference_names_the_reader_and_the_missing_step() -> None:
    assert "step 'out' reads from unknown step 'missing'" in problems_of(call("out", "missing"))


def test_a_duplicate_name_is_refused() -> None:
    assert "duplicate step name 'a'" in problems_of(call("a"), call("a"), call("out", "a"))


@pytest.mark.parametrize("name", ["", INPUT])
def test_an_unusable_name_is_refused(name: str) -> None:
    assert f"{name!r} is not a usable step name" in problems_of(call(name), call("out"))


def test_the_output_must_be_a_step() -> None:
    assert "the output 'nowhere' is not a step" in problems_of(call("out"), output="nowhere")


def test_arity_is_checked_per_kind() -> None:
    message = problems_of(
        call("a"),
        Node(name="two", kind=NodeKind.CALL, inputs=(INPUT, "a"), call=record),
        Node(name="none", kind=NodeKind.PASS, inputs=()),
        Node(name="out", kind=NodeKind.JOIN, inputs=()),
    )
    assert "step 'two' (call) needs exactly one input, has 2" in message
    assert "step 'none' (pass) needs exactly one input, has 0" in message
    assert "step 'out' (join) needs at least one input" in message


def test_each_kind_needs_its_payload() -> None:
    message = problems_of(
        Node(name="f", kind=NodeKind.CALL, inputs=(INPUT,)),
        Node(name="op", kind=NodeKind.OPERATION, inputs=("f",)),
        Node(name="w", kind=NodeKind.WAIT, inputs=("op",)),
        Node(name="m", kind=NodeKind.MAP, inputs=("w",)),
        Node(name="out", kind=NodeKind.MAP, inputs=("m",), body=Graph((call("x"),), "x"), concurrency=0),
    )
    assert "step 'f' has no function" in message
    assert "step 'op' names no operation" in message
    assert "step 'w' has no timer" in message
    assert "step 'm' has no body" in message
    assert "step 'out' needs concurrency >= 1 and tolerated_failures >= 0" in message


def test_a_choice_needs_a_default() -> None:
    message = problems_of(
        Node(name="c", kind=NodeKind.CHOICE, inputs=(INPUT,), branches=(Branch(bool, "out"),)),
        passing("out", "c"),
    )
    assert "step 'c' has no default branch" in message


def test_choice_targets_must_exist_differ_and_read_only_from_the_choice() -> None:
    message = problems_of(
        call("side"),
        Node(
            name="c",
            kind=NodeKind.CHOICE,
            inputs=(INPUT,),
            branches=(Branch(bool, "ghost"), Branch(bool, "t"), Branch(bool, "t")),
            default="shared",
        ),
        passing("t", "c"),
        Node(name="shared", kind=NodeKind.JOIN, inputs=("c", "side")),
        Node(name="out", kind=NodeKind.MERGE, inputs=("t", "shared")),
    )
    assert "step 'c' branches to unknown step 'ghost'" in message
    assert "step 'c' names a target twice" in message
    assert "step 'c' branches to 'shared', which must read only from 'c'" in message


def test_only_a_choice_target_may_read_from_the_choice() -> None:
    message = problems_of(
        Node(name="c", kind=NodeKind.CHOICE, inputs=(INPUT,), default="t"),
        passing("t", "c"),
        passing("sneak", "c"),
        Node(name="out", kind=NodeKind.MERGE, inputs=("t", "sneak")),
    )
    assert "step 'sneak' reads from choice 'c' but is not one of its branches" in message


def test_problems_inside_a_map_body_and_a_compensation_name_their_path() -> None:
    bad_body = Graph((call("x", "nope"),), "x")
    bad_undo = Graph((call("u"), call("u")), "u")
    message = problems_of(
        Node(name="m", kind=NodeKind.MAP, inputs=(INPUT,), body=bad_body),
        Node(name="out", kind=NodeKind.CALL, inputs=("m",), call=record, compensate=bad_undo),
    )
    assert "step m.'x' reads from unknown step 'nope'" in message
    assert "duplicate step name out.compensate.'u'" in message


def test_every_problem_is_reported_at_once() -> None:
    message = problems_of(call("a", "x"), call("a", "y"), output="z")
    assert message.startswith("workflow 'wf' is invalid: ")
    assert message.count(";") == 3  # duplicate, output, two unknown references


def test_workflow_from_a_malformed_step_raises_the_workflow_error() -> None:
    broken: Step[int, int, SpineError] = Step(Graph((call("a", "a"),), "a"))
    with pytest.raises(WorkflowError, match=r"steps \['a'\] form a cycle"):
        workflow("broken", broken)


def test_wait_specs_are_checked() -> None:
    with pytest.raises(ValueError, match="exactly one of"):
        WaitSpec()
    with pytest.raises(ValueError, match="exactly one of"):
        WaitSpec(duration_s=1.0, until=datetime(2025, 1, 1).astimezone())
    with pytest.raises(ValueError, match=">= 0"):
        WaitSpec(duration_s=-1.0)
    with pytest.raises(ValueError, match="timezone-aware"):
        WaitSpec(until=datetime(2025, 1, 1))
    assert WaitSpec(duration_s=0.0).duration_s == 0.0


def test_graph_lookups() -> None:
    g = Graph((call("a"), call("b", "a")), "b")
    assert g.names() == {"a", "b"}
    assert g.node("b").inputs == ("a",)
    with pytest.raises(KeyError):
        g.node("c")


# --- topological order ------------------------------------------------------------------


@given(dags())
def test_validate_sorts_any_dag_topologically(graph: Graph) -> None:
    ordered = validate(graph, workflow="w").unwrap()
    assert sorted(n.name for n in ordered.nodes) == sorted(n.name for n in graph.nodes)
    seen = {INPUT}
    for node in ordered.nodes:
        assert set(node.inputs) <= seen, f"{node.name} runs before one of {node.inputs}"
        seen.add(node.name)


@given(dags(), st.integers(-1000, 1000))
def test_the_engine_agrees_with_a_recursive_interpreter_on_random_dags(graph: Graph, x: int) -> None:
    wf = Workflow.from_graph("dag", graph).unwrap()
    for general in (False, True):
        report = run_in_engine(wf, x, general=general)
        assert report.result == Success(evaluate(graph, x))


def test_toposort_is_stable() -> None:
    nodes = (call("c"), call("a"), call("b", "a"), call("d", "c"))
    ordered = validate(Graph(nodes, "d"), workflow="w").unwrap()
    assert [n.name for n in ordered.nodes] == ["c", "a", "b", "d"]


# --- absorb / rename --------------------------------------------------------------------


names_like_dags = st.sets(st.sampled_from([f"n{k}{j}" for k in range(14) for j in ("", "j", "_2", "j_2")]))


@given(dags(shuffle=False), names_like_dags, st.sampled_from(["prev", INPUT]))
def test_absorb_renames_clashes_and_keeps_every_reference_consistent(
    graph: Graph, taken: set[str], input_ref: str
) -> None:
    before = set(taken)
    placed = absorb(graph, taken, input_ref)
    names = [n.name for n in placed.nodes]
    assert len(set(names)) == len(names)
    assert not set(names) & before, "a clashing name survived"
    assert taken == before | set(names)
    mapping = {old.name: new.name for old, new in zip(graph.nodes, placed.nodes, strict=True)}
    mapping[INPUT] = input_ref
    for old, new in zip(graph.nodes, placed.nodes, strict=True):
        assert new.inputs == tuple(mapping[i] for i in old.inputs)
        assert set(new.inputs) <= set(names) | {input_ref}
    assert placed.output == mapping[graph.output]


@given(dags(), names_like_dags, st.integers(-100, 100))
def test_an_absorbed_graph_after_another_step_still_computes_the_same(
    graph: Graph, taken: set[str], x: int
) -> None:
    head = Node(name="prev", kind=NodeKind.PASS, inputs=(INPUT,))
    taken.add("prev")
    placed = absorb(graph, taken, "prev")
    combined = Graph((head, *placed.nodes), placed.output)
    wf = Workflow.from_graph("absorbed", combined).unwrap()
    report = run_in_engine(wf, x, general=True)
    assert report.result == Success(evaluate(graph, x))


def test_rename_rewrites_choice_targets_defaults_and_the_output() -> None:
    g = Graph(
        (
            Node(
                name="c",
                kind=NodeKind.CHOICE,
                inputs=(INPUT,),
                branches=(Branch(bool, "t", "yes"),),
                default="d",
            ),
            passing("t", "c"),
            passing("d", "c"),
            Node(name="m", kind=NodeKind.MERGE, inputs=("t", "d")),
        ),
        "m",
    )
    renamed = rename(g, {"c": "C", "t": "T", "d": "D", "m": "M"}, "start")
    choice = renamed.nodes[0]
    assert (choice.name, choice.inputs, choice.default) == ("C", ("start",), "D")
    assert choice.branches == (Branch(bool, "T", "yes"),)
    assert [n.inputs for n in renamed.nodes[1:]] == [("C",), ("C",), ("T", "D")]
    assert renamed.output == "M"


def test_absorbing_one_name_many_times_counts_up() -> None:
    taken: set[str] = set()
    suffixes: dict[str, int] = {}
    one = Graph((passing("inc"),), "inc")
    outputs = [absorb(one, taken, suffixes=suffixes).output for _ in range(4)]
    assert outputs == ["inc", "inc_2", "inc_3", "inc_4"]
    # A name taken behind the counter's back is still skipped.
    taken.add("inc_5")
    assert absorb(one, taken, suffixes=suffixes).output == "inc_6"


def test_a_workflow_of_one_lifted_function_has_one_node() -> None:
    wf = workflow("one", lift(str.upper, name="upper"))
    assert wf.graph.nodes[0].kind is NodeKind.CALL
    assert wf.step_names == ("upper",)
    assert wf.graph.nodes[0].wait is None
