"""The circuit breaker as a pure state machine.

# Theory of operation
# -------------------
# States: Closed(window) -> Open(opened_at) -> HalfOpen(admitted, succeeded) -> Closed,
# plus ForcedOpen and Disabled, entered and left only by explicit command.
#
#   state       admit(now)                                  outcome of an admitted call
#   Closed      Admit                                       record in the window; when the
#                                                           window trips -> Open(now)
#   Open        now < opened_at + wait: Reject(remaining)   (none are admitted)
#               else -> HalfOpen(admitted=1), Admit
#   HalfOpen    admitted < permitted: admitted + 1, Admit   failure or slow -> Open(now);
#               else Reject(None: probes in flight)         success: succeeded + 1, and
#                                                           when all permitted succeeded
#                                                           -> Closed(empty window)
#   ForcedOpen  Reject(None)                                (none are admitted)
#   Disabled    Admit                                       nothing is recorded
#
# The window trips (see ``breaker_window``): consecutive mode when the failures in a row
# reach ``consecutive_failure_threshold``; sliding windows once they hold ``minimum_calls``
# (``minimum_number_of_calls``; count-based: at most the window size), when the failure
# rate or the slow-call rate reaches its threshold. In an ``is_quiet`` state a success
# changes nothing, so a shell may skip recording it.
# Every transition to a new state increments ``epoch``, and ``Admit`` carries the epoch it
# was granted in. An outcome reported with an older epoch is ignored: a slow call admitted
# while Closed cannot settle a probe of the HalfOpen state that followed. ``release`` gives
# back a permit whose call counted as nothing (an ignored error, an interrupt).
# Every function is pure: ``now`` and durations are values. ``breaker_shell`` holds the lock
# and reads the clock.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Unpack

import msgspec

from spine.core.errors import ErrorOptions, TransientError
from spine.execution.breaker_policy import BreakerPolicy, SlidingWindowType
from spine.execution.breaker_window import Consecutive, CountWindow, TimeWindow, Window, record

__all__ = [
    "Admit",
    "BreakerState",
    "CircuitOpenError",
    "Closed",
    "Disabled",
    "ForcedOpen",
    "HalfOpen",
    "Open",
    "Reject",
    "admit",
    "disable",
    "force_open",
    "initial_state",
    "is_quiet",
    "minimum_calls",
    "on_failure",
    "on_success",
    "release",
    "reset",
]


class Closed(msgspec.Struct, frozen=True, tag=True):
    """Calls flow; outcomes are recorded in ``window``."""

    window: Window
    epoch: int = 0


class Open(msgspec.Struct, frozen=True, tag=True):
    """Calls are rejected until ``opened_at`` + the policy's wait duration."""

    opened_at: float
    epoch: int = 0


class HalfOpen(msgspec.Struct, frozen=True, tag=True):
    """``admitted`` probe calls were let through; ``succeeded`` of them succeeded."""

    admitted: int = 0
    succeeded: int = 0
    epoch: int = 0


class ForcedOpen(msgspec.Struct, frozen=True, tag=True):
    """Every call is rejected until the breaker is reset."""

    epoch: int = 0


class Disabled(msgspec.Struct, frozen=True, tag=True):
    """Every call is admitted and nothing is recorded until the breaker is reset."""

    epoch: int = 0


type BreakerState = Closed | Open | HalfOpen | ForcedOpen | Disabled


class Admit(msgspec.Struct, frozen=True):
    """Decision: make the call; report its outcome with this ``epoch``."""

    epoch: int


class Reject(msgspec.Struct, frozen=True):
    """Decision: do not call; ``retry_after_s`` is when to try again, None if unknown."""

    retry_after_s: float | None


