"""BiTemporalRecord, as_of and correct: validation, half-open boundaries, and the invariant.

The state machine at the end applies random corrections to several entities and checks,
after every step, against a naive model that stores one value per (entity, valid instant)
for every system time at which a correction was made.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from returns.result import Failure, Success

from spine.core.bitemporal import BiTemporalRecord, as_of, correct
from spine.core.errors import ValidationError
from tests.strategies import bitemporal_records, utc_datetimes

JAN, FEB, MAR, APR = (datetime(2025, m, 1, tzinfo=UTC) for m in (1, 2, 3, 4))
US = timedelta(microseconds=1)
FIELDS = ("valid_from", "valid_to", "system_from", "system_to")


def record(
    value: int = 1,
    *,
    entity_id: str = "AAPL",
    valid_from: datetime = JAN,
    valid_to: datetime | None = None,
    system_from: datetime = JAN,
    system_to: datetime | None = None,
) -> BiTemporalRecord[int]:
    return BiTemporalRecord(
        entity_id=entity_id,
        value=value,
        valid_from=valid_from,
        valid_to=valid_to,
        system_from=system_from,
        system_to=system_to,
    )


# --- construction ----------------------------------------------------------------------

VALID_TIMES: dict[str, datetime] = {"valid_from": JAN, "valid_to": MAR, "system_from": FEB, "system_to": APR}


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize(
    "tz",
    [None, timezone(timedelta(hours=1)), timezone(-timedelta(hours=5, minutes=30))],
    ids=["naive", "+01:00", "-05:30"],
)
def test_naive_and_non_utc_instants_are_rejected_naming_the_field(field: str, tz: timezone | None) -> None:
    times = dict(VALID_TIMES)
    times[field] = times[field].replace(tzinfo=tz)
    with pytest.raises(ValidationError) as info:
        BiTemporalRecord(entity_id="AAPL", value=1, **times)
    assert info.value.field == field
    assert field in info.value.message
    assert info.value.constraint == "UTC"


def test_a_zero_offset_timezone_is_utc() -> None:
    zero = timezone(timedelta(0))
    accepted = record(valid_from=JAN.replace(tzinfo=zero), system_from=JAN.replace(tzinfo=zero))
    assert accepted.valid_at(JAN)


@pytest.mark.parametrize("axis", ["valid", "system"])
@pytest.mark.parametrize("end", [JAN, JAN - US, JAN - timedelta(days=30)], ids=["empty", "-1us", "-30d"])
def test_empty_and_negative_intervals_are_rejected_on_both_axes(axis: str, end: datetime) -> None:
    with pytest.raises(ValidationError) as info:
        BiTemporalRecord(
            entity_id="AAPL",
            value=1,
            **{"valid_from": JAN, "system_from": JAN, f"{axis}_to": end},
        )
    assert info.value.field == f"{axis}_to"
    assert "interval is empty" in info.value.message
    assert info.value.constraint == f"> {axis}_from"


def test_the_shortest_interval_is_one_microsecond() -> None:
    short = record(valid_to=JAN + US, system_to=JAN + US)
    assert short.valid_at(JAN)
    assert not short.valid_at(JAN + US)


def test_a_record_is_frozen() -> None:
    version = record()
    with pytest.raises(AttributeError):
        version.value = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        version.system_to = FEB  # type: ignore[misc]


# --- half-open intervals ---------------------------------------------------------------


def test_valid_at_and_known_at_are_half_open_at_the_exact_boundaries() -> None:
    version = record(valid_from=JAN, valid_to=FEB, system_from=MAR, system_to=APR)
    assert [version.valid_at(t) for t in (JAN - US, JAN, FEB - US, FEB)] == [False, True, True, False]
    assert [version.known_at(t) for t in (MAR - US, MAR, APR - US, APR)] == [False, True, True, False]
    assert version.as_of(JAN, MAR)
    assert version.as_of(FEB - US, APR - US)
    assert not version.as_of(FEB, MAR)
    assert not version.as_of(JAN, APR)
    assert not version.as_of(JAN - US, MAR)
    assert not version.as_of(JAN, MAR - US)


def test_an_open_end_extends_forever() -> None:
    version = record(valid_from=JAN, system_from=FEB)
    far = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert version.valid_at(far)
    assert version.known_at(far)
    assert version.is_current


@given(bitemporal_records(), utc_datetimes(), utc_datetimes())
def test_as_of_is_valid_at_and_known_at(
    version: BiTemporalRecord[int], valid: datetime, known: datetime
) -> None:
    def inside(start: datetime, end: datetime | None, t: datetime) -> bool:
        return start <= t and (end is None or t < end)

    assert version.valid_at(valid) == inside(version.valid_from, version.valid_to, valid)
    assert version.known_at(known) == inside(version.system_from, version.system_to, known)
    assert version.as_of(valid, known) == (version.valid_at(valid) and version.known_at(known))
    assert version.is_current == (version.system_to is None)


def test_as_of_finds_the_version_true_then_as_known_then() -> None:
    old = record(10, system_from=JAN, system_to=FEB)
    new = record(11, system_from=FEB)
    other = record(99, entity_id="MSFT", system_from=JAN)
    history = [old, new, other]
    assert as_of([old, new], MAR, JAN) == old
    assert as_of(history, MAR, FEB - US) == old
    assert as_of(history, MAR, FEB) == new
    assert as_of(history, JAN - US, MAR) is None
    assert as_of(history, MAR, JAN - US) is None
    assert as_of([], MAR, MAR) is None


# --- supersede -------------------------------------------------------------------------


@given(
    bitemporal_records().filter(lambda r: r.system_to is None),
    st.timedeltas(min_value=US, max_value=timedelta(days=3650)),
    st.integers(),
)
def test_supersede_closes_the_old_version_where_the_new_one_starts(
    version: BiTemporalRecord[int], after: timedelta, correction: int
) -> None:
    at = version.system_from + after
    result = version.supersede(correction, at=at)
    assert isinstance(result, Success)
    old, new = result.unwrap()
    assert old.system_to == at == new.system_from
    assert old == msgspec.structs.replace(version, system_to=at)
    assert new == record(
        correction,
        entity_id=version.entity_id,
        valid_from=version.valid_from,
        valid_to=version.valid_to,
        system_from=at,
    )
    assert not old.is_current
    assert new.is_current
    assert old.known_at(at - US)
    assert not old.known_at(at)
    assert new.known_at(at)


def test_supersede_refuses_a_version_already_superseded() -> None:
    result = record(system_to=FEB).supersede(2, at=MAR)
    assert isinstance(result, Failure)
    assert result.failure().field == "system_to"
    assert "already superseded" in result.failure().message


@pytest.mark.parametrize("at", [JAN, JAN - US, JAN - timedelta(days=1)], ids=["same", "-1us", "-1d"])
def test_supersede_refuses_an_instant_not_after_the_version_was_asserted(at: datetime) -> None:
    result = record(system_from=JAN).supersede(2, at=at)
    assert isinstance(result, Failure)
    assert result.failure().field == "system_to"


def test_supersede_refuses_a_naive_instant_as_a_value() -> None:
    result = record().supersede(2, at=datetime(2025, 2, 1))
    assert isinstance(result, Failure)
    assert result.failure().constraint == "UTC"


# --- generic values and encoding -------------------------------------------------------


class Price(msgspec.Struct, frozen=True, kw_only=True):
    """A user's value type."""

    amount: str
    currency: str


