"""The five kinds of flag value, and the two ways a value gets in: as an object or as text.

A flag's value type is ``bool``, ``int``, ``float``, ``str`` or an ``Enum`` subclass.
:func:`coerce` checks an object a caller hands over (a runtime override, a default);
:func:`parse` reads text (an environment variable, a command line). Both are total: a value
that does not fit is an ``Err(ValidationError)`` naming the field, the value and the rule.

The rules are strict where Python is loose: ``True`` is not an ``int`` (nor a ``float``),
``"1"`` is not an ``int`` until parsed, NaN is no float value (it equals nothing, not even
itself), and an enum flag takes members of its own enum only. An ``int`` is accepted for a
``float`` flag, as the type checkers accept it, and becomes a ``float``.
"""

from __future__ import annotations

import math
from enum import Enum, StrEnum
from typing import Final, cast

from returns.result import Failure, Result, Success

from spine.core.errors import ValidationError

__all__ = ["FlagKind", "coerce", "kind_of", "parse"]

_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})


class FlagKind(StrEnum):
    """What kind of value a flag holds."""

    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    STR = "str"
    ENUM = "enum"


def kind_of(value_type: object, /) -> FlagKind:
    """The kind of a supported value type; any other type is a ``TypeError`` (a definition bug).

    >>> kind_of(bool), kind_of(float)
    (<FlagKind.BOOL: 'bool'>, <FlagKind.FLOAT: 'float'>)
    """
    # Identity, not issubclass: bool is an int subclass, and a str subclass is not a str flag.
    if value_type is bool:
        return FlagKind.BOOL
    if value_type is int:
        return FlagKind.INT
    if value_type is float:
        return FlagKind.FLOAT
    if value_type is str:
        return FlagKind.STR
    if isinstance(value_type, type) and issubclass(value_type, Enum) and len(value_type) > 0:
        return FlagKind.ENUM
    msg = f"a flag holds bool, int, float, str or an Enum subclass with members, not {value_type!r}"
    raise TypeError(msg)


def coerce[T](value_type: type[T], value: object, /, *, field: str) -> Result[T, ValidationError]:
    """``value`` as a ``value_type`` flag value, or ``Err(ValidationError)`` if it is not one.

    >>> coerce(float, 2, field="ratio")
    <Success: 2.0>
    >>> coerce(int, True, field="limit").failure().message
    'limit takes int (not bool) values, not True (bool)'
    """
    exact = type(value) is value_type  # a bool, not a condition: keeps mypy and pyright agreed
    if exact and value_type is not float:  # the common case: already normal (floats: NaN check)
        return Success(cast("T", value))
    checked = _coerce(kind_of(value_type), value_type, value)
    if checked is None:
        rule = _type_rule(value_type)
        msg = f"{field} takes {rule} values, not {value!r:.80} ({type(value).__name__})"
        return Failure(ValidationError(msg, field=field, value=value, constraint=rule))
    return Success(cast("T", checked))


def _coerce(kind: FlagKind, value_type: type[object], value: object) -> object | None:
    """The normalised value, or None if it does not fit (None is never a flag value)."""
    match kind:
        case FlagKind.BOOL:
            return value if isinstance(value, bool) else None
        case FlagKind.INT:
            ok = isinstance(value, int) and not isinstance(value, bool)
            return int(cast("int", value)) if ok else None
        case FlagKind.FLOAT:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            number = float(cast("float", value)) if ok else math.nan
            return None if math.isnan(number) else number
        case FlagKind.STR:
            return str(value) if isinstance(value, str) else None
        case FlagKind.ENUM:
            return value if isinstance(value, value_type) else None


def parse[T](value_type: type[T], text: str, /, *, field: str) -> Result[T, ValidationError]:
    """The ``value_type`` value ``text`` spells, or ``Err(ValidationError)``.

    Booleans: ``1/0``, ``true/false``, ``yes/no``, ``on/off`` in any case. Numbers: Python's
    ``int``/``float`` syntax (``nan`` is refused). Enums: a member's value as text, else a
    member's name in any case. All of these ignore surrounding blanks; a ``str`` flag takes
    the text exactly as given, blanks and all. An empty text is a value only for ``str``.

    >>> parse(bool, " Yes ", field="SPINE_FF_NEW_UI")
    <Success: True>
    >>> parse(int, "ten", field="SPINE_FF_BATCH").failure().field
    'SPINE_FF_BATCH'
    """
    kind = kind_of(value_type)
    parsed = _parse(kind, value_type, text)
    if parsed is None:
        rule = _text_rule(kind, value_type)
        msg = f"{field}={text!r:.80} is not a valid {kind.value} value: expected {rule}"
        return Failure(ValidationError(msg, field=field, value=text, constraint=rule))
    return Success(cast("T", parsed))


def _parse(kind: FlagKind, value_type: type[object], text: str) -> object | None:
    word = text.strip()
    match kind:
        case FlagKind.BOOL:
            lowered = word.lower()
            return True if lowered in _TRUE else False if lowered in _FALSE else None
        case FlagKind.INT | FlagKind.FLOAT:
            return _parse_number(kind, word)
        case FlagKind.STR:
            return text
        case FlagKind.ENUM:
            return _parse_member(cast("type[Enum]", value_type), word)


def _parse_number(kind: FlagKind, word: str) -> int | float | None:
    try:
        number = int(word) if kind is FlagKind.INT else float(word)
    except ValueError:
        return None
    return None if math.isnan(number) else number


def _parse_member(enum_type: type[Enum], word: str) -> Enum | None:
    for member in enum_type:
        if str(member.value) == word:
            return member
    folded = word.casefold()
    for name, member in enum_type.__members__.items():
        if name.casefold() == folded:
            return member
    return None


def _members(enum_type: type[object]) -> str:
    return ", ".join(str(member.value) for member in cast("type[Enum]", enum_type))


def _type_rule(value_type: type[object]) -> str:
    match kind_of(value_type):
        case FlagKind.INT:
            return "int (not bool)"
        case FlagKind.FLOAT:
            return "float or int (not bool, not NaN)"
        case FlagKind.ENUM:
            return f"{value_type.__name__} member"
        case FlagKind.BOOL | FlagKind.STR as kind:
            return kind.value


def _text_rule(kind: FlagKind, value_type: type[object]) -> str:
    match kind:
        case FlagKind.BOOL:
            return "one of 1/0, true/false, yes/no, on/off (any case)"
        case FlagKind.INT:
            return "an integer such as 42"
        case FlagKind.FLOAT:
            return "a number such as 0.5 (not nan)"
        case FlagKind.ENUM:
            return f"a {value_type.__name__} value or name: {_members(value_type)}"
        case FlagKind.STR:
            return "any text"