class CircuitOpenError(TransientError):
    """A circuit breaker rejected the call without making it.

    Transient and retryable: the circuit closes by itself. ``retry_after_s`` is the open
    state's remaining wait (None while half-open probes are in flight or when forced open),
    so a retry policy whose ``max_delay_s`` is shorter gives up at once instead of waiting.

    >>> e = CircuitOpenError("circuit 'db' is open", breaker="db", retry_after_s=12.5)
    >>> (e.category.value, e.retryable, e.retry_after_s, e.breaker)
    ('transient', True, 12.5, 'db')
    """

    code = "transient.circuit_open"

    def __init__(
        self, message: str, /, *, breaker: str | None = None, **options: Unpack[ErrorOptions]
    ) -> None:
        super().__init__(message, **options)
        # Stored as errors.py stores every class's details, so records round-trip it.
        self._details = MappingProxyType({"breaker": breaker})

    @property
    def breaker(self) -> str | None:
        """The breaker's name."""
        value = self._details.get("breaker")
        return value if isinstance(value, str) else None


def _empty_window(policy: BreakerPolicy) -> Window:
    match policy.sliding_window_type:
        case SlidingWindowType.CONSECUTIVE:
            return Consecutive()
        case SlidingWindowType.COUNT_BASED:
            return CountWindow(policy.sliding_window_size)
        case SlidingWindowType.TIME_BASED:
            return TimeWindow(policy.sliding_window_size)


def initial_state(policy: BreakerPolicy) -> Closed:
    """A closed breaker with an empty window of the policy's kind.

    >>> initial_state(BreakerPolicy(sliding_window_type=SlidingWindowType.CONSECUTIVE))
    Closed(window=Consecutive(failures=0), epoch=0)
    """
    return Closed(_empty_window(policy))


def admit(policy: BreakerPolicy, state: BreakerState, now: float) -> tuple[BreakerState, Admit | Reject]:
    """Whether a call may go ahead at ``now``, and the state after deciding.

    >>> policy = BreakerPolicy(wait_duration_in_open_state_s=10.0)
    >>> admit(policy, Open(opened_at=100.0, epoch=1), 104.0)
    (Open(opened_at=100.0, epoch=1), Reject(retry_after_s=6.0))
    >>> admit(policy, Open(opened_at=100.0, epoch=1), 110.0)
    (HalfOpen(admitted=1, succeeded=0, epoch=2), Admit(epoch=2))
    """
    if type(state) is Closed or isinstance(state, Disabled):
        return state, Admit(state.epoch)
    if isinstance(state, Open):
        reopen_at = state.opened_at + policy.wait_duration_in_open_state_s
        if now < reopen_at:
            return state, Reject(reopen_at - now)
        return HalfOpen(1, 0, state.epoch + 1), Admit(state.epoch + 1)
    if isinstance(state, HalfOpen) and state.admitted < policy.permitted_number_of_calls_in_half_open_state:
        return HalfOpen(state.admitted + 1, state.succeeded, state.epoch), Admit(state.epoch)
    return state, Reject(None)


def is_quiet(state: BreakerState) -> bool:
    """Whether a call admitted in ``state`` changes nothing unless it fails.

    True for Closed in consecutive mode with no failures, and for Disabled: ``admit`` keeps
    the state and grants its epoch at any ``now``, ``on_success`` and ``release`` return it
    whatever their arguments, and no outcome in its epoch looks at ``duration_s``.

    >>> is_quiet(Closed(Consecutive(0))), is_quiet(Closed(Consecutive(1))), is_quiet(Closed(CountWindow(5)))
    (True, False, False)
    """
    if type(state) is Closed:
        window = state.window
        return type(window) is Consecutive and window.failures == 0
    return type(state) is Disabled


def on_success(
    policy: BreakerPolicy, state: BreakerState, now: float, duration_s: float, *, epoch: int | None = None
) -> BreakerState:
    """The state after an admitted call succeeded (``epoch``: its ``Admit``'s; None: current).

    >>> policy = BreakerPolicy(permitted_number_of_calls_in_half_open_state=2)
    >>> on_success(policy, HalfOpen(admitted=2, succeeded=1, epoch=3), 5.0, 0.1)
    Closed(window=CountWindow(size=100, calls=0, ...), epoch=4)
    """
    slow_s = policy.slow_call_duration_threshold_s
    return _settle(policy, state, now, epoch, failed=False, slow=slow_s is not None and duration_s >= slow_s)


