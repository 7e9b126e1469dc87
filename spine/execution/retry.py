"""Retry: when a failed attempt is tried again, and when it is given up.

# Theory of operation
# -------------------
# Attempts are numbered from 1; ``max_attempts`` counts *attempts*, the first included:
# ``max_attempts=3`` means at most three calls and two waits between them.
# After attempt ``n`` fails, ``next_delay`` decides, in this order:
#   1. not retryable   -> GiveUp(NOT_RETRYABLE)      (classification below)
#   2. n >= max        -> GiveUp(ATTEMPTS_EXHAUSTED)
#   3. delay = jitter(min(max_delay, schedule(n)))   constant: base
#                                                    linear: base + increment * (n - 1)
#                                                    exponential: base * factor ** (n - 1)
#   4. delay = max(delay, error.retry_after_s); a retry_after_s beyond max_delay_s cannot be
#      honoured                                  -> GiveUp(RETRY_AFTER_TOO_LONG)
#   5. elapsed + delay >= deadline_s              -> GiveUp(DEADLINE)  (no attempt is started
#      that could only begin at or after the deadline)
#   6. otherwise                                  -> RetryAfter(delay, next attempt n + 1)
# Classification: by default an error is retried iff it is a ``SpineError`` whose
# ``retryable`` is True. Anything else (a foreign exception, a plain ``Err`` value) is not
# retryable, as ``spine.core.errors.from_exception`` says. A ``retry_on`` predicate replaces
# the default; it sees the error as the attempt produced it (the raised exception itself,
# or the ``Err`` value).
# The policy is plain data (msgspec-encodable, so a work spec can carry it); the predicate
# is behaviour, so it travels beside the policy. Nothing here reads a clock or draws a
# random number: ``elapsed_s`` and ``jitter`` are values passed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum

import msgspec

from spine.core.errors import SpineError
from spine.execution.jitter import JitterMode, apply_jitter

__all__ = [
    "Backoff",
    "GiveUp",
    "GiveUpReason",
    "RetryAfter",
    "RetryPolicy",
    "RetryPredicate",
    "backoff_delay",
    "is_retryable",
    "next_delay",
]

type RetryPredicate = Callable[[object], bool]
"""Decides whether an error (a raised exception or an ``Err`` value) is worth retrying."""


class Backoff(StrEnum):
    """The delay schedule before jitter."""

    CONSTANT = "constant"
    LINEAR = "linear"
    EXPONENTIAL = "exponential"


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How often and how patiently to retry.

    Invalid settings raise ``ValueError`` on construction (and a ``msgspec.ValidationError``
    when decoded), so a policy that exists is usable.

    >>> RetryPolicy(max_attempts=0)
    Traceback (most recent call last):
    ...
    ValueError: max_attempts counts attempts including the first: it must be >= 1, got 0
    """

    max_attempts: int = 3
    """Attempts in all, the first included (3 means at most 3 calls and 2 waits)."""
    backoff: Backoff = Backoff.EXPONENTIAL
    base_s: float = 0.1
    """The first delay (and decorrelated jitter's floor)."""
    factor: float = 2.0
    """Exponential growth per attempt (>= 1)."""
    increment_s: float = 0.1
    """Linear growth per attempt (>= 0)."""
    max_delay_s: float = 30.0
    """No single wait is longer (>= base_s)."""
    jitter: JitterMode = JitterMode.FULL
    deadline_s: float | None = None
    """Overall budget from the start of the first attempt; None for no deadline."""

    def __post_init__(self) -> None:
        problems = [
            _finite("base_s", self.base_s, 0.0),
            _finite("factor", self.factor, 1.0),
            _finite("increment_s", self.increment_s, 0.0),
            _finite("max_delay_s", self.max_delay_s, self.base_s),
            _finite("deadline_s", self.deadline_s, 0.0),
        ]
        if self.max_attempts < 1:
            problems.insert(
                0,
                f"max_attempts counts attempts including the first: it must be >= 1, got {self.max_attempts}",
            )
        if message := "; ".join(p for p in problems if p):
            raise ValueError(message)


def _finite(name: str, value: float | None, minimum: float) -> str:
    if value is None or (math.isfinite(value) and value >= minimum):
        return ""
    return f"{name} must be a finite number >= {minimum}, got {value!r}"


class RetryAfter(msgspec.Struct, frozen=True):
    """Decision: wait ``delay_s`` seconds, then make attempt number ``attempt``."""

    delay_s: float
    attempt: int


