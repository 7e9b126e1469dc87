"""Handlers for the dispatcher tests, importable by spawned worker processes."""

from __future__ import annotations

import threading
import time

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import NetworkError, SpineError, ValidationError
from spine.execution.registry import HandlerRegistry


class Add(msgspec.Struct, frozen=True):
    a: int
    b: int


class Flaky(msgspec.Struct, frozen=True):
    key: str
    failures: int


class Nap(msgspec.Struct, frozen=True):
    seconds: float


class Nothing(msgspec.Struct, frozen=True):
    pass


registry = HandlerRegistry()
CALLS: dict[str, int] = {}
GATE = threading.Event()


@registry.handler("add", params=Add)
def add(p: Add) -> Result[int, SpineError]:
    CALLS["add"] = CALLS.get("add", 0) + 1
    return Success(p.a + p.b)


@registry.handler("flaky", params=Flaky)
def flaky(p: Flaky) -> Result[str, SpineError]:
    CALLS[p.key] = CALLS.get(p.key, 0) + 1
    if CALLS[p.key] <= p.failures:
        return Failure(NetworkError(f"try {CALLS[p.key]} failed"))
    return Success(f"ok after {CALLS[p.key]}")


@registry.handler("reject", params=Nothing)
def reject(_: Nothing) -> Result[int, SpineError]:
    return Failure(ValidationError("bad input", field="x"))


@registry.handler("explode", params=Nothing)
def explode(_: Nothing) -> Result[int, SpineError]:
    msg = "boom"
    raise ConnectionResetError(msg)


@registry.handler("nap", params=Nap)
def nap(p: Nap) -> Result[float, SpineError]:
    time.sleep(p.seconds)
    return Success(p.seconds)


@registry.handler("gated", params=Nothing)
def gated(_: Nothing) -> Result[int, SpineError]:
    GATE.wait(5)
    return Success(1)
