"""Executors: where attempts run. Inline, a thread pool, or a process pool (Celery: its own package).

Every executor takes an :class:`~spine.execution.runner.Attempt` and, exactly once, hands an
:class:`~spine.execution.runner.Outcome` to the ``done`` callback: the handler's result, its
error, or an ``OperationTimeoutError`` when the attempt outlived ``timeout_s``. Python cannot
stop a running thread: a timed-out attempt on a thread keeps running in the background and
its late result is discarded. In a process pool the attempt runs in a ``spawn``-ed worker
that imports the registry by reference (``"package.module:registry"``); specs and outcomes
cross the boundary msgspec-encoded, never pickled.
"""

from __future__ import annotations

import importlib
import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError, OperationTimeoutError
from spine.execution.executor import Done
from spine.execution.registry import HandlerRegistry
from spine.execution.runner import Attempt, Outcome, failed, run_attempt

__all__ = ["InlineExecutor", "ProcessExecutor", "ThreadExecutor"]


def _timed_out(attempt: Attempt) -> Outcome:
    error = OperationTimeoutError(
        f"{attempt.name!r} attempt {attempt.attempt} ran past {attempt.timeout_s:g} s",
        timeout_s=attempt.timeout_s,
        context={"run_id": attempt.run_id},
    )
    return failed(attempt, error)


@final
class _Once:
    """Delivers the first of (outcome, timeout) and drops the other."""

    __slots__ = ("_done", "_fired", "_lock")

    def __init__(self, done: Done) -> None:
        self._done, self._fired, self._lock = done, False, threading.Lock()

    def __call__(self, outcome: Outcome) -> None:
        with self._lock:
            if self._fired:
                return
            self._fired = True
        self._done(outcome)


def _watch(attempt: Attempt, future: Future[Outcome], done: Done) -> None:
    once = _Once(done)

    def finished(f: Future[Outcome]) -> None:
        exc = f.exception()
        if exc is None:
            once(f.result())
        else:  # the pool itself failed (a worker died): an outcome, not a lost run
            once(failed(attempt, exc))

    future.add_done_callback(finished)
    if attempt.timeout_s is not None:
        timer = threading.Timer(attempt.timeout_s, lambda: once(_timed_out(attempt)))
        timer.daemon = True
        timer.start()
        future.add_done_callback(lambda _: timer.cancel())


@final
class InlineExecutor:
    """Runs each attempt in the calling thread (with a timeout: in a helper thread, waited for)."""

    __slots__ = ("_registry",)

    def __init__(self, registry: HandlerRegistry) -> None:
        self._registry = registry

    @property
    def inline(self) -> bool:
        """Yes: attempts run in the calling thread."""
        return True

    def start(self, attempt: Attempt, done: Done, /) -> None:
        """Run ``attempt`` now; ``done`` is called before this returns."""
        if attempt.timeout_s is None:
            done(run_attempt(self._registry, attempt))
            return
        box: list[Outcome] = []
        worker = threading.Thread(
            target=lambda: box.append(run_attempt(self._registry, attempt)), daemon=True
        )
        worker.start()
        worker.join(attempt.timeout_s)
        done(box[0] if box else _timed_out(attempt))

    def shutdown(self, *, wait: bool = True) -> None:
        """Nothing to stop."""


@final
class ThreadExecutor:
    """Runs attempts on a thread pool; ``done`` is called from a pool (or timer) thread."""

    __slots__ = ("_pool", "_registry")

    def __init__(self, registry: HandlerRegistry, *, max_workers: int = 4) -> None:
        self._registry = registry
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="spine-work")

    @property
    def inline(self) -> bool:
        """No: outcomes arrive from other threads."""
        return False

    def start(self, attempt: Attempt, done: Done, /) -> None:
        """Queue ``attempt`` on the pool."""
        _watch(attempt, self._pool.submit(run_attempt, self._registry, attempt), done)

    def shutdown(self, *, wait: bool = True) -> None:
        """Shut the pool down."""
        self._pool.shutdown(wait=wait, cancel_futures=not wait)


_ATTEMPT = msgspec.json.Decoder(Attempt)
_OUTCOME = msgspec.json.Decoder(Outcome)
_REGISTRIES: dict[str, HandlerRegistry] = {}


def resolve_registry(ref: str, /) -> Result[HandlerRegistry, ConfigError]:
    """The ``HandlerRegistry`` that ``"package.module:attribute"`` names (imported once).

    Workers (process pools, Celery) find their handlers this way: only the reference
    crosses the process boundary.
    """
    found = _REGISTRIES.get(ref)
    if found is not None:
        return Success(found)
    module, colon, attr = ref.partition(":")
    if not (module and colon and attr):
        msg = f"a registry reference looks like 'package.module:attr', not {ref!r}"
        return Failure(ConfigError(msg, key="registry"))
    try:
        candidate: object = getattr(importlib.import_module(module), attr, None)
    except ImportError as exc:
        return Failure(ConfigError(f"cannot import {module!r} for the registry: {exc}", key="registry"))
    if not isinstance(candidate, HandlerRegistry):
        return Failure(ConfigError(f"{ref!r} does not name a HandlerRegistry", key="registry"))
    _REGISTRIES[ref] = candidate
    return Success(candidate)


def _run_in_child(ref: str, payload: bytes) -> bytes:
    attempt = _ATTEMPT.decode(payload)
    try:
        registry = resolve_registry(ref)
    except Exception as exc:  # noqa: BLE001 - importing the module raised: the attempt's outcome
        return msgspec.json.encode(failed(attempt, exc))
    if isinstance(registry, Failure):
        return msgspec.json.encode(failed(attempt, registry.failure()))
    return msgspec.json.encode(run_attempt(registry.unwrap(), attempt))


@final
class ProcessExecutor:
    """Runs attempts in ``spawn``-ed worker processes that import ``registry_ref``."""

    __slots__ = ("_pool", "_ref")

    def __init__(self, registry_ref: str, *, max_workers: int = 2) -> None:
        if ":" not in registry_ref:
            msg = f"registry_ref must look like 'package.module:attribute', got {registry_ref!r}"
            raise ConfigError(msg, key="registry_ref")
        self._ref = registry_ref
        self._pool = ProcessPoolExecutor(
            max_workers=max_workers, mp_context=multiprocessing.get_context("spawn")
        )

    @property
    def inline(self) -> bool:
        """No: outcomes arrive from other threads."""
        return False

    def start(self, attempt: Attempt, done: Done, /) -> None:
        """Send ``attempt`` (JSON) to a worker process."""
        raw = self._pool.submit(_run_in_child, self._ref, msgspec.json.encode(attempt))
        decoded: Future[Outcome] = Future()

        def relay(f: Future[bytes]) -> None:
            exc = f.exception()
            if exc is None:
                decoded.set_result(_OUTCOME.decode(f.result()))
            else:
                decoded.set_exception(exc)

        raw.add_done_callback(relay)
        _watch(attempt, decoded, done)

    def shutdown(self, *, wait: bool = True) -> None:
        """Shut the pool (and its processes) down."""
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
