"""Anomalies as values: severity, category codes, the ``Anomaly`` row, and building one.

:func:`new_anomaly` is the pure rule for what may be recorded: names within their column
sizes, a category code that is one of :class:`AnomalyCategory` or a custom lower-case code,
a timezone-aware detection time (stored as UTC), and details that are a JSON object (kept as
plain dicts and lists, so the value compares equal to what a database gives back).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final, NewType

import msgspec
from returns.result import Failure, Result, Success

from spine.core.codec import encode_json
from spine.core.errors import ValidationError
from spine.core.json_types import JsonValue

__all__ = ["Anomaly", "AnomalyCategory", "AnomalyId", "Severity", "new_anomaly"]

AnomalyId = NewType("AnomalyId", str)
"""A recorded anomaly (ULID text)."""

_MAX_NAME: Final = 200
_MAX_ID: Final = 26
_CODE: Final = re.compile(r"[a-z][a-z0-9_.]{0,39}")


class Severity(StrEnum):
    """How bad an anomaly is: ``INFO`` < ``WARNING`` < ``ERROR`` < ``CRITICAL``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for INFO up to 3 for CRITICAL: higher is worse.

        >>> sorted([Severity.CRITICAL, Severity.INFO], key=lambda s: s.rank)
        [<Severity.INFO: 'info'>, <Severity.CRITICAL: 'critical'>]
        """
        return _RANK[self]


_RANK: Final = {severity: rank for rank, severity in enumerate(Severity)}


class AnomalyCategory(StrEnum):
    """Common category codes; any lower-case code of up to 40 characters works too."""

    MISSING_DATA = "missing_data"
    STALE_DATA = "stale_data"
    DUPLICATE = "duplicate"
    OUTLIER = "outlier"
    VOLUME = "volume"
    SCHEMA_DRIFT = "schema_drift"
    RECONCILIATION = "reconciliation"
    QUALITY_CHECK = "quality_check"
    SOURCE_ERROR = "source_error"
    OTHER = "other"


class Anomaly(msgspec.Struct, frozen=True, kw_only=True):
    """A row of ``spine_anomalies``: something odd found in ``domain`` at ``stage``."""

    anomaly_id: AnomalyId
    domain: str
    stage: str
    severity: Severity
    category: str
    message: str
    detected_at: datetime
    partition_key: str | None = None
    details: dict[str, object] | None = None
    run_id: str | None = None
    resolved_at: datetime | None = None
    resolution_note: str | None = None

    @property
    def resolved(self) -> bool:
        """Whether someone resolved it."""
        return self.resolved_at is not None


def _invalid(field: str, value: object, constraint: str, message: str) -> Failure[ValidationError]:
    return Failure(ValidationError(message, field=field, value=value, constraint=constraint))


def _text_error(field: str, value: str | None, limit: int) -> Failure[ValidationError] | None:
    if value is not None and not 0 < len(value) <= limit:
        return _invalid(field, value, f"1-{limit} characters", f"{field} must be 1-{limit} characters")
    return None


def _plain(value: JsonValue) -> object:
    """Plain dicts and lists all the way down (read-only mappings and tuples included)."""
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, Sequence):
        return [_plain(item) for item in value]
    return value


def new_anomaly(
    *,
    anomaly_id: AnomalyId,
    domain: str,
    stage: str,
    severity: Severity,
    category: AnomalyCategory | str,
    message: str,
    detected_at: datetime,
    partition_key: str | None = None,
    details: Mapping[str, JsonValue] | None = None,
    run_id: str | None = None,
) -> Result[Anomaly, ValidationError]:
    """An unresolved ``Anomaly``, or the ``ValidationError`` saying what is wrong.

    >>> from datetime import timedelta, timezone
    >>> at = datetime(2025, 1, 3, 10, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    >>> a = new_anomaly(anomaly_id=AnomalyId("a1"), domain="orders", stage="load", severity=Severity.ERROR,
    ...                 category=AnomalyCategory.OUTLIER, message="px 10x median", detected_at=at).unwrap()
    >>> a.detected_at.isoformat(), a.category
    ('2025-01-03T04:30:00+00:00', 'outlier')
    >>> new_anomaly(anomaly_id=AnomalyId("a2"), domain="orders", stage="load", severity=Severity.INFO,
    ...             category="Bad Code", message="m", detected_at=at).failure().field
    'category'
    """
    for field, value, limit in (
        ("domain", domain, _MAX_NAME),
        ("stage", stage, _MAX_NAME),
        ("partition_key", partition_key, _MAX_NAME),
        ("run_id", run_id, _MAX_ID),
        ("anomaly_id", anomaly_id, _MAX_ID),
    ):
        error = _text_error(field, value, limit)
        if error is not None:
            return error
    code = str(category.value if isinstance(category, AnomalyCategory) else category)
    if not _CODE.fullmatch(code):
        return _invalid("category", code, "[a-z][a-z0-9_.]{0,39}", f"bad category code {code!r}")
    if not message:
        return _invalid("message", message, "non-empty", "an anomaly needs a message")
    if detected_at.utcoffset() is None:
        return _invalid("detected_at", detected_at, "timezone-aware", "detected_at must be timezone-aware")
    plain: dict[str, object] | None = None
    if details is not None:
        try:
            plain = msgspec.json.decode(encode_json(_plain(details)), type=dict[str, object])
        except (TypeError, ValueError, NotImplementedError, msgspec.MsgspecError) as exc:
            return _invalid("details", details, "a JSON object", f"details are not JSON: {exc}")
    return Success(
        Anomaly(
            anomaly_id=anomaly_id,
            domain=domain,
            stage=stage,
            severity=severity,
            category=code,
            message=message,
            detected_at=detected_at.astimezone(UTC),
            partition_key=partition_key,
            details=plain,
            run_id=run_id,
        )
    )
