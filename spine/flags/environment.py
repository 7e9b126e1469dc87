"""The port flags read environment variables through, and its plain-mapping interpreter.

Nothing in ``spine.flags`` but the shell's :mod:`spine.flags.default` touches ``os.environ``:
a registry is given an ``EnvironmentSource``, so tests (and programs that keep their
settings elsewhere) hand it a mapping instead of mutating the process environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol, final

__all__ = ["EnvironmentSource", "MappingEnvironment"]


class EnvironmentSource(Protocol):
    """Port: environment variables by name."""

    def get(self, name: str, /) -> str | None:
        """The variable's text, or None when it is not set."""
        ...


@final
class MappingEnvironment:
    """``EnvironmentSource`` over a mapping, read live (the mapping is not copied).

    ``MappingEnvironment(os.environ)`` is the process environment; ``MappingEnvironment()``
    is an empty one.

    >>> MappingEnvironment({"SPINE_FF_NEW_UI": "on"}).get("SPINE_FF_NEW_UI")
    'on'
    >>> MappingEnvironment().get("SPINE_FF_NEW_UI") is None
    True
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values: Mapping[str, str] = MappingProxyType({}) if values is None else values

    def get(self, name: str, /) -> str | None:
        """The variable's text, or None when it is not set."""
        return self._values.get(name)

    def __repr__(self) -> str:
        return f"MappingEnvironment(<{len(self._values)} variables>)"
