"""``ok(value)``: ``Success(value)`` built without returns' constructor chain.

The shells wrap every plain return value in ``Ok``, and ``Success(value)`` goes through
two Python ``__init__`` frames and an ``object.__setattr__`` call: on a protected call's
success path that was the largest single cost (bench/resilience_retry_breaker.py). ``ok``
allocates the object and stores the value through the slot descriptor instead. At import
it checks that the result is indistinguishable from ``Success(value)``; should a later
returns release change its layout, ``ok`` is plain ``Success`` (returns is pinned < 0.31).

>>> ok(3) == Success(3), type(ok(3)) is Success, ok(3).map(str)
(True, True, <Success: 3>)
"""

from __future__ import annotations

from collections.abc import Callable

from returns.primitives.container import BaseContainer
from returns.result import Success

__all__ = ["ok"]


def _build() -> Callable[[object], Success[object]]:
    store: Callable[[object, object], None] | None = getattr(
        BaseContainer.__dict__.get("_inner_value"), "__set__", None
    )
    if store is None:  # pragma: no cover - a returns layout we do not know
        return Success
    new: Callable[[type[Success[object]]], Success[object]] = object.__new__
    success: type[Success[object]] = Success

    def fast(value: object) -> Success[object]:
        container = new(success)
        store(container, value)
        return container

    try:
        probe = fast(42)
        same = probe == Success(42) and probe.unwrap() == 42 and repr(probe) == repr(Success(42))
    except (AttributeError, TypeError):  # pragma: no cover - a returns layout we do not know
        same = False
    return fast if same else Success


ok: Callable[[object], Success[object]] = _build()
"""``Success(value)``, faster."""
