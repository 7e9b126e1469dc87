"""Composition: how ``chain``, ``parallel``, ``choice`` and ``conditional`` wire the IR and run."""

from __future__ import annotations

import pytest
from returns.result import Success

from spine.core.errors import SpineError, ValidationError
from spine.orchestration import Step, chain, chain_all, choice, conditional, lift, parallel, workflow
from spine.orchestration.graph import INPUT, NodeKind
from spine.orchestration.step import Fragment
from tests.unit.orchestration.support import add, fail_when, run_in_engine, statuses


def wiring(s: Fragment) -> list[tuple[str, tuple[str, ...]]]:
    return [(n.name, n.inputs) for n in s.graph.nodes]


# --- chain ------------------------------------------------------------------------------


def test_chain_wires_each_step_to_the_previous_and_renames_repeats() -> None:
    c = chain(add(1), add(2), add(3))
    assert wiring(c) == [("add", (INPUT,)), ("add_2", ("add",)), ("add_3", ("add_2",))]
    assert c.name == "add_3"
    assert run_in_engine(c, 10).result == Success(16)


def test_chaining_chains_keeps_names_unique() -> None:
    inner = chain(add(1), add(1))
    c = chain(inner, inner, add(1))
    names = [n.name for n in c.graph.nodes]
    assert len(set(names)) == len(names) == 5
    assert run_in_engine(c, 0).result == Success(5)


def test_chain_all_takes_any_number_and_refuses_none() -> None:
    assert run_in_engine(chain_all([add(1)] * 50), 0).result == Success(50)
    with pytest.raises(ValueError, match="nothing to chain"):
        chain_all([])


def test_a_failing_step_stops_the_chain_and_names_itself() -> None:
    c = chain(add(1), fail_when(2, name="even"), add(1))
    report = run_in_engine(c, 1)
    error = report.result.failure()
    assert isinstance(error, ValidationError)
    assert error.message == "fail2@2"
    assert error.context == {"workflow": "test", "step": "even"}
    assert statuses(report) == {"add": "completed", "even": "failed", "add_2": "pending"}


# --- parallel ---------------------------------------------------------------------------


def test_parallel_feeds_every_branch_the_input_and_joins_in_order() -> None:
    p = parallel(add(1), lift(str, name="text"), add(2))
    assert wiring(p) == [
        ("add", (INPUT,)),
        ("text", (INPUT,)),
        ("add_2", (INPUT,)),
        ("parallel", ("add", "text", "add_2")),
    ]
    assert p.graph.node("parallel").kind is NodeKind.JOIN
    assert run_in_engine(p, 5).result == Success((6, "5", 7))


def test_a_join_name_that_is_taken_gets_a_fresh_one() -> None:
    inner = parallel(add(1), add(2))
    outer = parallel(inner, inner)
    assert outer.name == "parallel_3"
    assert run_in_engine(outer, 0).result == Success(((1, 2), (1, 2)))


def test_parallel_after_a_step_reads_that_step() -> None:
    c = chain(add(10), parallel(add(1), add(2), name="both"))
    branches = c.graph.node("both").inputs
    assert [c.graph.node(b).inputs for b in branches] == [("add",), ("add",)]
    assert run_in_engine(c, 0).result == Success((11, 12))


def test_a_failed_branch_fails_the_parallel() -> None:
    report = run_in_engine(parallel(add(1), fail_when(1, name="never")), 3)
    assert report.result.failure().message == "fail1@3"
    assert statuses(report)["parallel"] == "pending"


# --- choice / conditional ---------------------------------------------------------------


def sign() -> Step[int, str, SpineError]:
    return choice(
        (lambda x: x < 0, lift(lambda _: "negative", name="neg")),
        (lambda x: x == 0, lift(lambda _: "zero", name="zero")),
        default=lift(lambda _: "positive", name="pos"),
        name="sign",
    )


