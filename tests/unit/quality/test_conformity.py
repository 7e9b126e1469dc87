"""schema: fields present, of the expected types, and nothing else when asked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spine.core.errors import ValidationError
from spine.quality.check import Dataset, Tolerance
from spine.quality.conformity import schema
from spine.quality.result import QualityStatus


def test_rows_that_match_pass() -> None:
    check = schema({"id": int, "px": (int, float, Decimal), "flag": bool})
    rows: Dataset = [
        {"id": 1, "px": Decimal("1.5"), "flag": True, "extra": 1},
        {"id": 2, "px": None, "flag": False},
    ]
    result = check(rows)
    assert result.status is QualityStatus.PASS
    assert result.actual == {"violations": 0, "missing": {}, "mismatched": {}, "extra": []}
    assert result.expected == {
        "fields": {"id": "int", "px": "int|float|Decimal", "flag": "bool"},
        "allow_extra": True,
        "nullable": True,
        "fail_over": 0,
        "warn_over": None,
    }


def test_each_offending_row_counts_once() -> None:
    check = schema({"id": int, "name": str}, allow_extra=False)
    rows: Dataset = [
        {"id": True, "name": 3},  # two mismatches, one row
        {"name": "a"},  # missing id
        {"id": 1, "name": "b", "x": 0, "y": 0},  # extras
        {"id": 2, "name": "c"},
    ]
    result = check(rows)
    assert result.status is QualityStatus.FAIL
    assert result.actual == {
        "violations": 3,
        "missing": {"id": 1},
        "mismatched": {"id": ["bool"], "name": ["int"]},
        "extra": ["x", "y"],
    }
    assert result.message == "3 of 4 rows do not match the schema"


def test_nulls_can_be_refused_and_violations_tolerated() -> None:
    check = schema({"id": int}, nullable=False, tolerance=Tolerance(fail_over=1, warn_over=0))
    assert check([{"id": None}]).status is QualityStatus.WARN
    assert check([{"id": None}, {"id": "x"}]).status is QualityStatus.FAIL
    assert check([{"id": None}]).actual == {
        "violations": 1,
        "missing": {},
        "mismatched": {"id": ["NoneType"]},
        "extra": [],
    }


def test_a_field_must_accept_some_type() -> None:
    with pytest.raises(ValidationError):
        schema({"id": ()})
