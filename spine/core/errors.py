"""The SpineError tree: typed failures that travel as ``Err`` values.

Every error has a ``category`` (class-level), ``retryable`` (a class default that an
instance may override), an optional ``retry_after_s`` hint, an immutable ``context``
mapping of JSON values (deep-copied and frozen: nested lists become tuples, nested
objects read-only mappings), class-specific ``details`` (for example a ``ValidationError``'s
field, value and constraint) and an optional ``cause``.

Errors convert losslessly to the msgspec :class:`ErrorRecord` (what the ledger and the
dead-letter queue store) and back: ``from_record(to_record(e)) == e``. A record holds plain
JSON containers (lists and dicts), so it compares equal to itself after a JSON or msgpack
round trip. Two errors are equal when their records are equal. A cause that is not a
``SpineError`` is recorded as the ``InternalError`` that :func:`from_exception` makes of it.

Anything that is not a ``SpineError`` becomes a **non-retryable** ``InternalError``:
an ``OSError`` or ``ConnectionError`` is not retryable merely for being one. The
interpreters at the edge (database drivers, caches, brokers) know which of their
failures are transient and say so with the specific classes below.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar, Self, TypedDict, Unpack, cast, final

import msgspec

from spine.core.json_types import JsonValue

__all__ = [
    "AuthError",
    "CancelledError",
    "ConfigError",
    "ConflictError",
    "DatabaseConnectionError",
    "DatabaseError",
    "ErrorCategory",
    "ErrorOptions",
    "ErrorRecord",
    "IntegrityError",
    "InternalError",
    "NetworkError",
    "NotFoundError",
    "OperationTimeoutError",
    "OrchestrationError",
    "QueryError",
    "RateLimitedError",
    "SourceUnavailableError",
    "SpineError",
    "StepError",
    "TransientError",
    "ValidationError",
    "WorkflowError",
    "from_exception",
    "from_record",
    "to_record",
]

_MAX_CAUSE_DEPTH = 32
_MAX_VALUE_CHARS = 200


class ErrorCategory(StrEnum):
    """What kind of failure an error is; drives retry, alerting and reporting."""

    TRANSIENT = "transient"
    VALIDATION = "validation"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    CONFIG = "config"
    AUTH = "auth"
    DATABASE = "database"
    ORCHESTRATION = "orchestration"
    CANCELLED = "cancelled"
    INTERNAL = "internal"


class ErrorRecord(msgspec.Struct, frozen=True, kw_only=True):
    """The serialisable form of a ``SpineError`` (ledger events, dead letters, checkpoints)."""

    code: str
    category: ErrorCategory
    message: str
    retryable: bool
    retry_after_s: float | None = None
    details: dict[str, object] = {}
    context: dict[str, object] = {}
    cause: ErrorRecord | None = None


class ErrorOptions(TypedDict, total=False):
    """The keyword options every ``SpineError`` constructor accepts."""

    retryable: bool | None
    retry_after_s: float | None
    context: Mapping[str, JsonValue] | None
    cause: BaseException | None


_REGISTRY: dict[str, type[SpineError]] = {}


class SpineError(Exception):
    """Base of every error spine produces or stores.

    >>> e = SpineError("boom", context={"step": "load"})
    >>> (e.category, e.retryable, dict(e.context))
    (<ErrorCategory.INTERNAL: 'internal'>, False, {'step': 'load'})
    """

    code: ClassVar[str] = "spine"
    category: ClassVar[ErrorCategory] = ErrorCategory.INTERNAL
    default_retryable: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = f"{cls.__module__}.{cls.__qualname__}"
        existing = _REGISTRY.get(cls.code)
        # The same class defined again (a module reload) may take its code back; any other
        # class may not, even one with the same name in another module.
        if existing is not None and _qualified(existing) != _qualified(cls):
            msg = f"error code {cls.code!r} is already used by {_qualified(existing)}"
            raise TypeError(msg)
        _REGISTRY[cls.code] = cls

    def __init__(self, message: str, /, **options: Unpack[ErrorOptions]) -> None:
        super().__init__(message)
        retryable = options.get("retryable")
        retry_after_s = options.get("retry_after_s")
        if retry_after_s is not None and not (math.isfinite(retry_after_s) and retry_after_s >= 0):
            msg = f"retry_after_s must be a finite number >= 0, got {retry_after_s!r}"
            raise ValueError(msg)
        self._message = message
        self._retryable = type(self).default_retryable if retryable is None else retryable
        self._retry_after_s = retry_after_s
        self._context: Mapping[str, JsonValue] = _freeze_mapping(options.get("context") or {})
        self._details: Mapping[str, JsonValue] = MappingProxyType({})
        cause = options.get("cause")
        self._cause = cause
        if cause is not None:
            self.__cause__ = cause

    @property
    def message(self) -> str:
        """The human-readable message (never holds secret values)."""
        return self._message

    @property
    def retryable(self) -> bool:
        """Whether trying again may succeed."""
        return self._retryable

    @property
    def retry_after_s(self) -> float | None:
        """The earliest sensible retry, in seconds, when the source said so."""
        return self._retry_after_s

    @property
    def context(self) -> Mapping[str, JsonValue]:
        """Where the error happened (run id, step, partition, ...); read-only."""
        return self._context

    @property
    def details(self) -> Mapping[str, JsonValue]:
        """The class-specific fields (for example field/value/constraint); read-only."""
        return self._details

    @property
    def cause(self) -> BaseException | None:
        """The error this one was raised from, if any."""
        return self._cause

    def with_context(self, **context: JsonValue) -> Self:
        """A copy of this error with ``context`` merged over the existing context."""
        return self._copy(context={**self._context, **context})

    def with_retryable(self, retryable: bool) -> Self:  # noqa: FBT001 - the flag is the point
        """A copy of this error with ``retryable`` overridden."""
        return self._copy(retryable=retryable)

    def _copy(self, **options: Unpack[ErrorOptions]) -> Self:
        merged: ErrorOptions = {
            "retryable": self._retryable,
            "retry_after_s": self._retry_after_s,
            "context": self._context,
            "cause": self._cause,
        }
        merged.update(options)
        copy = type(self)._restore(self._message, self._details, merged)  # noqa: SLF001
        if copy.__cause__ is None and self.__cause__ is not None:
            # A cause set by ``raise ... from`` (or by from_exception) is not an option: keep it.
            copy.__cause__ = self.__cause__
        return copy

    @classmethod
    def _restore(cls, message: str, details: Mapping[str, JsonValue], options: ErrorOptions) -> Self:
        """Rebuild without calling a subclass ``__init__`` (whose signature may differ)."""
        error = cls.__new__(cls, message)
        SpineError.__init__(error, message, **options)
        error._details = _freeze_mapping(details)  # noqa: SLF001
        return error

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpineError) or type(other) is not type(self):
            return NotImplemented
        return to_record(self) == to_record(other)

    def __hash__(self) -> int:
        return hash((type(self), self._message))

    def __repr__(self) -> str:
        parts = [repr(self._message)]
        parts += [f"{k}={v!r}" for k, v in self._details.items() if v is not None]
        if self._retryable != type(self).default_retryable:
            parts.append(f"retryable={self._retryable!r}")
        if self._retry_after_s is not None:
            parts.append(f"retry_after_s={self._retry_after_s!r}")
        if self._context:
            parts.append(f"context={dict(self._context)!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __reduce__(self) -> tuple[object, tuple[ErrorRecord]]:
        # Pickle (process pools, Celery) through the record: lossless, and kw-only
        # constructors need no special support.
        return (from_record, (to_record(self),))


def _with_details[E: SpineError](error: E, **details: JsonValue) -> E:
    error._details = MappingProxyType(details)  # noqa: SLF001 - construction helper of this module
    return error


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _freeze(value: JsonValue) -> JsonValue:
    """A deep, read-only copy: sequences become tuples, mappings read-only mappings."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return _freeze_mapping(value)
    if isinstance(value, Sequence):
        return tuple(_freeze(item) for item in value)
    return value


