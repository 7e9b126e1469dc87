"""WeekEnding: Friday-only construction, mapping days to weeks, navigation, value protocol."""

from __future__ import annotations

import copy
import datetime
import pickle
from datetime import date, timedelta
from itertools import pairwise

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from spine.core.codec import decode_json, encode_json
from spine.core.errors import ValidationError
from spine.core.temporal import WeekEnding
from tests.strategies import week_endings

FRIDAY = 4
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
NON_FRIDAYS = DAYS.filter(lambda d: d.weekday() != FRIDAY)
WEEKS = week_endings()


def nearest_fridays(day: date) -> tuple[date, date]:
    """The reference model: walk a day at a time to the Fridays strictly either side."""
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    while before.weekday() != FRIDAY:
        before -= timedelta(days=1)
    while after.weekday() != FRIDAY:
        after += timedelta(days=1)
    return before, after


# --- construction ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "weekday", "before", "after"),
    [
        (date(2025, 1, 4), "Saturday", date(2025, 1, 3), date(2025, 1, 10)),
        (date(2025, 1, 5), "Sunday", date(2025, 1, 3), date(2025, 1, 10)),
        (date(2025, 1, 6), "Monday", date(2025, 1, 3), date(2025, 1, 10)),
        (date(2025, 1, 7), "Tuesday", date(2025, 1, 3), date(2025, 1, 10)),
        (date(2025, 1, 8), "Wednesday", date(2025, 1, 3), date(2025, 1, 10)),
        (date(2025, 1, 9), "Thursday", date(2025, 1, 3), date(2025, 1, 10)),
        (date(2024, 12, 31), "Tuesday", date(2024, 12, 27), date(2025, 1, 3)),
        (date(2024, 2, 29), "Thursday", date(2024, 2, 23), date(2024, 3, 1)),
    ],
)
def test_a_non_friday_is_rejected_naming_the_weekday_and_both_nearest_fridays(
    day: date, weekday: str, before: date, after: date
) -> None:
    with pytest.raises(ValidationError) as info:
        WeekEnding(day)
    error = info.value
    assert error.message == (
        f"{day.isoformat()} is a {weekday}, not a Friday; "
        f"the nearest Fridays are {before.isoformat()} and {after.isoformat()}"
    )
    assert (error.field, error.value, error.constraint) == ("date", day.isoformat(), "a Friday")


@given(NON_FRIDAYS)
def test_the_rejection_of_any_non_friday_names_the_fridays_either_side(day: date) -> None:
    before, after = nearest_fridays(day)
    with pytest.raises(ValidationError) as info:
        WeekEnding(day)
    assert DAY_NAMES[day.weekday()] in info.value.message
    assert info.value.message.endswith(
        f"the nearest Fridays are {before.isoformat()} and {after.isoformat()}"
    )


@given(DAYS.map(lambda d: d + timedelta(days=(FRIDAY - d.weekday()) % 7)))
def test_every_friday_is_accepted_as_itself(day: date) -> None:
    assert WeekEnding(day).date == day


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2025, 1, 3),
        datetime.datetime(2025, 1, 3, 12, 30, tzinfo=datetime.UTC),
        "2025-01-03",
        20250103,
    ],
)
def test_anything_but_a_plain_date_is_rejected_even_a_friday_datetime(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        WeekEnding(value)  # type: ignore[arg-type]
    assert info.value.field == "date"
    assert type(value).__name__ in info.value.message


# --- parse -----------------------------------------------------------------------------


@given(WEEKS)
def test_parse_accepts_the_iso_text_and_the_date_of_a_friday(week: WeekEnding) -> None:
    assert WeekEnding.parse(str(week)) == Success(week)
    assert WeekEnding.parse(week.date) == Success(week)


@given(NON_FRIDAYS)
def test_parse_of_a_non_friday_is_an_err_value_not_an_exception(day: date) -> None:
    for value in (day, day.isoformat()):
        result = WeekEnding.parse(value)
        assert isinstance(result, Failure)
        assert "not a Friday" in result.failure().message
        assert result.failure().constraint == "a Friday"


@pytest.mark.parametrize("text", ["", "not a date", "2025-13-01", "2025-02-30", "03/01/2025", "2025-1-3"])
def test_parse_of_text_that_is_no_iso_date_is_an_err_naming_the_format(text: str) -> None:
    result = WeekEnding.parse(text)
    assert isinstance(result, Failure)
    error = result.failure()
    assert isinstance(error, ValidationError)
    assert "YYYY-MM-DD" in error.message
    assert repr(text) in error.message
    assert (error.field, error.value, error.constraint) == ("date", text, "YYYY-MM-DD")


def test_parse_of_a_datetime_is_an_err() -> None:
    result = WeekEnding.parse(datetime.datetime(2025, 1, 3))
    assert isinstance(result, Failure)
    assert result.failure().field == "date"


# --- from_any_date ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 1, 6), date(2025, 1, 10)),  # Monday
        (date(2025, 1, 7), date(2025, 1, 10)),
        (date(2025, 1, 8), date(2025, 1, 10)),
        (date(2025, 1, 9), date(2025, 1, 10)),  # Thursday
        (date(2025, 1, 10), date(2025, 1, 10)),  # Friday: itself
        (date(2025, 1, 11), date(2025, 1, 17)),  # Saturday: the following Friday
        (date(2025, 1, 12), date(2025, 1, 17)),  # Sunday: the following Friday
        (date(2024, 12, 28), date(2025, 1, 3)),  # across a year end
    ],
)
def test_from_any_date_maps_weekdays_to_their_friday_and_weekends_to_the_next(
    day: date, expected: date
) -> None:
    assert WeekEnding.from_any_date(day).date == expected


