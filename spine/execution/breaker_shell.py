"""The circuit breaker's shell: a lock, a clock, and the pure transitions of ``breaker``.

This is an *edge* module (it holds a ``threading.Lock`` and, by default, reads the system
clock). It decides nothing itself: each call is ``admit``, the protected call, then
``on_success`` / ``on_failure`` / ``release``, computed from the current state and
installed under the lock, which is never held while the protected call or a listener
runs. The success path skips what the pure core settles in advance:

- ``admit`` leaves a Closed state as it is and grants its epoch, at any time: a call to
  a Closed breaker goes ahead without it (and without a clock read unless calls are timed);
- a success in a quiet state (``breaker.is_quiet``) changes nothing: no clock, no lock;
- with a sliding window, a plain success is recorded in place, under the lock, in the
  Closed state's ``LiveWindow`` (``breaker_live``); ``_synced`` rebuilds the state from
  it before the state is read, judged or replaced.

What a protected call returns: always a ``Result``, as ``retry_shell`` does. An ``Err``
from a Result-returning function is classified (``breaker_policy.classify``) and returned
as it was; an ``Exception`` is classified and returned as ``Err(from_exception(exc))``; a
rejected call returns ``Err(CircuitOpenError)`` without calling. A ``BaseException`` that
is not an ``Exception`` (``KeyboardInterrupt``, ``SystemExit``, ``GeneratorExit``) counts
as nothing, gives back a half-open probe slot, and propagates.

Listeners receive ``(old, new)`` whenever the state's kind changes (Closed, Open,
HalfOpen, ForcedOpen, Disabled), in order, outside the lock (see ``breaker_notices``). A
listener's exception propagates to the call that delivered it, after the change.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable
from typing import final, overload

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
    is_quiet,
    on_failure,
    on_success,
    release,
    reset,
)
from spine.execution.breaker_live import LiveWindow, live_window
from spine.execution.breaker_notices import Notices, StateListener
from spine.execution.breaker_policy import BreakerPolicy, ErrorPredicate, Verdict, classify, needs_call_times

__all__ = ["CircuitBreaker", "StateListener"]

_SYSTEM_CLOCK = SystemClock()
_WHY: dict[type[BreakerState], str] = {Open: "open", HalfOpen: "half-open"}
# ``type(x) is _SUCCESS`` narrows to ``Success[object]`` (``is Success``: to unknown type
# arguments), so the hot path needs no ``cast`` call; an ``isinstance`` miss costs an ABC check.
_SUCCESS: type[Success[object]] = Success
_FAILURE: type[Failure[object]] = Failure


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
        "_ignore_when",
        "_live",
        "_lock",
        "_monotonic",
        "_name",
        "_notices",
        "_pending",
        "_policy",
        "_quiet",
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
        self._record_when = record_when
        self._ignore_when = ignore_when
        self._lock = threading.Lock()
        self._state: BreakerState = initial_state(self._policy)
        # ``_state`` itself when it is known to be quiet (set lazily, see ``_succeeded``).
        self._quiet: BreakerState | None = self._state if is_quiet(self._state) else None
        self._live: LiveWindow | None = live_window(self._policy, self._state)
        self._notices = Notices(self._lock, listeners)
        self._pending = self._notices.pending  # the queue itself: the hot path tests it

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
        with self._lock:
            return self._synced()

    def add_listener(self, listener: StateListener) -> None:
        """Also notify ``listener`` of every later state change."""
        with self._lock:
            self._notices.listeners = (*self._notices.listeners, listener)

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
            before = self._synced()
            self._commit(before, transition(before))
        self._notices.deliver()

    @overload
    def __call__[**P, T, E](  # type: ignore[overload-overlap]  # pyright: ignore[reportOverlappingOverload]
        self, fn: Callable[P, Result[T, E]], /
    ) -> Callable[P, Result[T, E | SpineError]]: ...
    @overload
    def __call__[**P, T](self, fn: Callable[P, T], /) -> Callable[P, Result[T, SpineError]]: ...
    def __call__[**P](self, fn: Callable[P, object], /) -> Callable[P, Result[object, object]]:
        """Protect ``fn`` with this breaker (the overloads say what it then returns)."""
        return functools.wraps(fn)(self._guard(fn))

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
        return self._guard(fn)(*args, **kwargs)

    def _guard[**P](self, fn: Callable[P, object]) -> Callable[P, Result[object, object]]:
        """``fn`` behind the breaker: the hot path inline, everything else in methods."""
        breaker, timed, monotonic = self, self._timed, self._monotonic
        positional: Callable[..., object] = fn  # called so when there are no keywords to copy

        # A function, not a partial: a decorated method must still bind ``self``.
        def guarded(*args: P.args, **kwargs: P.kwargs) -> Result[object, object]:
            state = breaker._state
            if type(state) is Closed and not breaker._pending:
                # ``admit`` leaves a Closed state as it is and grants its epoch, at any time.
                epoch, start = state.epoch, (monotonic() if timed else 0.0)
            else:
                permit = breaker._admit()
                if not isinstance(permit, tuple):
                    return permit
                epoch, start = permit
            try:
                out = fn(*args, **kwargs) if kwargs else positional(*args)
            except Exception as exc:  # noqa: BLE001 - classified and returned as a value
                breaker._settle(breaker._classify(exc), epoch, start)
                return Failure(from_exception(exc))
            except BaseException:
                breaker._settle(Verdict.IGNORED, epoch, start)
                raise
            if type(out) is _FAILURE:
                breaker._settle(breaker._classify(out.failure()), epoch, start)
                return out
            if breaker._state is not breaker._quiet:  # a quiet state is unchanged by a success
                breaker._succeeded(epoch, start)
            return out if type(out) is _SUCCESS else ok(out)

        return guarded

    def _admit(self) -> tuple[int, float] | Failure[CircuitOpenError]:
        """Admit a call (its epoch and start time), or the rejection to return."""
        start = self._monotonic()
        with self._lock:
            before = self._synced()
            state, decision = admit(self._policy, before, start)
            if state is not before:
                self._commit(before, state)
        if isinstance(decision, Reject):
            if self._pending:
                self._notices.deliver()
            message = f"circuit {self._name!r} is {_WHY.get(type(state), 'forced open')}"
            error = CircuitOpenError(message, breaker=self._name, retry_after_s=decision.retry_after_s)
            return Failure(error)
        if self._pending:
            try:
                self._notices.deliver()
            except BaseException:  # a listener failed: the call is not made, its permit goes back
                self._settle(Verdict.IGNORED, decision.epoch, 0.0)
                raise
        return decision.epoch, start

    def _succeeded(self, epoch: int, start: float) -> None:
        """Record a success: in place if the live window takes it, else the pure way."""
        now = self._monotonic()
        self._lock.acquire()  # not ``with``: its __exit__ costs as much as an in-place success
        try:
            live = self._live
            if live is None or not live.absorb(epoch, now, now - start):
                before = self._synced()
                after = on_success(self._policy, before, now, now - start, epoch=epoch)
                if after is not before:
                    self._commit(before, after)
                elif is_quiet(before):
                    self._quiet = before  # later successes skip all of this
        finally:
            self._lock.release()
        if self._pending:
            self._notices.deliver()

    def _classify(self, error: object) -> Verdict:
        return classify(self._policy, error, record_when=self._record_when, ignore_when=self._ignore_when)

    def _settle(self, verdict: Verdict, epoch: int, start: float) -> None:
        if verdict is Verdict.SUCCESS:  # an error the policy does not record
            self._succeeded(epoch, start)
            return
        now = self._monotonic() if verdict is Verdict.FAILURE else 0.0
        with self._lock:
            before = self._synced()
            if verdict is Verdict.FAILURE:
                after = on_failure(self._policy, before, now, now - start, epoch=epoch)
            else:
                after = release(before, epoch=epoch)
            if after is not before:
                self._commit(before, after)
        if self._pending:
            self._notices.deliver()

    def _synced(self) -> BreakerState:
        """The current state, its window brought up to date from the live one (lock held)."""
        state, live = self._state, self._live
        if live is not None and type(state) is Closed:
            window = live.freeze()
            if window is not state.window:
                state = self._state = Closed(window, state.epoch)
        return state

    def _commit(self, before: BreakerState, after: BreakerState) -> None:
        """Install ``after`` (the lock is held) and queue a notice if the kind changed."""
        self._state = after
        self._live = live_window(self._policy, after)
        if type(before) is not type(after) and self._notices.listeners:
            self._pending.append((before, after))
