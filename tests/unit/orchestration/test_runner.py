"""``WorkflowRunner`` end to end: concurrency, maps, timers, operations and every policy."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import msgspec
import pytest
from returns.result import Failure, Result, Success

from spine.core.errors import (
    InternalError,
    NetworkError,
    NotFoundError,
    OperationTimeoutError,
    RateLimitedError,
    SpineError,
    StepError,
    ValidationError,
    WorkflowError,
)
from spine.execution.executors import InlineExecutor, ThreadExecutor
from spine.execution.registry import HandlerRegistry
from spine.execution.retry import RetryAfter, RetryPolicy, next_delay
from spine.orchestration import (
    RunState,
    Step,
    StepStatus,
    Task,
    WorkflowRunner,
    chain,
    conditional,
    lift,
    map_each,
    operation,
    parallel,
    step,
    wait,
    workflow,
)
from tests.unit.orchestration.support import HALF, add, fail_when, fake_runner, raise_when, total


class Halt(BaseException):
    """Stands for KeyboardInterrupt/SystemExit: never an outcome, always propagates."""


def meeting(barrier: threading.Barrier, name: str) -> Task[int, int, SpineError]:
    def meet(x: int) -> int:
        barrier.wait()
        return x

    return lift(meet, name=name)


# --- parallel: truly concurrent --------------------------------------------------------


def test_parallel_branches_run_at_the_same_time() -> None:
    barrier = threading.Barrier(3, timeout=5)
    p = parallel(meeting(barrier, "a"), meeting(barrier, "b"), meeting(barrier, "c"))
    report = WorkflowRunner().run(workflow("meet", p), 7)
    assert report.result == Success((7, 7, 7))


def test_parallel_chains_of_equal_length_run_at_the_same_time() -> None:
    barrier = threading.Barrier(2, timeout=5)
    p = parallel(chain(add(1), meeting(barrier, "a")), chain(add(2), meeting(barrier, "b")))
    assert WorkflowRunner().run(workflow("meet", p), 0).result == Success((1, 2))


def test_branches_of_different_lengths_run_at_the_same_time() -> None:
    barrier = threading.Barrier(2, timeout=0.5)
    p = parallel(chain(add(0, name="first"), meeting(barrier, "a")), meeting(barrier, "b"))
    assert WorkflowRunner().run(workflow("uneven", p), 1).result == Success((1, 1))


def test_max_workers_one_runs_branches_one_by_one() -> None:
    order: list[str] = []

    def note(tag: str) -> Task[int, int, SpineError]:
        def f(x: int) -> int:
            order.append(tag)
            return x

        return lift(f, name=tag)

    runner, _, _ = fake_runner(max_workers=1)
    assert runner.run(workflow("p", parallel(note("a"), note("b"), note("c"))), 0).ok
    assert order == ["a", "b", "c"]


# --- map_each ---------------------------------------------------------------------------


def test_map_respects_its_concurrency_cap_and_reaches_it() -> None:
    lock = threading.Lock()
    active, peak = [0], [0]

    def work(x: int) -> int:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.01)
        with lock:
            active[0] -= 1
        return x * 2

    for cap in (1, 3):
        peak[0] = 0
        m = map_each(lift(work, name="work"), concurrency=cap)
        report = WorkflowRunner().run(workflow("m", m), list(range(12)))
        assert report.result == Success(tuple(x * 2 for x in range(12)))
        assert peak[0] == cap


def test_map_results_keep_the_input_order() -> None:
    def slow_first(x: int) -> int:
        time.sleep((5 - x) * 0.004)  # later items finish first
        return x

    m = map_each(lift(slow_first, name="item"), concurrency=5)
    assert WorkflowRunner().run(workflow("m", m), [0, 1, 2, 3, 4]).result == Success((0, 1, 2, 3, 4))


def test_map_tolerates_up_to_its_failure_count() -> None:
    body = fail_when(3)  # fails on 0, 3 and 6
    runner, _, _ = fake_runner()
    items = list(range(8))
    tolerant = runner.run(workflow("m", map_each(body, tolerated_failures=3, concurrency=4)), items)
    assert tolerant.result == Success((1, 2, 4, 5, 7))

    strict = runner.run(workflow("m", map_each(body, tolerated_failures=2, name="each")), items)
    error = strict.result.failure()
    assert isinstance(error, StepError)
    assert "map step 'each': 3 of 8 items failed (tolerated: 2); first: fail3@0" in error.message
    assert error.context["step"] == "each"


def test_an_intolerant_map_fails_with_the_first_failing_item_in_input_order() -> None:
    def late_failures(x: int) -> Result[int, SpineError]:
        time.sleep((4 - x) * 0.003)
        return Failure(ValidationError(f"item {x}")) if x >= 2 else Success(x)

    m = map_each(step(late_failures), concurrency=4)
    report = WorkflowRunner().run(workflow("m", m), [0, 1, 2, 3])
    assert report.result.failure().message == "item 2"


def test_map_over_empty_or_lazy_input_and_not_over_text() -> None:
    runner, _, _ = fake_runner()
    wf = workflow("m", map_each(add(1), name="each"))
    assert runner.run(wf, []).result == Success(())
    untyped = workflow("m", map_each(add(1), name="each").untyped())
    assert runner.run(untyped, (x for x in range(3))).result == Success((1, 2, 3))
    text = runner.run(untyped, "abc")
    assert text.result.failure().message == "map step 'each' needs a sequence, got str"


def test_a_map_body_may_be_a_whole_workflow_fragment() -> None:
    body = chain(add(1), conditional(lambda x: x % 2 == 0, add(100), add(0)))
    runner, _, _ = fake_runner()
    assert runner.run(workflow("m", map_each(body, concurrency=2)), [1, 2, 3]).result == Success(
        (102, 3, 104)
    )


# --- wait: a durable timer -------------------------------------------------------------


def test_a_wait_sleeps_through_the_injected_sleeper() -> None:
    runner, clock, sleeper = fake_runner()
    t0 = clock.now()
    report = runner.run(workflow("w", chain(add(1), wait(int, seconds=3600, name="nap"), add(1))), 1)
    assert report.result == Success(3)
    assert sleeper.sleeps == [3600.0]
    assert clock.now() - t0 == timedelta(hours=1)
    assert report.step("nap").wake_at == t0 + timedelta(hours=1)
    assert report.step("nap").status is StepStatus.COMPLETED


def test_a_deadline_in_the_past_does_not_sleep_and_one_ahead_sleeps_to_it() -> None:
    runner, clock, sleeper = fake_runner()
    past = runner.run(workflow("w", wait(int, until=clock.now() - timedelta(days=1))), 5)
    assert (past.result, sleeper.sleeps) == (Success(5), [])
    ahead = runner.run(workflow("w", wait(int, until=clock.now() + timedelta(seconds=90))), 5)
    assert (ahead.result, sleeper.sleeps) == (Success(5), [90.0])


# --- operations: handlers run through the execution layer ------------------------------


class Add(msgspec.Struct, frozen=True):
    a: int
    b: int


class Words(msgspec.Struct, frozen=True):
    a: str


registry = HandlerRegistry()
SEEN: list[object] = []
NET_CALLS: list[int] = []


@registry.handler("add", params=Add)
def add_handler(p: Add) -> Result[int, SpineError]:
    SEEN.append(p)
    return Success(p.a + p.b)


@registry.handler("net", params=Add)
def net_handler(p: Add) -> Result[int, SpineError]:
    NET_CALLS.append(p.a)
    if len(NET_CALLS) < p.b:
        return Failure(NetworkError("connection reset"))
    return Success(len(NET_CALLS))


@registry.handler("explode", params=Add)
def explode_handler(p: Add) -> Result[int, SpineError]:
    raise ConnectionResetError(p.a)


def op_runner() -> WorkflowRunner:
    return WorkflowRunner(registry=registry, random=lambda: HALF)


def test_an_operation_step_runs_its_handler_with_decoded_params() -> None:
    SEEN.clear()

    def params(x: int) -> Add:
        return Add(a=x, b=1)

    flow = chain(lift(params), operation("add", params=Add, result=int))
    report = op_runner().run(workflow("op", flow), 41)
    assert report.result == Success(42)
    assert [Add(a=41, b=1)] == SEEN


def test_operations_run_on_any_executor_of_the_execution_layer() -> None:
    pool = ThreadExecutor(registry, max_workers=2)
    try:
        for executor in (InlineExecutor(registry), pool):
            runner, _, _ = fake_runner(executor=executor)
            p = parallel(operation("add", params=Add, result=int), operation("add", params=Add, result=int))
            assert runner.run(workflow("op", p), Add(a=2, b=3)).result == Success((5, 5))
    finally:
        pool.shutdown()


def test_params_that_do_not_fit_the_handler_are_a_validation_error() -> None:
    op = operation("add", params=Words, result=int, step_name="adding")
    report = op_runner().run(workflow("op", op), Words(a="one"))
    error = report.result.failure()
    assert isinstance(error, ValidationError)
    assert error.field == "a"
    assert error.context["step"] == "adding"


def test_a_result_that_does_not_fit_is_a_validation_error() -> None:
    report = op_runner().run(workflow("op", operation("add", params=Add, result=str)), Add(a=1, b=2))
    error = report.result.failure()
    assert isinstance(error, ValidationError)
    assert "operation 'add' returned a value that does not fit" in error.message


def test_operation_mistakes_are_errors_not_crashes() -> None:
    op = operation("add", params=Add, result=int)
    no_registry = WorkflowRunner().run(workflow("op", op), Add(a=1, b=2)).result.failure()
    assert isinstance(no_registry, WorkflowError)
    assert "the runner has no registry" in no_registry.message
    unknown = op_runner().run(workflow("op", operation("nope", params=Add, result=int)), Add(a=1, b=2))
    assert isinstance(unknown.result.failure(), NotFoundError)
    not_a_struct = op_runner().run(workflow("op", op.untyped()), 5)
    assert "needs a Struct or mapping as input, got int" in not_a_struct.result.failure().message
    raised = op_runner().run(workflow("op", operation("explode", params=Add, result=int)), Add(a=1, b=2))
    error = raised.result.failure()
    assert isinstance(error, InternalError)
    assert error.message == "ConnectionResetError: 1"


def test_a_retried_operation_is_called_again() -> None:
    NET_CALLS.clear()
    runner, _, sleeper = fake_runner(registry=registry)
    op = operation("net", params=Add, result=int).retry(RetryPolicy(max_attempts=3, base_s=1.0))
    report = runner.run(workflow("op", op), Add(a=0, b=3))
    assert report.result == Success(3)
    assert report.step("net").attempts == 3
    assert sleeper.sleeps == [0.5, 1.0]


# --- retry ------------------------------------------------------------------------------


def flaky(failures: int, error: SpineError, calls: list[int]) -> Task[int, int, SpineError]:
    def attempt(x: int) -> Result[int, SpineError]:
        calls.append(x)
        return Failure(error) if len(calls) <= failures else Success(x)

    return step(attempt).named("flaky")


@pytest.mark.parametrize("general_path_step", [False, True])
def test_retries_count_attempts_and_wait_by_next_delay(general_path_step: bool) -> None:
    policy = RetryPolicy(max_attempts=4, base_s=1.0)
    calls: list[int] = []
    error = NetworkError("reset")
    task = flaky(3, error, calls).retry(policy)
    flow: Step[int, int, SpineError] = task
    if general_path_step:
        flow = chain(task, wait(int, seconds=0))
    runner, _, sleeper = fake_runner()
    report = runner.run(workflow("r", flow), 9)
    assert report.result == Success(9)
    assert report.step("flaky").attempts == 4
    assert calls == [9, 9, 9, 9]
    expected: list[float] = []
    previous: float | None = None
    for attempt in (1, 2, 3):
        decision = next_delay(policy, attempt, error, HALF, previous, elapsed_s=sum(expected))
        assert isinstance(decision, RetryAfter)
        expected.append(decision.delay_s)
        previous = decision.delay_s
    assert sleeper.sleeps[:3] == expected == [0.5, 1.0, 2.0]


def test_retries_give_up_after_max_attempts_with_the_last_error() -> None:
    calls: list[int] = []
    runner, _, sleeper = fake_runner()
    task = flaky(10, NetworkError("still down"), calls).retry(RetryPolicy(max_attempts=3))
    report = runner.run(workflow("r", task), 1)
    error = report.result.failure()
    assert isinstance(error, NetworkError)
    assert error.context == {"workflow": "r", "step": "flaky"}
    assert (len(calls), report.step("flaky").attempts, len(sleeper.sleeps)) == (3, 3, 2)
    assert report.step("flaky").status is StepStatus.FAILED


@pytest.mark.parametrize(
    "error",
    [ValidationError("bad input"), SpineError("not marked retryable")],
)
def test_errors_that_are_not_retryable_are_not_retried(error: SpineError) -> None:
    calls: list[int] = []
    runner, _, sleeper = fake_runner()
    report = runner.run(workflow("r", flaky(5, error, calls).retry(RetryPolicy(max_attempts=5))), 1)
    failure = report.result.failure()
    assert (type(failure), failure.message) == (type(error), error.message)
    assert (len(calls), sleeper.sleeps) == (1, [])


def test_exceptions_are_not_retried_unless_they_say_so() -> None:
    calls: list[int] = []

    def boom(x: int) -> int:
        calls.append(x)
        raise ConnectionResetError

    runner, _, _ = fake_runner()
    report = runner.run(workflow("r", lift(boom).retry(RetryPolicy(max_attempts=5))), 1)
    assert isinstance(report.result.failure(), InternalError)
    assert calls == [1]
    retryable_calls: list[int] = []
    marked = flaky(1, SpineError("transient", retryable=True), retryable_calls).retry(RetryPolicy())
    assert runner.run(workflow("r", marked), 1).result == Success(1)
    assert len(retryable_calls) == 2


def test_retry_after_is_honoured_and_one_too_long_gives_up() -> None:
    policy = RetryPolicy(max_attempts=3, base_s=0.1, max_delay_s=30.0)
    runner, _, sleeper = fake_runner()
    calls: list[int] = []
    soon = flaky(1, RateLimitedError("slow down", retry_after_s=7.0), calls).retry(policy)
    assert runner.run(workflow("r", soon), 1).result == Success(1)
    assert sleeper.sleeps == [7.0]
    calls.clear()
    late = flaky(1, RateLimitedError("come back tomorrow", retry_after_s=86_400.0), calls).retry(policy)
    report = runner.run(workflow("r", late), 1)
    assert isinstance(report.result.failure(), RateLimitedError)
    assert (len(calls), sleeper.sleeps) == (1, [7.0])


# --- timeout ----------------------------------------------------------------------------


def test_an_attempt_that_runs_too_long_times_out() -> None:
    release = threading.Event()

    def stuck(x: int) -> int:
        release.wait(5)
        return x

    try:
        report = WorkflowRunner().run(workflow("t", lift(stuck, name="stuck").timeout(0.05)), 1)
    finally:
        release.set()
    error = report.result.failure()
    assert isinstance(error, OperationTimeoutError)
    assert error.timeout_s == 0.05
    assert error.context["step"] == "stuck"


def test_a_timed_out_attempt_is_retried() -> None:
    release = threading.Event()
    calls: list[int] = []

    def first_call_hangs(x: int) -> int:
        calls.append(x)
        if len(calls) == 1:
            release.wait(5)
        return x * 10

    runner, _, _ = fake_runner()
    task = lift(first_call_hangs, name="hang").timeout(0.05).retry(RetryPolicy(max_attempts=2))
    try:
        report = runner.run(workflow("t", task), 4)
    finally:
        release.set()
    assert report.result == Success(40)
    assert report.step("hang").attempts == 2


def test_an_attempt_that_ends_in_time_keeps_its_result() -> None:
    report = WorkflowRunner().run(workflow("t", chain(fail_when(2).timeout(5.0), add(1))), 3)
    assert report.result == Success(4)
    assert (
        WorkflowRunner().run(workflow("t", fail_when(2).timeout(5.0)), 2).result.failure().message
        == "fail2@2"
    )


# --- on_error: CONTINUE and COMPENSATE ---------------------------------------------------


def test_continue_records_the_failure_and_carries_on_with_the_fallback() -> None:
    runner, _, _ = fake_runner()
    flow = chain(add(1), fail_when(2, name="bad").recover(42), add(1))
    report = runner.run(workflow("c", flow), 1)
    assert report.result == Success(43)
    assert report.ok
    bad = report.step("bad")
    assert (bad.status, bad.error, bad.attempts) == (StepStatus.CONTINUED, "fail2@2", 1)
    assert runner.run(workflow("c", flow), 2).result == Success(4)  # no failure: no fallback


def test_continue_after_retries() -> None:
    calls: list[int] = []
    runner, _, sleeper = fake_runner()
    task = flaky(9, NetworkError("down"), calls).retry(RetryPolicy(max_attempts=3)).recover(-1)
    report = runner.run(workflow("c", chain(task, add(1))), 5)
    assert report.result == Success(0)
    assert (report.step("flaky").attempts, len(sleeper.sleeps)) == (3, 2)


def test_continue_inside_parallel_branches_and_map_items() -> None:
    runner, _, _ = fake_runner()
    p = parallel(fail_when(1, name="x").recover(0), add(1))
    assert runner.run(workflow("p", p), 5).result == Success((0, 6))
    m = map_each(fail_when(2).recover(-1), concurrency=2)
    assert runner.run(workflow("m", m), [1, 2, 3]).result == Success((1, -1, 3))


def undo_log(log: list[tuple[str, int]], tag: str, *, fails: bool = False) -> Task[int, None, SpineError]:
    def undo(value: int) -> None:
        log.append((tag, value))
        if fails:
            msg = f"cannot undo {tag}"
            raise RuntimeError(msg)

    return lift(undo, name=f"undo_{tag}")


def test_compensate_undoes_finished_steps_newest_first() -> None:
    log: list[tuple[str, int]] = []
    flow = chain(
        add(1, name="a").compensate_with(undo_log(log, "a")),
        add(10, name="b").compensate_with(undo_log(log, "b")),
        add(0, name="plain"),
        add(100, name="c").compensate_with(undo_log(log, "c", fails=True)),
        fail_when(1, name="last").compensating(),
    )
    runner, _, _ = fake_runner()
    report = runner.run(workflow("saga", flow), 0)
    assert report.state is RunState.FAILED
    assert report.result.failure().message == "fail1@111"
    assert log == [("c", 111), ("b", 11), ("a", 1)]
    undone = [(s.name, s.status) for s in report.steps if s.name.endswith(".compensate")]
    assert undone == [
        ("c.compensate", StepStatus.FAILED),
        ("b.compensate", StepStatus.COMPLETED),
        ("a.compensate", StepStatus.COMPLETED),
    ]
    assert "cannot undo c" in (report.step("c.compensate").error or "")


def test_a_failure_without_compensate_undoes_nothing() -> None:
    log: list[tuple[str, int]] = []
    flow = chain(add(1, name="a").compensate_with(undo_log(log, "a")), fail_when(1))
    runner, _, _ = fake_runner()
    report = runner.run(workflow("saga", flow), 0)
    assert report.state is RunState.FAILED
    assert log == []
    assert not any(s.name.endswith(".compensate") for s in report.steps)


# --- exceptions are outcomes; BaseException is not --------------------------------------


def exception_flow(where: str) -> Step[int, int, SpineError]:
    boom = raise_when(2, name="boom")
    if where == "linear":
        return chain(add(1), boom, add(1))
    if where == "general":
        return chain(add(1), boom.retry(RetryPolicy()), add(1))
    if where == "timeout":
        return chain(add(1), boom.timeout(5.0), add(1))
    return chain(add(1), parallel(boom, add(1)), lift(total))


@pytest.mark.parametrize("where", ["linear", "general", "timeout", "parallel"])
def test_an_exception_in_a_step_becomes_an_internal_error(where: str) -> None:
    wf = workflow("x", exception_flow(where))
    assert (wf.plan.linear is not None) == (where == "linear")
    report = WorkflowRunner().run(wf, 1)
    error = report.result.failure()
    assert isinstance(error, InternalError)
    assert error.message == "ValueError: boom2@2"
    assert error.exception_type == "ValueError"
    assert error.context == {"workflow": "x", "step": "boom"}
    assert report.step("boom").status is StepStatus.FAILED


def test_the_original_exception_stays_the_cause() -> None:
    report = WorkflowRunner().run(workflow("x", raise_when(2, name="boom")), 2)
    assert isinstance(report.result.failure().__cause__, ValueError)


def test_an_exception_in_a_map_item_becomes_the_map_error() -> None:
    report = WorkflowRunner().run(workflow("m", map_each(raise_when(3), concurrency=3)), [1, 2, 3])
    error = report.result.failure()
    assert isinstance(error, InternalError)
    assert error.message == "ValueError: boom3@3"


def halting(*, when: int = 2) -> Task[int, int, SpineError]:
    def halt(x: int) -> int:
        if x == when:
            raise Halt
        return x

    return lift(halt, name="halt")


def halting_flow(where: str) -> Step[int, int, SpineError]:
    if where == "linear":
        return chain(add(1), halting())
    if where == "general":
        return chain(add(1), halting().retry(RetryPolicy()))
    if where == "timeout":
        return chain(add(1), halting().timeout(5.0))
    if where == "parallel":
        return chain(add(1), parallel(halting(), add(1)), lift(total))

    def twice(x: int) -> list[int]:
        return [x, x]

    return chain(add(1), lift(twice), map_each(halting(), concurrency=2), lift(total))


@pytest.mark.parametrize("where", ["linear", "general", "timeout", "parallel", "map"])
def test_a_base_exception_propagates(where: str) -> None:
    with pytest.raises(Halt):
        WorkflowRunner().run(workflow("halt", halting_flow(where)), 1)


def test_a_predicate_raising_a_base_exception_propagates() -> None:
    def stop(x: int) -> bool:
        raise Halt

    with pytest.raises(Halt):
        WorkflowRunner().run(workflow("halt", conditional(stop, add(1), add(2))), 1)
