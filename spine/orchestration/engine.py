"""The one interpreter of workflow plans; every runner and the playground drive it.

# Theory of operation
# -------------------
# State: per node a status (PENDING until it ends), its output, and a count of inputs not yet
# resolved. A node whose inputs are all resolved is *ready*; when it ends, its users' counts
# drop. A node reading from a skipped node is skipped (a MERGE only when all its inputs
# were); a choice skips the targets it did not take. Nodes ready at the same time run
# together (``Ports.run_all``: threads in the real runners), then their outcomes are
# journalled and applied in plan order, so every run of a plan makes the same decisions.
# A failed node (after its retries) stops the run unless its policy says CONTINUE; a wait
# whose deadline is ahead may suspend it (``Ports.gate``). Nothing here reads a clock,
# sleeps, starts a thread or touches a database: the ports do.
#
# Restoring: a node with a restored outcome (a checkpoint) is applied as it was recorded,
# without running and without being journalled again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol, cast, final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.clock import Clock, Sleeper
from spine.core.codec import dec_hook
from spine.core.errors import (
    SpineError,
    StepError,
    ValidationError,
    WorkflowError,
    from_exception,
)
from spine.execution.retry import RetryAfter, next_delay
from spine.orchestration.graph import Node, NodeKind, StepFn
from spine.orchestration.plan import Plan
from spine.orchestration.policy import OnError
from spine.orchestration.report import RunState, StepReport, StepStatus, SuspendedError, WorkflowReport

__all__ = ["Execution", "InOrder", "Journal", "Outcome", "Ports", "Scheduler", "guarded", "sleeping_gate"]

type Thunk = Callable[[], Result[object, SpineError]]
type OperationPort = Callable[[str, dict[str, object], float | None], Result[bytes, SpineError]]
type Journal = Callable[[int, Outcome], SpineError | None]
"""Records a node's outcome before the run goes on; an error stops the run."""


def guarded(thunk: Thunk) -> Result[object, SpineError]:
    """Call ``thunk``; an ``Exception`` it raises becomes an ``Err`` value.

    >>> guarded(lambda: 1 // 0).failure().exception_type
    'ZeroDivisionError'
    """
    try:
        return thunk()
    except Exception as exc:  # noqa: BLE001 - a step's exception is an outcome
        return Failure(from_exception(exc))


class Scheduler(Protocol):
    """Runs node executions concurrently for one run; outcomes come back as they finish."""

    def submit(self, index: int, task: Callable[[], Outcome], /) -> None:
        """Start ``task`` (the execution of node ``index``)."""
        ...

    def wait_any(self) -> list[tuple[int, Outcome]]:
        """Block until at least one submitted task ended; every ended one, with its index."""
        ...

    def close(self) -> None:
        """No more tasks (tasks still running finish on their own)."""
        ...


@final
class InOrder:
    """A ``Scheduler`` without threads: each task runs when its outcome is asked for."""

    __slots__ = ("_queue",)

    def __init__(self, limit: int = 1, /) -> None:
        del limit
        self._queue: list[tuple[int, Callable[[], Outcome]]] = []

    def submit(self, index: int, task: Callable[[], Outcome], /) -> None:
        """Queue ``task``."""
        self._queue.append((index, task))

    def wait_any(self) -> list[tuple[int, Outcome]]:
        """Run the oldest queued task."""
        index, task = self._queue.pop(0)
        return [(index, task())]

    def close(self) -> None:
        """Nothing to stop."""


def sleeping_gate(clock: Clock, sleeper: Sleeper) -> Callable[[datetime], bool]:
    """The in-memory runners' wait gate: sleep (through ``sleeper``) until the deadline, then pass."""

    def gate(deadline: datetime) -> bool:
        delay = (deadline - clock.now()).total_seconds()
        if delay > 0:
            sleeper.sleep(delay)
        return True

    return gate


def _run_all_in_order[T](thunks: Sequence[Callable[[], T]], limit: int) -> list[T]:
    return [t() for t in thunks]


