"""``TemplateRegistry``: the functions and conditions a template may name.

A template refers to behaviour by name only: ``function: drop_nulls``, ``when: is_large``.
The registry, built once at start-up (a composition root), maps those names to code.
Operations (``operation: fetch_rows``) are handlers of the execution layer's
``HandlerRegistry``, which a runner needs anyway.

A function is either a plain function returning ``Result`` (it becomes a task, as
``@step`` makes one) or a ready ``Task`` (its retries, timeout, error policy and
compensation are the defaults a template may override). A condition is a predicate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sized
from typing import cast, final

from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError, NotFoundError, SpineError
from spine.orchestration.graph import Predicate
from spine.orchestration.step import Task, step
from spine.orchestration.templates.problems import known, suggest

__all__ = ["TemplateRegistry", "standard_registry"]

type AnyTask = Task[object, object, SpineError]


@final
class TemplateRegistry:
    """Name → function and name → condition, each name registered once.

    >>> from returns.result import Success
    >>> registry = TemplateRegistry()
    >>> @registry.function("double")
    ... def double(x: int) -> Result[int, SpineError]:
    ...     return Success(x * 2)
    >>> registry.register_condition("is_large", lambda x: x > 100)
    >>> registry.functions(), registry.conditions()
    (('double',), ('is_large',))
    >>> registry.get_condition("is_larg").failure().message
    "unknown condition 'is_larg'; did you mean 'is_large'? (registered: is_large)"
    """

    __slots__ = ("_conditions", "_functions")

    def __init__(self) -> None:
        self._functions: dict[str, AnyTask] = {}
        self._conditions: dict[str, Predicate] = {}

    def register_function[I, O, E: SpineError](
        self, name: str, fn: Callable[[I], Result[O, E]] | Task[I, O, E], /
    ) -> None:
        """Register a function returning ``Result``, or a ``Task``, as ``name``.

        Raises:
            ConfigError: ``name`` is empty or already registered (a bug in the set-up code).
        """
        _check_new(name, self._functions, "function")
        task = fn if isinstance(fn, Task) else step(fn)
        self._functions[name] = cast("AnyTask", task)

    def function[I, O, E: SpineError](
        self, name: str, /
    ) -> Callable[[Callable[[I], Result[O, E]]], Callable[[I], Result[O, E]]]:
        """Decorator form of :meth:`register_function`; returns the function unchanged."""

        def register(fn: Callable[[I], Result[O, E]]) -> Callable[[I], Result[O, E]]:
            self.register_function(name, fn)
            return fn

        return register

    def register_condition[T](self, name: str, predicate: Callable[[T], bool], /) -> None:
        """Register a predicate as the condition ``name`` (for ``choice`` branches).

        Raises:
            ConfigError: ``name`` is empty or already registered.
        """
        _check_new(name, self._conditions, "condition")
        self._conditions[name] = cast("Predicate", predicate)

    def condition[T](self, name: str, /) -> Callable[[Callable[[T], bool]], Callable[[T], bool]]:
        """Decorator form of :meth:`register_condition`; returns the predicate unchanged."""

        def register(predicate: Callable[[T], bool]) -> Callable[[T], bool]:
            self.register_condition(name, predicate)
            return predicate

        return register

    def get_function(self, name: str, /) -> Result[AnyTask, NotFoundError]:
        """The task registered as ``name``."""
        found = self._functions.get(name)
        if found is None:
            return Failure(_unknown("function", name, self._functions))
        return Success(found)

    def get_condition(self, name: str, /) -> Result[Predicate, NotFoundError]:
        """The predicate registered as ``name``."""
        found = self._conditions.get(name)
        if found is None:
            return Failure(_unknown("condition", name, self._conditions))
        return Success(found)

    def functions(self) -> tuple[str, ...]:
        """Every registered function name, sorted."""
        return tuple(sorted(self._functions))

    def conditions(self) -> tuple[str, ...]:
        """Every registered condition name, sorted."""
        return tuple(sorted(self._conditions))

    def __repr__(self) -> str:
        return f"TemplateRegistry(functions={len(self._functions)}, conditions={len(self._conditions)})"


def _check_new(name: str, taken: Mapping[str, object], what: str) -> None:
    if not name:
        msg = f"a {what} needs a non-empty name"
        raise ConfigError(msg, key=name)
    if name in taken:
        msg = f"a {what} named {name!r} is already registered"
        raise ConfigError(msg, key=name)


def _unknown(what: str, name: str, registered: Mapping[str, object]) -> NotFoundError:
    msg = f"unknown {what} {name!r}{suggest(name, registered)} {known(registered)}"
    return NotFoundError(msg, resource=what, key=name)


def _is_none(value: object) -> bool:
    return value is None


def _is_empty(value: object) -> bool:
    return isinstance(value, Sized) and len(value) == 0


def _is_truthy(value: object) -> bool:
    return bool(value)


def standard_registry() -> TemplateRegistry:
    """A new registry holding spine's generic conditions; register yours on top.

    Conditions: ``is_none`` (the value is null, e.g. the fallback of a failed step),
    ``is_empty`` (a sized value of length 0), ``is_truthy`` (Python truthiness).

    >>> standard_registry().conditions()
    ('is_empty', 'is_none', 'is_truthy')
    """
    registry = TemplateRegistry()
    registry.register_condition("is_none", _is_none)
    registry.register_condition("is_empty", _is_empty)
    registry.register_condition("is_truthy", _is_truthy)
    return registry