@given(DAYS)
def test_from_any_date_is_the_first_friday_on_or_after_the_day(day: date) -> None:
    week = WeekEnding.from_any_date(day)
    gap = (week.date - day).days
    assert week.date.weekday() == FRIDAY
    assert 0 <= gap <= 6
    if day.weekday() <= FRIDAY:
        assert week.date.isocalendar()[:2] == day.isocalendar()[:2]
        assert week.week_start <= day <= week.date
    else:
        assert week.date.isocalendar()[:2] == (day + timedelta(days=7)).isocalendar()[:2]


@given(DAYS, st.times())
def test_from_any_date_takes_the_date_of_a_datetime(day: date, time: datetime.time) -> None:
    moment = datetime.datetime.combine(day, time)
    assert WeekEnding.from_any_date(moment) == WeekEnding.from_any_date(day)


# --- navigation ------------------------------------------------------------------------

STEPS = st.integers(-1000, 1000)


@given(WEEKS, STEPS)
def test_next_and_previous_move_whole_weeks_and_undo_each_other(week: WeekEnding, n: int) -> None:
    later, earlier = week.next(n), week.previous(n)
    assert later.date.weekday() == earlier.date.weekday() == FRIDAY
    assert later.date - week.date == timedelta(weeks=n)
    assert week.date - earlier.date == timedelta(weeks=n)
    assert later.previous(n) == week
    assert earlier.next(n) == week
    assert week.next(n) == week.previous(-n)
    assert week.weeks_until(later) == n
    assert later.weeks_until(week) == -n


def test_next_and_previous_default_to_one_week() -> None:
    week = WeekEnding(date(2025, 1, 3))
    assert week.next() == WeekEnding(date(2025, 1, 10))
    assert week.previous() == WeekEnding(date(2024, 12, 27))


@given(WEEKS, st.integers(-60, 300))
def test_range_is_inclusive_weekly_and_sorted(start: WeekEnding, k: int) -> None:
    end = start.next(k)
    weeks = WeekEnding.range(start, end)
    if k < 0:
        assert weeks == ()
        return
    assert len(weeks) == start.weeks_until(end) + 1 == k + 1
    assert weeks[0] == start
    assert weeks[-1] == end
    assert list(weeks) == sorted(weeks)
    assert all(w.date.weekday() == FRIDAY for w in weeks)
    assert all(b.date - a.date == timedelta(days=7) for a, b in pairwise(weeks))


@given(WEEKS, st.integers(0, 300))
def test_window_is_size_weeks_ending_with_this_one(week: WeekEnding, size: int) -> None:
    weeks = week.window(size)
    assert len(weeks) == size
    assert weeks == (WeekEnding.range(week.previous(size - 1), week) if size else ())
    assert all(w.date.weekday() == FRIDAY and w <= week for w in weeks)
    if size:
        assert weeks[-1] == week


@given(DAYS, st.integers(0, 300))
def test_last_n_ends_at_the_latest_friday_on_or_before_as_of(as_of: date, n: int) -> None:
    weeks = WeekEnding.last_n(n, as_of)
    assert len(weeks) == n
    assert all(w.date.weekday() == FRIDAY and w.date <= as_of for w in weeks)
    assert list(weeks) == sorted(set(weeks))
    if n:
        latest = weeks[-1].date
        assert as_of - timedelta(days=6) <= latest <= as_of
        assert weeks == weeks[-1].window(n)


def test_last_n_on_a_wednesday_leaves_out_the_week_not_yet_ended() -> None:
    assert WeekEnding.last_n(2, date(2025, 1, 8)) == (
        WeekEnding(date(2024, 12, 27)),
        WeekEnding(date(2025, 1, 3)),
    )
    assert WeekEnding.last_n(1, date(2025, 1, 3)) == (WeekEnding(date(2025, 1, 3)),)
    assert WeekEnding.last_n(1, datetime.datetime(2025, 1, 3, 23, 59)) == (WeekEnding(date(2025, 1, 3)),)
    assert WeekEnding.last_n(0, date(2025, 1, 8)) == ()


