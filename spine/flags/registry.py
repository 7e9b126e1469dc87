"""``FlagRegistry``: the flags a program knows, their runtime overrides, and the environment.

An *edge* module: it holds a lock. The state is an immutable :class:`FlagTable`; every change
computes the next table with the pure transitions of :mod:`spine.flags.table` and swaps it in
under the lock (so two threads setting overrides at once lose neither), while readers take the
current table with one attribute read and no lock.

Build one registry per program at its composition root, with the flags it uses and an
``EnvironmentSource``; give library code the read-only :class:`spine.flags.FeatureFlags` over
it. The process-wide default lives at the shell only (:mod:`spine.flags.default`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Final, final, overload

from returns.result import Failure, Result, Success

from spine.core.errors import NotFoundError
from spine.flags.environment import EnvironmentSource, MappingEnvironment
from spine.flags.evaluation import FlagContext
from spine.flags.flag import Flag
from spine.flags.table import (
    FlagTable,
    OverrideError,
    with_flag,
    with_override,
    without_override,
    without_overrides,
)

__all__ = ["FlagRegistry"]

_SET: Final[Result[None, OverrideError]] = Success(None)


@final
class FlagRegistry:
    """Registered flags and runtime overrides; thread-safe; environment read through a port.

    >>> from spine.flags.environment import MappingEnvironment
    >>> LIMIT = Flag.int("limit", default=5)
    >>> registry = FlagRegistry([LIMIT], environment=MappingEnvironment({"SPINE_FF_LIMIT": "7"}))
    >>> registry.set_override(LIMIT, True).failure().constraint
    'int (not bool)'
    >>> registry.set_override(LIMIT, 9), registry.snapshot().overrides["limit"]
    (<Success: None>, 9)
    >>> registry.context(LIMIT).environment
    {'SPINE_FF_LIMIT': '7'}
    """

    __slots__ = ("_environment", "_lock", "_table")

    def __init__(
        self, flags: Iterable[Flag[object]] = (), *, environment: EnvironmentSource | None = None
    ) -> None:
        """Register ``flags``; ``environment`` defaults to an empty one (never ``os.environ``).

        A name given twice is a ``ConfigError``, raised: it is a bug in the program.
        """
        self._environment: Final = MappingEnvironment() if environment is None else environment
        self._lock: Final = threading.Lock()
        self._table = FlagTable()
        for flag in flags:
            self.register(flag)

    @property
    def environment(self) -> EnvironmentSource:
        """Where ``SPINE_FF_<NAME>`` variables are read from."""
        return self._environment

    def register[T](self, flag: Flag[T], /) -> Flag[T]:
        """Register ``flag`` and return it; a name registered before raises ``ConfigError``."""
        with self._lock:
            added = with_flag(self._table, flag)
            if not isinstance(added, Success):
                raise added.failure()
            self._table = added.unwrap()
        return flag

    def flags(self) -> tuple[Flag[object], ...]:
        """Every registered flag, by name."""
        table = self._table
        return tuple(table.flags[name] for name in sorted(table.flags))

    def lookup(self, name: str, /) -> Result[Flag[object], NotFoundError]:
        """The flag registered as ``name`` (for tools that take names: a CLI, an admin page)."""
        found = self._table.flags.get(name)
        if found is None:
            msg = f"no flag named {name!r} is registered"
            return Failure(NotFoundError(msg, resource="flag", key=name))
        return Success(found)

    def snapshot(self) -> FlagTable:
        """The current flags and overrides, as an immutable value."""
        return self._table

    @overload
    def set_override(
        self,
        flag: Flag[bool],
        value: bool,  # noqa: FBT001 - positional like every other flag's value
        /,
        *,
        target: str | None = None,
    ) -> Result[None, OverrideError]: ...
    @overload
    def set_override(
        self, flag: Flag[int], value: int, /, *, target: str | None = None
    ) -> Result[None, OverrideError]: ...
    @overload
    def set_override(
        self, flag: Flag[float], value: float, /, *, target: str | None = None
    ) -> Result[None, OverrideError]: ...
    @overload
    def set_override(
        self, flag: Flag[str], value: str, /, *, target: str | None = None
    ) -> Result[None, OverrideError]: ...
    @overload
    def set_override[E: Enum](
        self, flag: Flag[E], value: E, /, *, target: str | None = None
    ) -> Result[None, OverrideError]: ...
    def set_override(
        self, flag: Flag[object], value: object, /, *, target: str | None = None
    ) -> Result[None, OverrideError]:
        """Override ``flag`` at run time (for ``target`` only, when given), ahead of the environment.

        The value is checked at run time as well: ``Err(ValidationError)`` when it is not of
        the flag's type (``True`` is not an ``int``), ``Err(NotFoundError)`` when the flag is
        not registered, ``Err(ConflictError)`` when another definition holds its name.
        """
        return self._try_change(lambda table: with_override(table, flag, value, target=target))

    def set_override_text(
        self, flag: Flag[object], text: str, /, *, target: str | None = None
    ) -> Result[None, OverrideError]:
        """Override ``flag`` with the value ``text`` spells, parsed as an environment variable is.

        For tools that only have text (a command line, an admin form).
        """
        parsed = flag.parse(text)
        if not isinstance(parsed, Success):
            return Failure(parsed.failure())
        return self._try_change(lambda table: with_override(table, flag, parsed.unwrap(), target=target))

    def clear_override(self, flag: Flag[object], /, *, target: str | None = None) -> None:
        """Drop the runtime override of ``flag`` (for ``target`` only, when given), if any."""
        self._change(lambda table: without_override(table, flag, target=target))

    def clear_overrides(self, flag: Flag[object] | None = None, /) -> None:
        """Drop every runtime override of ``flag`` (global and per-target), or of every flag."""
        self._change(lambda table: without_overrides(table, flag))

    def context(self, flag: Flag[object], target: str | None = None, /) -> FlagContext:
        """What evaluating ``flag`` for ``target`` reads now: overrides and its environment variable."""
        table = self._table
        text = self._environment.get(flag.env_var)
        return FlagContext(
            target=target,
            overrides=table.overrides,
            target_overrides=table.target_overrides,
            environment={} if text is None else {flag.env_var: text},
        )

    def _change(self, step: Callable[[FlagTable], FlagTable]) -> None:
        with self._lock:
            self._table = step(self._table)

    def _try_change(
        self, step: Callable[[FlagTable], Result[FlagTable, OverrideError]]
    ) -> Result[None, OverrideError]:
        with self._lock:
            changed = step(self._table)
            if isinstance(changed, Success):
                self._table = changed.unwrap()
                return _SET
        return Failure(changed.failure())

    def __repr__(self) -> str:
        return f"FlagRegistry(<{len(self._table.flags)} flags>)"
