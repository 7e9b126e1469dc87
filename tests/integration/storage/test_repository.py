"""``BaseRepository`` on live SQLite, PostgreSQL and MariaDB: every operation, and exact round trips."""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import final

import msgspec
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from returns.result import Result, Success

from spine.core.errors import (
    DatabaseError,
    IntegrityError,
    NotFoundError,
    SpineError,
    ValidationError,
)
from spine.core.fast_ok import ok as _ok
from spine.core.temporal import WeekEnding
from spine.storage.compiled import CompiledQuery
from spine.storage.connect import connect
from spine.storage.connection import NO_PARAMS, Connection, ParameterError, Params, Rows, Transaction
from spine.storage.database import Database
from spine.storage.repository import BaseRepository, Page
from spine.storage.sql import (
    BIGINT,
    BOOLEAN,
    BYTES,
    DATE,
    DOUBLE,
    INTEGER,
    JSON,
    TEXT,
    TIMESTAMPTZ,
    Column,
    Table,
    create_table,
    decimal,
    varchar,
)
from tests.integration.storage.isolated import backends, isolated

type Doc = dict[str, int | str | list[int]]


class Everything(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    big: int | None = None
    small: int | None = None
    amount: Decimal | None = None
    ratio: float | None = None
    label: str | None = None
    note: str | None = None
    at: datetime | None = None
    day: date | None = None
    flag: bool | None = None
    doc: Doc | None = None
    blob: bytes | None = None
    week: WeekEnding | None = None


EVERYTHING = Table(
    name="everything",
    columns=(
        Column(name="id", type=BIGINT, nullable=False),
        Column(name="big", type=BIGINT),
        Column(name="small", type=INTEGER),
        Column(name="amount", type=decimal(30, 10)),
        Column(name="ratio", type=DOUBLE),
        Column(name="label", type=varchar(200)),
        Column(name="note", type=TEXT),
        Column(name="at", type=TIMESTAMPTZ),
        Column(name="day", type=DATE),
        Column(name="flag", type=BOOLEAN),
        Column(name="doc", type=JSON),
        Column(name="blob", type=BYTES),
        Column(name="week", type=varchar(10)),
    ),
    primary_key=("id",),
)


class Reading(msgspec.Struct, frozen=True):
    """Plain scalars passed by position: the shape BaseRepository reads without a second validation."""

    id: int
    big: int | None
    small: int | None
    amount: Decimal | None
    ratio: float | None
    label: str | None
    note: str | None
    at: datetime | None
    day: date | None
    flag: bool | None
    blob: bytes | None


class Account(msgspec.Struct, frozen=True, kw_only=True):
    id: int | None
    owner: str
    balance: int


ACCOUNTS = Table(
    name="accounts",
    columns=(
        Column(name="id", type=BIGINT, nullable=False, identity=True),
        Column(name="owner", type=varchar(100), nullable=False),
        Column(name="balance", type=BIGINT, nullable=False),
    ),
    primary_key=("id",),
)


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with isolated(request.param, tmp_path) as (db, _):
        for table in (EVERYTHING, ACCOUNTS):
            for statement in create_table(table):
                db.execute(statement).unwrap()
        yield db


all_backends = pytest.mark.parametrize(
    "database",
    [
        pytest.param("sqlite"),
        pytest.param("postgres", marks=pytest.mark.integration),
        pytest.param("mysql", marks=pytest.mark.integration),
    ],
    indirect=True,
)

text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
rows = st.builds(
    Everything,
    id=st.integers(1, 2**63 - 1),
    big=st.none() | st.integers(-(2**63), 2**63 - 1),
    small=st.none() | st.integers(-(2**31), 2**31 - 1),
    amount=st.none()
    | st.decimals(min_value=-(10**19), max_value=10**19, places=10, allow_nan=False, allow_infinity=False),
    ratio=st.none() | st.floats(allow_nan=False, allow_infinity=False, width=64),
    label=st.none() | text,
    note=st.none() | text,
    at=st.none()
    | st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    day=st.none() | st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    flag=st.none() | st.booleans(),
    doc=st.none()
    | st.dictionaries(
        text, st.integers(-(2**31), 2**31) | text | st.lists(st.integers(0, 9), max_size=3), max_size=4
    ),
    blob=st.none() | st.binary(max_size=64),
    week=st.none()
    | st.dates(min_value=date(1900, 1, 5), max_value=date(2100, 1, 1)).map(WeekEnding.from_any_date),
)

EXTREMES = Everything(
    id=2**63 - 1,
    big=-(2**63),
    small=-(2**31),
    amount=Decimal("-9999999999999999999.9999999999"),
    ratio=-1.7976931348623157e308,
    label="",
    note="héllo 🌍 '; DROP TABLE everything; --",
    at=datetime(2038, 1, 19, 3, 14, 8, 999999, tzinfo=UTC),
    day=date(1900, 1, 1),
    flag=False,
    doc={"": 0, "k": [1, 2]},
    blob=b"\x00\xff",
    week=WeekEnding(date(2025, 1, 3)),
)


@all_backends
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=rows)
@example(row=EXTREMES)
@example(row=Everything(id=1))
def test_any_row_reads_back_exactly(database: Database, row: Everything) -> None:
    repo = BaseRepository(database, EVERYTHING, Everything)
    repo.upsert(row).unwrap()
    assert repo.get(row.id).unwrap() == row
    assert repo.delete(row.id).unwrap() is True


