"""The SpineError tree: categories, retry flags, immutability, and the lossless record."""

from __future__ import annotations

import json
import math
import pickle
from collections.abc import Mapping
from datetime import date
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core import errors as errors_module
from spine.core.errors import (
    AuthError,
    CancelledError,
    ConfigError,
    ConflictError,
    DatabaseConnectionError,
    DatabaseError,
    ErrorCategory,
    ErrorRecord,
    IntegrityError,
    InternalError,
    NetworkError,
    NotFoundError,
    OperationTimeoutError,
    OrchestrationError,
    QueryError,
    RateLimitedError,
    SourceUnavailableError,
    SpineError,
    StepError,
    TransientError,
    ValidationError,
    WorkflowError,
    from_exception,
    from_record,
    to_record,
)
from spine.core.json_types import JsonValue

# --- the tree as data ------------------------------------------------------------------

# class: (code, category, retryable by default)
TREE: dict[type[SpineError], tuple[str, ErrorCategory, bool]] = {
    SpineError: ("spine", ErrorCategory.INTERNAL, False),
    TransientError: ("transient", ErrorCategory.TRANSIENT, True),
    NetworkError: ("transient.network", ErrorCategory.TRANSIENT, True),
    OperationTimeoutError: ("transient.timeout", ErrorCategory.TRANSIENT, True),
    RateLimitedError: ("transient.rate_limited", ErrorCategory.TRANSIENT, True),
    SourceUnavailableError: ("transient.source_unavailable", ErrorCategory.TRANSIENT, True),
    ValidationError: ("validation", ErrorCategory.VALIDATION, False),
    NotFoundError: ("not_found", ErrorCategory.NOT_FOUND, False),
    ConflictError: ("conflict", ErrorCategory.CONFLICT, False),
    ConfigError: ("config", ErrorCategory.CONFIG, False),
    AuthError: ("auth", ErrorCategory.AUTH, False),
    DatabaseError: ("database", ErrorCategory.DATABASE, False),
    QueryError: ("database.query", ErrorCategory.DATABASE, False),
    IntegrityError: ("database.integrity", ErrorCategory.DATABASE, False),
    DatabaseConnectionError: ("database.connection", ErrorCategory.TRANSIENT, True),
    OrchestrationError: ("orchestration", ErrorCategory.ORCHESTRATION, False),
    WorkflowError: ("orchestration.workflow", ErrorCategory.ORCHESTRATION, False),
    StepError: ("orchestration.step", ErrorCategory.ORCHESTRATION, False),
    CancelledError: ("cancelled", ErrorCategory.CANCELLED, False),
    InternalError: ("internal", ErrorCategory.INTERNAL, False),
}

ALL_CLASSES = list(TREE)


def test_the_table_covers_every_exported_error_class() -> None:
    exported = {
        obj
        for name in errors_module.__all__
        if isinstance(obj := getattr(errors_module, name), type) and issubclass(obj, SpineError)
    }
    assert exported == set(TREE)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_code_category_and_default_retryable(cls: type[SpineError]) -> None:
    code, category, retryable = TREE[cls]
    error = cls("boom")
    assert (cls.code, error.category, error.retryable, cls.default_retryable) == (
        code,
        category,
        retryable,
        retryable,
    )
    assert to_record(error).code == code


def test_codes_are_unique() -> None:
    codes = [cls.code for cls in TREE]
    assert len(codes) == len(set(codes))


def test_the_transient_family_is_retryable_and_nothing_else_is() -> None:
    for cls, (_, category, retryable) in TREE.items():
        assert retryable == issubclass(cls, TransientError), cls
        assert retryable == (category is ErrorCategory.TRANSIENT), cls


def test_a_dropped_database_connection_is_both_a_database_and_a_transient_error() -> None:
    error = DatabaseConnectionError("server closed the connection", sqlstate="08006")
    assert isinstance(error, DatabaseError)
    assert isinstance(error, TransientError)
    assert error.retryable
    assert error.category is ErrorCategory.TRANSIENT
    assert error.sqlstate == "08006"


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("override", [True, False])
def test_retryable_can_be_overridden_per_instance(cls: type[SpineError], override: bool) -> None:
    error = cls("boom", retryable=override)
    assert error.retryable is override
    assert cls("boom").retryable is TREE[cls][2]  # the class default is untouched
    assert error.with_retryable(not override).retryable is (not override)


