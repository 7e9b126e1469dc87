"""The statement corpus: every kind of DDL and DML the storage layer emits, in run order.

The golden files (``tests/storage/golden/<target>/<name>.sql``) hold each entry's compiled
form for Oracle and Db2; the live test runs the entries in order on SQLite, PostgreSQL and
MariaDB. Table names carry a prefix so live runs can use unique ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from spine.storage.compiled import SqlValue
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
    Cmp,
    Column,
    ForeignKey,
    Index,
    IsNull,
    OrderBy,
    Statement,
    Table,
    count,
    create_index,
    create_table,
    decimal,
    delete,
    drop_table,
    insert,
    select,
    sql,
    update,
    upsert,
    varchar,
)

__all__ = ["GOLDEN_PREFIX", "Entry", "corpus", "tables"]

GOLDEN_PREFIX = "sp_"

NOW = datetime(2024, 5, 17, 9, 30, 15, 123456, tzinfo=UTC)
LATER = datetime(2024, 5, 17, 10, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    """One corpus statement, sample parameters, and the targets that must refuse it."""

    name: str
    statement: Statement
    params: Mapping[str, SqlValue] = field(default_factory=dict)
    unsupported: frozenset[str] = frozenset()
    rows: int | None = None
    """How many rows the live run must return (None: do not check)."""


def tables(prefix: str) -> tuple[Table, Table, Table]:
    """The corpus tables: runs (every type, identity), kv (text key), events (composite key, FK)."""
    runs = Table(
        name=f"{prefix}runs",
        columns=(
            Column(name="id", type=BIGINT, nullable=False, identity=True),
            Column(name="name", type=varchar(100), nullable=False),
            Column(name="state", type=varchar(20), nullable=False, default="queued"),
            Column(name="attempts", type=INTEGER, nullable=False, default=0),
            Column(name="active", type=BOOLEAN, nullable=False, default=True),
            Column(name="level", type=INTEGER),
            Column(name="payload", type=JSON),
            Column(name="note", type=TEXT),
            Column(name="price", type=decimal(12, 2)),
            Column(name="ratio", type=DOUBLE),
            Column(name="day", type=DATE),
            Column(name="blob", type=BYTES),
            Column(name="created_at", type=TIMESTAMPTZ, nullable=False),
        ),
        primary_key=("id",),
        indexes=(Index(columns=("state", "created_at")),),
    )
    kv = Table(
        name=f"{prefix}kv",
        columns=(
            Column(name="k", type=varchar(64), nullable=False),
            Column(name="v", type=BIGINT),
            Column(name="flag", type=BOOLEAN, nullable=False, default=False),
            Column(name="updated_at", type=TIMESTAMPTZ),
        ),
        primary_key=("k",),
    )
    events = Table(
        name=f"{prefix}events",
        columns=(
            Column(name="run_id", type=BIGINT, nullable=False),
            Column(name="seq", type=INTEGER, nullable=False),
            Column(name="kind", type=varchar(40), nullable=False),
            Column(name="at", type=TIMESTAMPTZ, nullable=False),
        ),
        primary_key=("run_id", "seq"),
        uniques=(("run_id", "kind", "at"),),
        foreign_keys=(
            ForeignKey(columns=("run_id",), table=f"{prefix}runs", references=("id",), on_delete="cascade"),
        ),
    )
    return runs, kv, events


_RUN: Mapping[str, SqlValue] = {
    "name": "nightly",
    "state": "queued",
    "attempts": 0,
    "active": True,
    "level": 3,
    "payload": '{"k": "v", "n": 1}',
    "note": "long text",
    "price": Decimal("12.50"),
    "ratio": 0.25,
    "day": date(2024, 5, 17),
    "blob": b"\x00\x01",
    "created_at": NOW,
}
_NO_RETURNING_UPDATE = frozenset({"mysql", "mysql/8.0"})
_DB2 = frozenset({"db2", "db2/11.1"})


def corpus(prefix: str = GOLDEN_PREFIX) -> tuple[Entry, ...]:
    """Every corpus entry, in the order a live run executes them."""
    runs, kv, events = tables(prefix)
    (create_runs, create_runs_index), (create_kv,), (create_events,) = (
        create_table(t) for t in (runs, kv, events)
    )
    r, e = runs.name, events.name
    return (
        Entry("create_runs", create_runs),
        Entry("create_runs_index", create_runs_index),
        Entry("create_kv", create_kv),
        Entry("create_events", create_events),
        Entry("create_kv_if_not_exists", create_table(kv, if_not_exists=True)[0]),
        Entry(
            "create_kv_index_if_not_exists",
            create_index(kv, Index(columns=("v",)), if_not_exists=True),
            unsupported=frozenset({"mysql/8.0"}),
        ),
        Entry(
            "insert_run_returning_id",
            insert(runs, returning=["id"]),
            _RUN,
            unsupported=frozenset({"mysql/8.0"}),
            rows=1,
        ),
        Entry("insert_run", insert(runs), {**_RUN, "name": "hourly", "active": False, "level": None}),
        Entry("insert_kv", insert(kv), {"k": "a", "v": 1, "flag": True, "updated_at": NOW}),
        Entry(
            "upsert_kv_update",
            upsert(kv, ["k", "v", "updated_at"], key_columns=["k"]),
            {"k": "a", "v": 2, "updated_at": LATER},
        ),
        Entry(
            "upsert_kv_insert",
            upsert(kv, ["k", "v", "updated_at"], key_columns=["k"]),
            {"k": "b", "v": 5, "updated_at": LATER},
        ),
        Entry(
            "upsert_kv_do_nothing",
            upsert(kv, ["k", "v"], key_columns=["k"], update_columns=[]),
            {"k": "a", "v": 99},
        ),
        Entry(
            "insert_event",
            sql(
                f"INSERT INTO {e} (run_id, seq, kind, at) "
                f"SELECT id, 1, :kind, :at FROM {r} WHERE name = :name",
                param_types={"kind": varchar(40), "at": TIMESTAMPTZ},
            ),
            {"kind": "started", "at": NOW, "name": "nightly"},
        ),
        Entry(
            "update_run_state_cas",
            update(runs, ["state", "attempts"], where=["name", Cmp("state", param="expected_state")]),
            {"state": "running", "attempts": 1, "name": "nightly", "expected_state": "queued"},
        ),
        Entry(
            "update_run_returning",
            update(runs, ["level"], where=["name"], returning=["id", "level"]),
            {"level": 4, "name": "nightly"},
            unsupported=_NO_RETURNING_UPDATE,
            rows=1,
        ),
        Entry(
            "select_runs_page",
            select(
                runs,
                ["id", "name", "state"],
                where=["active"],
                order_by=[OrderBy("created_at", descending=True), "id"],
                limit=True,
                offset=True,
            ),
            {"active": True, "limit": 10, "offset": 0},
            rows=1,
        ),
        Entry(
            "select_runs_keyset",
            select(
                runs,
                ["id", "name"],
                where=[IsNull("level", negated=True)],
                order_by=["created_at", "id"],
                after=True,
                limit=True,
            ),
            {"after_created_at": datetime(2000, 1, 1, tzinfo=UTC), "after_id": 0, "limit": 5},
            rows=1,
        ),
        Entry(
            "select_for_update_skip_locked",
            select(runs, ["id"], where=["state"], for_update=True, skip_locked=True),
            {"state": "running"},
            unsupported=frozenset({"sqlite"}),
            rows=1,
        ),
        Entry("count_runs", count(runs, where=["active"]), {"active": True}, rows=1),
        Entry(
            "select_booleans",
            sql(
                f"SELECT id, attempts > :max AS exhausted, TRUE AS always FROM {r} "
                "WHERE active AND NOT (attempts > :max) ORDER BY id"
            ),
            {"max": 5},
            rows=1,
        ),
        Entry(
            "select_join_alias",
            sql(
                f"SELECT r.name, e.kind FROM {r} AS r JOIN {e} AS e ON e.run_id = r.id "
                "WHERE e.seq = :seq ORDER BY e.at DESC, r.id"
            ),
            {"seq": 1},
            rows=1,
        ),
        Entry(
            "select_json_value",
            sql(f"SELECT payload ->> 'k' AS k FROM {r} WHERE name = :name"),
            {"name": "nightly"},
            rows=1,
        ),
        Entry(
            "select_without_from",
            sql("SELECT :label AS label", param_types={"label": varchar(10)}),
            {"label": "x"},
            rows=1,
        ),
        Entry(
            "select_untyped_marker", sql("SELECT :label AS label"), {"label": "x"}, unsupported=_DB2, rows=1
        ),
        Entry(
            "select_like_percent",
            sql(f"SELECT name FROM {r} WHERE name LIKE 'night%' AND state <> :state"),
            {"state": "done"},
            rows=1,
        ),
        Entry("select_percent_without_params", sql(f"SELECT name FROM {r} WHERE name LIKE '%ly'"), rows=2),
        Entry(
            "delete_kv_returning",
            delete(kv, where=["k"], returning=["k", "v"]),
            {"k": "b"},
            unsupported=frozenset({"mysql/8.0"}),
            rows=1,
        ),
        Entry("delete_runs_by_state", delete(runs, where=["state"]), {"state": "queued"}),
        Entry("drop_events", drop_table(events)),
        Entry("drop_kv", drop_table(kv)),
        Entry("drop_runs", drop_table(runs)),
        Entry("drop_runs_if_exists", drop_table(runs, if_exists=True)),
    )
