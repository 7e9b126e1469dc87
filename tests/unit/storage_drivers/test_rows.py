from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypedDict

import msgspec
import pytest
from returns.result import Success

from spine.core.errors import ValidationError
from spine.storage.compiled import CompiledQuery, Paramstyle
from spine.storage.connection import NO_PARAMS, ParameterError, Rows, Transaction, bind_args


class Item(msgspec.Struct, frozen=True):
    id: int
    flag: bool
    maybe: bool | None
    price: Decimal
    at: datetime
    ratio: float = 0.0


class ItemDict(TypedDict):
    id: int
    flag: bool


@dataclass(frozen=True)
class ItemData:
    id: int
    flag: bool


ROWS = Rows(
    columns=("id", "flag", "maybe", "price", "at", "ratio"),
    rows=(
        (1, 1, None, "12.50", "2024-01-02 03:04:05.000006+00:00", Decimal("0.5")),
        (2, 0, 1, Decimal("1"), datetime(2024, 1, 1, tzinfo=UTC), 2),
    ),
    rowcount=2,
)


def test_as_structs_coerces_database_representations() -> None:
    items = ROWS.as_structs(Item).unwrap()
    assert items == (
        Item(1, True, None, Decimal("12.50"), datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC), 0.5),
        Item(2, False, True, Decimal("1"), datetime(2024, 1, 1, tzinfo=UTC), 2.0),
    )


def test_other_target_kinds() -> None:
    assert ROWS.as_structs(ItemDict).unwrap()[1] == {"id": 2, "flag": False}
    assert ROWS.as_structs(ItemData).unwrap()[0] == ItemData(1, True)


def test_only_zero_and_one_become_booleans() -> None:
    error = Rows(columns=("id", "flag"), rows=((1, 2),)).as_structs(ItemData).failure()
    assert isinstance(error, ValidationError)
    assert error.field == "flag"
    assert "row 0" in error.message
    assert error.constraint == "ItemData"


def test_a_missing_column_is_a_validation_error() -> None:
    error = Rows(columns=("id",), rows=((1,),)).as_structs(Item).failure()
    assert isinstance(error, ValidationError)
    assert "flag" in error.message


def test_first_as_and_scalar() -> None:
    assert ROWS.first_as(ItemDict) == Success({"id": 1, "flag": True})
    assert Rows().first_as(ItemDict) == Success(None)
    assert ROWS.scalar() == 1
    assert Rows().scalar() is None
    assert Rows(rowcount=3).rowcount == 3
    assert dict(Rows().out) == {}


def test_bind_args() -> None:
    q = CompiledQuery(sql="", dialect="x", paramstyle=Paramstyle.QMARK, param_names=("a", "b", "a"))
    assert bind_args(q, {"a": 1, "b": None, "c": 3}) == (1, None, 1)
    missing = bind_args(q, {"b": 1})
    assert isinstance(missing, ParameterError)
    assert missing.field == "a"
    assert bind_args(CompiledQuery(sql="", dialect="x", paramstyle=Paramstyle.QMARK), NO_PARAMS) == ()


def test_transaction_handle_before_the_block_ends() -> None:
    tx = Transaction()
    assert not tx.rollback_only
    assert tx.outcome.failure().message == "the transaction has not finished"
    tx.settle(Success(True))
    assert tx.outcome == Success(True)


def test_no_params_is_immutable() -> None:
    with pytest.raises(TypeError):
        NO_PARAMS["x"] = 1  # type: ignore[index]  # proving the mapping is read-only