@pytest.mark.parametrize("size", [-1, -7])
def test_negative_sizes_raise_value_error(size: int) -> None:
    week = WeekEnding(date(2025, 1, 3))
    with pytest.raises(ValueError, match="size must be >= 0"):
        week.window(size)
    with pytest.raises(ValueError, match="n must be >= 0"):
        WeekEnding.last_n(size, date(2025, 1, 3))


@given(WEEKS)
def test_week_start_is_the_monday_of_the_week(week: WeekEnding) -> None:
    assert week.week_start.weekday() == 0
    assert week.date - week.week_start == timedelta(days=4)
    assert WeekEnding.from_any_date(week.week_start) == week


# --- value protocol --------------------------------------------------------------------


@given(WEEKS, WEEKS)
def test_equality_ordering_and_hash_follow_the_date(a: WeekEnding, b: WeekEnding) -> None:
    assert (a == b) == (a.date == b.date)
    assert (a != b) == (a.date != b.date)
    assert (a < b) == (a.date < b.date)
    assert (a <= b) == (a.date <= b.date)
    assert (a > b) == (a.date > b.date)
    assert (a >= b) == (a.date >= b.date)
    if a == b:
        assert hash(a) == hash(b)
    assert len({a, b, WeekEnding(a.date)}) == (1 if a == b else 2)


def test_a_week_ending_is_not_equal_to_its_date_nor_ordered_against_other_types() -> None:
    week = WeekEnding(date(2025, 1, 3))
    assert week != date(2025, 1, 3)
    assert week != "2025-01-03"
    with pytest.raises(TypeError):
        _ = week < date(2025, 1, 3)  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = week >= "2025-01-03"  # type: ignore[operator]


@given(WEEKS)
def test_str_is_the_iso_date_and_repr_round_trips_through_eval(week: WeekEnding) -> None:
    assert str(week) == week.date.isoformat()
    assert repr(week) == f"WeekEnding({week.date!r})"
    assert eval(repr(week), {"datetime": datetime, "WeekEnding": WeekEnding}) == week


@pytest.mark.parametrize("name", ["_date", "date", "anything"])
def test_a_week_ending_is_immutable(name: str) -> None:
    week = WeekEnding(date(2025, 1, 3))
    with pytest.raises(AttributeError):
        setattr(week, name, date(2025, 1, 10))
    with pytest.raises(AttributeError):
        delattr(week, name)
    assert week.date == date(2025, 1, 3)


@given(WEEKS)
def test_pickle_and_copy_round_trip(week: WeekEnding) -> None:
    assert pickle.loads(pickle.dumps(week)) == week
    assert copy.copy(week) == week
    assert copy.deepcopy(week) == week


# --- encoding --------------------------------------------------------------------------


class Report(msgspec.Struct, frozen=True, kw_only=True):
    """A user's Struct holding week endings."""

    week: WeekEnding
    history: list[WeekEnding]
    previous: WeekEnding | None = None


@given(WEEKS)
def test_json_encodes_as_the_iso_string_and_decodes_back(week: WeekEnding) -> None:
    data = encode_json(week)
    assert data == f'"{week}"'.encode()
    assert decode_json(data, WeekEnding) == Success(week)


@given(WEEKS, st.lists(WEEKS, max_size=4), st.none() | WEEKS)
def test_a_struct_with_week_ending_fields_round_trips(
    week: WeekEnding, history: list[WeekEnding], previous: WeekEnding | None
) -> None:
    report = Report(week=week, history=history, previous=previous)
    assert decode_json(encode_json(report), Report) == Success(report)


@pytest.mark.parametrize(
    ("data", "path", "fragment"),
    [
        (b'{"week": "2025-01-04", "history": []}', "$.week", "Saturday"),
        (b'{"week": "2025-01-03", "history": ["nope"]}', "$.history[0]", "nope"),
        (b'{"week": 20250103, "history": []}', "$.week", "int"),
    ],
)
def test_decoding_a_bad_week_ending_is_an_err_at_its_path(data: bytes, path: str, fragment: str) -> None:
    result = decode_json(data, Report)
    assert isinstance(result, Failure)
    assert result.failure().field == path
    assert fragment in result.failure().message


@pytest.mark.parametrize(
    "text", ["20250103", "2025-W01-5", "2025-1-3", "2025-01-03T00:00", " 2025-01-03", "2025-13-03"]
)
def test_parse_takes_only_the_one_iso_spelling(text: str) -> None:
    error = WeekEnding.parse(text).failure()
    assert error.constraint == "YYYY-MM-DD"
    assert repr(text) in error.message
