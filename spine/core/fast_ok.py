"""``ok(value)``: ``Success(value)`` built without returns' constructor chain.

``Success(value)`` runs two Python ``__init__`` frames and an ``object.__setattr__`` call:
on the hottest paths (a repository get, a protected call's success) that is the largest
single cost left. A ``Success``'s only state is the slot ``BaseContainer._inner_value`` (no
``__dict__``; ``Result``'s other slot, ``_trace``, only ``Failure`` sets), so ``ok`` allocates
the object and stores the value through the slot descriptor. At import it checks that the
result is indistinguishable from ``Success(value)``; should a later returns release change
its layout, ``ok`` falls back to plain ``Success`` (returns is pinned < 0.31, and
tests/integration/storage/test_repository.py pins the layout facts).

>>> ok(3) == Success(3), type(ok(3)) is Success, ok(3).map(str)
(True, True, <Success: 3>)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

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


_build_success = _build()


def ok[V](value: V, /) -> Success[V]:
    """``Success(value)``, faster."""
    return cast("Success[V]", _build_success(value))
