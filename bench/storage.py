"""Storage speed: ``BaseRepository`` vs the raw driver, as ratios measured in the same run.

Single-row INSERTs (each its own transaction) and primary-key GETs, on SQLite (a file,
WAL, synchronous=NORMAL: the same pragmas for every contender) and on PostgreSQL when it
answers (raw psycopg in autocommit, as spine runs it). SQLAlchemy Core, with its
statements built once, is measured alongside on SQLite. Contenders take turns, round by
round, and each reports its best round, so a busy machine hurts them alike.

Run: ``.venv/bin/python bench/storage.py [N] [ROUNDS]``
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import psycopg
import sqlalchemy as sa

from spine.storage.connect import connect
from spine.storage.database import Database
from spine.storage.repository import BaseRepository
from spine.storage.sql import BIGINT, TIMESTAMPTZ, Column, Table, create_table, drop_table, varchar


class Item(msgspec.Struct, frozen=True):
    id: int
    name: str
    created_at: datetime


ITEMS = Table(
    name="bench_items",
    columns=(
        Column(name="id", type=BIGINT, nullable=False),
        Column(name="name", type=varchar(100), nullable=False),
        Column(name="created_at", type=TIMESTAMPTZ, nullable=False),
    ),
    primary_key=("id",),
)
NOW = datetime(2025, 1, 3, 12, 0, tzinfo=UTC)
RAW_TABLE = "CREATE TABLE raw_items (id {key}, name VARCHAR(100) NOT NULL, created_at {ts} NOT NULL)"

type Ops = tuple[Callable[[int], object], Callable[[int], object]]  # insert(i), get(i)


def spine_ops(url: str) -> Iterator[Ops]:
    db = Database(connect(url).unwrap())
    db.execute(drop_table(ITEMS, if_exists=True)).unwrap()
    for statement in create_table(ITEMS):
        db.execute(statement).unwrap()
    repo = BaseRepository(db, ITEMS, Item)
    yield (lambda i: repo.insert(Item(i, f"item-{i}", NOW)).unwrap()), (lambda i: repo.get(i).unwrap())
    db.execute(drop_table(ITEMS)).unwrap()
    db.close()


def raw_sqlite_ops(path: Path) -> Iterator[Ops]:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(RAW_TABLE.format(key="INTEGER PRIMARY KEY", ts="TEXT"))
    insert = "INSERT INTO raw_items (id, name, created_at) VALUES (?, ?, ?)"
    get = "SELECT id, name, created_at FROM raw_items WHERE id = ?"

    def one(i: int) -> object:
        row = conn.execute(get, (i,)).fetchone()
        return Item(row[0], row[1], datetime.fromisoformat(row[2]))

    yield (lambda i: conn.execute(insert, (i, f"item-{i}", NOW.isoformat(sep=" ")))), one
    conn.close()


def sqlalchemy_ops(path: Path) -> Iterator[Ops]:
    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    meta = sa.MetaData()
    table = sa.Table(
        "sa_items",
        meta,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    meta.create_all(engine)
    ins = table.insert()
    get = sa.select(table).where(table.c.id == sa.bindparam("id"))
    with engine.connect() as conn:

        def insert(i: int) -> object:
            conn.execute(ins, {"id": i, "name": f"item-{i}", "created_at": NOW})
            conn.commit()
            return None

        yield insert, (lambda i: conn.execute(get, {"id": i}).one())
    engine.dispose()


def raw_psycopg_ops(url: str) -> Iterator[Ops]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS raw_items")
        conn.execute(RAW_TABLE.format(key="BIGINT PRIMARY KEY", ts="TIMESTAMPTZ"))
        insert = "INSERT INTO raw_items (id, name, created_at) VALUES (%s, %s, %s)"
        get = "SELECT id, name, created_at FROM raw_items WHERE id = %s"
        yield (
            (lambda i: conn.execute(insert, (i, f"item-{i}", NOW))),
            (lambda i: conn.execute(get, (i,)).fetchone()),
        )
        conn.execute("DROP TABLE raw_items")


def race(contenders: dict[str, Iterator[Ops]], n: int, rounds: int) -> dict[str, tuple[float, float]]:
    """Best per-operation seconds (insert, get) of each contender over ``rounds`` turns."""
    ops = {name: next(gen) for name, gen in contenders.items()}
    best = {name: [float("inf"), float("inf")] for name in ops}
    for r in range(rounds):
        ids = range(r * n, (r + 1) * n)
        for which in (0, 1):
            for name, pair in ops.items():
                func = pair[which]
                start = time.perf_counter()
                for i in ids:
                    func(i)
                best[name][which] = min(best[name][which], (time.perf_counter() - start) / n)
    for gen in contenders.values():
        next(gen, None)
    return {name: (b[0], b[1]) for name, b in best.items()}


def report(label: str, ours: tuple[float, float], base: tuple[float, float]) -> None:
    for what, mine, theirs in (("insert+commit", ours[0], base[0]), ("get by pk", ours[1], base[1])):
        print(f"{label:<32}{what:<15}{mine * 1e6:>8.1f} µs{theirs * 1e6:>10.1f} µs{mine / theirs:>8.2f}x")


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print(f"{n} operations x {rounds} rounds, best round; ratio = contender / raw driver")
    print(f"{'':<32}{'operation':<15}{'contender':>11}{'raw':>13}{'ratio':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        times = race(
            {
                "spine": spine_ops(f"sqlite:///{tmp}/spine.db"),
                "raw": raw_sqlite_ops(Path(tmp) / "raw.db"),
                "sqlalchemy": sqlalchemy_ops(Path(tmp) / "sa.db"),
            },
            n,
            rounds,
        )
    report("sqlite: spine BaseRepository", times["spine"], times["raw"])
    report("sqlite: SQLAlchemy Core", times["sqlalchemy"], times["raw"])
    pg = "postgresql://postgres@127.0.0.1:5432/test"
    try:
        psycopg.connect(pg, connect_timeout=2).close()
    except psycopg.OperationalError:
        print("postgres: not answering, skipped")
        return 0
    times = race({"spine": spine_ops(pg), "raw": raw_psycopg_ops(pg)}, n // 4, rounds)
    report("postgres: spine BaseRepository", times["spine"], times["raw"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
