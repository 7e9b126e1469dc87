"""``WorkflowRunner``: runs a workflow in this process and returns its result and report.

This is an *edge* module: it supplies the engine's ports with real threads (parallel
branches and map items run concurrently in a thread pool; a step with a timeout runs in a
helper thread that is waited for), the system clock and sleeper (wait steps sleep), and a
handler registry for operation steps, run through an ``Executor`` of the execution layer.
Everything can be replaced (``spine.testing.FakeClock`` and ``FakeSleeper`` make waits and
retry back-offs instant in tests).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import cast, final

from returns.result import Failure, Result, Success

from spine.core.clock import Clock, Sleeper
from spine.core.errors import ErrorRecord, OperationTimeoutError, SpineError, from_record
from spine.core.system import SystemClock, SystemSleeper
from spine.execution.executor import Executor
from spine.execution.executors import InlineExecutor
from spine.execution.random_source import SystemRandom
from spine.execution.registry import HandlerRegistry
from spine.execution.runner import Attempt
from spine.execution.runner import Outcome as AttemptOutcome
from spine.orchestration.engine import Execution, OperationPort, Outcome, Ports, Thunk, guarded, sleeping_gate
from spine.orchestration.report import WorkflowReport
from spine.orchestration.workflow import Workflow

__all__ = ["WorkflowRunner", "build_ports"]


def run_all_threads(thunks: Sequence[Callable[[], object]], limit: int) -> list[object]:
    """Run ``thunks`` at most ``limit`` at a time in fresh threads; results in order."""
    if len(thunks) <= 1 or limit <= 1:
        return [t() for t in thunks]
    with ThreadPoolExecutor(max_workers=min(limit, len(thunks)), thread_name_prefix="spine-step") as pool:
        futures = [pool.submit(t) for t in thunks]
        return [f.result() for f in futures]


@final
class ThreadScheduler:
    """The engine's ``Scheduler`` over a thread pool of at most ``limit`` threads (one run's)."""

    __slots__ = ("_futures", "_pool")

    def __init__(self, limit: int, /) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, limit), thread_name_prefix="spine-step")
        self._futures: dict[Future[Outcome], int] = {}

    def submit(self, index: int, task: Callable[[], Outcome], /) -> None:
        """Start ``task`` in a pool thread."""
        self._futures[self._pool.submit(task)] = index

    def wait_any(self) -> list[tuple[int, Outcome]]:
        """Every task that has ended, once at least one has (a task's exception is raised here)."""
        done, _ = wait(self._futures, return_when=FIRST_COMPLETED)
        return [(self._futures.pop(f), f.result()) for f in done]

    def close(self) -> None:
        """Let the threads go once their tasks end."""
        self._pool.shutdown(wait=False)


def call_with_timeout(thunk: Thunk, timeout_s: float) -> Result[object, SpineError]:
    """``thunk()`` in a helper thread; ``OperationTimeoutError`` if it has not ended in time.

    A late thread cannot be stopped (Python has no way to): its result is dropped. A
    ``BaseException`` the thunk raises in time is raised again here, as without a timeout.
    """
    box: list[Result[object, SpineError]] = []
    escaped: list[BaseException] = []

    def attempt() -> None:
        try:
            box.append(guarded(thunk))
        except BaseException as exc:  # noqa: BLE001 - carried over to the caller's thread
            escaped.append(exc)

    worker = threading.Thread(target=attempt, daemon=True, name="spine-timeout")
    worker.start()
    worker.join(timeout_s)
    if escaped:
        raise escaped[0]
    if box:
        return box[0]
    return Failure(
        OperationTimeoutError(f"the step did not finish within {timeout_s} s", timeout_s=timeout_s)
    )


def _operation_port(executor: Executor) -> OperationPort:
    def run(name: str, params: dict[str, object], timeout_s: float | None) -> Result[bytes, SpineError]:
        # Each call is its own attempt to the executor (a Celery task id is derived from it).
        attempt = Attempt(
            run_id=f"op-{uuid.uuid4().hex}", attempt=1, name=name, params=params, timeout_s=timeout_s
        )
        box: list[AttemptOutcome] = []
        finished = threading.Event()

        def done(outcome: AttemptOutcome) -> None:
            box.append(outcome)
            finished.set()

        executor.start(attempt, done)
        finished.wait()
        outcome = box[0]
        if outcome.value is not None:
            return Success(outcome.value)
        return Failure(from_record(cast("ErrorRecord", outcome.error)))

    return run


def build_ports(
    *,
    clock: Clock,
    sleeper: Sleeper,
    random: Callable[[], float],
    executor: Executor | None,
    gate: Callable[[datetime], bool] | None = None,
) -> Ports:
    """The engine's ports over real threads; ``gate`` defaults to sleeping until the deadline."""
    # The system clock's method only forwards to time.monotonic: step timers call that directly.
    monotonic = time.monotonic if isinstance(clock, SystemClock) else None
    return Ports(
        monotonic=monotonic,
        clock=clock,
        sleeper=sleeper,
        random=random,
        gate=gate or sleeping_gate(clock, sleeper),
        run_all=run_all_threads,
        call_with_timeout=call_with_timeout,
        scheduler=ThreadScheduler,
        operation=None if executor is None else _operation_port(executor),
    )


@final
class WorkflowRunner:
    """Runs workflows in memory: every policy honoured, nothing persisted.

    >>> from spine.orchestration import chain, lift, workflow
    >>> inc = lift(lambda x: x + 1, name="inc")
    >>> report = WorkflowRunner().run(workflow("count", chain(inc, inc, inc)), 0)
    >>> report.result, [s.status.value for s in report.steps]
    (<Success: 3>, ['completed', 'completed', 'completed'])
    """

    __slots__ = ("_max_workers", "_ports")

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        sleeper: Sleeper | None = None,
        random: Callable[[], float] | None = None,
        registry: HandlerRegistry | None = None,
        executor: Executor | None = None,
        max_workers: int = 8,
    ) -> None:
        if executor is None and registry is not None:
            executor = InlineExecutor(registry)
        self._ports = build_ports(
            clock=clock or SystemClock(),
            sleeper=sleeper or SystemSleeper(),
            random=random or SystemRandom().random,
            executor=executor,
        )
        self._max_workers = max_workers

    @property
    def ports(self) -> Ports:
        """The engine ports this runner uses."""
        return self._ports

    def run[I, O, E: SpineError](self, workflow: Workflow[I, O, E], value: I, /) -> WorkflowReport[O]:
        """Run ``workflow`` on ``value`` to the end; never raises for a step's sake."""
        execution = Execution(
            workflow.plan, value, self._ports, workflow=workflow.name, limit=self._max_workers
        )
        return cast("WorkflowReport[O]", execution.run())