def _freeze_mapping(mapping: Mapping[str, JsonValue]) -> Mapping[str, JsonValue]:
    return MappingProxyType({key: _freeze(item) for key, item in mapping.items()})


def _thaw(value: JsonValue) -> object:
    """Plain JSON containers (lists, dicts), as a JSON or msgpack decoder gives them back."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return _thaw_mapping(value)
    if isinstance(value, Sequence):
        return [_thaw(item) for item in value]
    return value


def _thaw_mapping(mapping: Mapping[str, JsonValue]) -> dict[str, object]:
    return {key: _thaw(item) for key, item in mapping.items()}


def _safe_value(value: object) -> JsonValue:
    """A JSON-safe, bounded rendering of an offending value for error details."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        return text[:_MAX_VALUE_CHARS] + "…"
    return text


# --- transient -------------------------------------------------------------------------


class TransientError(SpineError):
    """A failure that may go away by itself: retryable by default."""

    code = "transient"
    category = ErrorCategory.TRANSIENT
    default_retryable = True


class NetworkError(TransientError):
    """A network call failed (connection refused, reset, DNS)."""

    code = "transient.network"


class OperationTimeoutError(TransientError):
    """An operation ran past its deadline."""

    code = "transient.timeout"

    def __init__(
        self, message: str, /, *, timeout_s: float | None = None, **options: Unpack[ErrorOptions]
    ) -> None:
        super().__init__(message, **options)
        _with_details(self, timeout_s=timeout_s)

    @property
    def timeout_s(self) -> float | None:
        """The deadline that passed, in seconds."""
        return cast("float | None", self._details.get("timeout_s"))


