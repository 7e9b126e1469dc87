"""Hypothesis strategies for every public value type of ``spine.core``.

Each strategy draws *valid* values (the kind a constructor accepts) and shrinks towards a
small, readable example. Tests that need invalid input build it themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, overload

from hypothesis import strategies as st

from spine.core import errors as E
from spine.core.bitemporal import BiTemporalRecord
from spine.core.context import ExecutionContext
from spine.core.ids import ULID, BatchId, ExecutionId
from spine.core.json_types import JsonValue
from spine.core.temporal import WeekEnding

__all__ = [
    "ERROR_BUILDERS",
    "MAX_INSTANT",
    "MAX_WEEK_OFFSET",
    "MIN_INSTANT",
    "REFERENCE_FRIDAY",
    "bitemporal_records",
    "error_records",
    "execution_contexts",
    "json_objects",
    "json_values",
    "spine_errors",
    "ulids",
    "utc_datetimes",
    "week_endings",
]

REFERENCE_FRIDAY: Final = date(2025, 1, 3)
"""A Friday near the middle of the drawn range; ``week_endings`` shrink towards it."""
MAX_WEEK_OFFSET: Final = 52 * 150
"""Week endings are drawn within ±150 years of ``REFERENCE_FRIDAY``."""

MIN_INSTANT: Final = datetime(1970, 1, 1, tzinfo=UTC)
"""The earliest instant ``utc_datetimes`` draws by default."""
MAX_INSTANT: Final = datetime(2200, 1, 1, tzinfo=UTC)
"""The latest instant ``utc_datetimes`` draws by default."""

_MAX_ULID_MS: Final = (1 << 48) - 1
_INT64: Final = 1 << 63
_NAMES: Final = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.-0123456789", min_size=1, max_size=12)


# --- time ------------------------------------------------------------------------------


def week_endings(*, max_offset: int = MAX_WEEK_OFFSET) -> st.SearchStrategy[WeekEnding]:
    """Fridays within ``max_offset`` weeks of ``REFERENCE_FRIDAY``."""
    return st.integers(-max_offset, max_offset).map(
        lambda k: WeekEnding(REFERENCE_FRIDAY + timedelta(weeks=k))
    )


def utc_datetimes(
    *, min_value: datetime = MIN_INSTANT, max_value: datetime = MAX_INSTANT
) -> st.SearchStrategy[datetime]:
    """Timezone-aware UTC datetimes with microseconds, between 1970 and 2200 by default."""
    return st.datetimes(
        min_value=min_value.replace(tzinfo=None),
        max_value=max_value.replace(tzinfo=None),
        timezones=st.just(UTC),
    )


@st.composite
def _intervals(draw: st.DrawFn) -> tuple[datetime, datetime | None]:
    start = draw(utc_datetimes(max_value=MAX_INSTANT - timedelta(days=1)))
    if draw(st.booleans()):
        return start, None
    length = draw(st.timedeltas(min_value=timedelta(microseconds=1), max_value=MAX_INSTANT - start))
    return start, start + length


@overload
def bitemporal_records() -> st.SearchStrategy[BiTemporalRecord[int]]: ...
@overload
def bitemporal_records[T](
    values: st.SearchStrategy[T], *, entity_ids: st.SearchStrategy[str] = ...
) -> st.SearchStrategy[BiTemporalRecord[T]]: ...
def bitemporal_records(
    values: st.SearchStrategy[Any] | None = None, *, entity_ids: st.SearchStrategy[str] = _NAMES
) -> st.SearchStrategy[BiTemporalRecord[Any]]:
    """Valid ``BiTemporalRecord`` versions (non-empty intervals, some open) of ``values`` (int64s)."""
    value_strategy: st.SearchStrategy[Any] = st.integers(-_INT64, _INT64 - 1) if values is None else values

    @st.composite
    def build(draw: st.DrawFn) -> BiTemporalRecord[Any]:
        valid_from, valid_to = draw(_intervals())
        system_from, system_to = draw(_intervals())
        return BiTemporalRecord(
            entity_id=draw(entity_ids),
            value=draw(value_strategy),
            valid_from=valid_from,
            valid_to=valid_to,
            system_from=system_from,
            system_to=system_to,
        )

    return build()


# --- ids and lineage -------------------------------------------------------------------


def ulids(*, min_ms: int = 0, max_ms: int = _MAX_ULID_MS) -> st.SearchStrategy[ULID]:
    """Any ULID whose timestamp lies in ``[min_ms, max_ms]``."""
    return st.builds(
        lambda ms, entropy: ULID.from_bytes(ms.to_bytes(6, "big") + entropy),
        st.integers(min_ms, max_ms),
        st.binary(min_size=10, max_size=10),
    )


@st.composite
def execution_contexts(draw: st.DrawFn) -> ExecutionContext:
    """Valid contexts: a root (no parent, depth 0) or a descendant (a parent, depth >= 1)."""
    execution_id = ExecutionId(str(draw(ulids())))
    batch_id = draw(st.none() | ulids().map(lambda u: BatchId(str(u))))
    if draw(st.booleans()):
        started_at = draw(utc_datetimes())
        return ExecutionContext(execution_id=execution_id, started_at=started_at, batch_id=batch_id)
    return ExecutionContext(
        execution_id=execution_id,
        started_at=draw(utc_datetimes()),
        batch_id=batch_id,
        parent_id=ExecutionId(str(draw(ulids()))),
        depth=draw(st.integers(1, 50)),
    )


# --- errors ----------------------------------------------------------------------------

_JSON_SCALARS: Final[st.SearchStrategy[JsonValue]] = (
    st.none()
    | st.booleans()
    | st.integers(-_INT64, _INT64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)


_JSON_VALUES: Final[st.SearchStrategy[JsonValue]] = st.recursive(
    _JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
_JSON_OBJECTS: Final[st.SearchStrategy[dict[str, JsonValue]]] = st.dictionaries(
    st.text(max_size=8), _JSON_VALUES, max_size=3
)


def json_values() -> st.SearchStrategy[JsonValue]:
    """JSON documents that survive a JSON round trip unchanged (lists, not tuples; no NaN)."""
    return _JSON_VALUES


def json_objects() -> st.SearchStrategy[dict[str, JsonValue]]:
    """JSON objects (string keys), as error contexts and details are."""
    return _JSON_OBJECTS


_OPTIONAL_NAME: Final = st.none() | _NAMES
_RETRY_AFTER: Final = st.none() | st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)

type _Builder = Callable[[st.DrawFn, str, E.ErrorOptions], E.SpineError]


def _plain(cls: type[E.SpineError]) -> _Builder:
    return lambda _draw, message, options: cls(message, **options)


ERROR_BUILDERS: Final[dict[type[E.SpineError], _Builder]] = {
    E.SpineError: _plain(E.SpineError),
    E.TransientError: _plain(E.TransientError),
    E.NetworkError: _plain(E.NetworkError),
    E.OperationTimeoutError: lambda draw, m, o: E.OperationTimeoutError(
        m, timeout_s=draw(st.none() | st.floats(0, 3600)), **o
    ),
    E.RateLimitedError: _plain(E.RateLimitedError),
    E.SourceUnavailableError: lambda draw, m, o: E.SourceUnavailableError(
        m, source=draw(_OPTIONAL_NAME), **o
    ),
    E.ValidationError: lambda draw, m, o: E.ValidationError(
        m, field=draw(_OPTIONAL_NAME), value=draw(_JSON_SCALARS), constraint=draw(_OPTIONAL_NAME), **o
    ),
    E.NotFoundError: lambda draw, m, o: E.NotFoundError(
        m, resource=draw(_OPTIONAL_NAME), key=draw(_OPTIONAL_NAME), **o
    ),
    E.ConflictError: _plain(E.ConflictError),
    E.ConfigError: lambda draw, m, o: E.ConfigError(m, key=draw(_OPTIONAL_NAME), **o),
    E.AuthError: _plain(E.AuthError),
    E.DatabaseError: lambda draw, m, o: E.DatabaseError(m, sqlstate=draw(_OPTIONAL_NAME), **o),
    E.QueryError: lambda draw, m, o: E.QueryError(m, sqlstate=draw(_OPTIONAL_NAME), **o),
    E.IntegrityError: lambda draw, m, o: E.IntegrityError(m, sqlstate=draw(_OPTIONAL_NAME), **o),
    E.DatabaseConnectionError: lambda draw, m, o: E.DatabaseConnectionError(
        m, sqlstate=draw(_OPTIONAL_NAME), **o
    ),
    E.OrchestrationError: lambda draw, m, o: E.OrchestrationError(m, workflow=draw(_OPTIONAL_NAME), **o),
    E.WorkflowError: lambda draw, m, o: E.WorkflowError(m, workflow=draw(_OPTIONAL_NAME), **o),
    E.StepError: lambda draw, m, o: E.StepError(
        m, workflow=draw(_OPTIONAL_NAME), step=draw(_OPTIONAL_NAME), **o
    ),
    E.CancelledError: _plain(E.CancelledError),
    E.InternalError: lambda draw, m, o: E.InternalError(m, exception_type=draw(_OPTIONAL_NAME), **o),
}
"""How to build each public ``SpineError`` class with its class-specific details drawn.

