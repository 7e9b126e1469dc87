"""The circuit breaker's shell: a lock, a clock, and the pure transitions of ``breaker``.

This is an *edge* module (it holds a ``threading.Lock`` and, by default, reads the system
clock). It decides nothing itself: each call is ``admit``, the protected call, then
``on_success`` / ``on_failure`` / ``release``. The lock guards only the *commit* of a
transition: a transition is computed from the current state (a reference read, atomic),
then installed under the lock if the state is still the one it was computed from, and
computed again from the new state if another thread committed first. A transition that
changes nothing (a Closed breaker admitting a call, a success after a success in
consecutive mode) takes no lock at all. The lock is never held while the protected call
runs, nor while listeners run.

What a protected call returns: always a ``Result``, as ``retry_shell`` does. An ``Err``
from a Result-returning function is classified (``breaker_policy.classify``) and returned
as it was; an ``Exception`` is classified and returned as ``Err(from_exception(exc))``; a
rejected call returns ``Err(CircuitOpenError)`` without calling. A ``BaseException`` that
is not an ``Exception`` (``KeyboardInterrupt``, ``SystemExit``, ``GeneratorExit``) counts
as nothing, gives back a half-open probe slot, and propagates.

Listeners receive ``(old, new)`` whenever the state's kind changes (Closed, Open,
HalfOpen, ForcedOpen, Disabled), in the order the changes happened, outside the lock
(a listener may call the breaker), possibly on another thread that was already
delivering. A listener's exception propagates to the call that delivered it, after the
state change is committed.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import cast, final, overload

from returns.result import Failure, Result, Success

from spine.core.clock import Clock
from spine.core.errors import SpineError, from_exception
from spine.core.fast_ok import ok
from spine.core.system import SystemClock
from spine.execution.breaker import (
    BreakerState,
    CircuitOpenError,
    Closed,
    HalfOpen,
    Open,
    Reject,
    admit,
    disable,
    force_open,
    initial_state,
    on_failure,
    on_success,
    release,
    reset,
)
from spine.execution.breaker_policy import BreakerPolicy, ErrorPredicate, Verdict, classify, needs_call_times

__all__ = ["CircuitBreaker", "StateListener"]

type StateListener = Callable[[BreakerState, BreakerState], None]
"""Called with ``(old, new)`` when the breaker changes state."""

_SYSTEM_CLOCK = SystemClock()
_WHY: dict[type[BreakerState], str] = {Open: "open", HalfOpen: "half-open"}


@final
class CircuitBreaker:
    """A thread-safe circuit breaker: a decorator and a call wrapper.

    >>> from spine.core.errors import NetworkError
    >>> from spine.execution.breaker_policy import SlidingWindowType
    >>> from spine.testing import FakeClock
    >>> consecutive = SlidingWindowType.CONSECUTIVE
    >>> policy = BreakerPolicy(sliding_window_type=consecutive, consecutive_failure_threshold=1)
    >>> breaker = CircuitBreaker(policy, name="api", clock=FakeClock())
    >>> @breaker
    ... def ping() -> str:
    ...     raise NetworkError("down")
    >>> ping(), ping()
    (<Failure: down>, <Failure: circuit 'api' is open>)
    """

    __slots__ = (
        "_delivering",
        "_ignore_when",
        "_listeners",
        "_lock",
        "_monotonic",
        "_name",
        "_pending",
        "_policy",
        "_record_when",
        "_state",
        "_timed",
    )

    def __init__(
        self,
        policy: BreakerPolicy | None = None,
        *,
        name: str = "breaker",
        clock: Clock = _SYSTEM_CLOCK,
        listeners: Iterable[StateListener] = (),
        record_when: ErrorPredicate | None = None,
        ignore_when: ErrorPredicate | None = None,
    ) -> None:
        self._policy = BreakerPolicy() if policy is None else policy
        self._name = name
        # The system clock's method only forwards to time.monotonic: call that directly.
        self._monotonic = time.monotonic if type(clock) is SystemClock else clock.monotonic
        self._timed = needs_call_times(self._policy)
        self._listeners = tuple(listeners)
        self._record_when = record_when
        self._ignore_when = ignore_when
        self._lock = threading.Lock()
        self._state: BreakerState = initial_state(self._policy)
        self._pending: deque[tuple[BreakerState, BreakerState]] = deque()
        self._delivering = False

    @property
    def name(self) -> str:
        """The name rejections and listeners report."""
        return self._name

    @property
    def policy(self) -> BreakerPolicy:
        """The policy this breaker follows."""
        return self._policy

    @property
    def state(self) -> BreakerState:
        """The current state (an Open breaker turns HalfOpen only when a call arrives)."""
        return self._state

    def add_listener(self, listener: StateListener) -> None:
        """Also notify ``listener`` of every later state change."""
        with self._lock:
            self._listeners = (*self._listeners, listener)

    def force_open(self) -> None:
        """Reject every call until :meth:`reset`."""
        self._command(force_open)

    def disable(self) -> None:
        """Admit every call and record nothing until :meth:`reset`."""
        self._command(disable)

    def reset(self) -> None:
        """Back to Closed with an empty window."""
        self._command(functools.partial(reset, self._policy))

    def _command(self, transition: Callable[[BreakerState], BreakerState]) -> None:
        with self._lock:
            self._commit(self._state, transition(self._state))
        self._deliver()

    @overload
    def __call__[**P, T, E](  # type: ignore[overload-overlap]  # pyright: ignore[reportOverlappingOverload]
        self, fn: Callable[P, Result[T, E]], /
    ) -> Callable[P, Result[T, E | SpineError]]: ...
    @overload
    def __call__[**P, T](self, fn: Callable[P, T], /) -> Callable[P, Result[T, SpineError]]: ...
    def __call__[**P](self, fn: Callable[P, object], /) -> Callable[P, Result[object, object]]:
        """Protect ``fn`` with this breaker (the overloads say what it then returns)."""
        call = self.call

        # A function, not a partial: a decorated method must still bind ``self``.
        @functools.wraps(fn)
        def protected(*args: P.args, **kwargs: P.kwargs) -> Result[object, object]:
            return call(fn, *args, **kwargs)

        return protected

    # The Result overload is first on purpose; the run time tells them apart by the value.
    @overload
    def call[**P, T, E](  # type: ignore[overload-overlap]  # pyright: ignore[reportOverlappingOverload]
        self, fn: Callable[P, Result[T, E]], /, *args: P.args, **kwargs: P.kwargs
    ) -> Result[T, E | SpineError]: ...
    @overload
    def call[**P, T](
        self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> Result[T, SpineError]: ...
    def call[**P](
        self, fn: Callable[P, object], /, *args: P.args, **kwargs: P.kwargs
    ) -> Result[object, object]:
        """Call ``fn(*args, **kwargs)`` through the breaker."""
        policy, monotonic, timed = self._policy, self._monotonic, self._timed
        while True:
            before = self._state
            # Closed admits whatever the time; an untimed policy never reads a call's start.
            start = monotonic() if timed or type(before) is not Closed else 0.0
            state, decision = admit(policy, before, start)
            if state is before or self._swap(before, state):
                break
        if isinstance(decision, Reject):
            if self._pending:
                self._deliver()
            return Failure(self._rejection(state, decision))
        epoch = decision.epoch
        if self._pending:
            self._deliver_or_release(epoch)
        try:
            out = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - classified and returned as a value
            self._settle(self._classify(exc), epoch, start)
            return Failure(from_exception(exc))
        except BaseException:
            self._settle(Verdict.IGNORED, epoch, start)
            raise
        if type(out) is Failure:
            self._settle(self._classify(cast("Failure[object]", out).failure()), epoch, start)
            return cast("Failure[object]", out)
        # The success path, inlined (it is the hot one): the same steps as ``_settle``.
        while True:
            before, now = self._state, monotonic()
            after = on_success(policy, before, now, now - start, epoch=epoch)
            if after is before:
                break
            with self._lock:
                if self._state is before:
                    self._commit(before, after)
                    break
        if self._pending:
            self._deliver()
        return cast("Success[object]", out) if type(out) is Success else ok(out)

    def _classify(self, error: object) -> Verdict:
        return classify(self._policy, error, record_when=self._record_when, ignore_when=self._ignore_when)

    def _settle(self, verdict: Verdict, epoch: int, start: float) -> None:
        policy, monotonic = self._policy, self._monotonic
        while True:
            before = self._state
            if verdict is Verdict.FAILURE:
                now = monotonic()
                after = on_failure(policy, before, now, now - start, epoch=epoch)
            elif verdict is Verdict.SUCCESS:  # an error the policy does not record
                now = monotonic()
                after = on_success(policy, before, now, now - start, epoch=epoch)
            else:
                after = release(before, epoch=epoch)
            if after is before or self._swap(before, after):
                break
        if self._pending:
            self._deliver()

    def _swap(self, before: BreakerState, after: BreakerState) -> bool:
        """Install ``after`` if the state is still ``before``; False if another thread won."""
        with self._lock:
            if self._state is not before:
                return False
            self._commit(before, after)
            return True

    def _rejection(self, state: BreakerState, decision: Reject) -> CircuitOpenError:
        why = _WHY.get(type(state), "forced open")
        return CircuitOpenError(
            f"circuit {self._name!r} is {why}", breaker=self._name, retry_after_s=decision.retry_after_s
        )

    def _commit(self, before: BreakerState, after: BreakerState) -> None:
        """Install ``after`` (the lock is held) and queue a notice if the kind changed."""
        self._state = after
        if type(before) is not type(after) and self._listeners:
            self._pending.append((before, after))

    def _deliver_or_release(self, epoch: int) -> None:
        """Deliver notices before an admitted call; if a listener fails, give the permit back."""
        try:
            self._deliver()
        except BaseException:
            self._settle(Verdict.IGNORED, epoch, 0.0)
            raise

    def _deliver(self) -> None:
        """Run listeners for queued changes, in order, unless another thread is doing so."""
        with self._lock:
            if self._delivering or not self._pending:
                return
            self._delivering = True
        try:
            while True:
                with self._lock:
                    if not self._pending:
                        # Cleared under the same lock that saw the queue empty, so a change
                        # queued by another thread right after is delivered by that thread.
                        self._delivering = False
                        return
                    before, after = self._pending.popleft()
                    listeners = self._listeners
                for listener in listeners:
                    listener(before, after)
        except BaseException:
            with self._lock:
                self._delivering = False
            raise