@pytest.mark.parametrize("bad", [-0.001, -1.0, math.nan, math.inf, -math.inf])
def test_retry_after_s_must_be_finite_and_not_negative(bad: float) -> None:
    with pytest.raises(ValueError, match="retry_after_s must be a finite number >= 0"):
        RateLimitedError("slow down", retry_after_s=bad)


@pytest.mark.parametrize("good", [0.0, 0, 1.5, 3600])
def test_retry_after_s_accepts_zero_and_positive_numbers(good: float) -> None:
    assert RateLimitedError("slow down", retry_after_s=good).retry_after_s == good


def test_class_specific_details() -> None:
    assert OperationTimeoutError("t", timeout_s=2.5).timeout_s == 2.5
    assert SourceUnavailableError("s", source="finra").source == "finra"
    nf = NotFoundError("n", resource="run", key="r1")
    assert (nf.resource, nf.key) == ("run", "r1")
    assert ConfigError("c", key="DB_URL").key == "DB_URL"
    assert QueryError("q", sqlstate="42601").sqlstate == "42601"
    assert WorkflowError("w", workflow="ingest").workflow == "ingest"
    step = StepError("s", workflow="ingest", step="load")
    assert (step.workflow, step.step) == ("ingest", "load")
    assert dict(step.details) == {"workflow": "ingest", "step": "load"}
    assert InternalError("i", exception_type="KeyError").exception_type == "KeyError"


# --- context ---------------------------------------------------------------------------


def test_context_is_read_only() -> None:
    error = SpineError("boom", context={"step": "load", "nested": {"a": [1, 2]}})
    context: Any = error.context
    with pytest.raises(TypeError):
        context["step"] = "other"
    with pytest.raises(TypeError):
        del context["step"]
    with pytest.raises(TypeError):
        context["nested"]["a"] = 1
    with pytest.raises(AttributeError):
        context["nested"]["a"].append(3)
    assert error.context == {"step": "load", "nested": {"a": (1, 2)}}


def test_context_is_a_deep_copy_of_what_was_passed() -> None:
    passed: dict[str, Any] = {"step": "load", "rows": [1, 2], "where": {"k": "v"}}
    error = SpineError("boom", context=passed)
    passed["step"] = "changed"
    passed["rows"].append(3)
    passed["where"]["k"] = "changed"
    assert to_record(error).context == {"step": "load", "rows": [1, 2], "where": {"k": "v"}}


def test_no_context_is_an_empty_mapping() -> None:
    assert dict(SpineError("boom").context) == {}
    assert dict(SpineError("boom", context=None).context) == {}


def test_with_context_merges_into_a_new_error_of_the_same_class() -> None:
    cause = ValueError("root")
    original = StepError(
        "step failed",
        workflow="ingest",
        step="load",
        retryable=True,
        retry_after_s=5.0,
        context={"run_id": "r1", "attempt": 1},
        cause=cause,
    )
    merged = original.with_context(attempt=2, partition="2025-01-03")
    assert type(merged) is StepError
    assert merged is not original
    assert dict(merged.context) == {"run_id": "r1", "attempt": 2, "partition": "2025-01-03"}
    assert dict(original.context) == {"run_id": "r1", "attempt": 1}
    assert (merged.workflow, merged.step, merged.message) == ("ingest", "load", "step failed")
    assert (merged.retryable, merged.retry_after_s, merged.cause) == (True, 5.0, cause)


def test_with_retryable_keeps_everything_else() -> None:
    original = ValidationError("bad", field="qty", value=-1, context={"row": 3})
    flipped = original.with_retryable(True)
    assert type(flipped) is ValidationError
    assert flipped.retryable
    assert not original.retryable
    assert (flipped.field, flipped.value, dict(flipped.context)) == ("qty", -1, {"row": 3})


# --- from_exception --------------------------------------------------------------------


@pytest.mark.parametrize(
    "exc",
    [
        OSError("disk full"),
        ConnectionError("refused"),
        ConnectionResetError("peer reset"),
        TimeoutError("timed out"),
        ValueError(),
    ],
    ids=repr,
)
def test_a_foreign_exception_becomes_a_non_retryable_internal_error(exc: Exception) -> None:
    error = from_exception(exc)
    name = type(exc).__qualname__
    assert type(error) is InternalError
    assert not error.retryable
    assert error.category is ErrorCategory.INTERNAL
    assert error.exception_type == name
    assert error.message == (f"{name}: {exc}" if str(exc) else name)
    assert error.__cause__ is exc
    assert error.cause is None  # the record stands for exc; it is not a second error