@given(bitemporal_records())
def test_records_of_int_round_trip_through_json_and_msgpack(version: BiTemporalRecord[int]) -> None:
    assert msgspec.json.decode(msgspec.json.encode(version), type=BiTemporalRecord[int]) == version
    assert msgspec.msgpack.decode(msgspec.msgpack.encode(version), type=BiTemporalRecord[int]) == version


@given(
    bitemporal_records(
        st.builds(Price, amount=st.decimals(places=2).map(str), currency=st.sampled_from(["USD", "EUR"]))
    )
)
def test_records_of_a_struct_round_trip_through_json(version: BiTemporalRecord[Price]) -> None:
    decoded = msgspec.json.decode(msgspec.json.encode(version), type=BiTemporalRecord[Price])
    assert decoded == version
    assert isinstance(decoded.value, Price)


def test_decoding_checks_the_value_type_and_the_instants() -> None:
    data = msgspec.json.encode(record(7, valid_to=FEB))
    assert msgspec.json.decode(data, type=BiTemporalRecord[int]).value == 7
    with pytest.raises(msgspec.ValidationError, match=r"\$\.value"):
        msgspec.json.decode(data, type=BiTemporalRecord[str])
    with pytest.raises(msgspec.ValidationError, match="valid_from must be a timezone-aware UTC"):
        msgspec.json.decode(
            data.replace(b"2025-01-01T00:00:00Z", b"2025-01-01T00:00:00"), type=BiTemporalRecord[int]
        )
    with pytest.raises(msgspec.ValidationError, match="system_from must be a timezone-aware UTC"):
        msgspec.json.decode(
            data.replace(
                b'"system_from":"2025-01-01T00:00:00Z"', b'"system_from":"2025-01-01T01:00:00+01:00"'
            ),
            type=BiTemporalRecord[int],
        )
    with pytest.raises(msgspec.ValidationError, match="valid interval is empty"):
        msgspec.json.decode(data.replace(b"2025-02-01", b"2024-12-01"), type=BiTemporalRecord[int])