readings = rows.map(
    lambda e: Reading(e.id, e.big, e.small, e.amount, e.ratio, e.label, e.note, e.at, e.day, e.flag, e.blob)
)


@all_backends
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=readings)
@example(row=Reading(1, None, None, None, None, None, None, None, None, None, None))
def test_a_positional_model_reads_back_exactly(database: Database, row: Reading) -> None:
    repo = BaseRepository(database, EVERYTHING, Reading)
    assert repo.insert(row).unwrap() == row
    assert repo.get(row.id).unwrap() == row
    assert repo.find({"id": row.id}).unwrap() == (row,)
    assert repo.delete(row.id).unwrap() is True
    assert repo.get(row.id).unwrap() is None


@all_backends
def test_insert_get_update_delete(database: Database) -> None:
    repo = BaseRepository(database, EVERYTHING, Everything)
    first = Everything(id=1, label="one", flag=True)
    assert repo.insert(first).unwrap() == first
    assert repo.get(1).unwrap() == first
    assert repo.get(2).unwrap() is None
    changed = Everything(id=1, label="uno", flag=False)
    assert repo.update(changed).unwrap() == changed
    assert repo.update(changed).unwrap() == changed  # unchanged row: still found (MySQL counts it as 0)
    assert repo.get(1).unwrap() == changed
    assert isinstance(repo.update(Everything(id=99)).failure(), NotFoundError)
    assert repo.delete(1).unwrap() is True
    assert repo.delete(1).unwrap() is False


@all_backends
def test_duplicate_insert_is_an_integrity_error_value(database: Database) -> None:
    repo = BaseRepository(database, EVERYTHING, Everything)
    repo.insert(Everything(id=7)).unwrap()
    assert isinstance(repo.insert(Everything(id=7, label="again")).failure(), IntegrityError)
    assert repo.get(7).unwrap() == Everything(id=7)


@all_backends
def test_upsert_inserts_then_updates(database: Database) -> None:
    repo = BaseRepository(database, EVERYTHING, Everything)
    repo.upsert(Everything(id=5, label="new")).unwrap()
    repo.upsert(Everything(id=5, label="newer", small=3)).unwrap()
    assert repo.find().unwrap() == (Everything(id=5, label="newer", small=3),)


@all_backends
def test_find_count_and_insert_many(database: Database) -> None:
    repo = BaseRepository(database, EVERYTHING, Everything)
    items = [Everything(id=i, label="even" if i % 2 == 0 else "odd", small=i) for i in range(1, 21)]
    assert repo.insert_many(items).unwrap() == 20
    assert repo.count().unwrap() == 20
    assert repo.count({"label": "odd"}).unwrap() == 10
    evens = repo.find({"label": "even"}, order_by=["small"], limit=3).unwrap()
    assert [e.id for e in evens] == [2, 4, 6]
    assert repo.insert_many([]).unwrap() == 0


@all_backends
def test_insert_many_is_all_or_nothing(database: Database) -> None:
    repo = BaseRepository(database, EVERYTHING, Everything)
    outcome = repo.insert_many([Everything(id=1), Everything(id=2), Everything(id=1)])
    assert isinstance(outcome.failure(), IntegrityError)
    assert repo.count().unwrap() == 0


@all_backends
def test_keyset_and_offset_paging_walk_every_row_once(database: Database) -> None:
    repo = BaseRepository(database, EVERYTHING, Everything)
    repo.insert_many([Everything(id=i, label=f"l{i % 3}") for i in range(1, 24)]).unwrap()
    seen: list[int] = []
    page: Page[Everything] = repo.page(5, order_by=["label"]).unwrap()
    while True:
        seen.extend(item.id for item in page.items)
        if not page.has_more:
            break
        page = repo.page(5, after=page.items[-1], order_by=["label"]).unwrap()
    assert sorted(seen) == list(range(1, 24))
    labels = [f"l{i % 3}" for i in seen]
    assert labels == sorted(labels)
    offsets = [item.id for k in range(5) for item in repo.page_at(5, 5 * k).unwrap().items]
    assert offsets == list(range(1, 24))
    assert repo.page_at(5, 20).unwrap().has_more is False