def test_choice_is_a_head_gates_branches_and_a_merge() -> None:
    s = sign()
    kinds = [(n.name, n.kind.value) for n in s.graph.nodes]
    assert kinds == [
        ("sign", "choice"),
        ("sign_1", "pass"),
        ("neg", "call"),
        ("sign_2", "pass"),
        ("zero", "call"),
        ("sign_default", "pass"),
        ("pos", "call"),
        ("sign_end", "merge"),
    ]
    head = s.graph.node("sign")
    assert head.targets() == ("sign_1", "sign_2", "sign_default")


@pytest.mark.parametrize(
    ("value", "expected", "ran"),
    [(-3, "negative", "neg"), (0, "zero", "zero"), (7, "positive", "pos")],
)
@pytest.mark.parametrize("general", [False, True])
def test_exactly_one_branch_runs_and_the_others_are_skipped(
    value: int, expected: str, ran: str, general: bool
) -> None:
    report = run_in_engine(sign(), value, general=general)
    assert report.result == Success(expected)
    status = statuses(report)
    branches = {"neg": "sign_1", "zero": "sign_2", "pos": "sign_default"}
    for step_name, gate in branches.items():
        want = "completed" if step_name == ran else "skipped"
        assert (status[gate], status[step_name]) == (want, want), step_name
    assert (status["sign"], status["sign_end"]) == ("completed", "completed")


def test_the_first_branch_whose_predicate_holds_wins() -> None:
    first: Step[int, str, SpineError] = choice(
        (lambda x: x > 0, lift(lambda _: "first", name="a")),
        (lambda x: x > 0, lift(lambda _: "second", name="b")),
        default=lift(lambda _: "default", name="c"),
    )
    assert run_in_engine(first, 1).result == Success("first")


def test_a_skipped_branch_never_calls_its_steps() -> None:
    called: list[str] = []

    def note(tag: str) -> Step[int, int, SpineError]:
        def f(x: int) -> int:
            called.append(tag)
            return x

        return chain(lift(f, name=tag), lift(f, name=f"{tag}2"))

    cond = conditional(lambda x: x > 0, note("then"), note("else"))
    report = run_in_engine(chain(cond, add(1)), 5)
    assert report.result == Success(6)
    assert called == ["then", "then"]
    assert statuses(report)["else2"] == "skipped"


def test_conditional_picks_then_or_else() -> None:
    cond = conditional(lambda x: x % 2 == 0, add(100, name="even"), add(-100, name="odd"), name="parity")
    assert run_in_engine(cond, 4).result == Success(104)
    assert run_in_engine(cond, 3).result == Success(-97)
    assert cond.graph.nodes[0].name == "parity"


def test_nested_conditionals_keep_their_names_apart() -> None:
    inner = conditional(lambda x: x > 10, add(1000), add(100))
    outer = conditional(lambda x: x > 0, inner, add(-1))
    assert len({n.name for n in outer.graph.nodes}) == len(outer.graph.nodes)
    results = [run_in_engine(outer, x).result for x in (20, 5, -5)]
    assert results == [Success(1020), Success(105), Success(-6)]


def test_a_branch_that_fails_fails_the_run() -> None:
    cond = conditional(lambda x: x > 0, fail_when(1, name="bad"), add(1))
    report = run_in_engine(cond, 1)
    assert report.result.failure().message == "fail1@1"
    assert statuses(report)["if_end"] == "pending"


def test_a_predicate_that_raises_fails_the_choice_step() -> None:
    cond = conditional(lambda x: 1 // x > 0, add(1), add(2), name="risky")
    report = run_in_engine(cond, 0)
    error = report.result.failure()
    assert error.message == "ZeroDivisionError: integer division or modulo by zero"
    assert error.context["step"] == "risky"
    assert statuses(report)["risky"] == "failed"


def test_choices_in_sequence_and_in_parallel_validate_and_run() -> None:
    cond = conditional(lambda x: x > 0, add(1), add(-1))
    flow = chain(cond, cond, parallel(cond, cond))
    wf = workflow("many", flow)
    assert run_in_engine(wf, 1).result == Success((4, 4))
    assert run_in_engine(wf, -5).result == Success((-8, -8))
