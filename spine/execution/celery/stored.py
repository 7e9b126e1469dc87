"""Reading attempts' results straight from the Redis result backend (one MGET per 1,000).

The executor learns of results through Redis pub/sub, which drops messages published while
a subscriber reconnects. What the worker stored stays readable (``result_expires``), so a
deadline, and the periodic sweep, look there before calling an attempt lost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Final

from celery.backends.redis import RedisBackend

from spine.core.errors import InternalError
from spine.execution.celery.flights import Flight
from spine.execution.celery.wire import outcome_of
from spine.execution.runner import Outcome, failed

__all__ = ["stored_outcomes"]

_log = logging.getLogger(__name__)
_CHUNK: Final = 1000


def stored_outcomes(backend: RedisBackend, flights: Sequence[Flight], /) -> dict[str, Outcome]:
    """Task id → outcome, for those of ``flights`` whose task has ended; an outage reads as none."""
    found: dict[str, Outcome] = {}
    for at in range(0, len(flights), _CHUNK):
        chunk = flights[at : at + _CHUNK]
        try:
            raws = backend.mget([backend.get_key_for_task(f.task_id) for f in chunk])
        except Exception:  # noqa: BLE001 - an unreachable backend reads as "nothing stored"
            _log.warning("spine could not read Celery results", exc_info=True)
            continue
        for flight, raw in zip(chunk, raws, strict=True):
            if raw is not None:
                ended = _read(backend, flight, raw)
                if ended is not None:
                    found[flight.task_id] = ended
    return found


def _read(backend: RedisBackend, flight: Flight, raw: bytes) -> Outcome | None:
    try:
        meta = backend.decode_result(raw)
        return outcome_of(flight.attempt, str(meta["status"]), meta.get("result"), task_id=flight.task_id)
    except Exception as exc:  # noqa: BLE001 - an unreadable result is the attempt's error
        error = InternalError(f"unreadable Celery result: {exc}", context={"task_id": flight.task_id})
        return failed(flight.attempt, error)
