"""The settings inside a step, as pydantic models: retry, map, wait, a choice's branch.

Shared with ``model.py`` (the steps and the document): the strict configuration and the
constrained types of names and durations. Boundary code: only ``model.py`` and
``document.py`` use it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

import msgspec
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from spine.execution.retry import RetryPolicy

__all__ = [
    "STRICT",
    "BranchModel",
    "EmptyModel",
    "MapModel",
    "NonNegative",
    "Positive",
    "Registered",
    "RetryModel",
    "StepName",
    "StepRef",
    "WaitModel",
]

STRICT = ConfigDict(extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True)
_NAME = r"^[A-Za-z_][A-Za-z0-9_-]*$"

StepName = Annotated[str, StringConstraints(pattern=_NAME, max_length=128)]
StepRef = Annotated[str, StringConstraints(pattern=r"^(\$input|[A-Za-z_][A-Za-z0-9_-]*)$", max_length=128)]
Registered = Annotated[str, StringConstraints(min_length=1, max_length=256)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class RetryModel(BaseModel):
    """Retries of a failed attempt (the fields of ``spine.execution.retry.RetryPolicy``)."""

    model_config = STRICT
    max_attempts: Annotated[int, Field(ge=1)] | None = None
    """Attempts in all, the first included (default 3)."""
    backoff: Literal["constant", "linear", "exponential"] | None = None
    base_s: NonNegative | None = None
    factor: Annotated[float, Field(ge=1, allow_inf_nan=False)] | None = None
    increment_s: NonNegative | None = None
    max_delay_s: NonNegative | None = None
    jitter: Literal["none", "full", "equal", "decorrelated"] | None = None
    deadline_s: NonNegative | None = None
    """Overall budget in seconds from the first attempt."""

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        self.policy()
        return self

    def policy(self) -> RetryPolicy:
        """The policy (``ValueError`` when the fields do not fit together)."""
        given = {k: getattr(self, k) for k in self.model_fields_set if getattr(self, k) is not None}
        try:
            return msgspec.convert(given, RetryPolicy)
        except msgspec.ValidationError as exc:
            raise ValueError(str(exc)) from None


class MapModel(BaseModel):
    """What a map applies to each element, how many at once, and how many may fail."""

    model_config = STRICT
    function: Registered | None = None
    operation: Registered | None = None
    concurrency: Annotated[int, Field(ge=1, le=1024)] = 1
    tolerated_failures: Annotated[int, Field(ge=0)] = 0
    retry: RetryModel | None = None
    timeout_s: Positive | None = None

    @model_validator(mode="after")
    def _one_body(self) -> Self:
        if (self.function is None) == (self.operation is None):
            msg = "a map applies exactly one of function and operation"
            raise ValueError(msg)
        return self


class BranchModel(BaseModel):
    """Go to ``goto`` when the registered condition ``when`` holds."""

    model_config = STRICT
    when: Registered
    """A condition registered in the TemplateRegistry."""
    goto: StepName
    """The step to run when it holds (it reads the choice)."""


class WaitModel(BaseModel):
    """A duration in seconds, or a timezone-aware deadline (ISO 8601)."""

    model_config = STRICT
    seconds: NonNegative | None = None
    until: AwareDatetime | None = None

    @field_validator("until", mode="before")
    @classmethod
    def _iso(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            msg = f"expected an ISO 8601 date-time with a timezone (2030-01-01T00:00:00Z), got {value!r}"
            raise ValueError(msg) from None

    @model_validator(mode="after")
    def _one_timer(self) -> Self:
        if (self.seconds is None) == (self.until is None):
            msg = "a wait needs exactly one of seconds and until"
            raise ValueError(msg)
        return self


class EmptyModel(BaseModel):
    """No settings (``pass: {}``)."""

    model_config = STRICT