class RateLimitedError(TransientError):
    """A rate limit refused the call; ``retry_after_s`` says when to come back."""

    code = "transient.rate_limited"


class SourceUnavailableError(TransientError):
    """An upstream data source is not available right now."""

    code = "transient.source_unavailable"

    def __init__(
        self, message: str, /, *, source: str | None = None, **options: Unpack[ErrorOptions]
    ) -> None:
        super().__init__(message, **options)
        _with_details(self, source=source)

    @property
    def source(self) -> str | None:
        """The source's name."""
        return cast("str | None", self._details.get("source"))


# --- caller mistakes and state ---------------------------------------------------------


class ValidationError(SpineError, ValueError):
    """Input broke a rule. Also a ``ValueError``, so msgspec and plain callers recognise it.

    >>> e = ValidationError("must be positive", field="qty", value=-1, constraint="> 0")
    >>> (e.field, e.value, e.constraint, e.retryable)
    ('qty', -1, '> 0', False)
    """

    code = "validation"
    category = ErrorCategory.VALIDATION

    def __init__(
        self,
        message: str,
        /,
        *,
        field: str | None = None,
        value: object = None,
        constraint: str | None = None,
        **options: Unpack[ErrorOptions],
    ) -> None:
        super().__init__(message, **options)
        _with_details(self, field=field, value=_safe_value(value), constraint=constraint)

    @property
    def field(self) -> str | None:
        """The offending field's name or path."""
        return cast("str | None", self._details.get("field"))

    @property
    def value(self) -> JsonValue:
        """The offending value, JSON-safe: non-JSON values as a repr, long text truncated."""
        return self._details.get("value")

    @property
    def constraint(self) -> str | None:
        """The rule that was broken."""
        return cast("str | None", self._details.get("constraint"))


