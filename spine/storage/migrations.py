"""Schema migrations: ordered, checksummed, recorded, idempotent, one migrator at a time.

# Theory of operation
# -------------------
# A ``Migration`` is data: a version, a name and a tuple of operations (``CreateTable``,
# ``CreateIndex``, canonical ``Sql`` text). Its checksum is the SHA-256 of the operations'
# msgspec encoding, so it pins the *definition*, not the SQL some sqlglot version renders
# from it (an upgrade of the renderer must not look like an edited migration).
# ``plan(migrations, applied)`` is pure: it checks that versions strictly increase, that
# every applied migration still exists with the same checksum, and that nothing pending
# sits below an applied version; it returns what to run, in order.
# ``migrate(db, ...)`` is the shell. It creates the bookkeeping tables (IF NOT EXISTS),
# takes the lock (inserting the single row of ``spine_migration_lock``: the primary key is
# the mutex; an expired holder is evicted), reads what was applied, plans, and runs each
# pending migration, recording it in the same transaction where the database has
# transactional DDL (SQLite, PostgreSQL). Where DDL commits on its own (MySQL, Oracle) every
# operation is ``IF NOT EXISTS``-guarded, so a migrator that died half-way re-runs cleanly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec
from returns.result import Failure, Result, Success

from spine.core.clock import Clock, Sleeper
from spine.core.errors import ConfigError, ConflictError, DatabaseError, IntegrityError, SpineError
from spine.storage.compiled import SqlValue
from spine.storage.database import Database
from spine.storage.sql.ddl import create_index, create_table
from spine.storage.sql.dml import delete, insert
from spine.storage.sql.predicates import Cmp
from spine.storage.sql.query import select
from spine.storage.sql.schema import Index, Table
from spine.storage.sql.statement import Statement, sql
from spine.storage.tables import (
    ANOMALIES,
    BITEMPORAL_FACTS,
    DEAD_LETTERS,
    LEASES,
    LEDGER_EVENTS,
    MIGRATION_LOCK,
    MIGRATIONS,
    QUALITY_RESULTS,
    RUNS,
)

__all__ = [
    "INFRASTRUCTURE_MIGRATIONS",
    "AppliedMigration",
    "CreateIndex",
    "CreateTable",
    "Migration",
    "MigrationReport",
    "Sql",
    "migrate",
    "plan",
]


class CreateTable(msgspec.Struct, frozen=True, tag="create_table"):
    """Create ``table`` with its indexes, if it does not exist."""

    table: Table


class CreateIndex(msgspec.Struct, frozen=True, tag="create_index"):
    """Create one index on an existing table, if it does not exist."""

    table: Table
    index: Index


class Sql(msgspec.Struct, frozen=True, tag="sql"):
    """Canonical SQL text (PostgreSQL-flavoured), compiled for each target. Make it idempotent."""

    text: str


type Operation = CreateTable | CreateIndex | Sql


class Migration(msgspec.Struct, frozen=True, kw_only=True):
    """One ordered schema change."""

    version: int
    name: str
    operations: tuple[Operation, ...]

    @property
    def checksum(self) -> str:
        """SHA-256 of the definition (version, name, operations)."""
        return hashlib.sha256(msgspec.json.encode(self)).hexdigest()

    def statements(self) -> tuple[Statement, ...]:
        """The canonical statements that carry the migration out."""
        out: list[Statement] = []
        for op in self.operations:
            match op:
                case CreateTable(table=table):
                    out.extend(create_table(table, if_not_exists=True))
                case CreateIndex(table=table, index=index):
                    out.append(create_index(table, index, if_not_exists=True))
                case Sql(text=text):
                    out.append(sql(text))
        return tuple(out)


class AppliedMigration(msgspec.Struct, frozen=True, kw_only=True):
    """A row of ``spine_migrations``."""

    version: int
    name: str
    checksum: str
    applied_at: datetime
    duration_ms: int


class MigrationReport(msgspec.Struct, frozen=True, kw_only=True):
    """What a ``migrate`` call found and did."""

    applied: tuple[int, ...]
    already: tuple[int, ...]


INFRASTRUCTURE_MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        name="infrastructure tables",
        operations=tuple(
            CreateTable(table)
            for table in (
                RUNS,
                LEDGER_EVENTS,
                LEASES,
                DEAD_LETTERS,
                QUALITY_RESULTS,
                ANOMALIES,
                BITEMPORAL_FACTS,
            )
        ),
    ),
)
"""spine's own schema history. Append; never edit an entry that has shipped."""


