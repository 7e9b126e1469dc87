"""The shared strategies draw what they promise, and cover every public error class."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

import msgspec
from hypothesis import given

from spine.core import errors
from spine.core.bitemporal import BiTemporalRecord
from spine.core.context import ExecutionContext
from spine.core.errors import ErrorRecord, SpineError
from spine.core.ids import ULID
from spine.core.temporal import WeekEnding
from tests.strategies import (
    ERROR_BUILDERS,
    bitemporal_records,
    error_records,
    execution_contexts,
    spine_errors,
    ulids,
    utc_datetimes,
    week_endings,
)


def test_error_builders_cover_every_public_error_class() -> None:
    defined = {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, SpineError) and cls.__module__ == errors.__name__
    }
    assert set(ERROR_BUILDERS) == defined - {errors.UnregisteredError}


@given(week_endings(), utc_datetimes(), ulids())
def test_time_and_id_strategies(week: WeekEnding, instant: datetime, ulid: ULID) -> None:
    assert week.date.weekday() == 4
    assert instant.tzinfo is UTC
    assert len(str(ulid)) == 26


@given(bitemporal_records())
def test_bitemporal_records_are_valid_and_encodable(record: BiTemporalRecord[int]) -> None:
    assert record.valid_to is None or record.valid_from < record.valid_to
    assert record.system_to is None or record.system_from < record.system_to
    assert record.valid_from.utcoffset() == timedelta(0)
    assert msgspec.json.decode(msgspec.json.encode(record), type=BiTemporalRecord[int]) == record


@given(execution_contexts())
def test_execution_contexts_have_consistent_lineage(context: ExecutionContext) -> None:
    assert (context.parent_id is None) == (context.depth == 0)


@given(error_records())
def test_error_records_survive_json(record: ErrorRecord) -> None:
    assert msgspec.json.decode(msgspec.json.encode(record), type=ErrorRecord) == record


@given(spine_errors())
def test_spine_errors_are_public_classes(error: SpineError) -> None:
    assert type(error) in ERROR_BUILDERS
    assert isinstance(error.message, str)