def test_a_foreign_exception_outside_builtins_is_named_with_its_module() -> None:
    with pytest.raises(json.JSONDecodeError) as info:
        json.loads("{")
    error = from_exception(info.value)
    assert error.details["exception_type"] == "json.decoder.JSONDecodeError"
    assert error.message.startswith("json.decoder.JSONDecodeError: Expecting property name")


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_from_exception_returns_a_spine_error_itself(cls: type[SpineError]) -> None:
    error = cls("boom")
    assert from_exception(error) is error


# --- ValidationError -------------------------------------------------------------------


def test_validation_error_is_a_value_error() -> None:
    error = ValidationError("must be positive", field="qty", value=-1, constraint="> 0")
    assert isinstance(error, ValueError)
    assert (error.field, error.value, error.constraint) == ("qty", -1, "> 0")
    with pytest.raises(ValueError, match="must be positive"):
        raise error


@pytest.mark.parametrize("value", [None, True, 0, -1, 2.5, "", "abc", "x" * 200])
def test_validation_error_keeps_json_scalars_as_they_are(value: JsonValue) -> None:
    assert ValidationError("bad", value=value).value == value


def test_validation_error_truncates_long_values() -> None:
    value = ValidationError("bad", value="x" * 201 + "tail").value
    assert value == "x" * 200 + "…"


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ({1, 2}, "{1, 2}"),
        (b"raw", "b'raw'"),
        (("a", 1), "('a', 1)"),
        (date(2025, 1, 3), "datetime.date(2025, 1, 3)"),
    ],
    ids=repr,
)
def test_validation_error_renders_non_json_values_as_repr(value: object, rendered: str) -> None:
    assert ValidationError("bad", value=value).value == rendered


def test_validation_error_truncates_long_reprs() -> None:
    value = ValidationError("bad", value=list(range(1000))).value
    assert isinstance(value, str)
    assert len(value) == 201
    assert value.startswith("[0, 1, 2")
    assert value.endswith("…")


# --- str, repr, equality ---------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_str_is_the_message_and_repr_names_the_class(cls: type[SpineError]) -> None:
    error = cls("the message")
    assert str(error) == "the message"
    assert error.message == "the message"
    assert repr(error) == f"{cls.__name__}('the message')"


def test_repr_shows_details_overrides_and_context() -> None:
    error = NotFoundError(
        "no run", resource="run", key="r1", retryable=True, retry_after_s=2.0, context={"a": 1}
    )
    assert repr(error) == (
        "NotFoundError('no run', resource='run', key='r1', retryable=True, "
        "retry_after_s=2.0, context={'a': 1})"
    )


def test_equal_errors_are_equal_and_hash_alike() -> None:
    def make() -> ValidationError:
        return ValidationError("bad", field="x", value=1, context={"run": "r1"}, cause=KeyError("k"))

    assert make() == make()
    assert hash(make()) == hash(make())
    assert len({make(), make()}) == 1


@pytest.mark.parametrize(
    "other",
    [
        ValidationError("bad", field="y", value=1, context={"run": "r1"}),
        ValidationError("worse", field="x", value=1, context={"run": "r1"}),
        ValidationError("bad", field="x", value=2, context={"run": "r1"}),
        ValidationError("bad", field="x", value=1, context={"run": "r2"}),
        ValidationError("bad", field="x", value=1, context={"run": "r1"}, retryable=True),
        ValidationError("bad", field="x", value=1, context={"run": "r1"}, retry_after_s=1),
        ValidationError("bad", field="x", value=1, context={"run": "r1"}, cause=KeyError("k")),
        NotFoundError("bad", context={"run": "r1"}),
    ],
    ids=repr,
)
def test_errors_that_differ_in_anything_are_not_equal(other: SpineError) -> None:
    assert ValidationError("bad", field="x", value=1, context={"run": "r1"}) != other


def test_an_error_is_not_equal_to_a_non_error() -> None:
    assert SpineError("x") != "x"
    assert SpineError("x") != ValueError("x")


# --- the registry ----------------------------------------------------------------------


def test_a_subclass_may_not_reuse_another_classs_code() -> None:
    with pytest.raises(TypeError, match="error code 'validation' is already used"):

        class MyValidation(ValidationError):
            code = "validation"


def test_a_class_of_the_same_name_in_another_module_may_not_reuse_a_code() -> None:
    type("Twin", (SpineError,), {"code": "test.twin", "__module__": "first_module"})
    with pytest.raises(TypeError, match=r"already used by first_module\.Twin"):
        type("Twin", (SpineError,), {"code": "test.twin", "__module__": "second_module"})