def plan(
    migrations: Sequence[Migration], applied: Sequence[AppliedMigration], /
) -> Result[tuple[Migration, ...], ConfigError | ConflictError]:
    """What to run, in order, after checking history against the definitions.

    >>> m1 = Migration(version=1, name="a", operations=(Sql("SELECT 1"),))
    >>> m2 = Migration(version=2, name="b", operations=(Sql("SELECT 2"),))
    >>> [m.version for m in plan([m1, m2], []).unwrap()]
    [1, 2]
    """
    versions = [m.version for m in migrations]
    if any(v < 1 for v in versions) or versions != sorted(set(versions)):
        msg = f"migration versions must be positive and strictly increasing, got {versions}"
        return Failure(ConfigError(msg, key="migrations"))
    by_version = {m.version: m for m in migrations}
    done = {a.version: a for a in applied}
    for version, row in sorted(done.items()):
        known = by_version.get(version)
        if known is None:
            msg = f"the database has migration {version} ({row.name!r}), which this code does not know"
            return Failure(ConflictError(msg, context={"version": version}))
        if known.checksum != row.checksum:
            msg = (
                f"migration {version} ({known.name!r}) was changed after it was applied: "
                f"checksum {row.checksum[:12]}… in the database, {known.checksum[:12]}… in the code"
            )
            return Failure(ConflictError(msg, context={"version": version}))
    pending = tuple(m for m in migrations if m.version not in done)
    latest = max(done, default=0)
    late = [m.version for m in pending if m.version < latest]
    if late:
        msg = f"migrations {late} are pending but {latest} is already applied (out of order)"
        return Failure(ConflictError(msg, context={"pending": late, "latest": latest}))
    return Success(pending)


_LOCK_ID = 1
_INSERT_LOCK = insert(MIGRATION_LOCK)
_READ_LOCK = select(MIGRATION_LOCK, where=[Cmp("lock_id", "=")])
_EVICT_LOCK = delete(MIGRATION_LOCK, where=[Cmp("lock_id", "="), Cmp("owner", "="), Cmp("expires_at", "=")])
_RELEASE_LOCK = delete(MIGRATION_LOCK, where=[Cmp("lock_id", "="), Cmp("owner", "=")])
_READ_APPLIED = select(MIGRATIONS, order_by=["version"])
_RECORD = insert(MIGRATIONS)
_CREATE_RETRIES = 50


class _Lock(msgspec.Struct, frozen=True):
    lock_id: int
    owner: str
    expires_at: datetime


def migrate(
    db: Database,
    /,
    migrations: Sequence[Migration] = INFRASTRUCTURE_MIGRATIONS,
    *,
    clock: Clock,
    sleeper: Sleeper,
    owner: str,
    lock_ttl_s: float = 300.0,
    wait_s: float = 60.0,
) -> Result[MigrationReport, SpineError]:
    """Bring ``db``'s schema up to date; safe to call again, and from many processes at once."""
    created = _ensure_bookkeeping(db, sleeper)
    if isinstance(created, Failure):
        return created
    locked = _acquire(db, clock, sleeper, owner, lock_ttl_s, wait_s)
    if isinstance(locked, Failure):
        return locked
    try:
        return _run(db, migrations, clock)
    finally:
        db.execute(_RELEASE_LOCK, {"lock_id": _LOCK_ID, "owner": owner})


_BOOKKEEPING = (
    *create_table(MIGRATIONS, if_not_exists=True),
    *create_table(MIGRATION_LOCK, if_not_exists=True),
)