class NotFoundError(SpineError):
    """Something looked up by key does not exist."""

    code = "not_found"
    category = ErrorCategory.NOT_FOUND

    def __init__(
        self,
        message: str,
        /,
        *,
        resource: str | None = None,
        key: str | None = None,
        **options: Unpack[ErrorOptions],
    ) -> None:
        super().__init__(message, **options)
        _with_details(self, resource=resource, key=key)

    @property
    def resource(self) -> str | None:
        """What kind of thing was looked up."""
        return cast("str | None", self._details.get("resource"))

    @property
    def key(self) -> str | None:
        """The key that found nothing."""
        return cast("str | None", self._details.get("key"))


class ConflictError(SpineError):
    """The operation conflicts with the current state (duplicate, illegal transition, lease held)."""

    code = "conflict"
    category = ErrorCategory.CONFLICT


class ConfigError(SpineError):
    """Settings are missing or wrong."""

    code = "config"
    category = ErrorCategory.CONFIG

    def __init__(self, message: str, /, *, key: str | None = None, **options: Unpack[ErrorOptions]) -> None:
        super().__init__(message, **options)
        _with_details(self, key=key)

    @property
    def key(self) -> str | None:
        """The setting at fault."""
        return cast("str | None", self._details.get("key"))


class AuthError(SpineError):
    """Authentication or authorisation failed."""

    code = "auth"
    category = ErrorCategory.AUTH


# --- database --------------------------------------------------------------------------


class DatabaseError(SpineError):
    """A database operation failed; ``sqlstate`` when the driver reported one."""

    code = "database"
    category = ErrorCategory.DATABASE

    def __init__(
        self, message: str, /, *, sqlstate: str | None = None, **options: Unpack[ErrorOptions]
    ) -> None:
        super().__init__(message, **options)
        _with_details(self, sqlstate=sqlstate)

    @property
    def sqlstate(self) -> str | None:
        """The five-character SQLSTATE (or the driver's own code) when known."""
        return cast("str | None", self._details.get("sqlstate"))


class QueryError(DatabaseError):
    """A statement was rejected or failed while running."""

    code = "database.query"


class IntegrityError(DatabaseError):
    """A constraint (unique, foreign key, not null, check) was violated."""

    code = "database.integrity"


class DatabaseConnectionError(DatabaseError, TransientError):
    """The database could not be reached or dropped the connection: transient."""

    code = "database.connection"
    category = ErrorCategory.TRANSIENT
    default_retryable = True


# --- orchestration ---------------------------------------------------------------------


class OrchestrationError(SpineError):
    """A workflow could not be built or run as asked."""

    code = "orchestration"
    category = ErrorCategory.ORCHESTRATION

    def __init__(
        self, message: str, /, *, workflow: str | None = None, **options: Unpack[ErrorOptions]
    ) -> None:
        super().__init__(message, **options)
        _with_details(self, workflow=workflow)

    @property
    def workflow(self) -> str | None:
        """The workflow's name."""
        return cast("str | None", self._details.get("workflow"))


class WorkflowError(OrchestrationError):
    """The workflow as a whole failed or is invalid."""

    code = "orchestration.workflow"


class StepError(OrchestrationError):
    """One step of a workflow failed."""

    code = "orchestration.step"

    def __init__(
        self,
        message: str,
        /,
        *,
        workflow: str | None = None,
        step: str | None = None,
        **options: Unpack[ErrorOptions],
    ) -> None:
        super().__init__(message, workflow=workflow, **options)
        _with_details(self, workflow=workflow, step=step)

    @property
    def step(self) -> str | None:
        """The step's name."""
        return cast("str | None", self._details.get("step"))


class CancelledError(SpineError):
    """The work was cancelled before it finished. Not ``asyncio.CancelledError``."""

    code = "cancelled"
    category = ErrorCategory.CANCELLED


# --- anything else ---------------------------------------------------------------------