# --- correct: examples -----------------------------------------------------------------


def test_a_correction_inside_a_version_splits_it_and_keeps_the_old_belief() -> None:
    t1, t2 = JAN, FEB
    history = (record(10, valid_from=JAN, system_from=t1),)
    new_history = correct(history, 11, entity_id="AAPL", valid_from=FEB, valid_to=MAR, at=t2).unwrap()
    assert set(new_history) == {
        record(10, valid_from=JAN, system_from=t1, system_to=t2),
        record(10, valid_from=JAN, valid_to=FEB, system_from=t2),
        record(10, valid_from=MAR, system_from=t2),
        record(11, valid_from=FEB, valid_to=MAR, system_from=t2),
    }
    assert len(new_history) == 4
    values_now = [as_of(new_history, v, t2) for v in (JAN, FEB, MAR - US, MAR)]
    assert [r.value if r else None for r in values_now] == [10, 11, 11, 10]
    values_then = [as_of(new_history, v, t2 - US) for v in (JAN, FEB, MAR - US, MAR)]
    assert [r.value if r else None for r in values_then] == [10, 10, 10, 10]


def test_correct_does_not_change_its_input() -> None:
    history = [record(10)]
    before = list(history)
    correct(history, 11, entity_id="AAPL", valid_from=JAN, valid_to=None, at=FEB).unwrap()
    assert history == before


def test_a_correction_of_a_new_entity_or_instant_needs_no_earlier_version() -> None:
    result = correct((), 5, entity_id="NEW", valid_from=JAN, valid_to=None, at=FEB)
    assert result == Success((record(5, entity_id="NEW", valid_from=JAN, system_from=FEB),))


@pytest.mark.parametrize("at", [JAN, JAN - US], ids=["same", "earlier"])
def test_a_correction_not_after_the_version_it_replaces_is_an_err(at: datetime) -> None:
    history = (record(10, system_from=JAN),)
    result = correct(history, 11, entity_id="AAPL", valid_from=FEB, valid_to=MAR, at=at)
    assert isinstance(result, Failure)
    assert result.failure().field == "at"


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "at", "field"),
    [
        (FEB, FEB, MAR, "valid_to"),
        (FEB, JAN, MAR, "valid_to"),
        (datetime(2025, 2, 1), None, MAR, "valid_from"),
        (FEB, None, datetime(2025, 3, 1), "system_from"),
    ],
)
def test_invalid_corrections_are_err_values_not_exceptions(
    valid_from: datetime, valid_to: datetime | None, at: datetime, field: str
) -> None:
    result = correct((record(10),), 11, entity_id="AAPL", valid_from=valid_from, valid_to=valid_to, at=at)
    assert isinstance(result, Failure)
    assert result.failure().field == field


# --- correct: the state machine --------------------------------------------------------

ENTITIES = ("A", "B", "C")
HORIZON = 8  # corrections start and end on whole days 0..HORIZON+1 after VALID_EPOCH
VALID_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SYSTEM_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
# Every interval endpoint, every midpoint, and instants outside all intervals.
PROBES = (
    VALID_EPOCH - timedelta(days=3650),
    *(VALID_EPOCH + timedelta(hours=12 * k) for k in range(-2, 2 * HORIZON + 5)),
    VALID_EPOCH + timedelta(days=3650),
)

STALENESS = st.sampled_from([timedelta(0), US, timedelta(days=1)])

type Beliefs = dict[str, dict[datetime, int]]
"""The naive model: per entity, the value believed for each probed valid instant."""


def day(n: int) -> datetime:
    return VALID_EPOCH + timedelta(days=n)


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """What the model believed from system time ``at`` until the next correction."""

    at: datetime
    beliefs: Beliefs


