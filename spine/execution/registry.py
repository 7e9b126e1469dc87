"""Handlers registered by name, with typed parameters checked before anything runs.

A handler is a function from a parameter Struct to ``Result[R, SpineError]``. Work crosses
threads, processes and machines as a ``WorkSpec`` naming the handler; the worker looks the
name up in its own registry, so nothing but data is ever pickled or sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import cast, final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.codec import dec_hook
from spine.core.errors import ConfigError, NotFoundError, SpineError, ValidationError

__all__ = ["Handler", "HandlerRegistry"]

type HandlerFn[P, R] = Callable[[P], Result[R, SpineError]]


@final
class Handler[P, R]:
    """One registered handler: its name, parameter type and function."""

    __slots__ = ("fn", "name", "params")

    def __init__(self, name: str, params: type[P], fn: HandlerFn[P, R]) -> None:
        self.name, self.params, self.fn = name, params, fn

    def decode(self, raw: Mapping[str, object], /) -> Result[P, ValidationError]:
        """The typed parameters from a spec's JSON object, or a ``ValidationError`` naming the field."""
        try:
            return Success(msgspec.convert(raw, self.params, dec_hook=dec_hook))
        except msgspec.ValidationError as exc:
            text = str(exc)
            field = text.rsplit("`$.", 1)[1].rstrip("`") if "`$." in text else None
            msg = f"parameters of {self.name!r} do not fit {self.params.__qualname__}: {text}"
            return Failure(ValidationError(msg, field=field, constraint=self.params.__qualname__))


@final
class HandlerRegistry:
    """Name → handler. Build one at start-up (a composition root), then only read it.

    >>> class Add(msgspec.Struct):
    ...     a: int
    ...     b: int
    >>> registry = HandlerRegistry()
    >>> @registry.handler("add", params=Add)
    ... def add(p: Add) -> Result[int, SpineError]:
    ...     return Success(p.a + p.b)
    >>> registry.get("add").unwrap().decode({"a": 1, "b": "x"}).failure().field
    'b'
    """

    __slots__ = ("_handlers",)

    def __init__(self) -> None:
        self._handlers: dict[str, Handler[object, object]] = {}

    def register[P, R](self, name: str, params: type[P], fn: HandlerFn[P, R], /) -> None:
        """Register ``fn`` under ``name``; a second registration of a name is a ``ConfigError``."""
        if name in self._handlers:
            msg = f"a handler named {name!r} is already registered"
            raise ConfigError(msg, key=name)
        self._handlers[name] = cast("Handler[object, object]", Handler(name, params, fn))

    def handler[P, R](self, name: str, /, *, params: type[P]) -> Callable[[HandlerFn[P, R]], HandlerFn[P, R]]:
        """Decorator form of :meth:`register`; returns the function unchanged."""

        def register(fn: HandlerFn[P, R]) -> HandlerFn[P, R]:
            self.register(name, params, fn)
            return fn

        return register

    def get(self, name: str, /) -> Result[Handler[object, object], NotFoundError]:
        """The handler registered as ``name``."""
        found = self._handlers.get(name)
        if found is None:
            known = ", ".join(sorted(self._handlers)) or "none"
            msg = f"no handler named {name!r} (registered: {known})"
            return Failure(NotFoundError(msg, resource="handler", key=name))
        return Success(found)

    def names(self) -> tuple[str, ...]:
        """Every registered name, sorted."""
        return tuple(sorted(self._handlers))
