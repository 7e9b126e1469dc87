"""``WorkSpec``: a unit of work described as data, msgspec-encoded wherever it travels."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import cast

import msgspec

from spine.core.errors import ValidationError
from spine.execution.retry import RetryPolicy

__all__ = ["WorkKind", "WorkSpec"]


class WorkKind(StrEnum):
    """What a spec asks to run."""

    TASK = "task"
    OPERATION = "operation"
    WORKFLOW = "workflow"


class WorkSpec(msgspec.Struct, frozen=True, kw_only=True):
    """What to run (a handler registered under ``name``), with what, and how.

    ``params`` is a JSON object, decoded into the handler's parameter Struct before anything
    runs. ``idempotency_key``: submitting the same key again returns the first run.
    ``retry`` (None: one attempt) decides whether and when a failed attempt runs again, by
    :func:`spine.execution.retry.next_delay`; ``timeout_s`` bounds each attempt.

    >>> spec = WorkSpec(name="ingest", params={"week": "2025-01-03"}, idempotency_key="ingest:2025-01-03")
    >>> msgspec.json.decode(msgspec.json.encode(spec), type=WorkSpec) == spec
    True
    """

    name: str
    kind: WorkKind = WorkKind.TASK
    params: dict[str, object] = {}
    idempotency_key: str | None = None
    priority: int = 0
    lane: str = "default"
    parent_run_id: str | None = None
    correlation_id: str | None = None
    retry: RetryPolicy | None = None
    timeout_s: float | None = None

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 200:
            msg = f"work name must be 1-200 characters, got {self.name!r}"
            raise ValidationError(msg, field="name", value=self.name, constraint="1-200 characters")
        if self.idempotency_key is not None and not 0 < len(self.idempotency_key) <= 200:
            msg = "idempotency_key must be 1-200 characters"
            raise ValidationError(
                msg, field="idempotency_key", value=self.idempotency_key, constraint="1-200"
            )
        where = _non_finite(self.params, "params")
        if where is not None:  # JSON has no such number: it would be stored as null
            msg = f"{where} is not a finite number: JSON cannot hold it"
            raise ValidationError(msg, field=where, constraint="finite number")
        if self.timeout_s is not None and not (math.isfinite(self.timeout_s) and self.timeout_s > 0):
            msg = f"timeout_s must be finite and > 0, got {self.timeout_s}"
            raise ValidationError(msg, field="timeout_s", value=self.timeout_s, constraint="> 0")

    @property
    def max_attempts(self) -> int:
        """How many attempts ``retry`` allows (1 without a policy)."""
        return 1 if self.retry is None else self.retry.max_attempts


def _non_finite(value: object, path: str) -> str | None:
    """Where in ``value`` (JSON-like) a NaN or an infinity is, if anywhere.

    >>> _non_finite({"a": [1.0, {"b": float("inf")}]}, "params")
    'params.a[1].b'
    >>> _non_finite({"a": 1.5}, "params") is None
    True
    """
    if isinstance(value, float):
        return None if math.isfinite(value) else path
    if isinstance(value, dict):
        items = cast("dict[object, object]", value)
        return next((w for k, v in items.items() if (w := _non_finite(v, f"{path}.{k}")) is not None), None)
    if isinstance(value, list | tuple):
        seq = cast("list[object] | tuple[object, ...]", value)
        return next((w for i, v in enumerate(seq) if (w := _non_finite(v, f"{path}[{i}]")) is not None), None)
    return None