def test_redefining_the_same_class_takes_its_code_back() -> None:
    first = type("Again", (SpineError,), {"code": "test.again", "__module__": "reloaded_module"})
    second = type("Again", (SpineError,), {"code": "test.again", "__module__": "reloaded_module"})
    assert type(from_record(to_record(second("x")))) is second
    assert first is not second


class PlannerError(OrchestrationError):
    """A user-defined error without an explicit code."""


def test_a_subclass_without_a_code_gets_its_qualified_name_and_round_trips() -> None:
    assert PlannerError.code == f"{__name__}.PlannerError"
    error = PlannerError("no plan", workflow="ingest", context={"k": [1]})
    assert error.category is ErrorCategory.ORCHESTRATION
    back = from_record(to_record(error))
    assert type(back) is PlannerError
    assert back == error


# --- records ---------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),  # msgpack's range
    st.floats(allow_nan=False, allow_infinity=False),  # JSON has no NaN or infinity
    st.text(max_size=10),
)
json_values: st.SearchStrategy[JsonValue] = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),  # a Sequence too: must record as a list
        st.dictionaries(st.text(max_size=5), children, max_size=3),
    ),
    max_leaves=8,
)
contexts = st.dictionaries(st.text(max_size=8), json_values, max_size=4)
optional_text = st.none() | st.text(max_size=20)
retry_after = st.none() | st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)

DETAILS: dict[type[SpineError], st.SearchStrategy[dict[str, Any]]] = {
    OperationTimeoutError: st.fixed_dictionaries({"timeout_s": retry_after}),
    SourceUnavailableError: st.fixed_dictionaries({"source": optional_text}),
    ValidationError: st.fixed_dictionaries(
        {
            "field": optional_text,
            "value": st.one_of(json_scalars, st.text(min_size=190, max_size=230), st.sets(st.integers())),
            "constraint": optional_text,
        }
    ),
    NotFoundError: st.fixed_dictionaries({"resource": optional_text, "key": optional_text}),
    ConfigError: st.fixed_dictionaries({"key": optional_text}),
    DatabaseError: st.fixed_dictionaries({"sqlstate": optional_text}),
    QueryError: st.fixed_dictionaries({"sqlstate": optional_text}),
    IntegrityError: st.fixed_dictionaries({"sqlstate": optional_text}),
    DatabaseConnectionError: st.fixed_dictionaries({"sqlstate": optional_text}),
    OrchestrationError: st.fixed_dictionaries({"workflow": optional_text}),
    WorkflowError: st.fixed_dictionaries({"workflow": optional_text}),
    StepError: st.fixed_dictionaries({"workflow": optional_text, "step": optional_text}),
    InternalError: st.fixed_dictionaries({"exception_type": optional_text}),
    PlannerError: st.fixed_dictionaries({"workflow": optional_text}),
}

foreign_exceptions: st.SearchStrategy[BaseException] = st.builds(
    lambda kind, text: kind(text),
    st.sampled_from([ValueError, KeyError, OSError, ConnectionResetError, TimeoutError, RuntimeError]),
    st.text(max_size=10),
)


ERROR_CLASSES = [*ALL_CLASSES, PlannerError]
MAX_CHAIN = 4  # causes per error in the strategies; to_record keeps up to 32


@st.composite
def _error_with(draw: st.DrawFn, cls: type[SpineError], cause: BaseException | None) -> SpineError:
    return cls(
        draw(st.text(max_size=30)),
        retryable=draw(st.none() | st.booleans()),
        retry_after_s=draw(retry_after),
        context=draw(contexts),
        cause=cause,
        **draw(DETAILS.get(cls, st.just({}))),
    )


@st.composite
def _spine_errors(draw: st.DrawFn) -> SpineError:
    """An error of any class, with a chain of up to MAX_CHAIN causes ending in anything."""
    cause: BaseException | None = draw(st.none() | foreign_exceptions)
    for cls in draw(st.lists(st.sampled_from(ERROR_CLASSES), min_size=1, max_size=MAX_CHAIN + 1)):
        cause = draw(_error_with(cls, cause))
    assert isinstance(cause, SpineError)
    return cause


spine_errors = _spine_errors()


def _depth(record: ErrorRecord) -> int:
    return 1 if record.cause is None else 1 + _depth(record.cause)


