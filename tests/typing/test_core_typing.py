"""The typed surface of ``spine.core`` as a user's ``mypy --strict`` sees it.

Type-checked by mypy (strict, with the returns plugin) and basedpyright (strict); never run:
pytest does not collect ``tests/typing``, and every fact sits inside a function so that even
importing this module does nothing.

Positive facts are ``assert_type`` lines: if an inferred type drifts (a helper starts
returning ``Any``, an error type widens), the checkers fail. The mistakes a user must not
be able to make are in ``test_core_mistakes.py``.
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import assert_type

import msgspec
from returns.pipeline import is_successful
from returns.result import Failure, Success

from spine.core import (
    ULID,
    BatchId,
    BiTemporalRecord,
    Clock,
    ConfigError,
    DatabaseConnectionError,
    DatabaseError,
    Err,
    ErrorCategory,
    ErrorOptions,
    ErrorRecord,
    ExecutionContext,
    ExecutionId,
    IdSource,
    InternalError,
    JsonValue,
    NetworkError,
    NotFoundError,
    Ok,
    OperationTimeoutError,
    Result,
    RunId,
    Sleeper,
    SpineError,
    StepError,
    StepId,
    SystemClock,
    SystemIdSource,
    SystemSleeper,
    TransientError,
    ValidationError,
    WeekEnding,
    as_of,
    collect,
    collect_all,
    correct,
    decode_json,
    encode_json,
    from_exception,
    from_optional,
    from_record,
    generate_ulid,
    next_ulid,
    partition,
    to_record,
    try_result,
)
from spine.testing import FakeClock, FakeSleeper, SequentialIdSource

T0 = datetime(2025, 1, 3, tzinfo=UTC)


# --- user code the facts below are about -----------------------------------------------


def parse_qty(text: str) -> Result[int, ValidationError]:
    if text.isdigit():
        return Ok(int(text))
    return Err(ValidationError("not a number", field="qty", value=text))


def positive(qty: int) -> Result[int, ValidationError]:
    return Ok(qty) if qty > 0 else Err(ValidationError("must be positive", field="qty", value=qty))


def find_run(run_id: RunId) -> Result[str, NotFoundError]:
    return Err(NotFoundError("no such run", resource="run", key=run_id))


def recover(error: ValidationError) -> Result[int, NotFoundError]:
    return Err(NotFoundError(error.message))


def widen[T](result: Result[T, ValidationError]) -> Result[T, SpineError]:
    # Result is covariant in both parameters: a narrower error fits a wider declaration.
    return result


# --- Result and its helpers ------------------------------------------------------------


def result_aliases() -> None:
    assert_type(Ok(1), Success[int])
    assert_type(Ok(1), Ok[int])
    assert_type(Err(ValidationError("x")), Failure[ValidationError])
    assert_type(Err("x"), Err[str])


# ``bind`` and ``lash`` take a returns ``KindN`` (its higher-kinded emulation). mypy resolves
# it through the returns plugin; pyright, which has no plugins, sees the member type as
# partially unknown under strict mode, though it infers the call's result exactly. Hence the
# ``reportUnknownMemberType`` ignores: a limit of returns under pyright, not of spine.
def result_combinators(r: Result[int, ValidationError]) -> None:
    assert_type(r.map(str), Result[str, ValidationError])
    assert_type(r.bind(positive), Result[int, ValidationError])  # pyright: ignore[reportUnknownMemberType]
    assert_type(r.alt(lambda e: e.message), Result[int, str])
    assert_type(r.alt(to_record), Result[int, ErrorRecord])
    assert_type(r.lash(recover), Result[int, NotFoundError])  # pyright: ignore[reportUnknownMemberType]
    assert_type(r.value_or(0), int)
    assert_type(r.value_or(None), int | None)
    assert_type(widen(r), Result[int, SpineError])
    assert_type(
        parse_qty("3").bind(positive).map(float),  # pyright: ignore[reportUnknownMemberType]
        Result[float, ValidationError],
    )
    # Narrow with is_successful: under mypy, isinstance(r, Ok) makes r.unwrap() Any.
    if is_successful(r):
        assert_type(r.unwrap(), int)
    else:
        assert_type(r.failure(), ValidationError)


def result_helpers(rs: list[Result[int, ValidationError]], texts: Sequence[str]) -> None:
    assert_type(collect(rs), Result[tuple[int, ...], ValidationError])
    assert_type(collect(parse_qty(t) for t in texts), Result[tuple[int, ...], ValidationError])
    assert_type(collect_all(rs), Result[tuple[int, ...], tuple[ValidationError, ...]])
    assert_type(partition(rs), tuple[tuple[int, ...], tuple[ValidationError, ...]])
    values, errors = partition(map(parse_qty, texts))
    assert_type(values, tuple[int, ...])
    assert_type(errors, tuple[ValidationError, ...])
    assert_type(collect(map(find_run, [RunId("a")])), Result[tuple[str, ...], NotFoundError])


def optional_and_try(maybe: int | None, make: Callable[[], date]) -> None:
    assert_type(from_optional(maybe, NotFoundError("gone")), Result[int, NotFoundError])
    assert_type(from_optional(maybe, "gone"), Result[int, str])
    assert_type(try_result(make), Result[date, SpineError])
    assert_type(try_result(lambda: int("4")), Result[int, SpineError])
    assert_type(try_result(make, lambda e: ConfigError(str(e))), Result[date, ConfigError])
    assert_type(try_result(make, from_exception), Result[date, SpineError])
    assert_type(try_result(make, on_error=repr), Result[date, str])


# --- errors ----------------------------------------------------------------------------


def error_surface(e: SpineError, v: ValidationError, step: StepError) -> None:
    assert_type(e.message, str)
    assert_type(e.category, ErrorCategory)
    assert_type(e.retryable, bool)
    assert_type(e.retry_after_s, float | None)
    assert_type(e.context, Mapping[str, JsonValue])
    assert_type(e.details, Mapping[str, JsonValue])
    assert_type(e.cause, BaseException | None)
    assert_type(SpineError.code, str)
    assert_type(SpineError.default_retryable, bool)
    assert_type(v.field, str | None)
    assert_type(v.value, JsonValue)
    assert_type(v.constraint, str | None)
    assert_type(step.step, str | None)
    assert_type(step.workflow, str | None)
    assert_type(OperationTimeoutError("t", timeout_s=1.0).timeout_s, float | None)
    assert_type(DatabaseConnectionError("down").sqlstate, str | None)
    assert_type(InternalError("x").exception_type, str | None)


def errors_keep_their_class(v: ValidationError, step: StepError) -> None:
    assert_type(v.with_context(run_id="r1", rows=[1, 2], where={"k": None}), ValidationError)
    assert_type(step.with_retryable(True), StepError)
    assert_type(from_exception(ValueError("x")), SpineError)
    assert_type(from_record(to_record(v)), SpineError)


def an_error_is_two_things(e: DatabaseConnectionError) -> tuple[DatabaseError, TransientError, ValueError]:
    return e, e, ValidationError("x")


def error_options(options: ErrorOptions) -> None:
    assert_type(NetworkError("x", **options), NetworkError)
    assert_type(
        StepError("x", step="load", retryable=True, retry_after_s=2, context={"a": [1]}, cause=KeyError()),
        StepError,
    )


def error_records(record: ErrorRecord, data: bytes) -> None:
    assert_type(record.cause, ErrorRecord | None)
    assert_type(record.category, ErrorCategory)
    assert_type(record.details, dict[str, object])
    assert_type(msgspec.json.decode(data, type=ErrorRecord), ErrorRecord)
    assert_type(to_record(KeyError("k")), ErrorRecord)


# --- WeekEnding ------------------------------------------------------------------------


def week_endings(w: WeekEnding, day: date) -> None:
    assert_type(WeekEnding(date(2025, 1, 3)), WeekEnding)
    assert_type(WeekEnding.parse("2025-01-03"), Result[WeekEnding, ValidationError])
    assert_type(WeekEnding.parse(day), Result[WeekEnding, ValidationError])
    assert_type(WeekEnding.from_any_date(day), WeekEnding)
    assert_type(WeekEnding.last_n(4, day), tuple[WeekEnding, ...])
    assert_type(WeekEnding.range(w, w.next(3)), tuple[WeekEnding, ...])
    assert_type(w.date, date)
    assert_type(w.week_start, date)
    assert_type(w.previous(), WeekEnding)
    assert_type(w.window(3), tuple[WeekEnding, ...])
    assert_type(w.weeks_until(w.next()), int)
    assert_type(w < w.next(), bool)
    assert_type(sorted([w.next(), w]), list[WeekEnding])
    assert_type({w: 1}, dict[WeekEnding, int])


# --- BiTemporalRecord ------------------------------------------------------------------


def bitemporal(history: list[BiTemporalRecord[float]]) -> None:
    price = BiTemporalRecord(entity_id="AAPL", value=10.0, valid_from=T0, system_from=T0)
    assert_type(price, BiTemporalRecord[float])
    assert_type(price.value, float)
    assert_type(price.valid_to, datetime | None)
    assert_type(price.is_current, bool)
    assert_type(price.as_of(T0, T0), bool)
    assert_type(
        price.supersede(11.0, at=T0),
        Result[tuple[BiTemporalRecord[float], BiTemporalRecord[float]], ValidationError],
    )
    assert_type(as_of(history, T0, T0), BiTemporalRecord[float] | None)
    assert_type(
        correct(history, 12.0, entity_id="AAPL", valid_from=T0, valid_to=None, at=T0),
        Result[tuple[BiTemporalRecord[float], ...], ValidationError],
    )


# --- ExecutionContext ------------------------------------------------------------------


def execution_context() -> None:
    root = ExecutionContext(execution_id=ExecutionId("E1"), started_at=T0)
    assert_type(root.execution_id, ExecutionId)
    assert_type(root.parent_id, ExecutionId | None)
    assert_type(root.batch_id, BatchId | None)
    assert_type(root.depth, int)
    assert_type(root.with_batch(BatchId("B1")).child(ExecutionId("E2"), started_at=T0), ExecutionContext)


# --- ids, ports and their interpreters -------------------------------------------------


def as_text(run_id: RunId) -> str:
    return run_id  # a typed id is still a str


def ids(source: IdSource) -> None:
    assert_type(RunId("r1"), RunId)
    assert_type(RunId(source.new_id()), RunId)
    assert_type(source.new_ulid(), ULID)
    assert_type(next_ulid(None, 1_700_000_000_000, bytes(10)), ULID)
    assert_type(generate_ulid(), str)
    assert_type(as_text(RunId("r1")), str)
    assert_type(StepId(str(source.new_ulid())), StepId)


def ports() -> tuple[list[IdSource], list[Clock], list[Sleeper]]:
    # Interpreters satisfy their ports structurally, real and fake alike.
    return (
        [SystemIdSource(), SequentialIdSource()],
        [SystemClock(), FakeClock()],
        [SystemSleeper(), FakeSleeper(FakeClock())],
    )


# --- codec -----------------------------------------------------------------------------


class Weekly(msgspec.Struct, frozen=True):
    weeks: list[WeekEnding]


def codec(data: bytes, text: str) -> None:
    assert_type(encode_json(Weekly([])), bytes)
    assert_type(decode_json(data, WeekEnding), Result[WeekEnding, ValidationError])
    assert_type(decode_json(text, Weekly), Result[Weekly, ValidationError])
    assert_type(decode_json(data, list[WeekEnding]), Result[list[WeekEnding], ValidationError])
    assert_type(decode_json(data, Weekly).map(lambda w: w.weeks), Result[list[WeekEnding], ValidationError])
