"""Running one attempt of a work spec: decode parameters, call the handler, capture the outcome.

This is what every executor runs, in this thread, another thread, another process or on a
Celery worker. It never raises for the handler's sake: an ``Err`` and an exception alike
become an ``ErrorRecord`` (an exception through ``from_exception``: not retryable unless it
is a ``SpineError`` that says so). ``BaseException``s that are not ``Exception`` propagate.
"""

from __future__ import annotations

import msgspec
from returns.result import Failure

from spine.core.codec import encode_json
from spine.core.errors import ErrorRecord, to_record
from spine.execution.registry import HandlerRegistry

__all__ = ["Attempt", "Outcome", "failed", "run_attempt"]


class Attempt(msgspec.Struct, frozen=True, kw_only=True):
    """One try of one run, as data (what crosses process and machine boundaries)."""

    run_id: str
    attempt: int
    name: str
    params: dict[str, object] = {}
    timeout_s: float | None = None


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """How an attempt ended: a JSON-encoded value, or an error record."""

    run_id: str
    attempt: int
    value: bytes | None = None
    error: ErrorRecord | None = None

    @property
    def ok(self) -> bool:
        """Whether the handler returned ``Ok``."""
        return self.error is None


def run_attempt(registry: HandlerRegistry, attempt: Attempt, /) -> Outcome:
    """Run ``attempt`` with the handler ``registry`` has under its name.

    >>> from returns.result import Success
    >>> registry = HandlerRegistry()
    >>> class P(msgspec.Struct):
    ...     x: int
    >>> registry.register("double", P, lambda p: Success(p.x * 2))
    >>> run_attempt(registry, Attempt(run_id="r", attempt=1, name="double", params={"x": 21})).value
    b'42'
    """
    found = registry.get(attempt.name)
    if isinstance(found, Failure):
        return failed(attempt, found.failure())
    handler = found.unwrap()
    params = handler.decode(attempt.params)
    if isinstance(params, Failure):
        return failed(attempt, params.failure())
    try:
        result = handler.fn(params.unwrap())
    except Exception as exc:  # noqa: BLE001 - a handler's exception is an outcome, not a crash
        return failed(attempt, exc)
    if isinstance(result, Failure):
        return failed(attempt, result.failure())
    try:
        value = encode_json(result.unwrap())
    except (TypeError, NotImplementedError) as exc:
        return failed(attempt, exc)
    return Outcome(run_id=attempt.run_id, attempt=attempt.attempt, value=value)


def failed(attempt: Attempt, error: BaseException, /) -> Outcome:
    """An outcome carrying ``error`` (an exception through ``from_exception``) for ``attempt``.

    >>> from spine.core.errors import CancelledError
    >>> failed(Attempt(run_id="r", attempt=1, name="n"), CancelledError("stop")).error.code
    'cancelled'
    """
    return Outcome(run_id=attempt.run_id, attempt=attempt.attempt, error=to_record(error))
