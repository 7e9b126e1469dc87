"""The persisted run: one ``spine_runs`` row per submitted spec, changed only by CAS updates.

Every status change is an ``UPDATE ... WHERE run_id = :run_id AND status = :from_status``:
two workers can never both move a run out of the same status, and a change that lost the
race affects no row and says so.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from spine.core.errors import ErrorRecord
from spine.execution.spec import WorkSpec
from spine.execution.status import RunStatus
from spine.storage.sql.dml import update
from spine.storage.sql.predicates import Cmp, Where
from spine.storage.tables import RUNS

__all__ = ["FINISH", "MOVE", "START", "RunRecord"]


class RunRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A row of ``spine_runs``: a unit of work, or a durable workflow run (kind ``workflow``).

    For a workflow run, ``attempt`` counts the times a worker claimed it (the lease's fencing
    token), ``lease_owner`` and ``lease_expires_at`` say who holds it until when, and
    ``spec.params["input"]`` is its input.
    """

    run_id: str
    kind: str
    name: str
    status: RunStatus
    idempotency_key: str
    parent_run_id: str | None = None
    correlation_id: str | None = None
    lane: str = "default"
    priority: int = 0
    attempt: int = 0
    spec: WorkSpec
    result: bytes | None = None
    error: ErrorRecord | None = None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    wake_at: datetime | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    last_seq: int = 0
    last_hash: str | None = None


_WHERE: tuple[Where, ...] = ("run_id", Cmp("status", "=", param="from_status"))
MOVE = update(RUNS, ["status", "updated_at", "wake_at"], where=_WHERE)
"""Change status (and the wake-up time of a retry)."""
START = update(RUNS, ["status", "attempt", "started_at", "updated_at"], where=_WHERE)
"""Begin an attempt."""
FINISH = update(RUNS, ["status", "result", "error", "finished_at", "updated_at"], where=_WHERE)
"""End an attempt with its value or error."""