@all_backends
def test_identity_keys_are_assigned_by_the_database(database: Database) -> None:
    repo = BaseRepository(database, ACCOUNTS, Account)
    a = repo.insert(Account(id=None, owner="ann", balance=10)).unwrap()
    b = repo.insert(Account(id=None, owner="bob", balance=20)).unwrap()
    assert a.id is not None
    assert b.id is not None
    assert b.id > a.id
    assert repo.get(b.id).unwrap() == b


@all_backends
def test_a_transaction_rolls_back_on_error(database: Database) -> None:
    repo = BaseRepository(database, EVERYTHING, Everything)

    def fail_half_way() -> None:
        with database.transaction():
            repo.insert(Everything(id=1)).unwrap()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert repo.count().unwrap() == 0
    with database.transaction() as tx:
        repo.insert(Everything(id=2)).unwrap()
        repo.insert(Everything(id=3)).unwrap()
    assert tx.outcome.unwrap() is True
    assert repo.count().unwrap() == 2


@all_backends
def test_names_never_come_from_the_caller(database: Database) -> None:
    repo = BaseRepository(database, EVERYTHING, Everything)
    error = repo.find({"label; DROP TABLE everything; --": "x"}).failure()
    assert isinstance(error, ValidationError)
    assert isinstance(repo.count({"no_such_column": 1}).failure(), ValidationError)
    assert isinstance(repo.get(1, 2).failure(), ValidationError)
    assert repo.count().unwrap() == 0  # the table is still there


@all_backends
def test_a_value_a_column_cannot_hold_is_a_validation_error_and_nothing_runs(database: Database) -> None:
    repo = BaseRepository(database, EVERYTHING, Everything)
    odd = Everything(id=1, doc={"a": object()})  # type: ignore[dict-item]  # what untyped callers pass
    for refused in (repo.insert(odd), repo.upsert(odd), repo.update(odd), repo.insert_many([odd])):
        error = refused.failure()
        assert isinstance(error, ValidationError), error
        assert error.field == "doc"
        assert str(error).startswith("everything.doc: cannot store a dict: spine cannot encode objects")
    repo.insert(Everything(id=2)).unwrap()
    assert isinstance(repo.page(5, after=odd).failure(), ValidationError)
    assert repo.count().unwrap() == 1


@all_backends
def test_text_that_is_not_unicode_is_a_parameter_error_on_every_path(database: Database) -> None:
    repo = BaseRepository(database, EVERYTHING, Everything)
    bad = Everything(id=1, label="caf\udce9")
    with database.transaction() as tx:
        for refused in (
            repo.insert(bad),
            repo.upsert(bad),
            repo.insert_many([Everything(id=2), bad]),
            repo.find({"note": "\udcff"}),
            repo.get("\ud800"),
        ):
            error = refused.failure()
            assert isinstance(error, ParameterError), error
            assert isinstance(error, ValidationError)
        # Nothing ran, so the transaction is still good for the next statement.
        repo.insert(Everything(id=3, doc={"text": "caf\u00e9"})).unwrap()
    assert tx.outcome.unwrap() is True
    assert [e.id for e in repo.find().unwrap()] == [3]
    error = repo.find({"label": "x\udcff"}).failure()
    assert isinstance(error, ParameterError)
    assert (error.field, error.value) == ("label", "x\\udcff")
    assert str(error) == "parameter :label is not valid Unicode text (surrogates not allowed)"


@all_backends
def test_offset_paging_refuses_unknown_names_as_a_value_and_never_reuses_keyset_statements(
    database: Database,
) -> None:
    repo = BaseRepository(database, EVERYTHING, Everything)
    repo.insert_many([Everything(id=i) for i in range(1, 8)]).unwrap()
    assert isinstance(repo.page_at(3, 0, order_by=["id; DROP TABLE everything"]).failure(), ValidationError)
    assert [e.id for e in repo.page(3).unwrap().items] == [1, 2, 3]  # same order, no offset
    assert [e.id for e in repo.page_at(3, 3).unwrap().items] == [4, 5, 6]
    assert [e.id for e in repo.page(3).unwrap().items] == [1, 2, 3]


def test_a_model_must_match_its_table() -> None:
    class Stray(msgspec.Struct):
        id: int
        nope: str

    class Keyless(msgspec.Struct):
        label: str

    db = Database.__new__(Database)
    with pytest.raises(ValidationError, match="not columns"):
        BaseRepository(db, EVERYTHING, Stray)
    with pytest.raises(ValidationError, match="primary key"):
        BaseRepository(db, EVERYTHING, Keyless)


