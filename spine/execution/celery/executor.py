"""``CeleryExecutor``: attempts run as Celery tasks on workers anywhere; outcomes come back.

# Theory of operation
# -------------------
# One collector thread owns every Celery client call (send, drain, revoke); ``start`` and
# ``cancel`` only queue commands for it. For each attempt the collector subscribes to the
# task's result (``AsyncResult.then``: Redis pub/sub) *before* sending the task, so no result
# can slip past, and records a flight: the attempt, its ``done`` and a deadline, ``timeout_s``
# when the spec has one, else ``lost_after_s``. The message carries the same deadline as
# ``expires`` (a worker that only receives it later drops it rather than run it late) and,
# with a timeout, a hard ``time_limit`` (a prefork worker kills a handler that overruns).
# Removing the flight from the table, under the lock, is the right to call ``done``, so each
# attempt ends exactly once, by whichever comes first:
#   its result is published  -> the worker's outcome (Celery's end states: see wire.py)
#   its deadline passes      -> the stored result if there is one (pub/sub drops messages
#                               across a reconnect), else a retryable OperationTimeoutError;
#                               the task is revoked with terminate=True in case it still runs
#   cancel(run_id)           -> CancelledError at once; the task is revoked
#   shutdown(wait=False)     -> CancelledError at once
# Every ``sweep_s`` the collector also reads the stored results of older flights (MGET), so
# a dropped pub/sub message costs seconds rather than the whole deadline.
#
# Delivery: Celery never retries an attempt nor runs one twice (app.py: acknowledged when it
# starts, no Celery retries, a message handed out again is refused). A lost attempt (its
# worker killed, its message gone) becomes a retryable failure: at once from a prefork
# parent (WorkerLostError) or from the refused redelivery, else at the deadline. So the
# Dispatcher's RetryPolicy retries the run as attempt n+1 or dead-letters it; nothing is
# silently lost. A worker that died mid-handler may have done some of its effects: handlers
# must be idempotent, as for any retry. ``expires`` compares the client's clock with the
# worker's: keep machine clocks in sync.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from queue import Empty, SimpleQueue
from typing import Final, NamedTuple, final

from celery import Celery
from celery.backends.redis import RedisBackend
from celery.result import AsyncResult

from spine.core.errors import CancelledError, ConfigError, InternalError, NetworkError
from spine.execution.celery.app import TASK_NAME
from spine.execution.celery.flights import Flight, FlightTable
from spine.execution.celery.stored import stored_outcomes
from spine.execution.celery.wire import encode_attempt, lost, outcome_of
from spine.execution.executor import Done
from spine.execution.runner import Attempt, Outcome, failed

__all__ = ["CeleryExecutor"]

_log = logging.getLogger(__name__)
_DRAIN_BURST: Final = 512


class _Send(NamedTuple):
    attempt: Attempt
    done: Done


class _Revoke(NamedTuple):
    flight: Flight
    terminate: bool


class _Stop(NamedTuple):
    wait: bool


@final
class CeleryExecutor:
    """Runs attempts as spine's Celery task on ``queue``; outcomes arrive on a collector thread.

    ``app`` needs spine's task (:func:`~spine.execution.celery.create_app` or ``install``) on
    its workers, and a Redis result backend. ``lost_after_s`` bounds an attempt without a
    ``timeout_s``: no outcome by then, and the attempt is reported lost (retryable).
    ``kill_grace_s`` is added to ``timeout_s`` for Celery's hard time limit; ``poll_s`` is
    how long the collector waits for a result before it looks at new work and deadlines.
    """

    def __init__(
        self,
        app: Celery,
        *,
        queue: str = "spine",
        lost_after_s: float = 3600.0,
        kill_grace_s: float = 5.0,
        poll_s: float = 0.01,
        sweep_s: float = 5.0,
    ) -> None:
        backend = app.backend
        if not isinstance(backend, RedisBackend):
            msg = f"the Celery executor needs a Redis result backend, not {type(backend).__name__}"
            raise ConfigError(msg, key="result_backend")
        spans = {
            "lost_after_s": lost_after_s,
            "kill_grace_s": kill_grace_s,
            "poll_s": poll_s,
            "sweep_s": sweep_s,
        }
        for key, value in spans.items():
            if not (math.isfinite(value) and value > 0):
                msg = f"{key} must be finite and > 0, got {value}"
                raise ConfigError(msg, key=key)
        self._app, self._backend, self._queue = app, backend, queue
        self._lost_after_s, self._grace_s = lost_after_s, kill_grace_s
        self._poll_s, self._sweep_s = poll_s, sweep_s
        self._flights = FlightTable()
        self._inbox: SimpleQueue[_Send | _Revoke | _Stop] = SimpleQueue()
        self._lock = threading.Lock()  # orders ``start`` against ``shutdown``
        self._closed = False
        self._arrivals = 0
        self._thread = threading.Thread(target=self._collect, name="spine-celery", daemon=True)
        self._thread.start()

    @property
    def inline(self) -> bool:
        """No: outcomes arrive from the collector thread."""
        return False

    def start(self, attempt: Attempt, done: Done, /) -> None:
        """Queue ``attempt`` for sending; after ``shutdown``, ``done`` gets a CancelledError now."""
        with self._lock:
            if not self._closed:
                self._inbox.put(_Send(attempt, done))
                return
        error = CancelledError("the Celery executor is shut down", context={"run_id": attempt.run_id})
        done(failed(attempt, error))

    def cancel(self, run_id: str, /, *, terminate: bool = False) -> bool:
        """Revoke ``run_id``'s attempt in flight (``terminate``: kill it if it runs); False if none.

        Its ``done`` gets a ``CancelledError`` at once. Cancel the run in the Dispatcher first
        (``Dispatcher.cancel``), so that the Dispatcher discards this outcome.
        """
        flight = self._flights.pop_run(run_id)
        if flight is None:
            return False
        self._inbox.put(_Revoke(flight, terminate))
        error = CancelledError(f"run {run_id!r} was cancelled", context={"task_id": flight.task_id})
        _deliver(flight, failed(flight.attempt, error))
        return True

    def in_flight(self) -> int:
        """How many attempts have been sent and have not ended yet."""
        return len(self._flights)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking attempts; ``wait``: until those in flight end (each by its deadline)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._inbox.put(_Stop(wait))
        if threading.current_thread() is not self._thread:
            self._thread.join(None if wait else 5.0)

    # --- the collector thread ----------------------------------------------------------------

    def _collect(self) -> None:
        # Celery keeps a backend (so a pub/sub connection) per thread, and send_task subscribes
        # on the calling thread's: this thread's backend is the one to wait on and drain.
        backend = self._app.backend
        if isinstance(backend, RedisBackend):
            self._backend = backend
        stop: _Stop | None = None
        next_sweep = time.monotonic() + self._sweep_s
        while stop is None or (stop.wait and self._flights):
            try:
                stop = self._obey(stop)
                if not self._flights:
                    continue
                self._drain()
                now = time.monotonic()
                self._expire(now)
                if now >= next_sweep:
                    self._sweep(now)
                    next_sweep = now + self._sweep_s
            except Exception:  # noqa: BLE001 - the collector must outlive any one failure
                _log.exception("spine's Celery collector failed a round; carrying on")
                time.sleep(self._poll_s)
        for flight in self._flights.pop_all():
            self._forget(flight.result)
            _deliver(flight, failed(flight.attempt, CancelledError("the Celery executor shut down first")))

    def _obey(self, stop: _Stop | None) -> _Stop | None:
        block = stop is None and not self._flights
        while True:
            try:
                command = self._inbox.get() if block else self._inbox.get_nowait()
            except Empty:
                return stop
            block = False
            if isinstance(command, _Send):
                self._send(command.attempt, command.done)
            elif isinstance(command, _Revoke):
                self._forget(command.flight.result)
                self._revoke([command.flight.task_id], terminate=command.terminate)
            else:
                stop = command

    def _send(self, attempt: Attempt, done: Done) -> None:
        window = self._lost_after_s if attempt.timeout_s is None else attempt.timeout_s
        task_id = f"{attempt.run_id}.{attempt.attempt}.{uuid.uuid4().hex[:12]}"
        result = AsyncResult(task_id, backend=self._backend, app=self._app)
        now = time.monotonic()
        flight = Flight(attempt, done, result, sent_at=now, deadline=now + window)
        self._flights.add(flight)
        try:
            result.then(self._arrived)  # subscribe before sending: the result cannot slip past
            self._app.send_task(
                TASK_NAME,
                args=(encode_attempt(attempt),),
                task_id=task_id,
                queue=self._queue,
                expires=window,
                time_limit=None if attempt.timeout_s is None else attempt.timeout_s + self._grace_s,
                argsrepr=f"({attempt.name!r}, run {attempt.run_id}, attempt {attempt.attempt})",
            )
        except Exception as exc:  # noqa: BLE001 - an unreachable broker or backend: retryable
            self._forget(result)
            if self._flights.pop(task_id) is not None:
                error = NetworkError(
                    f"could not hand the task to Celery: {exc}", context={"task_id": task_id}
                )
                _deliver(flight, failed(attempt, error))

    def _arrived(self, result: AsyncResult) -> None:
        """``then`` callback, run while this thread drains: the task ended (SUCCESS/FAILURE/REVOKED)."""
        self._arrivals += 1
        flight = self._flights.pop(result.id)
        if flight is not None:
            ended = outcome_of(flight.attempt, result.state, result.result, task_id=flight.task_id)
            _deliver(flight, ended or failed(flight.attempt, InternalError(f"{result.state} is no end")))

    def _drain(self) -> None:
        consumer = self._backend.result_consumer
        seen = self._arrivals
        consumer.drain_events(timeout=self._poll_s)
        for _ in range(_DRAIN_BURST):  # while results keep coming, take them without waiting
            if self._arrivals == seen:
                return
            seen = self._arrivals
            consumer.drain_events(timeout=0)

    def _expire(self, now: float) -> None:
        due = self._flights.pop_due(now)
        if not due:
            return
        stored = stored_outcomes(self._backend, due)
        gone: list[str] = []
        for flight in due:
            self._forget(flight.result)
            ended = stored.get(flight.task_id)
            if ended is None:
                gone.append(flight.task_id)
                waited = flight.deadline - flight.sent_at
                ended = lost(flight.attempt, waited_s=waited, task_id=flight.task_id)
            _deliver(flight, ended)
        if gone:
            self._revoke(gone, terminate=True)

    def _sweep(self, now: float) -> None:
        """Deliver what the backend holds for older flights (pub/sub drops messages on reconnects)."""
        for task_id, ended in stored_outcomes(
            self._backend, self._flights.sent_before(now - self._sweep_s)
        ).items():
            flight = self._flights.pop(task_id)
            if flight is not None:
                self._forget(flight.result)
                _deliver(flight, ended)

    def _forget(self, result: AsyncResult) -> None:
        try:
            self._backend.remove_pending_result(result)  # and unsubscribe
        except Exception:  # noqa: BLE001 - only a subscription is left behind
            _log.warning("spine could not unsubscribe from Celery result %s", result.id, exc_info=True)

    def _revoke(self, task_ids: list[str], *, terminate: bool) -> None:
        try:
            self._app.control.revoke(task_ids, terminate=terminate)
        except Exception:  # noqa: BLE001 - best effort: ``expires`` stops them too
            _log.warning("spine could not revoke Celery tasks %s", task_ids, exc_info=True)


def _deliver(flight: Flight, outcome: Outcome) -> None:
    try:
        flight.done(outcome)
    except Exception:  # noqa: BLE001 - a failing callback must not stop the collector
        _log.exception("the done callback for run %s raised", flight.attempt.run_id)
