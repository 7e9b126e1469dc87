"""A feature flag's definition: name, value type, default, rollout and per-target values.

A ``Flag[T]`` is a frozen value, normally a module-level constant built with a typed
constructor, so the value type flows to every read::

    NEW_CHECKOUT = Flag.bool("new_checkout", rollout=10.0)      # Flag[bool]
    BATCH_SIZE = Flag.int("batch_size", default=500)           # Flag[int]
    MODE = Flag.enum("export_mode", Mode, default=Mode.CSV)    # Flag[Mode]

A definition that breaks a rule (a name that is not lower_snake_case, a default of the wrong
type, a percentage outside 0..100) raises at once: it is a bug in the program, found at
import time. The environment variable that overrides a flag is ``SPINE_FF_`` + its name in
upper case; lower_snake_case names make that mapping one-to-one.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Final, Never, cast

import msgspec
from returns.result import Failure, Result

from spine.core.errors import ValidationError
from spine.flags.bucketing import check_percentage
from spine.flags.values import FlagKind, coerce, kind_of, parse

__all__ = ["ENV_PREFIX", "Flag", "Rollout"]

ENV_PREFIX: Final = "SPINE_FF_"
"""The prefix of the environment variable that overrides a flag."""

_NAME: Final = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_MAX_NAME: Final = 64
_NO_TARGETS: Final[Mapping[builtins.str, Never]] = MappingProxyType({})


def _or_raise[T](result: Result[T, ValidationError]) -> T:
    if isinstance(result, Failure):
        raise result.failure()
    return result.unwrap()


class Rollout[T](msgspec.Struct, frozen=True, kw_only=True):
    """``value`` for ``percentage`` percent of targets (chosen by stable hash); the rest get the default.

    >>> Rollout(percentage=25, value=2)
    Rollout(percentage=25.0, value=2)
    """

    percentage: float
    value: T

    def __post_init__(self) -> None:
        msgspec.structs.force_setattr(self, "percentage", check_percentage(self.percentage))


class Flag[T](msgspec.Struct, frozen=True, kw_only=True):
    """A typed feature flag; build one with ``Flag.bool``, ``Flag.int``, ... ``Flag.enum``.

    Attributes:
        name: lower_snake_case, at most 64 characters; unique within a registry.
        value_type: ``bool``, ``int``, ``float``, ``str`` or an ``Enum`` subclass.
        default: the value when nothing else applies.
        description: what the flag controls, for people.
        rollout: a value for a percentage of targets (for a bool flag: the opposite of
            the default).
        targets: values for particular targets (a user id, a tenant), ahead of the rollout.
        salt: what targets are bucketed by besides their key; the name when None. Flags
            that share a salt roll out to nested sets of targets.

    >>> flag = Flag.int("batch_size", default=500, targets={"tenant-7": 50})
    >>> flag.env_var, flag.kind, flag.targets["tenant-7"]
    ('SPINE_FF_BATCH_SIZE', <FlagKind.INT: 'int'>, 50)
    """

    name: builtins.str
    value_type: type[T]
    default: T
    description: builtins.str = ""
    rollout: Rollout[T] | None = None
    targets: Mapping[builtins.str, T] = _NO_TARGETS
    salt: builtins.str | None = None

    def __post_init__(self) -> None:
        if not (len(self.name) <= _MAX_NAME and _NAME.fullmatch(self.name)):
            msg = f"a flag name is lower_snake_case, at most {_MAX_NAME} characters: {self.name!r}"
            raise ValueError(msg)
        if self.salt == "":
            msg = f"flag {self.name!r}: the salt is None (use the name) or non-empty text"
            raise ValueError(msg)
        kind_of(self.value_type)  # raises TypeError for an unsupported type
        set_field = msgspec.structs.force_setattr
        set_field(self, "default", _or_raise(self.coerce(self.default)))
        if self.rollout is not None:
            value = _or_raise(self.coerce(self.rollout.value))
            set_field(self, "rollout", Rollout(percentage=self.rollout.percentage, value=value))
        checked: dict[builtins.str, T] = {}
        for target, value in self.targets.items():
            if not isinstance(cast("object", target), builtins.str):
                msg = f"flag {self.name!r}: target keys are str, not {target!r}"
                raise TypeError(msg)
            checked[target] = _or_raise(self.coerce(value))
        set_field(self, "targets", MappingProxyType(checked) if checked else _NO_TARGETS)

    def __hash__(self) -> builtins.int:
        targets = frozenset(self.targets.items())
        return hash((self.name, self.value_type, self.default, self.rollout, targets, self.salt))

    @property
    def env_var(self) -> builtins.str:
        """The environment variable that overrides this flag: ``SPINE_FF_<NAME>``."""
        return ENV_PREFIX + self.name.upper()

    @property
    def kind(self) -> FlagKind:
        """What kind of value the flag holds."""
        return kind_of(self.value_type)

    @property
    def bucket_salt(self) -> builtins.str:
        """What the rollout buckets targets by: the salt, else the name."""
        return self.name if self.salt is None else self.salt

    def coerce(self, value: object, /) -> Result[T, ValidationError]:
        """``value`` as this flag's type (``True`` is no ``int``), or ``Err(ValidationError)``.

        >>> Flag.float("ratio", default=0.5).coerce(1)
        <Success: 1.0>
        """
        return coerce(self.value_type, value, field=self.name)

    def parse(
        self, text: builtins.str, /, *, field: builtins.str | None = None
    ) -> Result[T, ValidationError]:
        """The value ``text`` spells (see :func:`spine.flags.values.parse`), or ``Err``.

        Errors name ``field``, by default the flag's name.

        >>> Flag.bool("new_ui").parse("on")
        <Success: True>
        """
        return parse(self.value_type, text, field=self.name if field is None else field)

    # --- typed constructors ----------------------------------------------------------------
    # builtins.* below: inside this class, ``bool``, ``int``... name the constructors.

    @staticmethod
    def bool(
        name: builtins.str,
        *,
        default: builtins.bool = False,
        description: builtins.str = "",
        rollout: builtins.float | None = None,
        targets: Mapping[builtins.str, builtins.bool] | None = None,
        salt: builtins.str | None = None,
    ) -> Flag[builtins.bool]:
        """An on/off flag; ``rollout`` percent of targets get ``not default``.

        >>> Flag.bool("new_ui", rollout=10).rollout
        Rollout(percentage=10.0, value=True)
        """
        opposite = None if rollout is None else Rollout(percentage=rollout, value=not default)
        return _typed(builtins.bool, name, default, description, opposite, targets, salt)

    @staticmethod
    def int(
        name: builtins.str,
        *,
        default: builtins.int,
        description: builtins.str = "",
        rollout: Rollout[builtins.int] | None = None,
        targets: Mapping[builtins.str, builtins.int] | None = None,
        salt: builtins.str | None = None,
    ) -> Flag[builtins.int]:
        """An integer flag (``True`` is not an integer here)."""
        return _typed(builtins.int, name, default, description, rollout, targets, salt)

    @staticmethod
    def float(
        name: builtins.str,
        *,
        default: builtins.float,
        description: builtins.str = "",
        rollout: Rollout[builtins.float] | None = None,
        targets: Mapping[builtins.str, builtins.float] | None = None,
        salt: builtins.str | None = None,
    ) -> Flag[builtins.float]:
        """A floating-point flag (ints are accepted and stored as floats; NaN is refused)."""
        return _typed(builtins.float, name, default, description, rollout, targets, salt)

    @staticmethod
    def str(
        name: builtins.str,
        *,
        default: builtins.str,
        description: builtins.str = "",
        rollout: Rollout[builtins.str] | None = None,
        targets: Mapping[builtins.str, builtins.str] | None = None,
        salt: builtins.str | None = None,
    ) -> Flag[builtins.str]:
        """A text flag."""
        return _typed(builtins.str, name, default, description, rollout, targets, salt)

    @staticmethod
    def enum[E: Enum](
        name: builtins.str,
        enum_type: type[E],
        *,
        default: E,
        description: builtins.str = "",
        rollout: Rollout[E] | None = None,
        targets: Mapping[builtins.str, E] | None = None,
        salt: builtins.str | None = None,
    ) -> Flag[E]:
        """A flag whose values are the members of ``enum_type``.

        >>> from enum import StrEnum
        >>> class Mode(StrEnum):
        ...     CSV = "csv"
        ...     PARQUET = "parquet"
        >>> Flag.enum("export_mode", Mode, default=Mode.CSV).parse("PARQUET")
        <Success: parquet>
        """
        return _typed(enum_type, name, default, description, rollout, targets, salt)


def _typed[T](  # noqa: PLR0917 - private; each caller passes its own same-named parameters in order
    value_type: type[T],
    name: str,
    default: T,
    description: str,
    rollout: Rollout[T] | None,
    targets: Mapping[str, T] | None,
    salt: str | None,
) -> Flag[T]:
    """The body the typed constructors share: their signatures pin ``T``, this builds the flag."""
    return Flag(
        name=name,
        value_type=value_type,
        default=default,
        description=description,
        rollout=rollout,
        targets=targets or _NO_TARGETS,
        salt=salt,
    )
