"""A registry for the Celery unit tests, importable by reference."""

from __future__ import annotations

import msgspec
from returns.result import Result, Success

from spine.core.errors import SpineError
from spine.execution.registry import HandlerRegistry


class Add(msgspec.Struct, frozen=True):
    a: int
    b: int


registry = HandlerRegistry()
CALLS: list[Add] = []
NOT_A_REGISTRY = object()


@registry.handler("add", params=Add)
def add(p: Add) -> Result[int, SpineError]:
    CALLS.append(p)
    return Success(p.a + p.b)
