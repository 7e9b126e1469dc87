"""``FeatureFlags``: the read-only face library code is given to ask flags their values.

Library code takes a ``FeatureFlags`` as a parameter (never a process-wide global); the
composition root builds it over a ``FlagRegistry``, and tests build it over their own.

A runtime override or environment variable that does not fit its flag (``SPINE_FF_LIMIT=ten``)
is never silently replaced by the default: :meth:`FeatureFlags.get` passes over it to the next
source, keeps the ``ValidationError`` in :meth:`FeatureFlags.problems` and hands it, once per
distinct problem, to the ``on_invalid`` callback. :meth:`FeatureFlags.check` finds every such
value up front (call it at start-up to refuse a bad configuration), and
:meth:`FeatureFlags.evaluate` is the strict read that fails instead of passing over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol, final

from returns.result import Failure, Result, Success

from spine.core.errors import ValidationError
from spine.flags.evaluation import Evaluation, FlagContext, resolve
from spine.flags.flag import Flag

__all__ = ["FeatureFlags", "FlagSource"]

_CHECKED: Final[Result[None, tuple[ValidationError, ...]]] = Success(None)


class FlagSource(Protocol):
    """Port: the registered flags and, for one flag, what evaluating it reads (``FlagRegistry``)."""

    def flags(self) -> tuple[Flag[object], ...]:
        """Every registered flag."""
        ...

    def context(self, flag: Flag[object], target: str | None = None, /) -> FlagContext:
        """Overrides and environment text for evaluating ``flag`` for ``target`` now."""
        ...


@final
class FeatureFlags:
    """Typed flag reads: ``get(flag) -> T``, ``is_enabled(bool_flag)``, strict ``evaluate``.

    >>> from spine.flags.environment import MappingEnvironment
    >>> from spine.flags.registry import FlagRegistry
    >>> NEW_UI = Flag.bool("new_ui", targets={"beta-user": True})
    >>> LIMIT = Flag.int("limit", default=5)
    >>> env = MappingEnvironment({"SPINE_FF_LIMIT": "ten"})
    >>> flags = FeatureFlags(FlagRegistry([NEW_UI, LIMIT], environment=env))
    >>> flags.is_enabled(NEW_UI), flags.is_enabled(NEW_UI, "beta-user")
    (False, True)
    >>> flags.get(LIMIT), [p.field for p in flags.problems()]
    (5, ['SPINE_FF_LIMIT'])
    """

    __slots__ = ("_on_invalid", "_problems", "_source")

    def __init__(
        self, source: FlagSource, /, *, on_invalid: Callable[[ValidationError], None] | None = None
    ) -> None:
        """Read flags from ``source``; ``on_invalid`` hears of each value passed over for not fitting."""
        self._source: Final = source
        self._on_invalid: Final = on_invalid
        # (flag name, field) -> the latest error; bounded by three sources per flag. Plain dict
        # operations only, so concurrent readers at worst report one problem twice.
        self._problems: dict[tuple[str, str | None], ValidationError] = {}

    def get[T](self, flag: Flag[T], target: str | None = None, /) -> T:
        """The value of ``flag`` for ``target``; a source whose value does not fit is passed over."""
        return self.explain(flag, target).value

    def is_enabled(self, flag: Flag[bool], target: str | None = None, /) -> bool:
        """Whether the bool ``flag`` is on for ``target``."""
        return self.explain(flag, target).value

    def explain[T](self, flag: Flag[T], target: str | None = None, /) -> Evaluation[T]:
        """The value of ``flag`` for ``target``, which source gave it, and what was passed over."""
        found = resolve(flag, self._source.context(flag, target))
        if found.skipped:
            self._report(flag.name, found.skipped)
        elif self._problems:
            self._forget(flag.name)
        return found

    def evaluate[T](self, flag: Flag[T], target: str | None = None, /) -> Result[T, ValidationError]:
        """The value of ``flag`` for ``target``, or ``Err`` with the first value that did not fit."""
        found = self.explain(flag, target)
        if found.skipped:
            return Failure(found.skipped[0])
        return Success(found.value)

    def check(self) -> Result[None, tuple[ValidationError, ...]]:
        """Every registered flag's override and environment value fits, or every one that does not.

        Looks at what applies without a target (global overrides and the environment); a
        registry refuses ill-typed per-target overrides when they are set.
        """
        errors = [error for flag in self._source.flags() for error in self.explain(flag).skipped]
        return Failure(tuple(errors)) if errors else _CHECKED

    def problems(self) -> tuple[ValidationError, ...]:
        """The values passed over for not fitting, as last seen, until their flag reads cleanly."""
        return tuple(self._problems.values())

    def _report(self, name: str, skipped: tuple[ValidationError, ...]) -> None:
        for error in skipped:
            key = (name, error.field)
            if self._problems.get(key) != error:
                self._problems[key] = error
                if self._on_invalid is not None:
                    self._on_invalid(error)

    def _forget(self, name: str) -> None:
        for key in [key for key in list(self._problems) if key[0] == name]:
            self._problems.pop(key, None)

    def __repr__(self) -> str:
        return f"FeatureFlags({self._source!r})"
