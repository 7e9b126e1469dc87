"""The JSON value type shared by error contexts, ledger payloads and work parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["JsonScalar", "JsonValue"]

type JsonScalar = bool | int | float | str | None
"""A JSON leaf."""

type JsonValue = JsonScalar | Sequence[JsonValue] | Mapping[str, JsonValue]
"""Any JSON document. Read-only container types, so ``list[int]`` and ``dict[str, str]`` fit."""
