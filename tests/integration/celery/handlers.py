"""Handlers the Celery test workers run (they import this registry by reference)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import NetworkError, SpineError
from spine.execution.registry import HandlerRegistry


class Add(msgspec.Struct, frozen=True):
    a: int
    b: int


class Stall(msgspec.Struct, frozen=True):
    """First call: note the worker's pid in ``marker``, then sleep; later calls return at once."""

    marker: str
    seconds: float


class Flaky(msgspec.Struct, frozen=True):
    """Fails (retryably) while ``marker`` has fewer than ``failures`` lines."""

    marker: str
    failures: int


class Nothing(msgspec.Struct, frozen=True):
    pass


registry = HandlerRegistry()


@registry.handler("add", params=Add)
def add(p: Add) -> Result[int, SpineError]:
    return Success(p.a + p.b)


@registry.handler("noop", params=Nothing)
def noop(_: Nothing) -> Result[None, SpineError]:
    return Success(None)


@registry.handler("stall", params=Stall)
def stall(p: Stall) -> Result[str, SpineError]:
    marker = Path(p.marker)
    if marker.exists():
        return Success("second wind")
    marker.write_text(str(os.getpid()))
    time.sleep(p.seconds)
    return Success("slept")


@registry.handler("flaky", params=Flaky)
def flaky(p: Flaky) -> Result[str, SpineError]:
    marker = Path(p.marker)
    tries = len(marker.read_text().splitlines()) if marker.exists() else 0
    with marker.open("a") as f:
        f.write("try\n")
    if tries < p.failures:
        return Failure(NetworkError(f"try {tries + 1} failed"))
    return Success(f"ok after {tries + 1}")
