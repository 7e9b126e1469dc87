"""Time windows: the same instants whatever offsets the inputs carry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from spine.anomalies.window import TimeWindow, aware, trailing
from spine.core.errors import ValidationError

offsets = st.integers(-12 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))
instants = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30), timezones=st.just(UTC)
)


@given(instants, offsets, st.integers(0, 72), st.integers(-80, 80))
def test_a_trailing_window_holds_exactly_the_instants_within_it(
    now: datetime, zone: timezone, hours: int, probe: int
) -> None:
    window = trailing(timedelta(hours=hours), now.astimezone(zone)).unwrap()
    assert window == TimeWindow(start=now - timedelta(hours=hours), end=now)
    assert window.start.tzinfo is UTC
    assert window.end.tzinfo is UTC
    instant = (now - timedelta(hours=probe)).astimezone(zone)
    assert (instant in window) is (0 <= probe <= hours)


def test_naive_instants_and_negative_windows_are_refused() -> None:
    naive = trailing(timedelta(hours=1), datetime(2025, 1, 3)).failure()
    assert isinstance(naive, ValidationError)
    assert naive.field == "now"
    negative = trailing(timedelta(hours=-1), datetime(2025, 1, 3, tzinfo=UTC)).failure()
    assert negative.field == "window"
    assert aware("since", datetime(2025, 1, 3)).failure().constraint == "timezone-aware"


def test_aware_converts_to_utc() -> None:
    pst = timezone(timedelta(hours=-8))
    assert aware("t", datetime(2025, 1, 2, 16, tzinfo=pst)).unwrap() == datetime(2025, 1, 3, tzinfo=UTC)
    assert aware("t", datetime(2025, 1, 2, 16, tzinfo=pst)).unwrap().tzinfo is UTC
