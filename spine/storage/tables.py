"""The infrastructure tables spine owns, defined once and rendered for every dialect.

Domain packages own their own tables; these are the ones the execution, orchestration and
cross-cutting layers share. Ids are ULID text (``varchar(26)``), instants are
``TIMESTAMPTZ`` (stored as UTC everywhere), structured payloads are JSON text encoded with
msgspec, and opaque checkpoints are bytes. Every key column is an indexable ``varchar``
(never ``TEXT``, which is a LOB on Oracle and Db2). Names stay within Oracle 12.1's
30-character identifier limit.

Adding a table or a column means adding a migration (:mod:`spine.storage.migrations`),
never editing a shipped one: applied migrations are checksummed.
"""

from __future__ import annotations

from typing import Final

from spine.storage.sql.schema import Column, Index, Table
from spine.storage.sql.types import BIGINT, BYTES, INTEGER, JSON, TEXT, TIMESTAMPTZ, varchar

__all__ = [
    "ANOMALIES",
    "BITEMPORAL_FACTS",
    "DEAD_LETTERS",
    "INFRASTRUCTURE_TABLES",
    "LEASES",
    "LEDGER_EVENTS",
    "MIGRATIONS",
    "MIGRATION_LOCK",
    "QUALITY_RESULTS",
    "RUNS",
]

_ID: Final = varchar(26)
_NAME: Final = varchar(200)
_CODE: Final = varchar(40)
_HASH: Final = varchar(64)


MIGRATIONS: Final = Table(
    name="spine_migrations",
    columns=(
        Column(name="version", type=INTEGER, nullable=False),
        Column(name="name", type=_NAME, nullable=False),
        Column(name="checksum", type=_HASH, nullable=False),
        Column(name="applied_at", type=TIMESTAMPTZ, nullable=False),
        Column(name="duration_ms", type=INTEGER, nullable=False),
    ),
    primary_key=("version",),
)
"""One row per applied migration; the checksum pins what was applied."""

MIGRATION_LOCK: Final = Table(
    name="spine_migration_lock",
    columns=(
        Column(name="lock_id", type=INTEGER, nullable=False),
        Column(name="owner", type=_NAME, nullable=False),
        Column(name="expires_at", type=TIMESTAMPTZ, nullable=False),
    ),
    primary_key=("lock_id",),
)
"""At most one row: the migrator holding the lock (a primary-key insert is the lock)."""

RUNS: Final = Table(
    name="spine_runs",
    columns=(
        Column(name="run_id", type=_ID, nullable=False),
        Column(name="kind", type=_CODE, nullable=False),
        Column(name="name", type=_NAME, nullable=False),
        Column(name="status", type=_CODE, nullable=False),
        Column(name="idempotency_key", type=_NAME, nullable=False),
        Column(name="parent_run_id", type=_ID),
        Column(name="correlation_id", type=_NAME),
        Column(name="lane", type=_NAME, nullable=False, default="default"),
        Column(name="priority", type=INTEGER, nullable=False, default=0),
        Column(name="attempt", type=INTEGER, nullable=False, default=0),
        Column(name="spec", type=JSON, nullable=False),
        Column(name="result", type=BYTES),
        Column(name="error", type=JSON),
        Column(name="created_at", type=TIMESTAMPTZ, nullable=False),
        Column(name="updated_at", type=TIMESTAMPTZ, nullable=False),
        Column(name="started_at", type=TIMESTAMPTZ),
        Column(name="finished_at", type=TIMESTAMPTZ),
        Column(name="wake_at", type=TIMESTAMPTZ),
        Column(name="lease_owner", type=_NAME),
        Column(name="lease_expires_at", type=TIMESTAMPTZ),
        Column(name="last_seq", type=BIGINT, nullable=False, default=0),
        Column(name="last_hash", type=_HASH),
    ),
    primary_key=("run_id",),
    indexes=(
        Index(columns=("idempotency_key",), unique=True),
        Index(columns=("status", "wake_at")),
        Index(columns=("name", "created_at")),
        Index(columns=("parent_run_id",)),
    ),
)
"""A unit of work or a workflow run: its spec, status, lease, timer and outcome.

``idempotency_key`` is the caller's key, or the run id when the caller gave none: unique and
never NULL (a unique index over NULLs means different things on Db2 and elsewhere)."""

LEDGER_EVENTS: Final = Table(
    name="spine_ledger_events",
    columns=(
        Column(name="run_id", type=_ID, nullable=False),
        Column(name="seq", type=BIGINT, nullable=False),
        Column(name="event_id", type=_ID, nullable=False),
        Column(name="event_type", type=_CODE, nullable=False),
        Column(name="occurred_at", type=TIMESTAMPTZ, nullable=False),
        Column(name="payload", type=JSON, nullable=False),
        Column(name="prev_hash", type=_HASH, nullable=False),
        Column(name="hash", type=_HASH, nullable=False),
        Column(name="body", type=BYTES),
    ),
    primary_key=("run_id", "seq"),
)
"""Append-only events, a gap-free sequence per run, each hashing its predecessor.

``body`` is what a durable workflow's step event carries besides its payload: the step's
checkpointed value (msgpack; see :mod:`spine.orchestration.durable_codec`). A step's
checkpoint *is* its event, so one row per step is written.

Only the primary key is indexed: every write path and ``verify`` go by run. Queries by time
or type (``ExecutionLedger.window``, ``by_type``) scan; a deployment that runs them often
adds its own index with a migration (each index costs every step of every durable run a
page write: see ``bench/orchestration_durable.py``)."""