class Corrections(RuleBasedStateMachine):
    """Random corrections to a few entities, checked against ``Beliefs`` after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.history: tuple[BiTemporalRecord[int], ...] = ()
        self.now = SYSTEM_EPOCH
        self.log: list[Snapshot] = [Snapshot(self.now - US, {e: {} for e in ENTITIES})]

    @property
    def beliefs(self) -> Beliefs:
        return self.log[-1].beliefs

    @rule(
        entity=st.sampled_from(ENTITIES),
        value=st.integers(0, 1000),
        start=st.integers(0, HORIZON),
        length=st.none() | st.integers(1, HORIZON + 1),
        later=st.timedeltas(min_value=US, max_value=timedelta(days=2)),
    )
    def apply_correction(
        self, entity: str, value: int, start: int, length: int | None, later: timedelta
    ) -> None:
        at = self.now + later
        valid_from, valid_to = day(start), None if length is None else day(min(start + length, HORIZON + 1))
        before = self.history
        result = correct(before, value, entity_id=entity, valid_from=valid_from, valid_to=valid_to, at=at)
        assert isinstance(result, Success), result
        after = result.unwrap()

        # (2) nothing is deleted: every version is still there, current ones possibly closed.
        for version in before:
            closed = msgspec.structs.replace(version, system_to=at)
            assert version in after or (version.is_current and closed in after)
        # Everything new is either such a closed version or asserted exactly at `at`.
        for version in set(after) - set(before):
            assert version.entity_id == entity
            assert version.system_to == at or (version.system_from == at and version.is_current)
        # (4) other entities are untouched, in the same order.
        for other in ENTITIES:
            if other != entity:
                assert by_entity(after)[other] == by_entity(before)[other]

        # The naive model: the corrected interval now holds `value`; the rest is as before.
        believed = dict(self.beliefs[entity])
        for probe in PROBES:
            if valid_from <= probe and (valid_to is None or probe < valid_to):
                believed[probe] = value
        self.history, self.now = after, at
        self.log.append(Snapshot(at, {**self.beliefs, entity: believed}))

    @precondition(lambda self: any(r.is_current for r in self.history))
    @rule(data=st.data())
    def stale_correction_is_refused(self, data: st.DataObject) -> None:
        currents = [r for r in self.history if r.is_current]
        current = currents[data.draw(st.integers(0, len(currents) - 1))]
        at = current.system_from - data.draw(STALENESS)
        result = correct(
            self.history,
            -1,
            entity_id=current.entity_id,
            valid_from=current.valid_from,
            valid_to=current.valid_to,
            at=at,
        )
        assert isinstance(result, Failure)
        assert result.failure().field == "at"

    def believed_at(self, known: datetime, *, prefilter: bool = False) -> Beliefs:
        """What ``as_of`` answers at every probe, as known at ``known``.

        ``prefilter`` first drops the versions not known then (the checks of earlier
        beliefs are many; the full-history check of the latest one runs on every step).
        """
        answers: Beliefs = {}
        for entity, history in by_entity(self.history).items():
            versions = [r for r in history if r.known_at(known)] if prefilter else history
            answers[entity] = {}
            for probe in PROBES:
                found = as_of(versions, probe, known)
                if found is not None:
                    answers[entity][probe] = found.value
        return answers

    @invariant()
    def one_answer_per_valid_and_system_instant(self) -> None:
        # (1) THE invariant: for one entity, at any valid instant, the system-time
        # intervals of the versions valid then never overlap.
        for entity, history in by_entity(self.history).items():
            history.sort(key=lambda r: r.system_from)
            for probe in PROBES:
                versions = [r for r in history if r.valid_at(probe)]
                for earlier, later in pairwise(versions):
                    assert earlier.system_to is not None, (entity, probe, earlier, later)
                    assert earlier.system_to <= later.system_from, (entity, probe, earlier, later)
                currents = [r for r in versions if r.is_current]
                assert len(currents) == (1 if probe in self.beliefs[entity] else 0)

    @invariant()
    def the_latest_belief_matches_the_model(self) -> None:
        # (3) inside the last correction's interval its value, outside it the earlier belief.
        assert self.believed_at(self.now) == self.beliefs
        if len(self.log) > 1:
            assert self.believed_at(self.now - US, prefilter=True) == self.log[-2].beliefs

    def teardown(self) -> None:
        # Time travel: every earlier belief is still answered as it was, from its instant.
        for snapshot in self.log:
            assert self.believed_at(snapshot.at, prefilter=True) == snapshot.beliefs


def by_entity(history: tuple[BiTemporalRecord[int], ...]) -> dict[str, list[BiTemporalRecord[int]]]:
    grouped: dict[str, list[BiTemporalRecord[int]]] = {e: [] for e in ENTITIES}
    for version in history:
        grouped[version.entity_id].append(version)
    return grouped


# Examples come from the loaded Hypothesis profile (100 by default, 200 in CI).
CORRECTIONS_SETTINGS = settings(stateful_step_count=30)


def test_random_corrections_keep_the_bitemporal_invariants() -> None:
    run_state_machine_as_test(Corrections, settings=CORRECTIONS_SETTINGS)