class InternalError(SpineError):
    """An unexpected failure (usually a bug); never retryable unless an interpreter says so."""

    code = "internal"
    category = ErrorCategory.INTERNAL

    def __init__(
        self,
        message: str,
        /,
        *,
        exception_type: str | None = None,
        **options: Unpack[ErrorOptions],
    ) -> None:
        super().__init__(message, **options)
        _with_details(self, exception_type=exception_type)

    @property
    def exception_type(self) -> str | None:
        """The qualified name of the foreign exception this stands for, if any."""
        return cast("str | None", self._details.get("exception_type"))


@final
class UnregisteredError(InternalError):
    """A record whose error code is not registered in this process, kept verbatim."""

    code = "internal.unregistered"

    @classmethod
    def of(cls, record: ErrorRecord) -> UnregisteredError:
        """Wrap ``record`` so that ``to_record`` gives it back unchanged."""
        options: ErrorOptions = {
            "retryable": record.retryable,
            "retry_after_s": record.retry_after_s,
            "context": cast("Mapping[str, JsonValue]", record.context),
            "cause": None if record.cause is None else from_record(record.cause),
        }
        error = cls._restore(record.message, cast("Mapping[str, JsonValue]", record.details), options)
        error._record = record  # noqa: SLF001
        return error

    def _copy(self, **options: Unpack[ErrorOptions]) -> Self:
        # with_context / with_retryable keep the foreign code and category.
        error = super()._copy(**options)
        error._record = self._record  # noqa: SLF001
        return error

    _record: ErrorRecord | None = None

    @property
    def record(self) -> ErrorRecord | None:
        """The record this error was read from (its code and category are kept)."""
        return self._record


def from_exception(exc: BaseException, /) -> SpineError:
    """``exc`` itself when it is a ``SpineError``, else a non-retryable ``InternalError``.

    >>> from_exception(ConnectionResetError("peer reset"))
    InternalError('ConnectionResetError: peer reset', exception_type='ConnectionResetError')
    >>> from_exception(ConnectionResetError("peer reset")).retryable
    False
    """
    if isinstance(exc, SpineError):
        return exc
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    text = str(exc)
    error = InternalError(f"{name}: {text}" if text else name, exception_type=name)
    # The original stays visible in tracebacks, but is not part of the record: it *is*
    # what this error records.
    error.__cause__ = exc
    return error


def to_record(exc: BaseException, /) -> ErrorRecord:
    """The lossless, serialisable record of an error (and its cause chain).

    The chain is recorded up to 32 causes deep; anything deeper is left out, so a
    pathological chain cannot blow up a ledger row.

    >>> to_record(ValidationError("bad", field="x")).code
    'validation'
    """
    return _to_record(from_exception(exc), 0)


def _to_record(error: SpineError, depth: int) -> ErrorRecord:
    code, category = type(error).code, error.category
    if isinstance(error, UnregisteredError) and error.record is not None:
        code, category = error.record.code, error.record.category
    cause = error.cause
    return ErrorRecord(
        code=code,
        category=category,
        message=error.message,
        retryable=error.retryable,
        retry_after_s=error.retry_after_s,
        details=_thaw_mapping(error.details),
        context=_thaw_mapping(error.context),
        cause=None
        if cause is None or depth >= _MAX_CAUSE_DEPTH
        else _to_record(from_exception(cause), depth + 1),
    )


def from_record(record: ErrorRecord, /) -> SpineError:
    """Rebuild the error a record was made from. Unknown codes come back verbatim.

    >>> e = ValidationError("bad", field="x", context={"run": "r1"})
    >>> from_record(to_record(e)) == e
    True
    """
    cls = _REGISTRY.get(record.code)
    if cls is None:
        return UnregisteredError.of(record)
    options: ErrorOptions = {
        "retryable": record.retryable,
        "retry_after_s": record.retry_after_s,
        "context": cast("Mapping[str, JsonValue]", record.context),
        "cause": None if record.cause is None else from_record(record.cause),
    }
    return cls._restore(record.message, cast("Mapping[str, JsonValue]", record.details), options)


_REGISTRY[SpineError.code] = SpineError
