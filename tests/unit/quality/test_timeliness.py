"""freshness: instants compared as instants, whatever their offsets; now is a value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ValidationError
from spine.quality.result import QualityStatus
from spine.quality.timeliness import freshness

NOW = datetime(2025, 1, 3, 12, tzinfo=UTC)
offsets = st.integers(-12 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))


@given(st.lists(st.tuples(st.integers(-48 * 60, 48 * 60), offsets), min_size=1, max_size=8), offsets)
def test_freshness_judges_the_newest_instant_by_its_age(
    ages: list[tuple[int, timezone]], now_zone: timezone
) -> None:
    rows = [{"at": (NOW - timedelta(minutes=m)).astimezone(zone)} for m, zone in ages]
    check = freshness("at", timedelta(hours=6), now=NOW.astimezone(now_zone), warn_age=timedelta(hours=1))
    result = check(rows)
    youngest = min(m for m, _ in ages)
    expected = (
        QualityStatus.FAIL if youngest > 360 else QualityStatus.WARN if youngest > 60 else QualityStatus.PASS
    )
    assert result.status is expected
    assert result.actual == {
        "latest": (NOW - timedelta(minutes=youngest)).isoformat(),
        "age_s": youngest * 60.0,
    }


def test_the_offsets_of_the_inputs_do_not_matter() -> None:
    ist, pst = timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))
    now = datetime(2025, 1, 3, 17, 30, tzinfo=ist)  # 12:00Z
    rows = [{"at": datetime(2025, 1, 3, 2, tzinfo=pst)}]  # 10:00Z: two hours old
    assert freshness("at", timedelta(hours=2), now=now)(rows).status is QualityStatus.PASS
    assert freshness("at", timedelta(minutes=119), now=now)(rows).status is QualityStatus.FAIL


def test_values_that_are_not_aware_instants_fail_the_check() -> None:
    check = freshness("at", timedelta(hours=1), now=NOW)
    naive = check([{"at": NOW}, {"at": datetime(2025, 1, 3, 12)}, {"at": "2025-01-03"}])
    assert naive.status is QualityStatus.FAIL
    assert naive.actual == {"invalid": 2}
    empty = check([{"at": None}, {}])
    assert empty.status is QualityStatus.FAIL
    assert "no 'at' values" in empty.message


def test_future_instants_are_fresh() -> None:
    check = freshness("at", timedelta(0), now=NOW)
    assert check([{"at": NOW + timedelta(minutes=5)}]).status is QualityStatus.PASS


@pytest.mark.parametrize(
    ("max_age", "warn_age", "now", "field"),
    [
        (timedelta(hours=1), None, datetime(2025, 1, 3), "now"),
        (timedelta(hours=-1), None, NOW, "max_age"),
        (timedelta(hours=1), timedelta(hours=1), NOW, "warn_age"),
    ],
)
def test_freshness_refuses_bad_settings(
    max_age: timedelta, warn_age: timedelta | None, now: datetime, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        freshness("at", max_age, now=now, warn_age=warn_age)
    assert info.value.field == field
