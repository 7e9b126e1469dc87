"""Conformity: does every row have the expected fields, of the expected types?

A row violates the schema when it lacks an expected field, holds a value of another type
in one, or (with ``allow_extra=False``) carries a field the schema does not name. ``None``
is accepted in any field unless ``nullable=False``. ``bool`` is not an ``int`` here (in
Python it is a subclass): name ``bool`` to accept it.

>>> check = schema({"id": int, "px": (int, float), "side": str})
>>> result = check([{"id": 1, "px": 2.5, "side": "buy"}, {"id": True, "px": "x"}])
>>> result.status.value, result.actual["missing"], result.actual["mismatched"]
('fail', {'side': 1}, {'id': ['bool'], 'px': ['str']})
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from spine.core.errors import ValidationError
from spine.quality.check import Dataset, QualityCheck, Tolerance, Verdict

__all__ = ["SchemaRule", "schema"]


def _matches(value: object, types: tuple[type, ...]) -> bool:
    if type(value) is bool:
        return any(t is bool or t is object for t in types)
    return isinstance(value, types)


def _names(types: tuple[type, ...]) -> str:
    return "|".join(t.__name__ for t in types)


class SchemaRule(msgspec.Struct, frozen=True, kw_only=True):
    """Expected fields (name, accepted types) and what else a row may hold."""

    fields: tuple[tuple[str, tuple[type, ...]], ...]
    allow_extra: bool = True
    nullable: bool = True
    tolerance: Tolerance = Tolerance()

    def __post_init__(self) -> None:
        for name, types in self.fields:
            if not types:
                msg = f"schema field {name!r} accepts no type"
                raise ValidationError(msg, field=name, constraint="at least one type")

    def verdict(self, rows: Dataset, /) -> Verdict:
        """Compare every row with the schema and judge how many rows differ."""
        expected = dict(self.fields)
        missing: dict[str, int] = {}
        mismatched: dict[str, set[str]] = {}
        extra: set[str] = set()
        violations = 0
        for row in rows:
            bad = False
            for name, types in self.fields:
                if name not in row:
                    missing[name] = missing.get(name, 0) + 1
                    bad = True
                    continue
                value = row[name]
                if value is None and self.nullable:
                    continue
                if not _matches(value, types):
                    mismatched.setdefault(name, set()).add(type(value).__name__)
                    bad = True
            if not self.allow_extra:
                unknown = [name for name in row if name not in expected]
                extra.update(unknown)
                bad = bad or bool(unknown)
            violations += bad
        return Verdict(
            status=self.tolerance.judge(violations),
            actual={
                "violations": violations,
                "missing": missing,
                "mismatched": {name: sorted(seen) for name, seen in mismatched.items()},
                "extra": sorted(extra),
            },
            expected={
                "fields": {name: _names(types) for name, types in self.fields},
                "allow_extra": self.allow_extra,
                "nullable": self.nullable,
                **self.tolerance.as_measure(),
            },
            message=f"{violations} of {len(rows)} rows do not match the schema",
        )


def schema(
    expected: Mapping[str, type | tuple[type, ...]],
    *,
    allow_extra: bool = True,
    nullable: bool = True,
    tolerance: Tolerance | None = None,
    name: str = "schema",
) -> QualityCheck:
    """A check that rows hold ``expected``'s fields with values of the given types.

    >>> schema({"id": int}, allow_extra=False)([{"id": 1, "x": 2}]).actual["extra"]
    ['x']
    """
    fields = tuple(
        (field, types if isinstance(types, tuple) else (types,)) for field, types in expected.items()
    )
    rule = SchemaRule(
        fields=fields, allow_extra=allow_extra, nullable=nullable, tolerance=tolerance or Tolerance()
    )
    return QualityCheck(name=name, measure=rule.verdict)
