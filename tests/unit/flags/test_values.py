"""Flag values: objects are checked strictly (a bool is no int), text is parsed and reported."""

from __future__ import annotations

import math
from enum import Enum, IntEnum, StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from spine.core.errors import ValidationError
from spine.flags.values import FlagKind, coerce, kind_of, parse


class Mode(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


class Level(IntEnum):
    LOW = 1
    HIGH = 2


class Other(Enum):
    CSV = "csv"


@pytest.mark.parametrize(
    ("value_type", "kind"),
    [
        (bool, FlagKind.BOOL),
        (int, FlagKind.INT),
        (float, FlagKind.FLOAT),
        (str, FlagKind.STR),
        (Mode, FlagKind.ENUM),
    ],
)
def test_kinds(value_type: type[object], kind: FlagKind) -> None:
    assert kind_of(value_type) is kind


@pytest.mark.parametrize("value_type", [list, bytes, Enum, StrEnum, object, type(None), "int"])
def test_unsupported_types_are_a_definition_bug(value_type: object) -> None:
    with pytest.raises(TypeError, match="bool, int, float, str or an Enum subclass with members"):
        kind_of(value_type)


@pytest.mark.parametrize(
    ("value_type", "value"),
    [
        (int, True),
        (int, False),
        (float, True),
        (int, 1.0),
        (int, "1"),
        (bool, 1),
        (bool, "true"),
        (str, 1),
        (float, math.nan),
        (float, "0.5"),
        (Mode, "csv"),
        (Mode, Other.CSV),
        (Level, 1),
        (int, None),
    ],
)
def test_coerce_refuses_what_does_not_fit(value_type: type[object], value: object) -> None:
    result = coerce(value_type, value, field="f")
    assert isinstance(result, Failure)
    error = result.failure()
    assert isinstance(error, ValidationError)
    assert error.field == "f"
    assert error.constraint is not None
    assert "f takes" in error.message


def test_coerce_normalises() -> None:
    assert coerce(float, 2, field="f") == Success(2.0)
    assert type(coerce(float, 2, field="f").unwrap()) is float
    assert type(coerce(int, Level.HIGH, field="f").unwrap()) is int
    assert type(coerce(str, Mode.CSV, field="f").unwrap()) is str
    assert coerce(Mode, Mode.PARQUET, field="f").unwrap() is Mode.PARQUET
    assert coerce(float, math.inf, field="f") == Success(math.inf)


@given(st.integers())
def test_ints_round_trip_through_text(n: int) -> None:
    assert parse(int, str(n), field="f") == Success(n)
    assert parse(int, f"  {n}\n", field="f") == Success(n)


@given(st.floats(allow_nan=False))
def test_floats_round_trip_through_text(x: float) -> None:
    assert parse(float, repr(x), field="f") == Success(x)


@given(st.text())
def test_str_is_taken_exactly(text: str) -> None:
    assert parse(str, text, field="f") == Success(text)


@given(st.text())
def test_parse_is_total_and_agrees_with_coerce(text: str) -> None:
    for value_type in (bool, int, float, Mode):
        result = parse(value_type, text, field="SPINE_FF_X")
        if isinstance(result, Success):
            assert coerce(value_type, result.unwrap(), field="x") == result
        else:
            error = result.failure()
            assert error.field == "SPINE_FF_X"
            assert error.value == (text if len(text) <= 200 else text[:200] + "…")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("On", True),
        ("0", False),
        ("false", False),
        ("NO", False),
    ],
)
def test_bool_spellings(text: str, expected: bool) -> None:
    assert parse(bool, text, field="f") == Success(expected)


@pytest.mark.parametrize("text", ["", "2", "y", "enabled", "truthy", "nan"])
def test_bool_refuses_other_words(text: str) -> None:
    error = parse(bool, text, field="SPINE_FF_NEW_UI").failure()
    assert error.constraint == "one of 1/0, true/false, yes/no, on/off (any case)"
    assert error.message.startswith("SPINE_FF_NEW_UI=")


@pytest.mark.parametrize(
    ("value_type", "text"), [(int, "ten"), (int, "1.5"), (int, ""), (float, "nan"), (float, "x")]
)
def test_numbers_refuse_other_text(value_type: type[object], text: str) -> None:
    assert isinstance(parse(value_type, text, field="f"), Failure)


def test_enums_parse_by_value_then_name() -> None:
    assert parse(Mode, "parquet", field="f") == Success(Mode.PARQUET)
    assert parse(Mode, "PARQUET", field="f") == Success(Mode.PARQUET)
    assert parse(Level, "2", field="f") == Success(Level.HIGH)
    assert parse(Level, "high", field="f") == Success(Level.HIGH)
    error = parse(Mode, "json", field="f").failure()
    assert error.constraint == "a Mode value or name: csv, parquet"