def _no_timeout(thunk: Thunk, timeout_s: float) -> Result[object, SpineError]:
    return guarded(thunk)


@final
class Ports:
    """Everything the engine needs from the world, injected by the runner."""

    __slots__ = (
        "call_with_timeout",
        "clock",
        "gate",
        "monotonic",
        "operation",
        "random",
        "run_all",
        "scheduler",
        "sleeper",
    )

    def __init__(
        self,
        *,
        clock: Clock,
        sleeper: Sleeper,
        random: Callable[[], float],
        gate: Callable[[datetime], bool],
        run_all: Callable[[Sequence[Callable[[], object]], int], list[object]] = _run_all_in_order,
        call_with_timeout: Callable[[Thunk, float], Result[object, SpineError]] = _no_timeout,
        operation: OperationPort | None = None,
        monotonic: Callable[[], float] | None = None,
        scheduler: Callable[[int], Scheduler] = InOrder,
    ) -> None:
        self.scheduler = scheduler
        self.clock, self.sleeper, self.random, self.gate = clock, sleeper, random, gate
        # The step timer: the clock's own, or a faster function reading the same clock.
        self.monotonic = clock.monotonic if monotonic is None else monotonic
        self.run_all, self.call_with_timeout, self.operation = run_all, call_with_timeout, operation


@final
class Outcome:
    """How one node ended (a checkpoint holds exactly this)."""

    __slots__ = ("attempts", "chosen", "duration_s", "error", "status", "value", "wake_at")

    def __init__(
        self,
        status: StepStatus,
        value: object = None,
        *,
        error: SpineError | None = None,
        attempts: int = 1,
        duration_s: float = 0.0,
        chosen: str | None = None,
        wake_at: datetime | None = None,
    ) -> None:
        self.status, self.value, self.error, self.attempts = status, value, error, attempts
        self.duration_s, self.chosen, self.wake_at = duration_s, chosen, wake_at

    def __repr__(self) -> str:
        s = self
        return f"Outcome({s.status.value}, value={s.value!r}, error={s.error!r}, attempts={s.attempts})"


_DONE = (StepStatus.COMPLETED, StepStatus.CONTINUED)