``UnregisteredError`` is left out: it only ever stands for a record whose code is unknown.
"""

_FOREIGN_CAUSES: Final[st.SearchStrategy[BaseException]] = st.builds(
    lambda kind, text: kind(text), st.sampled_from([ValueError, KeyError, OSError, RuntimeError]), st.text()
)


def spine_errors(
    classes: st.SearchStrategy[type[E.SpineError]] | None = None, *, max_cause_depth: int = 2
) -> st.SearchStrategy[E.SpineError]:
    """Instances of the public ``SpineError`` classes: details, context, retry hints, causes.

    A cause is another spine error (up to ``max_cause_depth`` deep) or a foreign exception.
    """
    kinds = st.sampled_from(list(ERROR_BUILDERS)) if classes is None else classes

    def level(causes: st.SearchStrategy[BaseException | None]) -> st.SearchStrategy[E.SpineError]:
        @st.composite
        def build(draw: st.DrawFn) -> E.SpineError:
            kind = draw(kinds)
            options: E.ErrorOptions = {
                "retryable": draw(st.none() | st.booleans()),
                "retry_after_s": draw(_RETRY_AFTER),
                "context": draw(st.none() | _JSON_OBJECTS),
                "cause": draw(causes),
            }
            return ERROR_BUILDERS[kind](draw, draw(st.text(max_size=40)), options)

        return build()

    # Built innermost first, once: a strategy made inside a draw is rebuilt on every draw.
    strategy = level(st.none() | _FOREIGN_CAUSES)
    for _ in range(max_cause_depth):
        strategy = level(st.none() | _FOREIGN_CAUSES | strategy)
    return strategy


def error_records(*, max_cause_depth: int = 2) -> st.SearchStrategy[E.ErrorRecord]:
    """``ErrorRecord`` values: registered codes with their class's category, or unknown codes.

    Details and context are arbitrary JSON objects; causes nest up to ``max_cause_depth``.
    """
    registered = st.sampled_from([(cls.code, cls.category) for cls in ERROR_BUILDERS])
    unknown = st.tuples(_NAMES.map(lambda name: f"x-unknown.{name}"), st.sampled_from(list(E.ErrorCategory)))
    codes = registered | unknown

    def level(causes: st.SearchStrategy[E.ErrorRecord | None]) -> st.SearchStrategy[E.ErrorRecord]:
        @st.composite
        def build(draw: st.DrawFn) -> E.ErrorRecord:
            code, category = draw(codes)
            return E.ErrorRecord(
                code=code,
                category=category,
                message=draw(st.text(max_size=40)),
                retryable=draw(st.booleans()),
                retry_after_s=draw(_RETRY_AFTER),
                details=dict(draw(_JSON_OBJECTS)),
                context=dict(draw(_JSON_OBJECTS)),
                cause=draw(causes),
            )

        return build()

    strategy = level(st.none())
    for _ in range(max_cause_depth):
        strategy = level(st.none() | strategy)
    return strategy