@given(spine_errors)
def test_an_error_survives_its_record(error: SpineError) -> None:
    back = from_record(to_record(error))
    assert type(back) is type(error)
    assert back == error
    assert (back.message, back.retryable, back.retry_after_s) == (
        error.message,
        error.retryable,
        error.retry_after_s,
    )
    assert back.details == error.details
    assert back.context == error.context


@given(spine_errors)
def test_a_record_survives_its_error(error: SpineError) -> None:
    record = to_record(error)
    assert to_record(from_record(record)) == record


@given(spine_errors)
def test_a_record_survives_json_and_msgpack(error: SpineError) -> None:
    record = to_record(error)
    assert msgspec.json.decode(msgspec.json.encode(record), type=ErrorRecord) == record
    assert msgspec.msgpack.decode(msgspec.msgpack.encode(record), type=ErrorRecord) == record
    stored = msgspec.json.decode(msgspec.json.encode(record), type=ErrorRecord)
    assert from_record(stored) == error


@given(spine_errors)
def test_an_error_survives_pickle(error: SpineError) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert back == error


@given(spine_errors)
def test_the_record_holds_the_cause_chain(error: SpineError) -> None:
    record = to_record(error)
    cause = error.cause
    if cause is None:
        assert record.cause is None
    else:
        assert record.cause == to_record(from_exception(cause))
    assert record.category is error.category
    assert record.retryable is error.retryable


def test_a_foreign_cause_is_recorded_as_the_internal_error_it_stands_for() -> None:
    error = NetworkError("fetch failed", cause=ConnectionResetError("peer reset"))
    cause = to_record(error).cause
    assert cause is not None
    assert (cause.code, cause.message, cause.retryable, cause.details) == (
        "internal",
        "ConnectionResetError: peer reset",
        False,
        {"exception_type": "ConnectionResetError"},
    )
    back = from_record(to_record(error))
    assert isinstance(back.cause, InternalError)
    assert back == error


def test_a_very_deep_cause_chain_is_cut_off_rather_than_overflowing() -> None:
    error: SpineError = SpineError("root")
    for i in range(100):
        error = SpineError(f"level {i}", cause=error)
    record = to_record(error)
    assert _depth(record) == 1 + 32  # the error and 32 causes
    assert record.message == "level 99"


# --- unknown codes ---------------------------------------------------------------------

categories = st.sampled_from(list(ErrorCategory))
plain_json: st.SearchStrategy[object] = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def _unknown_record(draw: st.DrawFn, cause: ErrorRecord | None) -> ErrorRecord:
    return ErrorRecord(
        code=draw(st.text(min_size=1, max_size=10).map(lambda c: f"unregistered-{c}")),
        category=draw(categories),
        message=draw(st.text(max_size=20)),
        retryable=draw(st.booleans()),
        retry_after_s=draw(retry_after),
        details=draw(st.dictionaries(st.text(max_size=5), plain_json, max_size=3)),
        context=draw(st.dictionaries(st.text(max_size=5), plain_json, max_size=3)),
        cause=cause,
    )


@st.composite
def _records(draw: st.DrawFn) -> ErrorRecord:
    """A record of an unknown code, its causes a mix of known and unknown records."""
    cause: ErrorRecord | None = draw(st.none() | spine_errors.map(to_record))
    for _ in range(draw(st.integers(min_value=1, max_value=MAX_CHAIN))):
        cause = draw(_unknown_record(cause))
    assert cause is not None
    return cause


records = _records()


@given(records)
def test_a_record_with_an_unknown_code_comes_back_verbatim(record: ErrorRecord) -> None:
    error = from_record(record)
    assert isinstance(error, InternalError)
    assert to_record(error) == record
    assert to_record(pickle.loads(pickle.dumps(error))) == record
    assert error.message == record.message
    assert error.retryable is record.retryable
    assert error.retry_after_s == record.retry_after_s


@given(records, contexts)
def test_an_unknown_error_keeps_its_code_through_with_context(
    record: ErrorRecord, extra: Mapping[str, JsonValue]
) -> None:
    changed = to_record(from_record(record).with_context(**extra).with_retryable(not record.retryable))
    assert (changed.code, changed.category, changed.message) == (record.code, record.category, record.message)
    assert changed.retryable is not record.retryable
    assert changed.context == {**record.context, **to_record(SpineError("", context=extra)).context}


def test_an_unknown_record_exposes_its_context() -> None:
    record = ErrorRecord(
        code="elsewhere.custom",
        category=ErrorCategory.AUTH,
        message="denied",
        retryable=False,
        context={"user": "u1"},
    )
    assert dict(from_record(record).context) == {"user": "u1"}