@final
class Execution:
    """One run of a plan on one input: step it (``ready``/``execute``/``apply``) or ``run`` it."""

    __slots__ = (
        "_compensations",
        "_finished",
        "_journal",
        "_outcomes",
        "_pending",
        "_restored",
        "_waits",
        "error",
        "failed_at",
        "input",
        "limit",
        "plan",
        "ports",
        "ready",
        "status",
        "suspended_at",
        "values",
        "workflow",
    )

    def __init__(
        self,
        plan: Plan,
        value: object,
        ports: Ports,
        *,
        workflow: str = "workflow",
        restored: Mapping[str, Outcome] | None = None,
        journal: Journal | None = None,
        limit: int = 8,
    ) -> None:
        self.plan, self.input, self.ports, self.workflow, self.limit = plan, value, ports, workflow, limit
        n = len(plan)
        self.values: list[object] = [None] * n
        self.status: list[StepStatus] = [StepStatus.PENDING] * n
        self._outcomes: list[Outcome | None] = [None] * n
        self._pending = list(plan.pending)
        known = [(plan.index[k], v) for k, v in (restored or {}).items() if k in plan.index]
        self._restored = {i: v for i, v in known if v.status in _DONE}
        self._waits = {
            i: v.wake_at for i, v in known if v.status is StepStatus.WAITING and v.wake_at is not None
        }
        self._journal = journal
        self._finished: list[int] = []
        self._compensations: list[StepReport] = []
        self.error: SpineError | None = None
        self.failed_at: int | None = None
        self.suspended_at: int | None = None
        self.ready: list[int] = list(plan.roots)

    # --- stepping -------------------------------------------------------------------

    @property
    def stopped(self) -> bool:
        """True once the run failed or suspended (no more nodes start)."""
        return self.error is not None or self.suspended_at is not None

    @property
    def finished(self) -> bool:
        """True when nothing more will run."""
        return self.stopped or not self.ready

    def restored_outcome(self, i: int) -> Outcome | None:
        """The checkpointed outcome of node ``i``, if it has one."""
        return self._restored.get(i)

    def input_of(self, i: int) -> object:
        """The value node ``i`` reads."""
        ins = self.plan.inputs[i]
        node = self.plan.nodes[i]
        values = self.values
        if node.kind is NodeKind.JOIN:
            return tuple(self.input if j < 0 else values[j] for j in ins)
        if node.kind is NodeKind.MERGE:
            for j in ins:
                if j < 0 or self.status[j] is not StepStatus.SKIPPED:
                    return self.input if j < 0 else values[j]
            return None
        j = ins[0]
        return self.input if j < 0 else values[j]

    def execute(self, i: int) -> Outcome:
        """Run node ``i`` (retries, timeout and all) on its input; change no state.

        Safe to call from several threads at once for different nodes.
        """
        node = self.plan.nodes[i]
        value = self.input_of(i)
        kind = node.kind
        if kind is NodeKind.CALL:
            call = node.call
            assert call is not None
            return self._attempts(node, functools.partial(call, value))
        if kind is NodeKind.CHOICE:
            return self._choose(node, value)
        if kind is NodeKind.WAIT:
            return self._wait(i, node, value)
        if kind is NodeKind.MAP:
            return self._attempts(node, functools.partial(self._map, i, node, value))
        if kind is NodeKind.OPERATION:
            return self._attempts(node, functools.partial(self._operation, node, value))
        return Outcome(StepStatus.COMPLETED, value, attempts=1)

    def apply(self, i: int, outcome: Outcome) -> None:
        """Install node ``i``'s outcome and make what it unblocks ready."""
        self._outcomes[i] = outcome
        self.status[i] = outcome.status
        if outcome.status in _DONE:
            self.values[i] = outcome.value
            self._finished.append(i)
            node = self.plan.nodes[i]
            if node.kind is NodeKind.CHOICE:
                for t in node.targets():
                    if t != outcome.chosen:
                        self.status[self.plan.index[t]] = StepStatus.SKIPPED
            self._release(i)
        elif outcome.status is StepStatus.WAITING:
            self.suspended_at = i
        elif outcome.status is StepStatus.FAILED and self.error is None:
            self._fail(i, outcome.error)
            if self.plan.nodes[i].policy.on_error is OnError.COMPENSATE:
                self._compensate()

    def take_ready(self) -> list[int]:
        """The ready nodes, in plan order, removed from the ready list."""
        batch = self.ready if len(self.ready) < 2 else sorted(self.ready)
        self.ready = []
        return batch

    # --- running --------------------------------------------------------------------

    def run(self) -> WorkflowReport[object]:  # noqa: PLR0912 - one loop, its cases commented
        """Run to the end (or until failed or suspended) and report.

        A node starts as soon as its inputs are resolved: when others are still running,
        it is handed to the scheduler (threads, in the real runners) and outcomes are
        applied as they come back, so parallel branches of any length run side by side.
        A lone ready node with nothing in flight runs in this thread.
        """
        if self.plan.linear is not None and not self._restored:
            if self._journal is None:
                return self._run_linear(self.plan.linear)
            return self._run_linear_journaled(self.plan.linear, self._journal)
        journal, restored = self._journal, self._restored
        scheduler: Scheduler | None = None
        in_flight = 0
        broken = False  # the journal failed: drain what is running, record nothing more
        try:
            while True:
                batch = [] if self.stopped else self.take_ready()
                for i in batch:
                    if i in restored:
                        self.apply(i, restored[i])
                todo = [i for i in batch if i not in restored] if restored else batch
                if not todo and not in_flight:
                    if self.ready and not self.stopped:
                        continue  # restored nodes made others ready
                    break
                if len(todo) == 1 and not in_flight:
                    finished = [(todo[0], self.execute(todo[0]))]  # the common case: one at a time
                else:
                    if scheduler is None:
                        scheduler = self.ports.scheduler(self.limit)
                    for i in todo:
                        scheduler.submit(i, functools.partial(self.execute, i))
                    in_flight += len(todo)
                    finished = scheduler.wait_any()
                    in_flight -= len(finished)
                for i, outcome in (
                    finished if len(finished) < 2 else sorted(finished, key=lambda pair: pair[0])
                ):
                    if broken:
                        continue
                    if journal is not None:
                        problem = journal(i, outcome)
                        if problem is not None:
                            self.error, self.failed_at, broken = problem, i, True
                            self.ready = []
                            continue
                    self.apply(i, outcome)
        finally:
            if scheduler is not None:
                scheduler.close()
        return self.report()

    def report(self) -> WorkflowReport[object]:
        """The run's report as things stand."""
        result: Result[object, SpineError]
        if self.error is not None:
            state, result = RunState.FAILED, Failure(self.error)
        elif self.suspended_at is not None:
            outcome = self._outcomes[self.suspended_at]
            wake = outcome.wake_at if outcome is not None else None
            name = self.plan.nodes[self.suspended_at].name
            msg = f"workflow {self.workflow!r} waits at step {name!r} until {wake}"
            state, result = RunState.SUSPENDED, Failure(SuspendedError(msg, workflow=self.workflow))
        elif self.status[self.plan.output] in _DONE:
            state, result = RunState.COMPLETED, Success(self.values[self.plan.output])
        elif self.ready:
            msg = f"workflow {self.workflow!r} has not finished: {len(self.ready)} step(s) ready to run"
            state, result = RunState.RUNNING, Failure(WorkflowError(msg, workflow=self.workflow))
        else:
            name = self.plan.nodes[self.plan.output].name
            msg = f"workflow {self.workflow!r} ended without its output step {name!r} running"
            state, result = RunState.FAILED, Failure(WorkflowError(msg, workflow=self.workflow))
        return WorkflowReport(workflow=self.workflow, state=state, result=result, build=self._step_reports)

    def _step_reports(self) -> Iterable[StepReport]:
        for i, node in enumerate(self.plan.nodes):
            outcome = self._outcomes[i]
            status = self.status[i]
            if outcome is None:
                yield StepReport(name=node.name, status=status, attempts=0)
                continue
            yield StepReport(
                name=node.name,
                status=status,
                attempts=outcome.attempts,
                duration_s=outcome.duration_s,
                error=None if outcome.error is None else str(outcome.error),
                restored=i in self._restored,
                wake_at=outcome.wake_at,
            )
        yield from self._compensations

    def _run_linear(self, calls: tuple[StepFn, ...]) -> WorkflowReport[object]:
        mono = self.ports.monotonic
        times = [mono()]
        mark = times.append
        value = self.input
        stop = -1
        outcome: Result[object, SpineError] | None = None
        for k, call in enumerate(calls):
            try:
                outcome = call(value)
            except Exception as exc:  # noqa: BLE001 - a step's exception is an outcome
                outcome = Failure(from_exception(exc))
            mark(mono())
            if type(outcome) is Success:
                # The inner value, read without a method call: this loop is the hot path.
                value = cast("object", outcome._inner_value)  # noqa: SLF001
            else:
                stop = k
                break
        n = len(times) - 1
        if stop < 0:
            self.values[-1] = value
            result: Result[object, SpineError] = Success(value)
            state = RunState.COMPLETED
        else:
            assert isinstance(outcome, Failure)
            result, state = Failure(self._fail(stop, outcome.failure())), RunState.FAILED
        nodes = self.plan.nodes

        def build() -> Iterable[StepReport]:
            for k, node in enumerate(nodes):
                if k >= n:
                    yield StepReport(name=node.name, status=StepStatus.PENDING)
                    continue
                failed = k == stop
                yield StepReport(
                    name=node.name,
                    status=StepStatus.FAILED if failed else StepStatus.COMPLETED,
                    attempts=1,
                    duration_s=times[k + 1] - times[k],
                    error=str(self.error) if failed else None,
                )

        return WorkflowReport(workflow=self.workflow, state=state, result=result, build=build)

    def _run_linear_journaled(self, calls: tuple[StepFn, ...], journal: Journal) -> WorkflowReport[object]:
        """A linear plan, journaled: what ``run``'s loop does for it, without the scheduling.

        Each call's outcome is the one ``_attempts`` makes for a default policy (one attempt,
        a failure fails the step), journaled before it is applied as ``apply`` would. A chain
        has no choices, waits or compensations (so no ``_finished`` list for a saga to undo)
        and nothing after it to make ready: only outcome, status and value are installed.
        """
        mono = self.ports.monotonic
        value = self.input
        completed, failed = StepStatus.COMPLETED, StepStatus.FAILED
        outcomes, status, values = self._outcomes, self.status, self.values
        for k, call in enumerate(calls):
            start = mono()
            try:
                result = call(value)
            except Exception as exc:  # noqa: BLE001 - a step's exception is an outcome
                result = Failure(from_exception(exc))
            if type(result) is Success:
                value = cast("object", result._inner_value)  # noqa: SLF001 - the hot path
                outcome = Outcome(completed, value, attempts=1, duration_s=mono() - start)
            else:
                outcome = Outcome(failed, error=result.failure(), attempts=1, duration_s=mono() - start)
            problem = journal(k, outcome)
            if problem is not None:
                self.error, self.failed_at = problem, k
                break
            outcomes[k], status[k] = outcome, outcome.status
            if outcome.status is failed:
                self._fail(k, outcome.error)
                break
            values[k] = value
        return self.report()

    # --- nodes ----------------------------------------------------------------------

    def _attempts(self, node: Node, thunk: Thunk) -> Outcome:
        policy, ports = node.policy, self.ports
        mono = ports.monotonic
        start = mono()
        attempt, previous = 1, None
        timeout = policy.timeout_s
        while True:
            result = guarded(thunk) if timeout is None else ports.call_with_timeout(thunk, timeout)
            if isinstance(result, Success):
                return Outcome(
                    StepStatus.COMPLETED, result.unwrap(), attempts=attempt, duration_s=mono() - start
                )
            error = result.failure()
            if policy.retry is None:
                break
            decision = next_delay(
                policy.retry, attempt, error, ports.random(), previous, elapsed_s=mono() - start
            )
            if not isinstance(decision, RetryAfter):
                break
            ports.sleeper.sleep(decision.delay_s)
            attempt, previous = decision.attempt, decision.delay_s
        status = StepStatus.CONTINUED if policy.on_error is OnError.CONTINUE else StepStatus.FAILED
        value = node.fallback if status is StepStatus.CONTINUED else None
        return Outcome(status, value, error=error, attempts=attempt, duration_s=mono() - start)

    def _choose(self, node: Node, value: object) -> Outcome:
        for branch in node.branches:
            try:
                taken = branch.predicate(value)
            except Exception as exc:  # noqa: BLE001 - a predicate's exception fails the step
                return Outcome(StepStatus.FAILED, error=from_exception(exc))
            if taken:
                return Outcome(StepStatus.COMPLETED, value, chosen=branch.target)
        return Outcome(StepStatus.COMPLETED, value, chosen=node.default)

    def _wait(self, i: int, node: Node, value: object) -> Outcome:
        spec = node.wait
        assert spec is not None
        earlier = self._waits.get(i)
        if earlier is not None:
            deadline = earlier
        elif spec.until is not None:
            deadline = spec.until
        else:
            deadline = self.ports.clock.now() + timedelta(seconds=spec.duration_s or 0.0)
        if self.ports.gate(deadline):
            return Outcome(StepStatus.COMPLETED, value, wake_at=deadline)
        return Outcome(StepStatus.WAITING, value, wake_at=deadline, attempts=0)

    def _map(self, i: int, node: Node, value: object) -> Result[object, SpineError]:
        got = type(value).__name__
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            msg = f"map step {node.name!r} needs a sequence, got {got}"
            return Failure(StepError(msg, workflow=self.workflow, step=node.name))
        body = self.plan.bodies[i]
        items = list(cast("Iterable[object]", value))
        ports, name = self.ports, f"{self.workflow}.{node.name}"

        def one(item: object) -> WorkflowReport[object]:
            return Execution(body, item, ports, workflow=name, limit=self.limit).run()

        reports = cast(
            "list[WorkflowReport[object]]",
            ports.run_all([functools.partial(one, item) for item in items], node.concurrency),
        )
        results: list[object] = []
        failures: list[SpineError] = []
        for report in reports:
            outcome = report.result
            if isinstance(outcome, Success):
                results.append(outcome.unwrap())
            else:
                failures.append(outcome.failure())
        if failures and node.tolerated_failures == 0:
            return Failure(failures[0])
        if len(failures) > node.tolerated_failures:
            msg = (
                f"map step {node.name!r}: {len(failures)} of {len(items)} items failed "
                f"(tolerated: {node.tolerated_failures}); first: {failures[0]}"
            )
            return Failure(StepError(msg, workflow=self.workflow, step=node.name, cause=failures[0]))
        return Success(tuple(results))

    def _operation(self, node: Node, value: object) -> Result[object, SpineError]:
        port = self.ports.operation
        if port is None:
            msg = f"step {node.name!r} runs operation {node.operation!r} but the runner has no registry"
            return Failure(WorkflowError(msg, workflow=self.workflow))
        params = msgspec.to_builtins(value)
        if not isinstance(params, dict):
            msg = (
                f"operation step {node.name!r} needs a Struct or mapping as input, got {type(value).__name__}"
            )
            return Failure(ValidationError(msg, constraint="params"))
        raw = port(node.operation or "", params, node.policy.timeout_s)  # pyright: ignore[reportUnknownArgumentType]
        if not isinstance(raw, Success):
            return raw
        try:
            return Success(msgspec.json.decode(raw.unwrap(), type=node.result_type, dec_hook=dec_hook))
        except msgspec.ValidationError as exc:
            msg = f"operation {node.operation!r} returned a value that does not fit: {exc}"
            return Failure(ValidationError(msg, constraint="result"))

    # --- bookkeeping ----------------------------------------------------------------

    def _fail(self, i: int, error: SpineError | None) -> SpineError:
        """Node ``i`` failed: the run stops with its error, the workflow and step named in it."""
        step = self.plan.nodes[i].name
        if error is None:
            error = StepError(f"step {step!r} failed", workflow=self.workflow, step=step)
        else:
            error = error.with_context(workflow=self.workflow, step=step)
        self.error, self.failed_at = error, i
        return error

    def _release(self, i: int) -> None:
        """Node ``i`` ended: count it off its users; ready or skip those now resolved."""
        stack = [i]
        status, pending, plan = self.status, self._pending, self.plan
        while stack:
            j = stack.pop()
            for u in plan.users[j]:
                pending[u] -= 1
                if pending[u]:
                    continue
                if status[u] is StepStatus.SKIPPED or self._blocked(u):
                    status[u] = StepStatus.SKIPPED
                    stack.append(u)
                elif not self.stopped:
                    self.ready.append(u)

    def _blocked(self, u: int) -> bool:
        status, skipped = self.status, StepStatus.SKIPPED
        if self.plan.nodes[u].kind is NodeKind.MERGE:
            return all(j >= 0 and status[j] is skipped for j in self.plan.inputs[u])
        return any(j >= 0 and status[j] is skipped for j in self.plan.inputs[u])

    def _compensate(self) -> None:
        """Run, newest first, the compensation of every finished step that has one."""
        for j in reversed(self._finished):
            node = self.plan.nodes[j]
            if node.compensate is None or self.status[j] is not StepStatus.COMPLETED:
                continue
            report = Execution(
                Plan(node.compensate), self.values[j], self.ports, workflow=self.workflow
            ).run()
            ok = isinstance(report.result, Success)
            self._compensations.append(
                StepReport(
                    name=f"{node.name}.compensate",
                    status=StepStatus.COMPLETED if ok else StepStatus.FAILED,
                    attempts=1,
                    error=None if ok else str(report.result.failure()),
                )
            )