def on_failure(
    policy: BreakerPolicy, state: BreakerState, now: float, duration_s: float, *, epoch: int | None = None
) -> BreakerState:
    """The state after an admitted call failed (an error the policy records as a failure).

    >>> consecutive = SlidingWindowType.CONSECUTIVE
    >>> policy = BreakerPolicy(sliding_window_type=consecutive, consecutive_failure_threshold=2)
    >>> on_failure(policy, Closed(Consecutive(failures=1)), 7.0, 0.1)
    Open(opened_at=7.0, epoch=1)
    """
    slow_s = policy.slow_call_duration_threshold_s
    return _settle(policy, state, now, epoch, failed=True, slow=slow_s is not None and duration_s >= slow_s)


def _settle(
    policy: BreakerPolicy, state: BreakerState, now: float, epoch: int | None, *, failed: bool, slow: bool
) -> BreakerState:
    if epoch is not None and epoch != state.epoch:
        return state
    if type(state) is Closed:
        window = state.window
        after = record(window, now, failed=failed, slow=slow)
        if after is window:
            return state
        if _tripped(policy, after):
            return Open(now, state.epoch + 1)
        return Closed(after, state.epoch)
    if type(state) is HalfOpen:
        return _settle_probe(policy, state, now, failed=failed or slow)
    return state


def _settle_probe(policy: BreakerPolicy, state: HalfOpen, now: float, *, failed: bool) -> BreakerState:
    if failed:
        return Open(now, state.epoch + 1)
    if state.succeeded + 1 >= policy.permitted_number_of_calls_in_half_open_state:
        return Closed(_empty_window(policy), state.epoch + 1)
    return HalfOpen(state.admitted, state.succeeded + 1, state.epoch)


def _tripped(policy: BreakerPolicy, window: Window) -> bool:
    if type(window) is CountWindow or type(window) is TimeWindow:
        calls = window.calls
        return calls >= minimum_calls(policy, window) and (
            window.failures * 100.0 >= policy.failure_rate_threshold * calls
            or window.slow * 100.0 >= policy.slow_call_rate_threshold * calls
        )
    return window.failures >= policy.consecutive_failure_threshold


def minimum_calls(policy: BreakerPolicy, window: CountWindow | TimeWindow) -> int:
    """The fewest calls ``window`` must hold before its rates are judged.

    >>> minimum_calls(BreakerPolicy(minimum_number_of_calls=20), CountWindow(size=10))
    10
    """
    minimum = policy.minimum_number_of_calls
    return window.size if type(window) is CountWindow and window.size < minimum else minimum


def release(state: BreakerState, *, epoch: int | None = None) -> BreakerState:
    """The state after an admitted call counted as nothing: a half-open probe slot is freed.

    >>> release(HalfOpen(admitted=2, succeeded=1, epoch=3), epoch=3)
    HalfOpen(admitted=1, succeeded=1, epoch=3)
    """
    if isinstance(state, HalfOpen) and (epoch is None or epoch == state.epoch) and state.admitted > 0:
        return HalfOpen(state.admitted - 1, state.succeeded, state.epoch)
    return state


def force_open(state: BreakerState) -> ForcedOpen:
    """Reject every call until :func:`reset` (an operator's switch).

    >>> force_open(Closed(Consecutive(), epoch=4))
    ForcedOpen(epoch=5)
    """
    return ForcedOpen(state.epoch + 1)


def disable(state: BreakerState) -> Disabled:
    """Admit every call and record nothing until :func:`reset`.

    >>> disable(Open(opened_at=1.0, epoch=2))
    Disabled(epoch=3)
    """
    return Disabled(state.epoch + 1)


def reset(policy: BreakerPolicy, state: BreakerState) -> Closed:
    """Closed, with an empty window, from any state.

    >>> reset(BreakerPolicy(sliding_window_type=SlidingWindowType.CONSECUTIVE), ForcedOpen(epoch=7))
    Closed(window=Consecutive(failures=0), epoch=8)
    """
    return Closed(_empty_window(policy), state.epoch + 1)
