"""``BiTemporalStore[T]``: persist ``BiTemporalRecord`` versions and query them as of two times.

The pure rules live in :mod:`spine.core.bitemporal` (``correct`` decides which versions
close and which are asserted); this module reads the current versions, asks the core, and
writes the decision in one transaction: closing a version is the only update ever made,
and nothing is deleted. Values are stored as JSON (msgspec, with spine's hooks) and decoded
back into ``T``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.bitemporal import BiTemporalRecord, correct
from spine.core.codec import decode_json, encode_json
from spine.core.errors import SpineError, ValidationError
from spine.storage.compiled import SqlValue
from spine.storage.connection import Rows
from spine.storage.database import Database
from spine.storage.sql.dml import insert, update
from spine.storage.sql.statement import sql
from spine.storage.tables import BITEMPORAL_FACTS
from spine.storage.values import from_sql

__all__ = ["BiTemporalStore"]

# Constant text, no caller input: every value below is a bound parameter.
_SELECT: Final = (
    "SELECT entity_id, valid_from, valid_to, system_from, system_to, value FROM spine_bitemporal_facts"
    " WHERE entity_type = :entity_type AND entity_id = :entity_id"
)
_HISTORY = sql(f"{_SELECT} ORDER BY system_from, valid_from")
_CURRENT = sql(f"{_SELECT} AND system_to IS NULL ORDER BY valid_from")
_AS_OF = sql(
    f"{_SELECT} AND valid_from <= :valid AND (valid_to IS NULL OR valid_to > :valid)"
    " AND system_from <= :known AND (system_to IS NULL OR system_to > :known)"
)
_INSERT = insert(BITEMPORAL_FACTS)
_CLOSE = update(
    BITEMPORAL_FACTS, ["system_to"], where=["entity_type", "entity_id", "valid_from", "system_from"]
)
_TYPES: Final = {c.name: c.type for c in BITEMPORAL_FACTS.columns}


@final
class BiTemporalStore[T]:
    """Versions of one entity type's ``T`` values, with as-of queries.

    >>> from datetime import UTC, datetime
    >>> from spine.core.system import SystemClock, SystemSleeper
    >>> from spine.storage.connect import connect
    >>> from spine.storage.migrations import migrate
    >>> db = Database(connect("sqlite://:memory:").unwrap())
    >>> _ = migrate(db, clock=SystemClock(), sleeper=SystemSleeper(), owner="doc").unwrap()
    >>> prices = BiTemporalStore(db, "price", float)
    >>> jan, feb, mar = (datetime(2025, m, 1, tzinfo=UTC) for m in (1, 2, 3))
    >>> _ = prices.correct("ACME", 10.0, valid_from=jan, valid_to=None, at=jan).unwrap()
    >>> _ = prices.correct("ACME", 11.0, valid_from=feb, valid_to=None, at=mar).unwrap()
    >>> [prices.as_of("ACME", feb, known).unwrap().value for known in (feb, mar)]
    [10.0, 11.0]
    """

    __slots__ = ("_db", "_entity_type", "_value_type")

    def __init__(self, db: Database, entity_type: str, value_type: type[T], /) -> None:
        self._db, self._entity_type, self._value_type = db, entity_type, value_type

    def history(self, entity_id: str, /) -> Result[tuple[BiTemporalRecord[T], ...], SpineError]:
        """Every version ever asserted for ``entity_id``, closed ones included."""
        return self._records(self._db.execute(_HISTORY, self._key(entity_id)), entity_id)

    def as_of(
        self, entity_id: str, valid: datetime, known: datetime, /
    ) -> Result[BiTemporalRecord[T] | None, SpineError]:
        """The version true at ``valid`` as the system knew it at ``known``, if any."""
        params = {**self._key(entity_id), "valid": valid, "known": known}
        found = self._records(self._db.execute(_AS_OF, params), entity_id)
        return found.map(lambda records: records[0] if records else None)

    def correct(
        self, entity_id: str, value: T, /, *, valid_from: datetime, valid_to: datetime | None, at: datetime
    ) -> Result[tuple[BiTemporalRecord[T], ...], SpineError]:
        """Assert ``value`` for ``[valid_from, valid_to)`` from system time ``at`` (see ``core.correct``).

        Returns the entity's current versions afterwards.
        """
        with self._db.transaction() as tx:
            outcome = self._correct(entity_id, value, valid_from, valid_to, at)
            if isinstance(outcome, Failure):
                tx.set_rollback_only()
        if isinstance(outcome, Success) and isinstance(tx.outcome, Failure):
            return Failure(tx.outcome.failure())
        return outcome

    def _correct(
        self, entity_id: str, value: T, valid_from: datetime, valid_to: datetime | None, at: datetime
    ) -> Result[tuple[BiTemporalRecord[T], ...], SpineError]:
        current = self._records(self._db.execute(_CURRENT, self._key(entity_id)), entity_id)
        if isinstance(current, Failure):
            return current
        before = current.unwrap()
        decided = correct(before, value, entity_id=entity_id, valid_from=valid_from, valid_to=valid_to, at=at)
        if isinstance(decided, Failure):
            return Failure(decided.failure())
        after = decided.unwrap()
        for old in before:
            if old not in after:  # closed by the correction
                closing = {
                    **self._key(entity_id),
                    "valid_from": old.valid_from,
                    "system_from": old.system_from,
                }
                ran = self._db.execute(_CLOSE, {**closing, "system_to": at})
                if isinstance(ran, Failure):
                    return Failure(ran.failure())
        kept = set(before)
        for record in after:
            if record not in kept and record.is_current:
                ran = self._db.execute(_INSERT, self._row(record))
                if isinstance(ran, Failure):
                    return Failure(ran.failure())
        return Success(tuple(r for r in after if r.is_current))

    def _key(self, entity_id: str) -> dict[str, SqlValue]:
        return {"entity_type": self._entity_type, "entity_id": entity_id}

    def _row(self, record: BiTemporalRecord[T]) -> dict[str, SqlValue]:
        return {
            **self._key(record.entity_id),
            "valid_from": record.valid_from,
            "valid_to": record.valid_to,
            "system_from": record.system_from,
            "system_to": record.system_to,
            "value": encode_json(record.value).decode(),
        }

    def _records(
        self, ran: Result[Rows, SpineError], entity_id: str
    ) -> Result[tuple[BiTemporalRecord[T], ...], SpineError]:
        if isinstance(ran, Failure):
            return Failure(ran.failure())
        records: list[BiTemporalRecord[T]] = []
        for _, valid_from, valid_to, system_from, system_to, raw in ran.unwrap().rows:
            text = raw if isinstance(raw, str | bytes) else encode_json(from_sql(_TYPES["value"], raw))
            value = decode_json(text, self._value_type)
            if isinstance(value, Failure):
                return Failure(value.failure())
            try:
                records.append(
                    BiTemporalRecord(
                        entity_id=entity_id,
                        value=value.unwrap(),
                        valid_from=_instant(valid_from),
                        valid_to=None if valid_to is None else _instant(valid_to),
                        system_from=_instant(system_from),
                        system_to=None if system_to is None else _instant(system_to),
                    )
                )
            except (ValidationError, msgspec.ValidationError) as exc:
                return Failure(ValidationError(f"stored version of {entity_id!r} is invalid: {exc}"))
        return Success(tuple(records))


def _instant(value: SqlValue) -> datetime:
    converted = from_sql(_TYPES["valid_from"], value)
    if not isinstance(converted, datetime):
        msg = f"expected a timestamp, the database returned {value!r}"
        raise ValidationError(msg)
    return converted
