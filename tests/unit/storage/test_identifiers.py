"""Identifiers: invalid ones are always rejected, valid ones always quoted, generated names fit 30."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ValidationError
from spine.storage.sql import (
    BIGINT,
    DIALECT_NAMES,
    Column,
    Table,
    compile,
    generated_name,
    get_dialect,
    identifier,
    select,
)
from spine.storage.sql.identifiers import IDENTIFIER_PATTERN, MAX_GENERATED_LENGTH

VALID = st.from_regex(IDENTIFIER_PATTERN, fullmatch=True)
INVALID = st.text(max_size=80).filter(lambda s: IDENTIFIER_PATTERN.fullmatch(s) is None)
QUOTES = {"sqlite": '"{}"', "postgres": '"{}"', "mysql": "`{}`", "oracle": '"{}"', "db2": '"{}"'}


@given(INVALID)
def test_invalid_identifiers_are_rejected(name: str) -> None:
    with pytest.raises(ValidationError):
        identifier(name)
    with pytest.raises(ValidationError):
        Table(name=name, columns=(Column(name="a", type=BIGINT),))
    with pytest.raises(ValidationError):
        Column(name=name, type=BIGINT)


@given(VALID, VALID)
def test_valid_identifiers_are_always_quoted(table_name: str, column_name: str) -> None:
    table = Table(name=table_name, columns=(Column(name=column_name, type=BIGINT),))
    stmt = select(table)
    for dialect in DIALECT_NAMES:
        text = compile(stmt, get_dialect(dialect)).sql
        fold = str.upper if dialect in ("oracle", "db2") else str.lower
        quote = QUOTES[dialect]
        assert text == f"SELECT {quote.format(fold(column_name))} FROM {quote.format(fold(table_name))}"


@pytest.mark.parametrize("name", ["order", "user", "level", "size", "select", "group"])
def test_reserved_words_are_valid_because_they_are_quoted(name: str) -> None:
    assert identifier(name) == name


@pytest.mark.parametrize("name", ["Users", "_x", "1a", "a-b", "a b", 'a"b', "a" * 64, "", "é"])
def test_examples_of_invalid_identifiers(name: str) -> None:
    with pytest.raises(ValidationError, match="not a valid identifier"):
        identifier(name)


@given(VALID, st.lists(VALID, min_size=1, max_size=6))
def test_generated_names_are_deterministic_valid_and_short(table: str, columns: list[str]) -> None:
    name = generated_name("ix", table, columns)
    assert name == generated_name("ix", table, columns)
    assert len(name) <= MAX_GENERATED_LENGTH
    assert IDENTIFIER_PATTERN.fullmatch(name)


def test_long_names_differ_by_their_hash() -> None:
    a = generated_name("uq", "workflow_run_events", ["run_id", "sequence_number"])
    b = generated_name("uq", "workflow_run_events", ["run_id", "sequence_numbers"])
    assert a != b
    assert a[:21] == b[:21]
    assert re.fullmatch(r"uq_workflow_run_event_[0-9a-f]{8}", a)