class GiveUpReason(StrEnum):
    """Why retrying stopped."""

    NOT_RETRYABLE = "not_retryable"
    ATTEMPTS_EXHAUSTED = "attempts_exhausted"
    RETRY_AFTER_TOO_LONG = "retry_after_too_long"
    DEADLINE = "deadline"


class GiveUp(msgspec.Struct, frozen=True):
    """Decision: stop; ``attempts`` attempts were made."""

    reason: GiveUpReason
    attempts: int


def is_retryable(error: object, retry_on: RetryPredicate | None = None) -> bool:
    """Whether ``error`` is worth another attempt (``retry_on`` replaces the default rule).

    >>> from spine.core.errors import NetworkError, ValidationError
    >>> is_retryable(NetworkError("reset")), is_retryable(ValidationError("bad"))
    (True, False)
    >>> is_retryable(ConnectionResetError()), is_retryable(OSError(), lambda e: isinstance(e, OSError))
    (False, True)
    """
    if retry_on is not None:
        return retry_on(error)
    return isinstance(error, SpineError) and error.retryable


def backoff_delay(policy: RetryPolicy, attempt: int) -> float:
    """The schedule's delay after attempt ``attempt`` (from 1) failed, capped, before jitter.

    >>> policy = RetryPolicy(base_s=1.0, max_delay_s=5.0)
    >>> [backoff_delay(policy, n) for n in (1, 2, 3, 4, 100_000)]
    [1.0, 2.0, 4.0, 5.0, 5.0]
    """
    steps = attempt - 1
    if policy.backoff is Backoff.CONSTANT:
        raw = policy.base_s
    elif policy.backoff is Backoff.LINEAR:
        raw = policy.base_s + policy.increment_s * steps
    else:
        try:
            raw = policy.base_s * policy.factor**steps
        except OverflowError:
            raw = math.inf
    return min(policy.max_delay_s, raw)


def next_delay(
    policy: RetryPolicy,
    attempt: int,
    error: object,
    jitter: float,
    previous_delay: float | None = None,
    *,
    elapsed_s: float = 0.0,
    retry_on: RetryPredicate | None = None,
) -> RetryAfter | GiveUp:
    """What to do after attempt ``attempt`` (numbered from 1) failed with ``error``.

    Args:
        policy: The retry policy.
        attempt: The number of the attempt that just failed, from 1.
        error: What it failed with: the raised exception or the ``Err`` value.
        jitter: A random draw in [0, 1] (ignored when ``policy.jitter`` is NONE).
        previous_delay: The previous wait (decorrelated jitter grows from it).
        elapsed_s: Seconds since the first attempt started (for ``deadline_s``).
        retry_on: Replaces the default classification (see the module docstring).

    Returns:
        ``RetryAfter(delay_s, attempt + 1)`` or ``GiveUp(reason, attempts=attempt)``.

    >>> from spine.core.errors import NetworkError, ValidationError
    >>> policy = RetryPolicy(max_attempts=3, base_s=1.0, jitter=JitterMode.NONE)
    >>> next_delay(policy, 1, NetworkError("reset"), 0.0)
    RetryAfter(delay_s=1.0, attempt=2)
    >>> next_delay(policy, 3, NetworkError("reset"), 0.0)
    GiveUp(reason=<GiveUpReason.ATTEMPTS_EXHAUSTED: 'attempts_exhausted'>, attempts=3)
    >>> next_delay(policy, 1, ValidationError("bad"), 0.0).reason
    <GiveUpReason.NOT_RETRYABLE: 'not_retryable'>
    >>> next_delay(policy, 1, NetworkError("busy", retry_after_s=7.5), 0.0)
    RetryAfter(delay_s=7.5, attempt=2)
    """
    if not is_retryable(error, retry_on):
        return GiveUp(GiveUpReason.NOT_RETRYABLE, attempt)
    if attempt >= policy.max_attempts:
        return GiveUp(GiveUpReason.ATTEMPTS_EXHAUSTED, attempt)
    delay = apply_jitter(
        policy.jitter,
        backoff_delay(policy, attempt),
        jitter,
        base_s=policy.base_s,
        cap_s=policy.max_delay_s,
        previous_s=previous_delay,
    )
    retry_after = error.retry_after_s if isinstance(error, SpineError) else None
    if retry_after is not None:
        if retry_after > policy.max_delay_s:
            return GiveUp(GiveUpReason.RETRY_AFTER_TOO_LONG, attempt)
        delay = max(delay, retry_after)
    if policy.deadline_s is not None and elapsed_s + delay >= policy.deadline_s:
        return GiveUp(GiveUpReason.DEADLINE, attempt)
    return RetryAfter(delay, attempt + 1)
