"""``ExecutionContext``: who is running what, on behalf of which batch and parent."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from spine.core.errors import ValidationError
from spine.core.ids import BatchId, ExecutionId

__all__ = ["ExecutionContext"]


class ExecutionContext(msgspec.Struct, frozen=True, kw_only=True):
    """Lineage of one execution. Ids and the start time are passed in, never read here.

    >>> from datetime import UTC, datetime
    >>> t0 = datetime(2025, 1, 3, tzinfo=UTC)
    >>> root = ExecutionContext(execution_id=ExecutionId("E1"), started_at=t0)
    >>> child = root.with_batch(BatchId("B1")).child(ExecutionId("E2"), started_at=t0)
    >>> (child.parent_id, child.batch_id, child.depth)
    ('E1', 'B1', 1)
    """

    execution_id: ExecutionId
    started_at: datetime
    batch_id: BatchId | None = None
    parent_id: ExecutionId | None = None
    depth: int = 0

    def __post_init__(self) -> None:
        if self.started_at.tzinfo is None or self.started_at.utcoffset() != timedelta(0):
            msg = f"started_at must be a timezone-aware UTC datetime, got {self.started_at.isoformat()}"
            raise ValidationError(
                msg, field="started_at", value=self.started_at.isoformat(), constraint="UTC"
            )
        if not self.execution_id:
            msg = "execution_id must not be empty"
            raise ValidationError(msg, field="execution_id", constraint="non-empty")
        if self.depth < 0:
            msg = f"depth must be >= 0, got {self.depth}"
            raise ValidationError(msg, field="depth", value=self.depth, constraint=">= 0")

    def child(self, execution_id: ExecutionId, /, *, started_at: datetime) -> ExecutionContext:
        """A context for work started by this one: same batch, this one as parent.

        A child cannot reuse its parent's id: lineage would loop.
        """
        if execution_id == self.execution_id:
            msg = f"a child execution cannot reuse its parent's id {execution_id!r}"
            raise ValidationError(msg, field="execution_id", value=execution_id, constraint="!= parent id")
        return ExecutionContext(
            execution_id=execution_id,
            started_at=started_at,
            batch_id=self.batch_id,
            parent_id=self.execution_id,
            depth=self.depth + 1,
        )

    def with_batch(self, batch_id: BatchId, /) -> ExecutionContext:
        """The same context, assigned to ``batch_id``."""
        return ExecutionContext(
            execution_id=self.execution_id,
            started_at=self.started_at,
            batch_id=batch_id,
            parent_id=self.parent_id,
            depth=self.depth,
        )
