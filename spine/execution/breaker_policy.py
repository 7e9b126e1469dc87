"""Circuit breaker settings (resilience4j's vocabulary) and how an error is counted.

The policy is plain data: it validates on construction, encodes with msgspec, and can be
read from a settings file. Predicates, being behaviour, are given to the shell beside it.

Counting an error, in resilience4j's order: an error the ``ignore`` match (or predicate)
selects is *ignored*: neither a success nor a failure, and a half-open probe slot it held is
given back. Otherwise it is a *failure* when ``record`` (and the record predicate) are both
unset, or when either selects it; an error that neither selects counts as a *success*.
A ``SpineError`` is matched by its category or by the code of its class or any base class;
a foreign exception as the ``InternalError`` that ``from_exception`` makes of it; an ``Err``
value that is not an exception by predicates only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum

import msgspec

from spine.core.errors import ErrorCategory, SpineError, from_exception

__all__ = [
    "BreakerPolicy",
    "ErrorMatch",
    "ErrorPredicate",
    "SlidingWindowType",
    "Verdict",
    "classify",
    "needs_call_times",
]

type ErrorPredicate = Callable[[object], bool]
"""Selects errors (a raised exception, or an ``Err`` value) for ``record`` or ``ignore``."""


class SlidingWindowType(StrEnum):
    """What a closed breaker counts."""

    CONSECUTIVE = "consecutive"
    """Failures in a row; ``consecutive_failure_threshold`` of them open the circuit."""
    COUNT_BASED = "count_based"
    """The last ``sliding_window_size`` calls."""
    TIME_BASED = "time_based"
    """The calls of the last ``sliding_window_size`` seconds."""


class Verdict(StrEnum):
    """How one call's outcome counts."""

    SUCCESS = "success"
    FAILURE = "failure"
    IGNORED = "ignored"


class ErrorMatch(msgspec.Struct, frozen=True, kw_only=True):
    """Selects ``SpineError``s by category, or by the code of their class or a base class.

    >>> from spine.core.errors import ErrorCategory, NetworkError, ValidationError
    >>> match = ErrorMatch(categories=frozenset({ErrorCategory.VALIDATION}), codes=frozenset({"transient"}))
    >>> match.matches(ValidationError("bad")), match.matches(NetworkError("reset")), match.matches("oops")
    (True, True, False)
    """

    categories: frozenset[ErrorCategory] = frozenset()
    codes: frozenset[str] = frozenset()

    def matches(self, error: object) -> bool:
        """Whether ``error`` is selected (see the module docstring for foreign errors)."""
        if isinstance(error, SpineError):
            spine_error = error
        elif isinstance(error, BaseException):
            spine_error = from_exception(error)
        else:
            return False
        if spine_error.category in self.categories:
            return True
        return bool(self.codes) and any(
            getattr(cls, "code", None) in self.codes for cls in type(spine_error).__mro__
        )


class BreakerPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """When to open the circuit, and for how long (resilience4j's names and defaults).

    Rates are percentages in (0, 100]. The slow-call settings need a sliding window.

    >>> BreakerPolicy(failure_rate_threshold=0)
    Traceback (most recent call last):
    ...
    ValueError: failure_rate_threshold must be a percentage in (0, 100], got 0
    """

    sliding_window_type: SlidingWindowType = SlidingWindowType.COUNT_BASED
    sliding_window_size: int = 100
    """Calls (count-based) or seconds (time-based) in the window."""
    minimum_number_of_calls: int = 100
    """No rate is judged on fewer calls (count-based: at most the window size)."""
    failure_rate_threshold: float = 50.0
    consecutive_failure_threshold: int = 5
    """Consecutive mode only: this many failures in a row open the circuit."""
    slow_call_duration_threshold_s: float | None = None
    """A call taking at least this long is slow; None: no call is slow."""
    slow_call_rate_threshold: float = 100.0
    wait_duration_in_open_state_s: float = 60.0
    permitted_number_of_calls_in_half_open_state: int = 10
    """Probe calls in half-open; all must succeed (and not be slow) to close the circuit."""
    record: ErrorMatch | None = None
    """Errors that count as failures; None: every error not ignored."""
    ignore: ErrorMatch | None = None
    """Errors that count as nothing at all."""

    def __post_init__(self) -> None:
        problems = [
            _at_least("sliding_window_size", self.sliding_window_size, 1),
            _at_least("minimum_number_of_calls", self.minimum_number_of_calls, 1),
            _at_least("consecutive_failure_threshold", self.consecutive_failure_threshold, 1),
            _at_least(
                "permitted_number_of_calls_in_half_open_state",
                self.permitted_number_of_calls_in_half_open_state,
                1,
            ),
            _percentage("failure_rate_threshold", self.failure_rate_threshold),
            _percentage("slow_call_rate_threshold", self.slow_call_rate_threshold),
            _at_least("wait_duration_in_open_state_s", self.wait_duration_in_open_state_s, 0.0),
        ]
        slow = self.slow_call_duration_threshold_s
        if slow is not None:
            problems.append(_at_least("slow_call_duration_threshold_s", slow, 0.0))
            if self.sliding_window_type is SlidingWindowType.CONSECUTIVE:
                problems.append("slow-call thresholds need a sliding window (count_based or time_based)")
        if message := "; ".join(p for p in problems if p):
            raise ValueError(message)


def needs_call_times(policy: BreakerPolicy) -> bool:
    """Whether a call's start time matters: only a slow-call threshold looks at it.

    When False, no transition looks at ``duration_s``, and ``admit`` on a Closed state
    ignores ``now``: a shell need not read the clock to admit a call to a Closed breaker.
    (Recording an outcome still needs ``now``: a time window buckets it, and an outcome
    may open the circuit at ``now``.)

    >>> needs_call_times(BreakerPolicy()), needs_call_times(BreakerPolicy(slow_call_duration_threshold_s=2.0))
    (False, True)
    """
    return policy.slow_call_duration_threshold_s is not None


def _at_least(name: str, value: float, minimum: float) -> str:
    if math.isfinite(value) and value >= minimum:
        return ""
    return f"{name} must be a finite number >= {minimum}, got {value!r}"


def _percentage(name: str, value: float) -> str:
    if 0.0 < value <= 100.0:
        return ""
    return f"{name} must be a percentage in (0, 100], got {value!r}"


def classify(
    policy: BreakerPolicy,
    error: object,
    *,
    record_when: ErrorPredicate | None = None,
    ignore_when: ErrorPredicate | None = None,
) -> Verdict:
    """How a call that failed with ``error`` counts (see the module docstring).

    >>> from spine.core.errors import ErrorCategory, NotFoundError
    >>> classify(BreakerPolicy(), NotFoundError("no row"))
    <Verdict.FAILURE: 'failure'>
    >>> not_found = ErrorMatch(categories=frozenset({ErrorCategory.NOT_FOUND}))
    >>> classify(BreakerPolicy(ignore=not_found), NotFoundError("no row"))
    <Verdict.IGNORED: 'ignored'>
    >>> classify(BreakerPolicy(), ValueError(), record_when=lambda e: isinstance(e, OSError))
    <Verdict.SUCCESS: 'success'>
    """
    if (policy.ignore is not None and policy.ignore.matches(error)) or (
        ignore_when is not None and ignore_when(error)
    ):
        return Verdict.IGNORED
    if policy.record is None and record_when is None:
        return Verdict.FAILURE
    if (policy.record is not None and policy.record.matches(error)) or (
        record_when is not None and record_when(error)
    ):
        return Verdict.FAILURE
    return Verdict.SUCCESS