@final
class Forwarding:
    """A wrapper around a Connection, as a tracer or a metrics layer would be: it forwards
    everything, and counts the statements that went through its ``execute``."""

    def __init__(self, inner: Connection) -> None:
        self.inner = inner
        self.executed = 0

    @property
    def dialect(self) -> str:
        return self.inner.dialect

    @property
    def server_version(self) -> str:
        return self.inner.server_version

    def execute(self, query: CompiledQuery, params: Params = NO_PARAMS, /) -> Result[Rows, DatabaseError]:
        self.executed += 1
        return self.inner.execute(query, params)

    def executemany(self, query: CompiledQuery, rows: Sequence[Params], /) -> Result[int, DatabaseError]:
        return self.inner.executemany(query, rows)

    def transaction(self) -> AbstractContextManager[Transaction]:
        return self.inner.transaction()

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def _outcome(result: Result[object, SpineError]) -> object:
    if isinstance(result, Success):
        return ("ok", result.unwrap())
    error = result.failure()
    return (type(error).__name__, str(error), getattr(error, "sqlstate", None), error.retryable)


def _scenario(db: Database) -> list[object]:
    """get/insert on every path that decides something before, in and after the driver."""
    repo = BaseRepository(db, EVERYTHING, Reading)
    one = Reading(
        1, 2, 3, Decimal("4.50"), 0.5, "x", "y", datetime(2024, 1, 2, tzinfo=UTC), None, True, b"\0"
    )
    seen: list[object] = [
        _outcome(repo.insert(one)),
        _outcome(repo.insert(one)),  # duplicate key
        _outcome(repo.get(1)),
        _outcome(repo.get(2)),
        _outcome(repo.get(1, 2)),  # wrong arity
        _outcome(repo.get(datetime(2024, 1, 1))),  # naive datetime key
        _outcome(
            repo.insert(
                Reading(5, None, None, None, None, None, None, datetime(2024, 1, 1), None, None, None)
            )
        ),
        _outcome(repo.insert(Reading(6, None, None, None, None, "\udcff", None, None, None, None, None))),
        _outcome(repo.get("\udcff")),  # not valid Unicode
    ]
    with db.transaction() as tx:
        seen.append(_outcome(repo.insert(one)))  # fails: dooms the transaction
        seen.append(_outcome(repo.get(1)))  # refused without running
        seen.append(
            _outcome(repo.insert(Reading(3, None, None, None, None, None, None, None, None, None, None)))
        )
    seen.append(_outcome(tx.outcome))
    seen.append(_outcome(repo.get(3)))
    db.close()
    seen.append(_outcome(repo.get(1)))
    seen.append(_outcome(repo.insert(one)))
    return seen


def test_the_sqlite_fast_path_decides_exactly_as_the_port(tmp_path: Path) -> None:
    direct = Database(connect(f"sqlite:///{tmp_path / 'direct.db'}").unwrap())
    wrapped = Forwarding(connect(f"sqlite:///{tmp_path / 'wrapped.db'}").unwrap())
    via_port = Database(wrapped)
    for db in (direct, via_port):
        for statement in create_table(EVERYTHING):
            db.execute(statement).unwrap()
    before = wrapped.executed
    fast, port = _scenario(direct), _scenario(via_port)
    assert fast == port
    # A wrapper's own execute is never skipped: every get and insert above went through it.
    assert wrapped.executed - before >= 9
    kinds = {o[0] for o in fast if isinstance(o, tuple)}
    assert {"ok", "IntegrityError", "ValidationError", "ParameterError", "QueryError"} <= kinds
    assert {"DatabaseConnectionError"} <= kinds


@pytest.mark.parametrize("value", [None, 0, "x", (1, 2), Reading(1, *[None] * 10), Everything(id=2)])
def test_the_fast_success_is_a_success(value: object) -> None:
    # What _ok relies on: the state of a Success is _inner_value and nothing else (Result's
    # other slot, _trace, is only ever set by Failure's __init__).
    slots = {name for cls in Success.__mro__ for name in vars(cls).get("__slots__", ())}
    assert slots == {"_inner_value", "_trace"}
    built, expected = _ok(value), Success(value)
    for container in (built, expected):
        assert not hasattr(container, "__dict__")
        assert not hasattr(container, "_trace")
    assert type(built) is Success
    assert built == expected
    assert expected == built
    assert hash(built) == hash(expected)
    assert repr(built) == repr(expected)
    assert built.unwrap() is value
    assert built.map(str) == expected.map(str)
    assert pickle.loads(pickle.dumps(built)) == expected


pytestmark = [pytest.mark.filterwarnings("error")]
_ = backends
