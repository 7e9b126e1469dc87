"""``BaseRepository`` on live SQLite, PostgreSQL and MariaDB: every operation, and exact round trips."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from spine.core.errors import IntegrityError, NotFoundError, ValidationError
from spine.core.temporal import WeekEnding
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


pytestmark = [pytest.mark.filterwarnings("error")]
_ = backends
