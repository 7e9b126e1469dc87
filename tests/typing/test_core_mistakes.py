"""Mistakes ``spine.core``'s types must catch: each line is an error, pinned by its code.

Type-checked, never run (see ``test_core_typing.py``). mypy runs with
``warn_unused_ignores``: if a line below stops being an error (or becomes an error of
another code), the run fails. pyright honours the same ``# type: ignore`` comments without
reading the code in brackets; the file-level switch below makes it fail on an ignore that
suppresses nothing, so each mistake is pinned under both checkers.
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from spine.core import (
    BiTemporalRecord,
    Clock,
    Err,
    ErrorCategory,
    ErrorRecord,
    ExecutionContext,
    IdSource,
    NotFoundError,
    Ok,
    Result,
    RunId,
    SpineError,
    StepId,
    SystemIdSource,
    ValidationError,
    WeekEnding,
    collect,
    decode_json,
    from_optional,
    next_ulid,
    try_result,
)

T0 = datetime(2025, 1, 3, tzinfo=UTC)


def load_step(step_id: StepId) -> None: ...


def use_clock(clock: Clock) -> None: ...


def no_arguments() -> str:
    return "x"


# --- Result ----------------------------------------------------------------------------


def wrong_error_returned() -> Result[int, ValidationError]:
    return Err(NotFoundError("no row"))  # type: ignore[arg-type]  # an error type the signature does not declare


def wrong_value_returned() -> Result[int, ValidationError]:
    return Ok("1")  # type: ignore[arg-type]  # a str on the happy track of an int result


def map_with_the_wrong_input(r: Result[int, ValidationError], f: Callable[[str], str]) -> None:
    r.map(f)  # type: ignore[arg-type]  # f takes str, the value is an int


def bind_cannot_change_the_error(
    r: Result[int, ValidationError], find: Callable[[int], Result[str, NotFoundError]]
) -> None:
    r.bind(find)  # type: ignore[arg-type]  # bind keeps the error type: widen first


def collect_of_plain_values() -> None:
    collect([1, 2, 3])  # type: ignore[arg-type]  # collect takes Results, not values


def collect_mixes_error_types(
    rs: list[Result[int, ValidationError]],
) -> Result[tuple[int, ...], NotFoundError]:
    return collect(rs)  # type: ignore[arg-type]  # the errors are ValidationErrors, not NotFoundErrors


def collect_loses_nothing(rs: list[Result[int, ValidationError]]) -> Result[list[int], ValidationError]:
    return collect(rs)  # type: ignore[return-value]  # collect gives a tuple, not a list


def from_optional_keeps_its_error(maybe: int | None) -> None:
    result: Result[int, ValidationError] = from_optional(maybe, NotFoundError("gone"))  # type: ignore[arg-type]  # NotFoundError is not a ValidationError
    del result


def try_result_on_error_takes_the_exception() -> None:
    try_result(lambda: 1, no_arguments)  # type: ignore[arg-type]  # on_error must accept the Exception


def try_result_takes_a_thunk() -> None:
    try_result(int("42"))  # type: ignore[call-overload]  # a value, not a thunk: int() already ran, and raised


def try_result_default_error_is_spine_error() -> Result[int, ValidationError]:
    return try_result(lambda: 1)  # type: ignore[return-value]  # it may be any SpineError, not just ValidationError


# --- ids -------------------------------------------------------------------------------


def run_id_is_not_a_step_id() -> None:
    load_step(RunId("r1"))  # type: ignore[arg-type]  # typed ids do not mix


def a_plain_str_is_not_an_id() -> None:
    ExecutionContext(execution_id="E1", started_at=T0)  # type: ignore[arg-type]  # wrap it: ExecutionId("E1")


def new_id_is_untyped_text(source: IdSource) -> RunId:
    return source.new_id()  # type: ignore[return-value]  # say which kind: RunId(source.new_id())


def ulid_time_is_integer_milliseconds() -> None:
    next_ulid(None, 1.7e12, bytes(10))  # type: ignore[arg-type]  # now_ms is an int


def an_id_source_is_not_a_clock() -> None:
    use_clock(SystemIdSource())  # type: ignore[arg-type]  # ports are structural, and this one lacks now()


# --- frozen values ---------------------------------------------------------------------


def structs_are_frozen(ctx: ExecutionContext) -> None:
    ctx.depth = 2  # type: ignore[misc]  # frozen Struct: build a new one


def records_are_keyword_only() -> None:
    ErrorRecord("code", ErrorCategory.AUTH, "m", False)  # type: ignore[call-arg]  # fields by name only


def week_ending_from_a_string() -> None:
    WeekEnding("2025-01-03")  # type: ignore[arg-type]  # takes a date; parse text with WeekEnding.parse


def week_ending_is_not_a_date(w: WeekEnding) -> None:
    assert w < date(2025, 1, 3)  # type: ignore[operator]  # compare w.date, or two WeekEndings


def week_ending_date_is_read_only(w: WeekEnding) -> None:
    w.date = date(2025, 1, 10)  # type: ignore[misc]  # immutable: use w.next()


def bitemporal_value_type_is_kept(price: BiTemporalRecord[float]) -> None:
    price.supersede("11", at=T0)  # type: ignore[arg-type]  # a float record takes a float correction


def decode_gives_the_target_type(data: bytes) -> None:
    result: Result[date, ValidationError] = decode_json(data, WeekEnding)  # type: ignore[arg-type]  # a WeekEnding is not a date
    del result


# --- errors ----------------------------------------------------------------------------


def error_needs_a_message() -> None:
    SpineError()  # type: ignore[call-arg]  # the message is required


def error_options_are_typed() -> None:
    SpineError("x", retryable="yes")  # type: ignore[arg-type]  # retryable is a bool


def validation_field_is_a_name() -> None:
    ValidationError("x", field=1)  # type: ignore[arg-type]  # field is a str path


def retryable_is_read_only(e: SpineError) -> None:
    e.retryable = True  # type: ignore[misc]  # use e.with_retryable(True)


def context_is_read_only(e: SpineError) -> None:
    e.context["run_id"] = "r1"  # type: ignore[index]  # use e.with_context(run_id="r1")


def context_holds_json(e: SpineError) -> None:
    e.with_context(when=T0)  # type: ignore[arg-type]  # a datetime is not JSON: pass T0.isoformat()