def _ensure_bookkeeping(db: Database, sleeper: Sleeper) -> Result[None, SpineError]:
    # Before the lock exists there is nothing to serialise on: two processes may both
    # CREATE ... IF NOT EXISTS, and PostgreSQL then fails the slower one with a unique
    # violation on its catalog. Once the winner commits the table exists, and trying
    # again succeeds.
    for statement in _BOOKKEEPING:
        created = db.execute(statement)
        for _ in range(_CREATE_RETRIES):
            if not (isinstance(created, Failure) and _lost_create_race(created.failure())):
                break
            sleeper.sleep(0.02)
            created = db.execute(statement)
        if isinstance(created, Failure):
            return Failure(created.failure())
    return Success(None)


def _lost_create_race(error: SpineError) -> bool:
    # PostgreSQL reports a concurrent CREATE ... IF NOT EXISTS as a unique violation on its
    # catalog (23505) or as "type ... already exists" (42710); 42P07 is "relation exists".
    return isinstance(error, IntegrityError) or (
        isinstance(error, DatabaseError) and error.sqlstate in {"42710", "42P07"}
    )


def _acquire(  # noqa: PLR0917 - private; called once, every argument named there
    db: Database, clock: Clock, sleeper: Sleeper, owner: str, ttl_s: float, wait_s: float
) -> Result[None, SpineError]:
    deadline = clock.monotonic() + wait_s
    while True:
        now = clock.now()
        row: dict[str, SqlValue] = {
            "lock_id": _LOCK_ID,
            "owner": owner,
            "expires_at": now + timedelta(seconds=ttl_s),
        }
        taken = db.execute(_INSERT_LOCK, row)
        if isinstance(taken, Success):
            return Success(None)
        error = taken.failure()
        if not isinstance(error, IntegrityError):
            return Failure(error)
        read = db.execute(_READ_LOCK, {"lock_id": _LOCK_ID})
        if isinstance(read, Failure):
            return Failure(read.failure())
        held = read.unwrap().first_as(_Lock)
        if isinstance(held, Failure):
            return Failure(held.failure())
        holder = held.unwrap()
        if holder is not None and holder.expires_at <= now:
            evicted = db.execute(
                _EVICT_LOCK, {"lock_id": _LOCK_ID, "owner": holder.owner, "expires_at": holder.expires_at}
            )
            if isinstance(evicted, Failure):
                return Failure(evicted.failure())
            continue
        if clock.monotonic() >= deadline:
            who = holder.owner if holder is not None else "another migrator"
            msg = f"the migration lock is held by {who!r}; gave up after {wait_s:g} s"
            return Failure(ConflictError(msg, context={"holder": who}))
        sleeper.sleep(0.05)


def _run(db: Database, migrations: Sequence[Migration], clock: Clock) -> Result[MigrationReport, SpineError]:
    read = db.execute(_READ_APPLIED)
    if isinstance(read, Failure):
        return Failure(read.failure())
    decoded = read.unwrap().as_structs(AppliedMigration)
    if isinstance(decoded, Failure):
        return Failure(decoded.failure())
    applied = decoded.unwrap()
    planned = plan(migrations, applied)
    if isinstance(planned, Failure):
        return Failure(planned.failure())
    done: list[int] = []
    for migration in planned.unwrap():
        outcome = _apply(db, migration, clock)
        if isinstance(outcome, Failure):
            return Failure(outcome.failure())
        done.append(migration.version)
    return Success(MigrationReport(applied=tuple(done), already=tuple(a.version for a in applied)))


def _apply(db: Database, migration: Migration, clock: Clock) -> Result[None, SpineError]:
    started, t0 = clock.now(), clock.monotonic()
    with db.transaction() as tx:
        for statement in migration.statements():
            ran = db.execute(statement)
            if isinstance(ran, Failure):
                tx.set_rollback_only()
                return Failure(ran.failure())
        row: dict[str, SqlValue] = {
            "version": migration.version,
            "name": migration.name,
            "checksum": migration.checksum,
            "applied_at": started,
            "duration_ms": round((clock.monotonic() - t0) * 1000),
        }
        recorded = db.execute(_RECORD, row)
        if isinstance(recorded, Failure):
            tx.set_rollback_only()
            return Failure(recorded.failure())
    committed = tx.outcome
    if isinstance(committed, Failure):
        return Failure(committed.failure())
    return Success(None)
