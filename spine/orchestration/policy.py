"""What a step does about failure and time: retries, a timeout, and an error policy.

A policy is data. Every runner honours it the same way (the engine in ``engine.py`` is the
only code that interprets it):

- ``retry``: attempts of the step follow ``spine.execution.retry.next_delay`` (so
  ``SpineError.retryable`` and ``retry_after_s`` are honoured, and ``max_attempts`` counts
  attempts, the first included).
- ``timeout_s``: an attempt that runs longer fails with ``OperationTimeoutError`` (which is
  retryable, so a retry policy retries it). Python cannot stop a running thread: the late
  attempt's result is discarded, never used.
- ``on_error``: FAIL stops the run; CONTINUE records the failure and carries on with the
  step's ``fallback`` value as its output; COMPENSATE stops the run and first runs, newest
  first, the compensation of every step that finished and declared one (a saga).
"""

from __future__ import annotations

import math
from enum import StrEnum

import msgspec

from spine.execution.retry import RetryPolicy

__all__ = ["OnError", "StepPolicy"]


class OnError(StrEnum):
    """What a failed step (after its retries) does to the run."""

    FAIL = "fail"
    CONTINUE = "continue"
    COMPENSATE = "compensate"


class StepPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Retries, timeout and error policy of one step.

    >>> StepPolicy(timeout_s=0)
    Traceback (most recent call last):
    ...
    ValueError: timeout_s must be a finite number > 0 (or None), got 0
    """

    retry: RetryPolicy | None = None
    timeout_s: float | None = None
    on_error: OnError = OnError.FAIL

    def __post_init__(self) -> None:
        t = self.timeout_s
        if t is not None and not (math.isfinite(t) and t > 0):
            msg = f"timeout_s must be a finite number > 0 (or None), got {t}"
            raise ValueError(msg)

    @property
    def is_default(self) -> bool:
        """True when the policy asks for nothing (the runner's fast path)."""
        return self.retry is None and self.timeout_s is None and self.on_error is OnError.FAIL


DEFAULT_POLICY = StepPolicy()
