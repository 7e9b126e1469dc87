"""Pure flag evaluation: a flag and a context in, a value and the reason for it out.

# Theory of operation
# -------------------
# Sources, strongest first; the first that has a value for the flag decides:
#   1. runtime override for this target      Reason.TARGET_OVERRIDE   (context.target_overrides)
#   2. runtime override                      Reason.OVERRIDE          (context.overrides)
#   3. environment variable SPINE_FF_<NAME>  Reason.ENVIRONMENT       (context.environment)
#   4. the definition's per-target value     Reason.TARGET            (flag.targets)
#   5. the definition's percentage rollout   Reason.ROLLOUT           (flag.rollout, by bucket)
#   6. the default                           Reason.DEFAULT
# Sources 1, 4 and 5 need a target key; without one they are passed over.
#
# Sources 1-3 come from outside the definition, so their values may not fit the flag: an
# environment variable is text to parse, an override built by hand may hold a wrong type.
# Such a value is *skipped*, never silently replaced: ``resolve`` carries on with the next
# source and lists the ``ValidationError`` in ``Evaluation.skipped``, and ``evaluate`` turns
# any skipped value into ``Err``. Sources 4-6 were checked when the flag was defined and
# cannot fail, so ``resolve`` always has a value.
#
# Nothing here reads the environment, a clock or a lock: the registry (an edge) reads the
# environment variable through its ``EnvironmentSource`` port and puts the text in the context.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Never

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ValidationError
from spine.flags.bucketing import in_rollout
from spine.flags.flag import Flag

__all__ = ["Evaluation", "FlagContext", "Reason", "evaluate", "resolve"]

_EMPTY: Final[Mapping[str, Never]] = MappingProxyType({})


class Reason(StrEnum):
    """Which source gave a flag its value."""

    TARGET_OVERRIDE = "target_override"
    OVERRIDE = "override"
    ENVIRONMENT = "environment"
    TARGET = "target"
    ROLLOUT = "rollout"
    DEFAULT = "default"


class FlagContext(msgspec.Struct, frozen=True, kw_only=True):
    """What an evaluation reads besides the flag itself; already read, so evaluation is pure.

    Attributes:
        target: the key rollouts and per-target values are chosen by (user, tenant, host).
        overrides: runtime values by flag name.
        target_overrides: runtime values by flag name, then target key.
        environment: environment variable text by variable name (``SPINE_FF_<NAME>``).
    """

    target: str | None = None
    overrides: Mapping[str, object] = _EMPTY
    target_overrides: Mapping[str, Mapping[str, object]] = _EMPTY
    environment: Mapping[str, str] = _EMPTY


class Evaluation[T](msgspec.Struct, frozen=True, kw_only=True):
    """A flag's value, the source it came from, and any stronger source's value that did not fit."""

    value: T
    reason: Reason
    skipped: tuple[ValidationError, ...] = ()


def resolve[T](flag: Flag[T], context: FlagContext, /) -> Evaluation[T]:
    """The value of ``flag`` in ``context``: the strongest source whose value fits wins.

    >>> flag = Flag.int("batch_size", default=500, targets={"tenant-7": 50})
    >>> resolve(flag, FlagContext(target="tenant-7"))
    Evaluation(value=50, reason=<Reason.TARGET: 'target'>, skipped=())
    >>> bad_env = FlagContext(environment={"SPINE_FF_BATCH_SIZE": "lots"})
    >>> found = resolve(flag, bad_env)
    >>> found.value, found.reason, found.skipped[0].field
    (500, <Reason.DEFAULT: 'default'>, 'SPINE_FF_BATCH_SIZE')
    """
    skipped: list[ValidationError] = []
    name, target = flag.name, context.target
    if target is not None:
        per_target = context.target_overrides.get(name)
        if per_target is not None and target in per_target:
            checked = flag.coerce(per_target[target])
            if isinstance(checked, Success):
                return Evaluation(value=checked.unwrap(), reason=Reason.TARGET_OVERRIDE)
            skipped.append(checked.failure().with_context(target=target))
    if name in context.overrides:
        checked = flag.coerce(context.overrides[name])
        if isinstance(checked, Success):
            return _found(checked.unwrap(), Reason.OVERRIDE, skipped)
        skipped.append(checked.failure())
    text = context.environment.get(flag.env_var)
    if text is not None:
        parsed = flag.parse(text, field=flag.env_var)
        if isinstance(parsed, Success):
            return _found(parsed.unwrap(), Reason.ENVIRONMENT, skipped)
        skipped.append(parsed.failure())
    if target is not None:
        if target in flag.targets:
            return _found(flag.targets[target], Reason.TARGET, skipped)
        rollout = flag.rollout
        if rollout is not None and in_rollout(rollout.percentage, flag.bucket_salt, target):
            return _found(rollout.value, Reason.ROLLOUT, skipped)
    return _found(flag.default, Reason.DEFAULT, skipped)


def _found[T](value: T, reason: Reason, skipped: list[ValidationError]) -> Evaluation[T]:
    return Evaluation(value=value, reason=reason, skipped=tuple(skipped))


def evaluate[T](flag: Flag[T], context: FlagContext, /) -> Result[T, ValidationError]:
    """The value of ``flag`` in ``context``, or the first override/environment value that did not fit.

    The strict twin of :func:`resolve`: where ``resolve`` passes over a value that does not
    fit (and says so in ``skipped``), ``evaluate`` fails with it.

    >>> flag = Flag.bool("new_ui", rollout=100.0)
    >>> evaluate(flag, FlagContext(target="user-1")), evaluate(flag, FlagContext())
    (<Success: True>, <Success: False>)
    >>> evaluate(flag, FlagContext(overrides={"new_ui": 1})).failure().constraint
    'bool'
    """
    found = resolve(flag, context)
    if found.skipped:
        return Failure(found.skipped[0])
    return Success(found.value)
