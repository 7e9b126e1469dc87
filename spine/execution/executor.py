"""The ``Executor`` port: where attempts run (interpreters live in ``executors.py`` and ``celery``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from spine.execution.runner import Attempt, Outcome

__all__ = ["Done", "Executor"]

type Done = Callable[[Outcome], None]
"""Receives an attempt's outcome, exactly once."""


class Executor(Protocol):
    """Port: run attempts somewhere and report each outcome exactly once."""

    @property
    def inline(self) -> bool:
        """True when ``start`` runs the attempt before returning (the caller's thread)."""
        ...

    def start(self, attempt: Attempt, done: Done, /) -> None:
        """Begin ``attempt``; call ``done`` with its outcome (maybe before returning)."""
        ...

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking attempts; with ``wait``, let the running ones finish."""
        ...
