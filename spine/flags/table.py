"""The registry's state as a value: registered flags and runtime overrides, with pure transitions.

# Theory of operation
# -------------------
# A ``FlagTable`` is immutable. Each change (register a flag, set or clear an override)
# is a function from one table to the next, checked here: a duplicate name, an override of
# a flag that is not registered (or a different flag under a registered name), and a value
# of the wrong type are refused. ``FlagRegistry`` (the edge) holds the current table and
# swaps in the next one under a lock, so readers take the current table without locking
# and never see half a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Never

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError, ConflictError, NotFoundError, ValidationError
from spine.flags.flag import Flag

__all__ = [
    "FlagTable",
    "OverrideError",
    "with_flag",
    "with_override",
    "without_override",
    "without_overrides",
]

type OverrideError = ValidationError | NotFoundError | ConflictError
"""Why an override was refused: wrong type, unknown flag, or another flag under that name."""

_EMPTY: Final[Mapping[str, Never]] = MappingProxyType({})


class FlagTable(msgspec.Struct, frozen=True, kw_only=True):
    """Registered flags by name, runtime overrides by name, and per-target overrides by name and target."""

    flags: Mapping[str, Flag[object]] = _EMPTY
    overrides: Mapping[str, object] = _EMPTY
    target_overrides: Mapping[str, Mapping[str, object]] = _EMPTY


def with_flag(table: FlagTable, flag: Flag[object], /) -> Result[FlagTable, ConfigError]:
    """``table`` with ``flag`` registered; a name registered before is a ``ConfigError``.

    >>> table = with_flag(FlagTable(), Flag.bool("new_ui")).unwrap()
    >>> with_flag(table, Flag.int("new_ui", default=1)).failure().key
    'new_ui'
    """
    if flag.name in table.flags:
        msg = f"a flag named {flag.name!r} is already registered"
        return Failure(ConfigError(msg, key=flag.name))
    flags = MappingProxyType({**table.flags, flag.name: flag})
    return Success(FlagTable(flags=flags, overrides=table.overrides, target_overrides=table.target_overrides))


def with_override(
    table: FlagTable, flag: Flag[object], value: object, /, *, target: str | None = None
) -> Result[FlagTable, OverrideError]:
    """``table`` with ``value`` overriding ``flag`` (for ``target`` only, when given).

    >>> table = with_flag(FlagTable(), Flag.int("limit", default=5)).unwrap()
    >>> with_override(table, Flag.int("limit", default=5), 9).unwrap().overrides["limit"]
    9
    >>> with_override(table, Flag.int("limit", default=5), True).failure().constraint
    'int (not bool)'
    """
    registered = _registered(table, flag)
    if not isinstance(registered, Success):
        return Failure(registered.failure())
    checked = flag.coerce(value)
    if not isinstance(checked, Success):
        return Failure(checked.failure() if target is None else checked.failure().with_context(target=target))
    name, normal = flag.name, checked.unwrap()
    if target is None:
        overrides = MappingProxyType({**table.overrides, name: normal})
        return Success(
            FlagTable(flags=table.flags, overrides=overrides, target_overrides=table.target_overrides)
        )
    per_target = MappingProxyType({**table.target_overrides.get(name, _EMPTY), target: normal})
    target_overrides = MappingProxyType({**table.target_overrides, name: per_target})
    return Success(FlagTable(flags=table.flags, overrides=table.overrides, target_overrides=target_overrides))


def without_override(table: FlagTable, flag: Flag[object], /, *, target: str | None = None) -> FlagTable:
    """``table`` without the override of ``flag`` (for ``target`` only, when given); absent is fine.

    >>> table = with_flag(FlagTable(), Flag.bool("new_ui")).unwrap()
    >>> on = with_override(table, Flag.bool("new_ui"), True).unwrap()
    >>> without_override(on, Flag.bool("new_ui")) == table
    True
    """
    name = flag.name
    if target is None:
        if name not in table.overrides:
            return table
        overrides = MappingProxyType({k: v for k, v in table.overrides.items() if k != name})
        return FlagTable(flags=table.flags, overrides=overrides, target_overrides=table.target_overrides)
    per_target = table.target_overrides.get(name, _EMPTY)
    if target not in per_target:
        return table
    rest = {k: v for k, v in per_target.items() if k != target}
    target_overrides = {k: v for k, v in table.target_overrides.items() if k != name}
    if rest:
        target_overrides[name] = MappingProxyType(rest)
    return FlagTable(
        flags=table.flags, overrides=table.overrides, target_overrides=MappingProxyType(target_overrides)
    )


def without_overrides(table: FlagTable, /, flag: Flag[object] | None = None) -> FlagTable:
    """``table`` without any override of ``flag`` (global and per-target), or of any flag when None.

    >>> table = with_flag(FlagTable(), Flag.bool("new_ui")).unwrap()
    >>> on = with_override(table, Flag.bool("new_ui"), True, target="u1").unwrap()
    >>> without_overrides(on) == table
    True
    """
    if flag is None:
        return FlagTable(flags=table.flags)
    name = flag.name
    return FlagTable(
        flags=table.flags,
        overrides=MappingProxyType({k: v for k, v in table.overrides.items() if k != name}),
        target_overrides=MappingProxyType({k: v for k, v in table.target_overrides.items() if k != name}),
    )


def _registered(table: FlagTable, flag: Flag[object]) -> Result[None, NotFoundError | ConflictError]:
    found = table.flags.get(flag.name)
    if found is None:
        known = ", ".join(sorted(table.flags)) or "none"
        msg = f"flag {flag.name!r} is not registered (registered: {known})"
        return Failure(NotFoundError(msg, resource="flag", key=flag.name))
    if found != flag:
        msg = f"another definition of flag {flag.name!r} is registered: {found!r}"
        return Failure(ConflictError(msg, context={"flag": flag.name}))
    return Success(None)
