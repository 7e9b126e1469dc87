"""``bind``: named values to driver parameters, with the Oracle empty-string policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.pipeline import is_successful

from spine.core.errors import ValidationError
from spine.storage.sql import UnsupportedSqlError, bind, compile, get_dialect, sql
from tests.unit.storage.helpers import ALL_TARGETS, target

STMT = sql("SELECT a FROM t WHERE a = :a AND b = :b AND c = :a")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("sqlite", (1, "x", 1)),
        ("postgres", (1, "x", 1)),
        ("mysql", (1, "x", 1)),
        ("oracle", (1, "x", 1)),
        ("oracle:named", {"a": 1, "b": "x"}),
        ("db2", (1, "x", 1)),
    ],
)
def test_binds_in_placeholder_order(key: str, expected: object) -> None:
    assert bind(compile(STMT, target(key)), {"b": "x", "a": 1, "unused": 3}).unwrap() == expected


def test_missing_parameters_are_a_validation_error() -> None:
    error = bind(compile(STMT, get_dialect("postgres")), {"a": 1}).failure()
    assert isinstance(error, ValidationError)
    assert error.field == "b"


@pytest.mark.parametrize("key", ["oracle", "oracle/23", "oracle:named"])
def test_oracle_refuses_empty_strings(key: str) -> None:
    error = bind(compile(STMT, target(key)), {"a": 1, "b": ""}).failure()
    assert error.field == "b"
    assert "Oracle stores as NULL" in str(error)


@pytest.mark.parametrize("key", ["sqlite", "postgres", "mysql", "db2"])
def test_other_targets_keep_empty_strings(key: str) -> None:
    assert bind(compile(STMT, target(key)), {"a": 1, "b": ""}).unwrap() == (1, "", 1)


def test_oracle_empty_string_literals_are_refused_at_compile_time() -> None:
    with pytest.raises(UnsupportedSqlError, match="empty string literal"):
        compile(sql("UPDATE t SET a = '' WHERE b = :b"), get_dialect("oracle"))


def test_oracle_binds_booleans_as_numbers() -> None:
    assert bind(compile(STMT, get_dialect("oracle")), {"a": True, "b": False}).unwrap() == (1, 0, 1)
    assert bind(compile(STMT, get_dialect("postgres")), {"a": True, "b": False}).unwrap() == (
        True,
        False,
        True,
    )


values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(), st.binary(), st.datetimes(timezones=st.just(UTC))
)


@given(st.sampled_from(ALL_TARGETS), values, values)
def test_bind_is_total_and_lines_up_with_param_names(key: str, a: object, b: object) -> None:
    query = compile(STMT, target(key))
    result = bind(query, {"a": a, "b": b})  # type: ignore[dict-item]  # arbitrary values on purpose
    refused = query.dialect == "oracle" and "" in (a, b) and (type(a) is str or type(b) is str)
    assert is_successful(result) != refused
    if not refused and not isinstance(result.unwrap(), dict):
        assert len(result.unwrap()) == len(query.param_names)


@pytest.mark.parametrize(("key", "expected"), [("oracle", ("x", 1)), ("oracle:named", {"v": "x", "k": 1})])
def test_output_binds_are_left_to_the_interpreter(key: str, expected: object) -> None:
    query = compile(sql("UPDATE t SET v = :v WHERE k = :k RETURNING id"), target(key))
    assert query.out_binds == ("id",)
    assert query.param_names[-1] == "id"
    assert bind(query, {"v": "x", "k": 1}).unwrap() == expected


def test_an_input_and_an_output_may_share_a_name_under_numeric() -> None:
    query = compile(sql("DELETE FROM t WHERE id = :id RETURNING id"), get_dialect("oracle"))
    assert (query.sql, query.param_names, query.out_binds) == (
        'DELETE FROM "T" WHERE "ID" = :1 RETURNING "ID" INTO :2',
        ("id", "id"),
        ("id",),
    )
    assert bind(query, {"id": 7}).unwrap() == (7,)


def test_datetimes_pass_through_unchanged() -> None:
    instant = datetime(2024, 1, 1, tzinfo=UTC)
    assert bind(compile(STMT, get_dialect("db2")), {"a": instant, "b": "x"}).unwrap() == (
        instant,
        "x",
        instant,
    )
