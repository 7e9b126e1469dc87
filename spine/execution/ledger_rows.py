"""Ledger events as rows: the statements :class:`~spine.execution.ledger.ExecutionLedger` runs.

Events live in ``spine_ledger_events``; each run's anchor (``last_seq``, ``last_hash``) on
its ``spine_runs`` row. Statements are canonical SQL parsed once at import; every value is
a bound parameter. Reading is lenient where verification needs it: a row that is not a
valid event decodes to the ``ValidationError`` saying why, never to an exception, so
``verify`` can report it at its seq.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

import msgspec

from spine.core.errors import ValidationError
from spine.core.ids import EventId, RunId
from spine.execution.ledger_chain import Anchor, LedgerEvent
from spine.storage.compiled import SqlValue
from spine.storage.sql.dialect import Dialect
from spine.storage.sql.dml import insert, update
from spine.storage.sql.predicates import Cmp
from spine.storage.sql.statement import Statement, sql
from spine.storage.sql.types import BIGINT, TIMESTAMPTZ
from spine.storage.tables import LEDGER_EVENTS, RUNS
from spine.storage.values import from_sql

__all__ = [
    "ADVANCE",
    "ANCHOR",
    "ANCHORED_RUNS",
    "BY_TYPE",
    "EVENTS",
    "EVENT_RUNS",
    "INSERT",
    "WINDOW",
    "anchor_from_row",
    "anchor_read",
    "event_from_row",
    "event_row",
    "seq_of",
]

_SELECT: Final = (
    "SELECT run_id, seq, event_id, event_type, occurred_at, payload, prev_hash, hash FROM spine_ledger_events"
)
_ORDER: Final = " ORDER BY occurred_at, run_id, seq"
_ANCHOR: Final = "SELECT run_id, last_seq, last_hash FROM spine_runs WHERE run_id = :run_id"

ANCHOR: Final = sql(_ANCHOR)
"""A run's anchor row: ``run_id, last_seq, last_hash``."""
_ANCHOR_LOCKED: Final = sql(f"{_ANCHOR} FOR UPDATE")
ANCHORED_RUNS: Final = sql("SELECT run_id, last_seq, last_hash FROM spine_runs WHERE last_seq > 0")
"""The anchors of every run that has had an event."""
EVENT_RUNS: Final = sql("SELECT DISTINCT run_id FROM spine_ledger_events")
"""Every run id that has a stored event (anchored or not)."""
EVENTS: Final = sql(f"{_SELECT} WHERE run_id = :run_id ORDER BY seq")
"""One run's events in seq order."""
WINDOW: Final = sql(f"{_SELECT} WHERE occurred_at >= :since AND occurred_at < :until{_ORDER}")
"""Events in ``[since, until)``."""
BY_TYPE: Final[dict[tuple[bool, bool], Statement]] = {
    (since, until): sql(
        f"{_SELECT} WHERE event_type = :event_type"
        + (" AND occurred_at >= :since" if since else "")
        + (" AND occurred_at < :until" if until else "")
        + _ORDER
    )
    for since in (False, True)
    for until in (False, True)
}
"""Events of one type, keyed by (has a lower bound, has an upper bound)."""
INSERT: Final = insert(LEDGER_EVENTS)
"""One event row (see :func:`event_row`)."""
ADVANCE: Final = update(RUNS, ["last_seq", "last_hash"], where=["run_id", Cmp("last_seq", param="expected")])
"""Move a run's anchor, compare-and-set on ``last_seq = :expected``."""


def anchor_read(dialect: Dialect, /) -> Statement:
    """The anchor read that locks the run row (``FOR UPDATE``), or plain ``ANCHOR`` on SQLite.

    SQLite has no row locks: a spine transaction there is ``BEGIN IMMEDIATE``, which holds
    the database's write lock already.

    >>> from spine.storage.sql.dialect import get_dialect
    >>> anchor_read(get_dialect("sqlite")) is ANCHOR, anchor_read(get_dialect("postgres")) is ANCHOR
    (True, False)
    """
    return ANCHOR if dialect.name == "sqlite" else _ANCHOR_LOCKED


def event_row(event: LedgerEvent, payload_json: str, /) -> dict[str, SqlValue]:
    """The parameters of :data:`INSERT` for ``event`` (its payload as stored: canonical text; no body)."""
    return {
        "run_id": event.run_id,
        "seq": event.seq,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "occurred_at": event.occurred_at,
        "payload": payload_json,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
        "body": None,
    }


def seq_of(value: SqlValue, /) -> int:
    """A ``BIGINT`` column's value as an ``int`` (Oracle returns ``Decimal``); ``0`` if none.

    >>> from decimal import Decimal
    >>> seq_of(Decimal(7)), seq_of(None)
    (7, 0)
    """
    converted = from_sql(BIGINT, value)
    return converted if isinstance(converted, int) else 0


def anchor_from_row(row: Sequence[SqlValue], /) -> Anchor:
    """A row of :data:`ANCHOR` or :data:`ANCHORED_RUNS`.

    >>> anchor_from_row(("r", 2, "ab" * 32)).last_seq
    2
    """
    run_id, last_seq, last_hash = row
    hashed = None if last_hash is None else str(last_hash)
    return Anchor(run_id=RunId(str(run_id)), last_seq=seq_of(last_seq), last_hash=hashed)


def event_from_row(row: Sequence[SqlValue], /) -> LedgerEvent | ValidationError:
    """A row of :data:`EVENTS`, :data:`WINDOW` or :data:`BY_TYPE`, or why it is not an event.

    >>> event_from_row(("r", 1, "e", "t", "not a time", "{}", "0" * 64, "0" * 64)).constraint
    'LedgerEvent'
    """
    run_id, seq, event_id, event_type, occurred_at, payload, prev_hash, hashed = row
    texts = (run_id, event_id, event_type, prev_hash, hashed)
    try:
        at = from_sql(TIMESTAMPTZ, occurred_at)
        if not isinstance(at, datetime) or not all(isinstance(t, str) for t in texts):
            msg = "a column holds the wrong type"
            raise ValidationError(msg)
        if not isinstance(payload, str | bytes):
            msg = f"payload is {type(payload).__qualname__}, not JSON text"
            raise ValidationError(msg)
        return LedgerEvent(
            run_id=RunId(str(run_id)),
            seq=seq_of(seq),
            event_id=EventId(str(event_id)),
            event_type=str(event_type),
            occurred_at=at,
            payload=msgspec.json.decode(payload, type=dict[str, object]),
            prev_hash=str(prev_hash),
            hash=str(hashed),
        )
    except (ValidationError, msgspec.DecodeError, ValueError) as error:
        msg = f"ledger row ({run_id!r}, {seq!r}) is not a valid event: {error}"
        return ValidationError(msg, constraint="LedgerEvent")