LEASES: Final = Table(
    name="spine_leases",
    columns=(
        Column(name="resource", type=_NAME, nullable=False),
        Column(name="owner", type=_NAME, nullable=False),
        Column(name="token", type=BIGINT, nullable=False),
        Column(name="acquired_at", type=TIMESTAMPTZ, nullable=False),
        Column(name="expires_at", type=TIMESTAMPTZ, nullable=False),
    ),
    primary_key=("resource",),
)
"""Named leases with a fencing token that grows on every take-over."""

DEAD_LETTERS: Final = Table(
    name="spine_dead_letters",
    columns=(
        Column(name="dead_letter_id", type=_ID, nullable=False),
        Column(name="run_id", type=_ID, nullable=False),
        Column(name="name", type=_NAME, nullable=False),
        Column(name="spec", type=JSON, nullable=False),
        Column(name="error", type=JSON, nullable=False),
        Column(name="attempts", type=INTEGER, nullable=False),
        Column(name="status", type=_CODE, nullable=False),
        Column(name="first_failed_at", type=TIMESTAMPTZ, nullable=False),
        Column(name="last_failed_at", type=TIMESTAMPTZ, nullable=False),
        Column(name="created_at", type=TIMESTAMPTZ, nullable=False),
        Column(name="replay_count", type=INTEGER, nullable=False, default=0),
        Column(name="replayed_run_id", type=_ID),
        Column(name="resolved_at", type=TIMESTAMPTZ),
        Column(name="resolution_note", type=TEXT),
    ),
    primary_key=("dead_letter_id",),
    indexes=(Index(columns=("status", "created_at")), Index(columns=("run_id",))),
)
"""Work that exhausted its retries or failed for good, with everything needed to replay it."""

QUALITY_RESULTS: Final = Table(
    name="spine_quality_results",
    columns=(
        Column(name="result_id", type=_ID, nullable=False),
        Column(name="run_id", type=_ID),
        Column(name="domain", type=_NAME, nullable=False),
        Column(name="partition_key", type=_NAME),
        Column(name="check_name", type=_NAME, nullable=False),
        Column(name="status", type=_CODE, nullable=False),
        Column(name="actual", type=JSON),
        Column(name="expected", type=JSON),
        Column(name="message", type=TEXT),
        Column(name="recorded_at", type=TIMESTAMPTZ, nullable=False),
    ),
    primary_key=("result_id",),
    indexes=(Index(columns=("domain", "recorded_at")), Index(columns=("run_id",))),
)
"""The outcome of each quality check."""

ANOMALIES: Final = Table(
    name="spine_anomalies",
    columns=(
        Column(name="anomaly_id", type=_ID, nullable=False),
        Column(name="domain", type=_NAME, nullable=False),
        Column(name="stage", type=_NAME, nullable=False),
        Column(name="partition_key", type=_NAME),
        Column(name="severity", type=_CODE, nullable=False),
        Column(name="category", type=_CODE, nullable=False),
        Column(name="message", type=TEXT, nullable=False),
        Column(name="details", type=JSON),
        Column(name="run_id", type=_ID),
        Column(name="detected_at", type=TIMESTAMPTZ, nullable=False),
        Column(name="resolved_at", type=TIMESTAMPTZ),
        Column(name="resolution_note", type=TEXT),
    ),
    primary_key=("anomaly_id",),
    indexes=(
        Index(columns=("domain", "detected_at")),
        Index(columns=("severity", "detected_at")),
        Index(columns=("resolved_at",)),
    ),
)
"""Data anomalies found along the way, until someone resolves them."""

BITEMPORAL_FACTS: Final = Table(
    name="spine_bitemporal_facts",
    columns=(
        Column(name="entity_type", type=_NAME, nullable=False),
        Column(name="entity_id", type=_NAME, nullable=False),
        Column(name="valid_from", type=TIMESTAMPTZ, nullable=False),
        Column(name="valid_to", type=TIMESTAMPTZ),
        Column(name="system_from", type=TIMESTAMPTZ, nullable=False),
        Column(name="system_to", type=TIMESTAMPTZ),
        Column(name="value", type=JSON, nullable=False),
    ),
    primary_key=("entity_type", "entity_id", "valid_from", "system_from"),
    indexes=(Index(columns=("entity_type", "entity_id", "system_to")),),
)
"""Versions of ``BiTemporalRecord`` values, never updated except to close them."""

INFRASTRUCTURE_TABLES: Final = (
    MIGRATIONS,
    MIGRATION_LOCK,
    RUNS,
    LEDGER_EVENTS,
    LEASES,
    DEAD_LETTERS,
    QUALITY_RESULTS,
    ANOMALIES,
    BITEMPORAL_FACTS,
)
"""Every table above, in creation order."""
