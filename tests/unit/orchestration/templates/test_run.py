"""Templates run: every step kind and policy, through WorkflowRunner on a fake clock."""

# Expected messages are whole lines, kept unbroken so they read as users see them.
# ruff: noqa: E501

from __future__ import annotations

from datetime import UTC, datetime

from returns.result import Failure, Result, Success

from spine.core.errors import SpineError, ValidationError
from spine.orchestration import RunState
from spine.orchestration.templates import TemplateRegistry
from tests.unit.orchestration.support import fake_runner, statuses
from tests.unit.orchestration.templates.support import Flaky, doc, handlers, load, registry, run


def test_functions_run_in_order() -> None:
    report = run(doc("steps:\n  - {name: a, function: inc}\n  - {name: b, function: double}"), 4)
    assert report.result == Success(10)


def test_an_operation_gets_its_input_as_parameters() -> None:
    report = run(
        doc("steps:\n  - {name: sum, operation: add}\n  - {name: twice, function: double}"),
        {"a": 2, "b": 3},
        operations=handlers(),
    )
    assert report.result == Success(10)


def test_a_choice_runs_exactly_one_branch_and_merge_takes_its_output() -> None:
    text = doc("""
    steps:
      - name: route
        choice:
          - {when: is_large, goto: big}
          - {when: is_even, goto: even}
        default: other
      - {name: big, function: negate}
      - {name: even, function: double}
      - {name: other, pass: {}}
      - {name: out, merge: [big, even, other]}
    """)
    assert run(text, 500).result == Success(-500)
    assert run(text, 4).result == Success(8)
    report = run(text, 3)
    assert report.result == Success(3)
    assert statuses(report) == {
        "route": "completed",
        "big": "skipped",
        "even": "skipped",
        "other": "completed",
        "out": "completed",
    }


def test_join_fans_in_parallel_branches_as_a_tuple() -> None:
    text = doc("""
    steps:
      - {name: a, function: inc, input: $input}
      - {name: b, function: double, input: $input}
      - {name: c, function: negate, input: $input}
      - {name: all, join: [a, b, c, $input]}
      - {name: sum, function: total}
    """)
    assert run(text, 5).result == Success(6 + 10 - 5 + 5)


def test_map_applies_its_function_to_each_item_tolerating_failures() -> None:
    reg = registry()

    def odd_only(x: int) -> Result[int, SpineError]:
        return Success(x) if x % 2 else Failure(ValidationError("even"))

    reg.register_function("odd_only", odd_only)
    text = doc("steps:\n  - {name: each, map: {function: odd_only, concurrency: 3, tolerated_failures: 2}}")
    assert run(text, [1, 2, 3, 4, 5], reg=reg).result == Success((1, 3, 5))
    assert isinstance(run(text, [2, 4, 6], reg=reg).result, Failure)


def test_map_of_an_operation() -> None:
    text = doc("steps:\n  - {name: each, map: {operation: add, concurrency: 2}}")
    pairs = [{"a": 1, "b": 2}, {"a": 3, "b": 4}]
    assert run(text, pairs, operations=handlers()).result == Success((3, 7))


def test_a_wait_for_seconds_and_until_a_deadline() -> None:
    runner, clock, _ = fake_runner()
    start = clock.now()
    nap = load(doc("steps:\n  - {name: nap, wait: {seconds: 90}}\n  - {name: b, function: inc}")).unwrap()
    assert runner.run(nap, 1).result == Success(2)
    assert (clock.now() - start).total_seconds() == 90
    deadline = datetime(2030, 1, 1, tzinfo=UTC)
    until = load(doc("steps:\n  - {name: nap, wait: {until: 2030-01-01T00:00:00Z}}")).unwrap()
    assert runner.run(until, "x").result == Success("x")
    assert clock.now() == deadline


def test_retries_follow_the_policy_with_back_off() -> None:
    reg = registry()
    flaky = Flaky(failures=2)
    reg.register_function("flaky", flaky)
    runner, _, sleeper = fake_runner()
    text = doc("""
    steps:
      - name: a
        function: flaky
        retry: {max_attempts: 3, backoff: exponential, base_s: 1.0, jitter: none}
    """)
    report = runner.run(load(text, reg=reg).unwrap(), "v")
    assert report.result == Success("v")
    assert report.step("a").attempts == 3
    assert sleeper.sleeps == [1.0, 2.0]


def test_on_error_continue_uses_the_fallback_and_records_the_failure() -> None:
    report = run(
        doc(
            "steps:\n  - {name: a, function: boom, on_error: continue, fallback: [0]}\n  - {name: b, function: total}"
        ),
        "x",
    )
    assert report.result == Success(0)
    assert report.step("a").status.value == "continued"
    error = report.step("a").error
    assert error is not None
    assert "boom on 'x'" in error


def test_on_error_compensate_undoes_finished_steps_newest_first() -> None:
    undone: list[object] = []
    reg = TemplateRegistry()
    reg.register_function("inc", lambda x: Success(x + 1))
    reg.register_function("boom", lambda x: Failure(ValidationError("no")))

    def undo(x: int) -> Result[None, SpineError]:
        undone.append(x)
        return Success(None)

    reg.register_function("undo", undo)
    report = run(
        doc("""
        steps:
          - {name: one, function: inc, compensate: undo}
          - {name: two, function: inc, compensate: undo}
          - {name: three, function: boom, on_error: compensate}
        """),
        0,
        reg=reg,
    )
    assert report.state is RunState.FAILED
    assert undone == [2, 1]
    assert [s.name for s in report.steps if s.name.endswith(".compensate")] == [
        "two.compensate",
        "one.compensate",
    ]


def test_the_output_step_is_the_result() -> None:
    text = doc("steps:\n  - {name: a, function: inc}\n  - {name: b, function: double}\noutput: a")
    assert run(text, 1).result == Success(2)


def test_a_failed_step_fails_the_run_with_the_step_named() -> None:
    report = run(doc("steps:\n  - {name: a, function: inc}\n  - {name: bad, function: boom}"), 1)
    assert report.state is RunState.FAILED
    assert isinstance(report.result, Failure)
    assert report.result.failure().context["step"] == "bad"
