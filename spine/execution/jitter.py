"""Jitter: spreading retries out so that callers that failed together do not retry together.

# Theory of operation
# -------------------
# The definitions are the AWS Architecture Blog's ("Exponential Backoff And Jitter",
# Marc Brooker, 2015). ``d`` is the backoff delay already capped at ``cap``, ``j`` a number
# in [0, 1] the caller drew, and "between(a, b)" is ``a + j * (b - a)``:
#
#   none          sleep = d
#   full          sleep = between(0, d)                              in [0, d]
#   equal         sleep = d/2 + between(0, d/2)                      in [d/2, d]
#   decorrelated  sleep = min(cap, between(base, 3 * previous))      in [base, cap]
#
# Decorrelated jitter ignores the backoff schedule: it grows from the previous sleep
# (``base`` before the first one), so it needs ``base > 0`` to grow at all.
# Nothing here draws a random number. The draw is a value passed in; the shell takes it
# from a ``RandomSource``: ``random.Random`` is one, ``spine.execution.random_source`` holds
# the fork-safe system one, ``spine.testing.random.ScriptedRandom`` a deterministic one.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Protocol

__all__ = ["JitterMode", "RandomSource", "apply_jitter"]


class JitterMode(StrEnum):
    """How a backoff delay is randomised (the AWS blog's names)."""

    NONE = "none"
    FULL = "full"
    EQUAL = "equal"
    DECORRELATED = "decorrelated"


class RandomSource(Protocol):
    """Port: uniform draws in [0, 1). ``random.Random`` implements it as it stands."""

    def random(self) -> float:
        """A number in [0, 1)."""
        ...


def apply_jitter(
    mode: JitterMode,
    delay_s: float,
    jitter: float,
    *,
    base_s: float,
    cap_s: float,
    previous_s: float | None = None,
) -> float:
    """The sleep for a capped backoff ``delay_s`` under ``mode``, given the draw ``jitter``.

    Args:
        mode: Which definition to apply.
        delay_s: The backoff schedule's delay, already capped at ``cap_s``.
        jitter: The random draw, in [0, 1].
        base_s: The schedule's first delay (decorrelated jitter's floor).
        cap_s: The largest sleep allowed.
        previous_s: The previous sleep (decorrelated jitter only); None before the first.

    Returns:
        The sleep in seconds, within the bounds the module docstring lists.

    Raises:
        ValueError: ``jitter`` is not in [0, 1] (a bug in the caller's random source).

    >>> apply_jitter(JitterMode.NONE, 4.0, 0.9, base_s=1.0, cap_s=10.0)
    4.0
    >>> apply_jitter(JitterMode.FULL, 4.0, 0.25, base_s=1.0, cap_s=10.0)
    1.0
    >>> apply_jitter(JitterMode.EQUAL, 4.0, 0.5, base_s=1.0, cap_s=10.0)
    3.0
    >>> apply_jitter(JitterMode.DECORRELATED, 4.0, 0.5, base_s=1.0, cap_s=10.0, previous_s=3.0)
    5.0
    """
    if not (0.0 <= jitter <= 1.0):
        msg = f"a jitter draw is a number in [0, 1], got {jitter!r}"
        raise ValueError(msg)
    match mode:
        case JitterMode.NONE:
            return delay_s
        case JitterMode.FULL:
            return jitter * delay_s
        case JitterMode.EQUAL:
            half = delay_s / 2.0
            return half + jitter * half
        case JitterMode.DECORRELATED:
            previous = base_s if previous_s is None else previous_s
            high = max(base_s, 3.0 * previous) if math.isfinite(previous) else cap_s
            return min(cap_s, base_s + jitter * (high - base_s))
