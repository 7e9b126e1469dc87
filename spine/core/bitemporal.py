"""Bitemporal facts: what was true (valid time) and when we knew it (system time).

# Theory of operation
# -------------------
# A version of an entity's fact carries two half-open intervals, ``[valid_from, valid_to)``
# and ``[system_from, system_to)``; ``None`` as an end means "open" (until further notice).
# All instants are timezone-aware UTC; naive or non-UTC datetimes are rejected, as is an
# interval whose start is not before its end.
# Nothing is ever updated in place: a correction *closes* the versions it contradicts
# (sets their ``system_to``) and *asserts* new ones from the same instant. So the
# invariant holds: for one entity, at any valid instant, the system-time intervals of the
# versions valid then never overlap — one answer per (valid, known) pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Self

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ValidationError

__all__ = ["BiTemporalRecord", "as_of", "correct"]

_ZERO = timedelta(0)


class BiTemporalRecord[T](msgspec.Struct, frozen=True, kw_only=True):
    """One version of an entity's value, placed on both time axes.

    >>> from datetime import UTC, datetime
    >>> jan, feb, mar = (datetime(2025, m, 1, tzinfo=UTC) for m in (1, 2, 3))
    >>> price = BiTemporalRecord(entity_id="AAPL", value=10, valid_from=jan, system_from=jan)
    >>> old, new = price.supersede(11, at=feb).unwrap()
    >>> (old.known_at(mar), new.known_at(mar), new.valid_at(mar), new.value)
    (False, True, True, 11)
    """

    entity_id: str
    value: T
    valid_from: datetime
    valid_to: datetime | None = None
    system_from: datetime
    system_to: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("valid_from", "valid_to", "system_from", "system_to"):
            _check_utc(name, getattr(self, name))
        _check_order("valid", self.valid_from, self.valid_to)
        _check_order("system", self.system_from, self.system_to)

    @property
    def is_current(self) -> bool:
        """Not yet superseded: the system-time interval is still open."""
        return self.system_to is None

    def valid_at(self, instant: datetime, /) -> bool:
        """``valid_from <= instant < valid_to``."""
        return self.valid_from <= instant and _before(instant, self.valid_to)

    def known_at(self, instant: datetime, /) -> bool:
        """``system_from <= instant < system_to``: the system believed this at ``instant``."""
        return self.system_from <= instant and _before(instant, self.system_to)

    def as_of(self, valid: datetime, known: datetime, /) -> bool:
        """True at valid instant ``valid``, as the system knew it at ``known``."""
        return self.valid_at(valid) and self.known_at(known)

    def supersede(self, correction: T, /, *, at: datetime) -> Result[tuple[Self, Self], ValidationError]:
        """Replace this version's value from system time ``at``: (closed old, new current).

        The new version keeps this one's valid interval. Only a current version can be
        superseded, and only at an instant after it was asserted.
        """
        if not self.is_current:
            return Failure(
                ValidationError(
                    f"version of {self.entity_id!r} was already superseded at {self.system_to}",
                    field="system_to",
                    constraint="is None",
                )
            )
        try:
            closed = self._with_system(self.system_from, at)
            new = type(self)(
                entity_id=self.entity_id,
                value=correction,
                valid_from=self.valid_from,
                valid_to=self.valid_to,
                system_from=at,
            )
        except ValidationError as exc:
            return Failure(exc)
        return Success((closed, new))

    def _with_system(self, start: datetime, end: datetime | None) -> Self:
        return type(self)(
            entity_id=self.entity_id,
            value=self.value,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            system_from=start,
            system_to=end,
        )

    def _with_valid(self, start: datetime, end: datetime | None, system_from: datetime) -> Self:
        return type(self)(
            entity_id=self.entity_id,
            value=self.value,
            valid_from=start,
            valid_to=end,
            system_from=system_from,
        )


def as_of[T](
    history: Iterable[BiTemporalRecord[T]], valid: datetime, known: datetime, /
) -> BiTemporalRecord[T] | None:
    """The version in ``history`` true at ``valid`` as known at ``known``, if any."""
    for record in history:
        if record.as_of(valid, known):
            return record
    return None


def correct[T](
    history: Iterable[BiTemporalRecord[T]],
    value: T,
    /,
    *,
    entity_id: str,
    valid_from: datetime,
    valid_to: datetime | None,
    at: datetime,
) -> Result[tuple[BiTemporalRecord[T], ...], ValidationError]:
    """Assert ``value`` for ``[valid_from, valid_to)`` from system time ``at``.

    Current versions of ``entity_id`` that overlap the corrected valid interval are closed
    at ``at``; the parts of them outside that interval are asserted again from ``at``, so
    what was believed about other instants does not change. Returns the whole new history
    (other entities untouched), closed versions included: nothing is deleted.
    """
    try:
        new = BiTemporalRecord(
            entity_id=entity_id,
            value=value,
            valid_from=valid_from,
            valid_to=valid_to,
            system_from=at,
        )
        result: list[BiTemporalRecord[T]] = []
        for record in history:
            if (
                record.entity_id != entity_id
                or not record.is_current
                or not _overlaps(record, valid_from, valid_to)
            ):
                result.append(record)
                continue
            if at <= record.system_from:
                return Failure(
                    ValidationError(
                        f"correction at {at} is not after the version it replaces "
                        f"(asserted {record.system_from})",
                        field="at",
                        constraint="> system_from of the current version",
                    )
                )
            result.append(record._with_system(record.system_from, at))  # noqa: SLF001
            if record.valid_from < valid_from:
                result.append(record._with_valid(record.valid_from, valid_from, at))  # noqa: SLF001
            if valid_to is not None and _before(valid_to, record.valid_to):
                result.append(record._with_valid(valid_to, record.valid_to, at))  # noqa: SLF001
        result.append(new)
    except ValidationError as exc:
        return Failure(exc)
    return Success(tuple(result))


def _overlaps[T](record: BiTemporalRecord[T], start: datetime, end: datetime | None) -> bool:
    return _before(record.valid_from, end) and _before(start, record.valid_to)


def _before(instant: datetime, end: datetime | None) -> bool:
    return end is None or instant < end


def _check_utc(name: str, value: datetime | None) -> None:
    if value is None:
        return
    if value.tzinfo is None or value.utcoffset() != _ZERO:
        msg = f"{name} must be a timezone-aware UTC datetime, got {value.isoformat()}"
        raise ValidationError(msg, field=name, value=value.isoformat(), constraint="UTC")


def _check_order(axis: str, start: datetime, end: datetime | None) -> None:
    if end is not None and not start < end:
        msg = (
            f"{axis} interval is empty: {axis}_from {start.isoformat()} "
            f"is not before {axis}_to {end.isoformat()}"
        )
        raise ValidationError(msg, field=f"{axis}_to", value=end.isoformat(), constraint=f"> {axis}_from")
