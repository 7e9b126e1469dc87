"""JSON encoding of spine values: WeekEnding as its ISO string, mismatches as ValidationError values."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.pipeline import is_successful

from spine.core.codec import dec_hook, decode_json, encode_json
from spine.core.errors import ValidationError
from spine.core.result import Ok, Result
from spine.core.temporal import WeekEnding

FRIDAY = WeekEnding(date(2025, 1, 3))
NEXT_FRIDAY = WeekEnding(date(2025, 1, 10))

week_endings = st.dates(max_value=date(9999, 12, 24)).map(WeekEnding.from_any_date)


class Payload(msgspec.Struct, frozen=True, kw_only=True):
    weeks: list[WeekEnding]
    latest: WeekEnding | None = None
    label: str = ""


class Outer(msgspec.Struct, frozen=True):
    payload: Payload
    by_name: dict[str, WeekEnding]


def _error[T](result: Result[T, ValidationError]) -> ValidationError:
    assert not is_successful(result), result
    return result.failure()


# --- encoding --------------------------------------------------------------------------


def test_a_week_ending_encodes_as_its_iso_date() -> None:
    assert encode_json(FRIDAY) == b'"2025-01-03"'


def test_week_endings_encode_inside_containers_and_structs() -> None:
    assert encode_json([FRIDAY, None]) == b'["2025-01-03",null]'
    assert encode_json({"week": FRIDAY}) == b'{"week":"2025-01-03"}'
    assert encode_json({FRIDAY: 1}) == b'{"2025-01-03":1}'
    payload = Payload(weeks=[FRIDAY, NEXT_FRIDAY], latest=NEXT_FRIDAY)
    assert encode_json(Outer(payload, {"a": FRIDAY})) == (
        b'{"payload":{"weeks":["2025-01-03","2025-01-10"],"latest":"2025-01-10","label":""},'
        b'"by_name":{"a":"2025-01-03"}}'
    )


def test_encoding_an_unsupported_object_names_its_type() -> None:
    class Opaque:
        pass

    with pytest.raises(NotImplementedError, match=r"spine cannot encode objects of type .*Opaque"):
        encode_json(Opaque())


# --- decoding --------------------------------------------------------------------------


def test_a_friday_decodes_from_bytes_and_from_str() -> None:
    assert decode_json(b'"2025-01-03"', WeekEnding) == Ok(FRIDAY)
    assert decode_json('"2025-01-03"', WeekEnding) == Ok(FRIDAY)


def test_a_struct_with_week_endings_decodes() -> None:
    data = b'{"payload": {"weeks": ["2025-01-03"], "latest": null}, "by_name": {"b": "2025-01-10"}}'
    assert decode_json(data, Outer) == Ok(Outer(Payload(weeks=[FRIDAY]), {"b": NEXT_FRIDAY}))


def test_a_day_that_is_not_a_friday_is_a_validation_error() -> None:
    error = _error(decode_json(b'"2025-01-04"', WeekEnding))
    assert error.message == (
        "2025-01-04 is a Saturday, not a Friday; the nearest Fridays are 2025-01-03 and 2025-01-10"
    )
    assert error.constraint == "matches WeekEnding"
    assert error.field is None  # the document itself: msgspec names no path


@pytest.mark.parametrize("text", ["xx", "2025-13-01", "2025-02-30", "", "2025-01-03T00:00"])
def test_a_string_that_is_not_an_iso_date_is_a_validation_error(text: str) -> None:
    error = _error(decode_json(encode_json(text), WeekEnding))
    assert error.message == f"not an ISO date (YYYY-MM-DD): {text!r}"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"5", "int"),
        (b"1.5", "float"),
        (b"null", "null"),
        (b"[]", "array"),
        (b"{}", "object"),
        (b"true", "bool"),
    ],
)
def test_a_wrong_json_type_is_a_validation_error(data: bytes, kind: str) -> None:
    error = _error(decode_json(data, WeekEnding))
    assert error.message == f"Expected `str` (an ISO date), got `{kind}`"


@pytest.mark.parametrize(
    ("data", "path", "problem"),
    [
        (b'{"weeks": ["2025-01-03", "2025-01-04"]}', "$.weeks[1]", "is a Saturday, not a Friday"),
        (b'{"weeks": ["2025-01-03", "soon"]}', "$.weeks[1]", "not an ISO date (YYYY-MM-DD): 'soon'"),
        (b'{"weeks": [], "latest": 20250103}', "$.latest", "Expected `str` (an ISO date), got `int`"),
        (b'{"weeks": "2025-01-03"}', "$.weeks", "Expected `array`, got `str`"),
        (b'{"latest": null}', None, "Object missing required field `weeks`"),
    ],
)
def test_a_nested_mismatch_names_its_path(data: bytes, path: str | None, problem: str) -> None:
    error = _error(decode_json(data, Payload))
    assert problem in error.message
    assert error.field == path
    if path is not None:
        assert error.message.endswith(f" - at `{path}`")
    assert error.constraint == "matches Payload"


def test_a_mismatch_deep_inside_names_the_whole_path() -> None:
    data = b'{"payload": {"weeks": []}, "by_name": {"a": "2025-01-03", "b": "2025-01-07"}}'
    error = _error(decode_json(data, Outer))
    assert error.field == "$.by_name[...]"  # msgspec does not name dict keys
    assert "2025-01-07 is a Tuesday" in error.message


@pytest.mark.parametrize("data", [b"", b"{", b'"2025-01-03', b"[1,]", b"\xff"])
def test_malformed_json_is_a_validation_error(data: bytes) -> None:
    error = _error(decode_json(data, WeekEnding))
    assert error.message.startswith(("Input data was truncated", "JSON is malformed"))
    assert error.field is None


def test_a_custom_type_spine_cannot_decode_says_so() -> None:
    class Opaque:
        pass

    error = _error(decode_json(b'"x"', Opaque))
    assert (
        error.message
        == "Expected `test_a_custom_type_spine_cannot_decode_says_so.<locals>.Opaque`, got `str`"
    )


def test_a_type_msgspec_cannot_build_a_decoder_for_is_a_bug_and_raises() -> None:
    with pytest.raises(TypeError, match="Type unions containing a custom type"):
        decode_json(b'"2025-01-03"', WeekEnding | int)  # type: ignore[arg-type]


# --- round trips -----------------------------------------------------------------------


@given(week_endings)
def test_a_week_ending_round_trips(week: WeekEnding) -> None:
    assert encode_json(week) == f'"{week}"'.encode()
    assert decode_json(encode_json(week), WeekEnding) == Ok(week)


@given(st.lists(week_endings, max_size=10))
def test_a_list_of_week_endings_round_trips(weeks: list[WeekEnding]) -> None:
    assert decode_json(encode_json(weeks), list[WeekEnding]) == Ok(weeks)


@given(st.dictionaries(st.text(max_size=5), week_endings, max_size=5))
def test_a_dict_of_week_endings_round_trips(weeks: dict[str, WeekEnding]) -> None:
    assert decode_json(encode_json(weeks), dict[str, WeekEnding]) == Ok(weeks)


@given(
    st.builds(
        Payload, weeks=st.lists(week_endings, max_size=5), latest=st.none() | week_endings, label=st.text()
    )
)
def test_a_struct_holding_week_endings_round_trips(payload: Payload) -> None:
    assert decode_json(encode_json(payload), Payload) == Ok(payload)


@given(st.dates().filter(lambda d: d.weekday() != 4))
def test_every_day_but_friday_is_refused(day: date) -> None:
    error = _error(decode_json(encode_json(day), WeekEnding))
    assert error.message.startswith(f"{day.isoformat()} is a ")
    assert "not a Friday" in error.message


def test_object_typed_values_pass_through_convert() -> None:
    class Spec(msgspec.Struct):
        params: dict[str, object]

    converted = msgspec.convert({"params": {"a": 1, "b": [1, "x"]}}, Spec, dec_hook=dec_hook)
    assert converted.params == {"a": 1, "b": [1, "x"]}
