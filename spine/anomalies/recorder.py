"""``AnomalyRecorder``: record anomalies, list the unresolved ones, resolve them, count them.

Rows live in ``spine_anomalies``. Every time filter is a comparison with a bound,
timezone-aware datetime parameter (normalised to UTC first), so windows mean the same
instants on every database: SQLite compares the fixed-width UTC text its driver writes,
MariaDB naive UTC ``DATETIME(6)`` values, PostgreSQL ``timestamptz``. Resolving is a
compare-and-set (``... WHERE resolved_at IS NULL``): of two concurrent resolvers exactly
one wins, and the other gets a ``ConflictError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, final

import msgspec
from returns.result import Failure, Result, Success

from spine.anomalies.model import Anomaly, AnomalyCategory, AnomalyId, Severity, new_anomaly
from spine.anomalies.window import aware, trailing
from spine.core.clock import Clock
from spine.core.errors import ConflictError, NotFoundError, SpineError, ValidationError
from spine.core.ids import IdSource
from spine.core.json_types import JsonValue
from spine.storage.compiled import SqlValue
from spine.storage.database import Database
from spine.storage.repository import BaseRepository
from spine.storage.sql.dml import update
from spine.storage.sql.predicates import Cmp, IsNull, OrderBy, Where
from spine.storage.sql.query import select
from spine.storage.sql.statement import Statement, sql
from spine.storage.sql.types import TIMESTAMPTZ
from spine.storage.tables import ANOMALIES

__all__ = ["AnomalyRecorder"]

_FIELDS: Final = tuple(f.name for f in msgspec.structs.fields(Anomaly))
_NEWEST_FIRST: Final = (OrderBy("detected_at", descending=True), OrderBy("anomaly_id", descending=True))
_RESOLVE: Final = update(
    ANOMALIES, ["resolved_at", "resolution_note"], where=["anomaly_id", IsNull("resolved_at")]
)
_COUNTS: Final[dict[tuple[bool, bool], Statement]] = {
    (until, unresolved): sql(
        "SELECT severity, COUNT(*) AS n FROM spine_anomalies WHERE detected_at >= :since"  # noqa: S608 - constant text; values are bound
        + (" AND detected_at <= :until" if until else "")
        + (" AND resolved_at IS NULL" if unresolved else "")
        + " GROUP BY severity",
        param_types={"since": TIMESTAMPTZ, "until": TIMESTAMPTZ} if until else {"since": TIMESTAMPTZ},
    )
    for until in (False, True)
    for unresolved in (False, True)
}


class _Anomalies(BaseRepository[Anomaly]):
    __slots__ = ()

    def matching(
        self, where: Sequence[Where], params: Mapping[str, SqlValue], limit: int
    ) -> Result[tuple[Anomaly, ...], SpineError]:
        statement = select(self.table, _FIELDS, where=where, order_by=_NEWEST_FIRST, limit=True)
        return self._many(statement, {**params, "limit": limit})


def _limit_error(limit: int) -> Failure[ValidationError] | None:
    if limit < 1:
        return Failure(ValidationError("limit must be >= 1", field="limit", value=limit, constraint=">= 1"))
    return None


@final
class AnomalyRecorder:
    """Record, list, resolve and count anomalies.

    >>> from datetime import UTC
    >>> from spine.core.system import SystemIdSource, SystemSleeper
    >>> from spine.storage.connect import connect
    >>> from spine.storage.migrations import migrate
    >>> from spine.testing import FakeClock
    >>> db = Database(connect("sqlite://:memory:").unwrap())
    >>> clock = FakeClock(datetime(2025, 1, 3, 12, tzinfo=UTC))
    >>> _ = migrate(db, clock=clock, sleeper=SystemSleeper(), owner="doc").unwrap()
    >>> anomalies = AnomalyRecorder(db, ids=SystemIdSource(), clock=clock)
    >>> a = anomalies.record("orders", "load", severity=Severity.CRITICAL, category="volume",
    ...                      message="no rows for 2025-01-03").unwrap()
    >>> [x.message for x in anomalies.recent_critical(timedelta(hours=1)).unwrap()]
    ['no rows for 2025-01-03']
    >>> anomalies.resolve(a.anomaly_id, note="source re-sent").unwrap().resolved
    True
    >>> anomalies.resolve(a.anomaly_id, note="again").failure().code
    'conflict'
    """

    __slots__ = ("_clock", "_db", "_ids", "_rows")

    def __init__(self, db: Database, /, *, ids: IdSource, clock: Clock) -> None:
        self._db, self._ids, self._clock = db, ids, clock
        self._rows = _Anomalies(db, ANOMALIES, Anomaly)

    def record(
        self,
        domain: str,
        stage: str,
        /,
        *,
        severity: Severity,
        category: AnomalyCategory | str,
        message: str,
        partition_key: str | None = None,
        details: Mapping[str, JsonValue] | None = None,
        run_id: str | None = None,
        detected_at: datetime | None = None,
    ) -> Result[Anomaly, SpineError]:
        """Store a new, unresolved anomaly; ``detected_at`` defaults to the clock's now."""
        built = new_anomaly(
            anomaly_id=AnomalyId(self._ids.new_id()),
            domain=domain,
            stage=stage,
            severity=severity,
            category=category,
            message=message,
            detected_at=self._clock.now() if detected_at is None else detected_at,
            partition_key=partition_key,
            details=details,
            run_id=run_id,
        )
        if not isinstance(built, Success):
            return Failure(built.failure())
        return self._rows.insert(built.unwrap())

    def get(self, anomaly_id: str, /) -> Result[Anomaly, SpineError]:
        """One anomaly by id; ``NotFoundError`` when there is none."""
        found = self._rows.get(anomaly_id)
        if not isinstance(found, Success):
            return Failure(found.failure())
        anomaly = found.unwrap()
        if anomaly is None:
            msg = f"no anomaly {anomaly_id!r}"
            return Failure(NotFoundError(msg, resource="anomaly", key=anomaly_id))
        return Success(anomaly)

    def unresolved(
        self,
        *,
        domain: str | None = None,
        stage: str | None = None,
        severity: Severity | None = None,
        category: AnomalyCategory | str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> Result[tuple[Anomaly, ...], SpineError]:
        """Unresolved anomalies, newest first, matching every filter given.

        ``since`` keeps those detected at or after that instant (timezone-aware).
        """
        refused = _limit_error(limit)
        if refused is not None:
            return refused
        where: list[Where] = [IsNull("resolved_at")]
        params: dict[str, SqlValue] = {}
        code = category.value if isinstance(category, AnomalyCategory) else category
        filters = (("domain", domain), ("stage", stage), ("severity", severity), ("category", code))
        for column, value in filters:
            if value is not None:
                where.append(column)
                params[column] = value
        if since is not None:
            start = aware("since", since)
            if not isinstance(start, Success):
                return Failure(start.failure())
            where.append(Cmp("detected_at", ">=", param="since"))
            params["since"] = start.unwrap()
        return self._rows.matching(where, params, limit)

    def resolve(self, anomaly_id: str, /, *, note: str) -> Result[Anomaly, SpineError]:
        """Mark an anomaly resolved with a note saying how; resolving it again is a conflict."""
        if not note:
            msg = "resolving an anomaly needs a note"
            return Failure(ValidationError(msg, field="note", value=note, constraint="non-empty"))
        params: dict[str, SqlValue] = {
            "anomaly_id": anomaly_id,
            "resolved_at": self._clock.now(),
            "resolution_note": note,
        }
        ran = self._db.execute(_RESOLVE, params)
        if not isinstance(ran, Success):
            return Failure(ran.failure())
        found = self.get(anomaly_id)
        if not isinstance(found, Success) or ran.unwrap().rowcount > 0:
            return found
        anomaly = found.unwrap()
        msg = f"anomaly {anomaly_id!r} was already resolved at {anomaly.resolved_at}"
        return Failure(ConflictError(msg, context={"anomaly_id": anomaly_id}))

    def count_by_severity(
        self, since: datetime, /, *, until: datetime | None = None, unresolved_only: bool = False
    ) -> Result[dict[Severity, int], SpineError]:
        """How many anomalies of each severity were detected in ``[since, until]`` (zeros included)."""
        params: dict[str, SqlValue] = {}
        for name, value in (("since", since), ("until", until)):
            if value is not None:
                bound = aware(name, value)
                if not isinstance(bound, Success):
                    return Failure(bound.failure())
                params[name] = bound.unwrap()
        ran = self._db.execute(_COUNTS[until is not None, unresolved_only], params)
        if not isinstance(ran, Success):
            return Failure(ran.failure())
        counts = dict.fromkeys(Severity, 0)
        for severity, n in ran.unwrap().rows:
            try:
                counts[Severity(severity)] = int(n) if isinstance(n, int | Decimal | float) else 0
            except ValueError:
                msg = f"spine_anomalies holds an unknown severity {severity!r}"
                return Failure(
                    ValidationError(msg, field="severity", value=severity, constraint="a Severity")
                )
        return Success(counts)

    def recent_critical(
        self, window: timedelta, /, *, now: datetime | None = None, limit: int = 100
    ) -> Result[tuple[Anomaly, ...], SpineError]:
        """``CRITICAL`` anomalies detected in ``[now - window, now]``, resolved or not, newest first.

        ``now`` defaults to the clock's now.
        """
        refused = _limit_error(limit)
        if refused is not None:
            return refused
        span = trailing(window, self._clock.now() if now is None else now)
        if not isinstance(span, Success):
            return Failure(span.failure())
        bounds = span.unwrap()
        where: list[Where] = [
            "severity",
            Cmp("detected_at", ">=", param="since"),
            Cmp("detected_at", "<=", param="until"),
        ]
        params: dict[str, SqlValue] = {
            "severity": Severity.CRITICAL.value,
            "since": bounds.start,
            "until": bounds.end,
        }
        return self._rows.matching(where, params, limit)
