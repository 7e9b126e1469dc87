"""The typed surface of ``spine.flags``: a flag's value type flows to every read.

Type-checked by mypy (strict) and basedpyright (strict); never run (pytest does not collect
``tests/typing``). Positive facts are ``assert_type`` lines; the mistakes at the end carry a
precise ``# type: ignore[code]``, so the run fails if one stops being an error (mypy's
``warn_unused_ignores``; pyright's switch below).
"""

# pyright: reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

from enum import StrEnum
from typing import assert_type

from spine.core import ConflictError, NotFoundError, Result, ValidationError
from spine.flags import (
    Evaluation,
    FeatureFlags,
    Flag,
    FlagContext,
    FlagRegistry,
    FlagSource,
    FlagTable,
    MappingEnvironment,
    OverrideError,
    Reason,
    Rollout,
    evaluate,
    resolve,
)
from spine.flags.default import default_flags, default_registry


class Mode(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


NEW_UI = Flag.bool("new_ui", rollout=10.0)
LIMIT = Flag.int("limit", default=5, rollout=Rollout(percentage=5, value=50))
RATIO = Flag.float("ratio", default=0.5)
GREETING = Flag.str("greeting", default="hello", targets={"fr": "bonjour"})
MODE = Flag.enum("export_mode", Mode, default=Mode.CSV)


def definitions() -> None:
    assert_type(NEW_UI, Flag[bool])
    assert_type(LIMIT, Flag[int])
    assert_type(RATIO, Flag[float])
    assert_type(GREETING, Flag[str])
    assert_type(MODE, Flag[Mode])
    assert_type(Flag(name="raw", value_type=int, default=1), Flag[int])
    assert_type(MODE.default, Mode)
    assert_type(LIMIT.rollout, Rollout[int] | None)
    assert_type(GREETING.targets["fr"], str)
    assert_type(MODE.coerce("csv"), Result[Mode, ValidationError])
    assert_type(LIMIT.parse("7"), Result[int, ValidationError])
    assert_type(NEW_UI.env_var, str)


def reads(flags: FeatureFlags) -> None:
    assert_type(flags.get(LIMIT), int)
    assert_type(flags.get(RATIO, "tenant-1"), float)
    assert_type(flags.get(GREETING), str)
    assert_type(flags.get(MODE), Mode)
    assert_type(flags.is_enabled(NEW_UI, "user-1"), bool)
    assert_type(flags.get(NEW_UI), bool)
    assert_type(flags.evaluate(MODE), Result[Mode, ValidationError])
    assert_type(flags.explain(LIMIT), Evaluation[int])
    assert_type(flags.explain(LIMIT).reason, Reason)
    assert_type(flags.check(), Result[None, tuple[ValidationError, ...]])


def pure_evaluation(context: FlagContext) -> None:
    assert_type(evaluate(LIMIT, context), Result[int, ValidationError])
    assert_type(evaluate(MODE, context), Result[Mode, ValidationError])
    assert_type(resolve(RATIO, context).value, float)


def registry() -> None:
    reg = FlagRegistry([NEW_UI, LIMIT, MODE], environment=MappingEnvironment({"SPINE_FF_LIMIT": "3"}))
    assert_type(reg.register(RATIO), Flag[float])
    assert_type(reg.set_override(LIMIT, 9), Result[None, OverrideError])
    assert_type(reg.set_override(LIMIT, 9), Result[None, ValidationError | NotFoundError | ConflictError])
    assert_type(reg.set_override(RATIO, 1), Result[None, OverrideError])  # an int is a float value
    assert_type(reg.set_override(MODE, Mode.PARQUET, target="t1"), Result[None, OverrideError])
    assert_type(reg.set_override_text(MODE, "parquet"), Result[None, OverrideError])
    assert_type(reg.lookup("limit"), Result[Flag[object], NotFoundError])
    assert_type(reg.snapshot(), FlagTable)
    source: FlagSource = reg  # the registry is the facade's source, structurally
    assert_type(FeatureFlags(source), FeatureFlags)
    assert_type(default_flags(), FeatureFlags)
    assert_type(default_registry(), FlagRegistry)


# --- mistakes --------------------------------------------------------------------------


def a_read_has_the_flag_type(flags: FeatureFlags) -> None:
    text: str = flags.get(LIMIT)  # type: ignore[assignment]  # an int flag reads as int
    del text


def is_enabled_takes_bool_flags(flags: FeatureFlags) -> None:
    flags.is_enabled(LIMIT)  # type: ignore[arg-type]  # use get() for a non-bool flag


def override_of_the_wrong_type(reg: FlagRegistry) -> None:
    reg.set_override(LIMIT, "9")  # type: ignore[arg-type]  # "9" is text: set_override_text parses


def override_of_a_float_with_text(reg: FlagRegistry) -> None:
    reg.set_override(RATIO, "0.5")  # type: ignore[arg-type]  # text is no float


def default_of_the_wrong_type() -> None:
    Flag.int("bad", default="5")  # type: ignore[arg-type]  # the default must be an int


def bool_rollout_is_a_percentage() -> None:
    Flag.bool("bad", rollout=Rollout(percentage=5, value=True))  # type: ignore[arg-type]  # just the percentage


def rollout_value_of_the_wrong_type() -> None:
    Flag.int("bad", default=1, rollout=Rollout(percentage=5, value="x"))  # type: ignore[arg-type]  # an int flag's rollout gives an int


def targets_of_the_wrong_type() -> None:
    Flag.str("bad", default="a", targets={"t": 1})  # type: ignore[dict-item]  # str values only


def flags_are_frozen() -> None:
    LIMIT.default = 6  # type: ignore[misc]  # frozen: define another flag, or override at run time


def enum_flag_needs_an_enum() -> None:
    Flag.enum("bad", str, default="x")  # type: ignore[type-var]  # an Enum subclass


# Not caught statically: ``reg.set_override(MODE, Colour.RED)`` type-checks (the checkers solve
# the overload's enum type as the common base ``Enum``); the registry refuses it at run time
# with Err(ValidationError), as it refuses ``reg.set_override(LIMIT, True)`` (a bool is an int).
