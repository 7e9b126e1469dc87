"""Railway values: ``Result`` from returns, with the helpers spine users reach for.

``Ok`` and ``Err`` are aliases of returns' ``Success`` and ``Failure``, so every returns
combinator (``map``, ``bind``, ``alt``, ``lash``, ``value_or``) works on them. The helpers
here are generic in both the value type and the error type; none of them loses the error
type to ``Any``.

Under mypy, ``match r: case Ok(x)`` binds ``x`` as ``Any``, and so does ``r.unwrap()``
after ``isinstance(r, Ok)``: prefer ``.map``/``.bind``/``.value_or``, or
``returns.pipeline.is_successful(r)`` followed by ``r.unwrap()`` / ``r.failure()``, which
keep both types (``tests/typing/test_core_typing.py`` pins this).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import overload

from returns.result import Failure, Result, Success

from spine.core.errors import SpineError, from_exception

__all__ = [
    "Err",
    "Ok",
    "Result",
    "collect",
    "collect_all",
    "from_optional",
    "partition",
    "try_result",
]

Ok = Success
"""Alias of ``returns.result.Success``: the happy track."""

Err = Failure
"""Alias of ``returns.result.Failure``: the error track."""


def collect[T, E](results: Iterable[Result[T, E]], /) -> Result[tuple[T, ...], E]:
    """All the values in order, or the first error (later results are not looked at).

    >>> collect([Ok(1), Ok(2)])
    <Success: (1, 2)>
    >>> collect([Ok(1), Err("a"), Err("b")])
    <Failure: a>
    """
    values: list[T] = []
    for result in results:
        # Ask "is it a Success?": isinstance answers True from the exact-type fast path, but
        # on returns' ABC-based classes every False goes through ``__instancecheck__`` (~5x).
        if isinstance(result, Success):
            values.append(result.unwrap())
        else:
            return Failure(result.failure())
    return Success(tuple(values))


def collect_all[T, E](results: Iterable[Result[T, E]], /) -> Result[tuple[T, ...], tuple[E, ...]]:
    """All the values in order, or every error in order if there is at least one.

    >>> collect_all([Ok(1), Err("a"), Ok(3), Err("b")])
    <Failure: ('a', 'b')>
    >>> collect_all([Ok(1), Ok(2)])
    <Success: (1, 2)>
    """
    values, errors = partition(results)
    if errors:
        return Failure(errors)
    return Success(values)


def partition[T, E](results: Iterable[Result[T, E]], /) -> tuple[tuple[T, ...], tuple[E, ...]]:
    """Split results into (values, errors), each in input order.

    >>> partition([Ok(1), Err("a"), Ok(3)])
    ((1, 3), ('a',))
    """
    values: list[T] = []
    errors: list[E] = []
    for result in results:
        if isinstance(result, Success):
            values.append(result.unwrap())
        else:
            errors.append(result.failure())
    return tuple(values), tuple(errors)


def from_optional[T, E](value: T | None, error: E, /) -> Result[T, E]:
    """``Ok(value)`` unless ``value`` is None, then ``Err(error)``.

    Only ``None`` counts as missing: ``0``, ``""`` and ``[]`` are values.

    >>> from_optional(0, "missing")
    <Success: 0>
    >>> from_optional(None, "missing")
    <Failure: missing>
    """
    if value is None:
        return Failure(error)
    return Success(value)


@overload
def try_result[T](func: Callable[[], T], /) -> Result[T, SpineError]: ...
@overload
def try_result[T, E](func: Callable[[], T], /, on_error: Callable[[Exception], E]) -> Result[T, E]: ...
def try_result[T, E](
    func: Callable[[], T], /, on_error: Callable[[Exception], E] | None = None
) -> Result[T, E] | Result[T, SpineError]:
    """Call ``func``; a raised ``Exception`` becomes ``Err(on_error(exc))``.

    The default ``on_error`` is :func:`spine.core.errors.from_exception`: a ``SpineError``
    passes through unchanged and anything else becomes a non-retryable ``InternalError``.
    ``BaseException``s that are not ``Exception`` (``KeyboardInterrupt``, ``SystemExit``,
    ``GeneratorExit``) are never caught.

    >>> try_result(lambda: int("42"))
    <Success: 42>
    >>> try_result(lambda: int("x"), lambda e: type(e).__name__)
    <Failure: ValueError>
    """
    try:
        value = func()
    except Exception as exc:  # noqa: BLE001 - the whole point: exceptions become values
        if on_error is None:
            return Failure(from_exception(exc))
        return Failure(on_error(exc))
    return Success(value)
