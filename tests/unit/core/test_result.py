"""Laws of the Result helpers: collect, collect_all, partition, from_optional, try_result."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from spine.core.errors import (
    InternalError,
    NotFoundError,
    SpineError,
    ValidationError,
)
from spine.core.result import Err, Ok, Result, collect, collect_all, from_optional, partition, try_result

# --- strategies ------------------------------------------------------------------------


def _ok(value: int) -> Result[int, str]:
    return Ok(value)


def _err(error: str) -> Result[int, str]:
    return Err(error)


oks = st.integers().map(_ok)
errs = st.text(max_size=5).map(_err)
results = st.lists(st.one_of(oks, errs), max_size=20)
functions: st.SearchStrategy[Callable[[int], int]] = st.sampled_from(
    [lambda x: x + 1, lambda x: x * 2, lambda x: -x, lambda x: x % 7, lambda x: 0]
)


def _values(rs: Sequence[Result[int, str]]) -> list[int]:
    return [r.unwrap() for r in rs if isinstance(r, Success)]


def _errors(rs: Sequence[Result[int, str]]) -> list[str]:
    return [r.failure() for r in rs if isinstance(r, Failure)]


class _Recording:
    """An iterable that remembers how many items were pulled from it."""

    def __init__(self, items: Sequence[Result[int, str]]) -> None:
        self.items = items
        self.pulled = 0

    def __iter__(self) -> Iterator[Result[int, str]]:
        for item in self.items:
            self.pulled += 1
            yield item


# --- aliases ---------------------------------------------------------------------------


def test_ok_and_err_are_returns_success_and_failure() -> None:
    assert Ok is Success
    assert Err is Failure
    assert Ok(1).map(lambda x: x + 1) == Success(2)
    assert Err("e").alt(str.upper) == Failure("E")


# --- collect ---------------------------------------------------------------------------


@given(st.lists(st.integers(), max_size=20))
def test_collect_of_all_ok_is_ok_of_the_values_in_order(values: list[int]) -> None:
    assert collect([_ok(v) for v in values]) == Ok(tuple(values))


def test_collect_of_nothing_is_ok_of_the_empty_tuple() -> None:
    assert collect([]) == Ok(())


@given(results)
def test_collect_returns_the_first_error(rs: list[Result[int, str]]) -> None:
    errors = _errors(rs)
    expected: Result[tuple[int, ...], str] = Err(errors[0]) if errors else Ok(tuple(_values(rs)))
    assert collect(rs) == expected


@given(st.lists(oks, max_size=5), errs, st.lists(st.one_of(oks, errs), max_size=5))
def test_collect_stops_consuming_at_the_first_error(
    before: list[Result[int, str]], error: Result[int, str], after: list[Result[int, str]]
) -> None:
    source = _Recording([*before, error, *after])
    assert collect(source) == error
    assert source.pulled == len(before) + 1


def test_collect_consumes_a_one_shot_iterator() -> None:
    assert collect(iter([_ok(1), _ok(2)])) == Ok((1, 2))
    assert collect(_ok(v) for v in range(3)) == Ok((0, 1, 2))


@given(results, functions)
def test_collect_is_natural_in_the_value(rs: list[Result[int, str]], f: Callable[[int], int]) -> None:
    assert collect(r.map(f) for r in rs) == collect(rs).map(lambda t: tuple(map(f, t)))


# --- collect_all and partition ---------------------------------------------------------


@given(results)
def test_collect_all_gives_every_error_in_order(rs: list[Result[int, str]]) -> None:
    errors = _errors(rs)
    expected: Result[tuple[int, ...], tuple[str, ...]] = (
        Err(tuple(errors)) if errors else Ok(tuple(_values(rs)))
    )
    assert collect_all(rs) == expected


@given(results)
def test_collect_all_agrees_with_partition(rs: list[Result[int, str]]) -> None:
    values, errors = partition(rs)
    assert collect_all(rs) == (Err(errors) if errors else Ok(values))


@given(results)
def test_collect_all_fails_exactly_when_collect_fails(rs: list[Result[int, str]]) -> None:
    first, every = collect(rs), collect_all(rs)
    assert isinstance(first, Failure) == isinstance(every, Failure)
    if isinstance(first, Failure):
        assert every.failure()[0] == first.failure()
    else:
        assert every == first


@given(st.lists(st.integers(), max_size=10), st.lists(st.text(max_size=3), max_size=10))
def test_partition_of_values_then_errors_gives_them_back(values: list[int], errors: list[str]) -> None:
    assert partition([*map(_ok, values), *map(_err, errors)]) == (tuple(values), tuple(errors))


@given(st.lists(st.integers(), max_size=10), st.lists(st.text(max_size=3), max_size=10), st.data())
def test_partition_undoes_any_interleaving(values: list[int], errors: list[str], data: st.DataObject) -> None:
    # Each interleaving keeps the order within each list; partition must recover both.
    slots = data.draw(st.permutations([True] * len(values) + [False] * len(errors)))
    pending_values, pending_errors = iter(values), iter(errors)
    mixed = [_ok(next(pending_values)) if is_ok else _err(next(pending_errors)) for is_ok in slots]
    assert partition(mixed) == (tuple(values), tuple(errors))


@given(results)
def test_partition_matches_a_filter(rs: list[Result[int, str]]) -> None:
    values, errors = partition(rs)
    assert values == tuple(_values(rs))
    assert errors == tuple(_errors(rs))
    assert len(values) + len(errors) == len(rs)


# --- from_optional ---------------------------------------------------------------------


def test_from_optional_of_none_is_the_error() -> None:
    error = NotFoundError("no such run", resource="run", key="r1")
    assert from_optional(None, error) == Err(error)


@pytest.mark.parametrize("value", [0, 0.0, "", [], {}, (), False, b"", set()], ids=repr)
def test_from_optional_treats_falsy_values_as_present(value: object) -> None:
    assert from_optional(value, "missing") == Ok(value)


present_values: st.SearchStrategy[object] = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(),
    st.binary(),
    st.lists(st.integers()),
    st.dictionaries(st.text(), st.integers()),
    st.frozensets(st.integers()),
    st.builds(object),
)


@given(present_values)
def test_from_optional_of_anything_but_none_is_ok(value: object) -> None:
    result = from_optional(value, "missing")
    assert isinstance(result, Success)
    assert result.unwrap() is value


# --- try_result ------------------------------------------------------------------------


class _CustomError(Exception):
    pass


exception_types = st.sampled_from(
    [
        ValueError,
        KeyError,
        RuntimeError,
        ZeroDivisionError,
        OSError,
        ConnectionError,
        ConnectionResetError,
        TimeoutError,
        LookupError,
        StopIteration,
        _CustomError,
    ]
)


def _raiser(exc: BaseException) -> Callable[[], int]:
    def func() -> int:
        raise exc

    return func


@given(st.integers())
def test_try_result_wraps_the_return_value(value: int) -> None:
    assert try_result(lambda: value) == Ok(value)
    assert try_result(lambda: value, repr) == Ok(value)


@given(exception_types, st.text(max_size=20))
def test_try_result_turns_a_foreign_exception_into_a_non_retryable_internal_error(
    kind: type[Exception], text: str
) -> None:
    exc = kind(text)
    result = try_result(_raiser(exc))
    assert isinstance(result, Failure)
    error = result.failure()
    assert type(error) is InternalError
    assert not error.retryable
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    assert error.exception_type == name
    assert error.message == (f"{name}: {exc}" if str(exc) else name)
    assert error.__cause__ is exc


def test_try_result_passes_a_spine_error_through_unchanged() -> None:
    exc = ValidationError("bad qty", field="qty", value=-1)
    result = try_result(_raiser(exc))
    assert isinstance(result, Failure)
    assert result.failure() is exc


@given(exception_types, st.text(max_size=20))
def test_try_result_uses_a_custom_on_error(kind: type[Exception], text: str) -> None:
    exc = kind(text)
    seen: list[Exception] = []

    def on_error(caught: Exception) -> str:
        seen.append(caught)
        return type(caught).__name__

    assert try_result(_raiser(exc), on_error) == Err(kind.__name__)
    assert seen == [exc]
    assert seen[0] is exc


def test_try_result_does_not_call_on_error_on_success() -> None:
    def on_error(caught: Exception) -> str:
        raise AssertionError(caught)  # pragma: no cover - must not run

    assert try_result(lambda: "x", on_error) == Ok("x")


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(3), GeneratorExit()], ids=repr)
@pytest.mark.parametrize("with_handler", [False, True])
def test_try_result_never_catches_base_exceptions(exc: BaseException, with_handler: bool) -> None:
    def on_error(caught: Exception) -> str:
        raise AssertionError(caught)  # pragma: no cover - must not run

    call: Callable[[], object] = (
        (lambda: try_result(_raiser(exc), on_error)) if with_handler else (lambda: try_result(_raiser(exc)))
    )
    with pytest.raises(type(exc)) as info:
        call()
    assert info.value is exc


def test_try_result_lets_an_exception_from_on_error_propagate() -> None:
    def on_error(caught: Exception) -> SpineError:
        msg = "handler broke"
        raise RuntimeError(msg) from caught

    with pytest.raises(RuntimeError, match="handler broke"):
        try_result(_raiser(ValueError("x")), on_error)
