"""What crosses the broker, and how a Celery task's end becomes an attempt's ``Outcome``.

An attempt travels as one task argument, the attempt msgspec-encoded to JSON text; the
worker answers with the outcome as JSON text (Celery's own JSON serializer wraps both, so no
pickle is ever needed). The end states Celery can report map onto spine's error tree:

==========================  ===========================================================
Celery end                   Outcome
==========================  ===========================================================
``SUCCESS`` (our JSON)       the worker's outcome, as it ran the handler
``FAILURE`` WorkerLostError  ``TransientError`` (retryable): the process running it died
``FAILURE`` TimeLimit...     ``OperationTimeoutError`` (retryable)
``FAILURE`` anything else    ``InternalError`` (not retryable): spine's task never raises
``REVOKED`` (expired)        ``OperationTimeoutError`` (retryable): it waited too long
``REVOKED`` (otherwise)      ``CancelledError`` (not retryable)
no end before the deadline   ``OperationTimeoutError`` (retryable), see :func:`lost`
==========================  ===========================================================

Pure: no broker, clock or environment here.
"""

from __future__ import annotations

from typing import Final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.codec import encode_json
from spine.core.errors import (
    CancelledError,
    InternalError,
    OperationTimeoutError,
    SpineError,
    TransientError,
    ValidationError,
)
from spine.execution.runner import Attempt, Outcome, failed

__all__ = ["decode_attempt", "encode_attempt", "encode_outcome", "lost", "outcome_of"]

_ATTEMPT: Final = msgspec.json.Decoder(Attempt)
_OUTCOME: Final = msgspec.json.Decoder(Outcome)
_LOST_WORKER: Final = frozenset({"WorkerLostError"})
_TIME_LIMIT: Final = frozenset({"TimeLimitExceeded"})


def encode_attempt(attempt: Attempt, /) -> str:
    """The attempt as JSON text (one task argument).

    >>> encode_attempt(Attempt(run_id="r1", attempt=2, name="add", params={"a": 1}))
    '{"run_id":"r1","attempt":2,"name":"add","params":{"a":1},"timeout_s":null}'
    """
    return encode_json(attempt).decode()


def decode_attempt(payload: str, /) -> Result[Attempt, ValidationError]:
    """The attempt a task argument carries.

    >>> decode_attempt(encode_attempt(Attempt(run_id="r", attempt=1, name="n"))).unwrap().name
    'n'
    >>> decode_attempt('{"run_id": 1}').failure().constraint
    'Attempt'
    """
    try:
        return Success(_ATTEMPT.decode(payload))
    except msgspec.DecodeError as exc:
        return Failure(ValidationError(f"not a spine attempt: {exc}", constraint="Attempt"))


def encode_outcome(outcome: Outcome, /) -> str:
    """The outcome as JSON text (the task's return value).

    >>> encode_outcome(Outcome(run_id="r", attempt=1, value=b"42"))
    '{"run_id":"r","attempt":1,"value":"NDI=","error":null}'
    """
    return encode_json(outcome).decode()


def lost(attempt: Attempt, /, *, waited_s: float, task_id: str) -> Outcome:
    """No end within the deadline: a retryable timeout (the attempt overran, or its worker died).

    >>> out = lost(Attempt(run_id="r", attempt=1, name="n"), waited_s=2.0, task_id="t")
    >>> (out.error.code, out.error.retryable, out.error.details["timeout_s"])
    ('transient.timeout', True, 2.0)
    """
    msg = (
        f"{attempt.name!r} attempt {attempt.attempt}: no outcome from Celery within {waited_s:g} s"
        " (it overran its timeout, or the worker running it was lost)"
    )
    return failed(attempt, OperationTimeoutError(msg, timeout_s=waited_s, context=_context(attempt, task_id)))


def outcome_of(attempt: Attempt, state: str, value: object, /, *, task_id: str) -> Outcome | None:
    """The outcome of a task that ended in ``state`` with ``value``; None while it has not ended.

    >>> a = Attempt(run_id="r", attempt=1, name="n")
    >>> done = encode_outcome(Outcome(run_id="r", attempt=1, value=b"1"))
    >>> outcome_of(a, "SUCCESS", done, task_id="t").value
    b'1'
    >>> outcome_of(a, "STARTED", None, task_id="t") is None
    True
    >>> outcome_of(a, "REVOKED", None, task_id="t").error.code
    'cancelled'
    """
    context = _context(attempt, task_id)
    if state == "SUCCESS":
        return _decoded(attempt, value, context)
    if state == "REVOKED":
        if str(value) == "expired":  # Celery's TaskRevokedError("expired"): it waited past ``expires``
            msg = f"{attempt.name!r} attempt {attempt.attempt} expired before a worker started it"
            return failed(attempt, OperationTimeoutError(msg, context=context))
        return failed(attempt, CancelledError(f"Celery revoked task {task_id} ({value})", context=context))
    if state != "FAILURE":
        return None
    kind = type(value).__name__
    text = f"{kind}: {value}"
    error: SpineError
    if kind in _LOST_WORKER:
        error = TransientError(f"the worker running it was lost ({text})", context=context)
    elif kind in _TIME_LIMIT:
        error = OperationTimeoutError(f"Celery's time limit killed it ({text})", context=context)
    else:
        error = InternalError(f"the Celery task failed: {text}", exception_type=kind, context=context)
    return failed(attempt, error)


def _decoded(attempt: Attempt, value: object, context: dict[str, str]) -> Outcome:
    if isinstance(value, str):
        try:
            outcome = _OUTCOME.decode(value)
        except msgspec.DecodeError:
            pass
        else:
            if (outcome.run_id, outcome.attempt) == (attempt.run_id, attempt.attempt):
                return outcome
    msg = f"the Celery task returned {type(value).__name__}, not this attempt's outcome"
    return failed(attempt, InternalError(msg, context=context))


def _context(attempt: Attempt, task_id: str) -> dict[str, str]:
    return {"run_id": attempt.run_id, "task_id": task_id}
