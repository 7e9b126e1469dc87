"""FakeClock and FakeSleeper, and the basic behaviour of the system clock and sleeper."""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.clock import Clock, Sleeper
from spine.core.system import SystemClock, SystemSleeper
from spine.testing.clock import FakeClock, FakeSleeper
from tests.strategies import utc_datetimes

EPOCH = datetime(2025, 1, 3, tzinfo=UTC)
SECONDS = st.floats(min_value=0, max_value=86_400 * 365, allow_nan=False)
BAD_SECONDS = [-1.0, -1e-9, math.nan, math.inf, -math.inf]


# --- FakeClock -------------------------------------------------------------------------


def test_a_fake_clock_starts_at_a_fixed_utc_instant() -> None:
    clock: Clock = FakeClock()
    assert clock.now() == EPOCH
    assert clock.now().utcoffset() == timedelta(0)
    assert clock.monotonic() == 0.0
    assert FakeClock().now() == FakeClock().now()


@given(utc_datetimes())
def test_a_fake_clock_starts_where_it_is_told(start: datetime) -> None:
    clock = FakeClock(start)
    assert clock.now() == start
    assert clock.monotonic() == 0.0


@pytest.mark.parametrize(
    "start",
    [datetime(2025, 1, 3), datetime(2025, 1, 3, tzinfo=timezone(timedelta(hours=1)))],
    ids=["naive", "+01:00"],
)
def test_a_fake_clock_refuses_a_start_that_is_not_utc(start: datetime) -> None:
    with pytest.raises(ValueError, match="timezone-aware UTC"):
        FakeClock(start)


@given(st.lists(SECONDS, max_size=20))
def test_advance_moves_both_clocks_by_the_same_amount(steps: list[float]) -> None:
    clock = FakeClock()
    for seconds in steps:
        before_now, before_mono = clock.now(), clock.monotonic()
        clock.advance(seconds)
        assert clock.now() - before_now == timedelta(seconds=seconds)
        assert clock.monotonic() == before_mono + seconds
        assert clock.monotonic() >= before_mono
    assert clock.monotonic() == pytest.approx(math.fsum(steps))


def test_a_fake_clock_stands_still_until_advanced() -> None:
    clock = FakeClock()
    assert {clock.now() for _ in range(10)} == {EPOCH}
    clock.advance(0)
    assert (clock.now(), clock.monotonic()) == (EPOCH, 0.0)
    clock.advance(1.5)
    assert (clock.now(), clock.monotonic()) == (EPOCH + timedelta(seconds=1.5), 1.5)


@pytest.mark.parametrize("seconds", BAD_SECONDS)
def test_advance_refuses_negative_and_non_finite_times_and_changes_nothing(seconds: float) -> None:
    clock = FakeClock()
    clock.advance(2)
    with pytest.raises(ValueError, match="advance"):
        clock.advance(seconds)
    assert (clock.now(), clock.monotonic()) == (EPOCH + timedelta(seconds=2), 2.0)


@given(utc_datetimes())
def test_set_jumps_the_wall_clock_either_way_and_keeps_monotonic(target: datetime) -> None:
    clock = FakeClock()
    clock.advance(10)
    clock.set(target)
    assert clock.now() == target
    assert clock.monotonic() == 10.0
    clock.advance(1)
    assert clock.now() == target + timedelta(seconds=1)
    assert clock.monotonic() == 11.0


def test_set_refuses_an_instant_that_is_not_utc() -> None:
    clock = FakeClock()
    with pytest.raises(ValueError, match="timezone-aware UTC"):
        clock.set(datetime(2025, 1, 4))
    with pytest.raises(ValueError, match="timezone-aware UTC"):
        clock.set(datetime(2025, 1, 4, tzinfo=timezone(timedelta(hours=-3))))
    assert clock.now() == EPOCH


def test_a_fake_clock_is_safe_to_advance_from_many_threads() -> None:
    clock = FakeClock()

    def work() -> None:
        for _ in range(1_000):
            clock.advance(1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.now() == EPOCH + timedelta(seconds=4_000)
    assert clock.monotonic() == 4_000.0


# --- FakeSleeper -----------------------------------------------------------------------


@given(st.lists(SECONDS, max_size=20))
def test_a_fake_sleeper_records_each_sleep_and_advances_its_clock(requests: list[float]) -> None:
    clock = FakeClock()
    sleeper: Sleeper = FakeSleeper(clock)
    started = time.monotonic()
    for seconds in requests:
        sleeper.sleep(seconds)
    assert time.monotonic() - started < 5  # it never really sleeps
    assert isinstance(sleeper, FakeSleeper)
    assert sleeper.sleeps == requests
    assert clock.monotonic() == pytest.approx(math.fsum(requests))
    assert clock.now() == EPOCH + sum((timedelta(seconds=s) for s in requests), timedelta(0))


def test_a_zero_sleep_is_recorded() -> None:
    clock = FakeClock()
    sleeper = FakeSleeper(clock)
    sleeper.sleep(0)
    assert sleeper.sleeps == [0]
    assert clock.now() == EPOCH


@pytest.mark.parametrize("seconds", BAD_SECONDS)
def test_a_refused_sleep_is_not_recorded_and_moves_nothing(seconds: float) -> None:
    clock = FakeClock()
    sleeper = FakeSleeper(clock)
    sleeper.sleep(1)
    with pytest.raises(ValueError, match="cannot sleep"):
        sleeper.sleep(seconds)
    assert sleeper.sleeps == [1]
    assert (clock.now(), clock.monotonic()) == (EPOCH + timedelta(seconds=1), 1.0)


def test_two_sleepers_share_one_clock() -> None:
    clock = FakeClock()
    first, second = FakeSleeper(clock), FakeSleeper(clock)
    first.sleep(1)
    second.sleep(2)
    assert (first.sleeps, second.sleeps, clock.monotonic()) == ([1], [2], 3.0)


# --- the system interpreters -----------------------------------------------------------


def test_the_system_clock_reads_utc_now() -> None:
    clock: Clock = SystemClock()
    before = datetime.now(UTC)
    now = clock.now()
    after = datetime.now(UTC)
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after


def test_the_system_monotonic_clock_never_goes_back() -> None:
    clock = SystemClock()
    readings = [clock.monotonic() for _ in range(10_000)]
    assert all(a <= b for a, b in pairwise(readings))
    assert abs(readings[-1] - time.monotonic()) < 60


def test_the_system_sleeper_sleeps_and_returns() -> None:
    sleeper: Sleeper = SystemSleeper()
    started = time.monotonic()
    sleeper.sleep(0)
    assert time.monotonic() - started < 1
    started = time.monotonic()
    sleeper.sleep(0.02)
    assert time.monotonic() - started >= 0.02


@pytest.mark.parametrize("seconds", [-1.0, -1e-9, math.nan, math.inf])
def test_both_sleepers_refuse_negative_and_non_finite_waits(seconds: float) -> None:
    fake = FakeSleeper(FakeClock())
    for sleeper in (SystemSleeper(), fake):
        with pytest.raises(ValueError, match="negative or non-finite"):
            sleeper.sleep(seconds)
    assert fake.sleeps == []
