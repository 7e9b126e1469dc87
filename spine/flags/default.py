"""The process-wide default flags, for the shell only (an *edge* module: ``os.environ``, a lock, logging).

Library code never reaches for this: it takes a :class:`FeatureFlags` parameter, so a test
or a second program in the same process can hand it different flags. Scripts, the ``spine``
command and application entry points (the composition root) may use the default::

    from spine.flags.default import default_flags, default_registry
    NEW_UI = default_registry().register(Flag.bool("new_ui"))
    run(flags=default_flags())

The default registry reads ``SPINE_FF_<NAME>`` from the live ``os.environ`` and logs each
value passed over for not fitting its flag as a warning on the ``spine.flags`` logger.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Final

from spine.core.errors import ValidationError
from spine.flags.environment import MappingEnvironment
from spine.flags.facade import FeatureFlags
from spine.flags.registry import FlagRegistry

__all__ = ["default_flags", "default_registry"]

_LOG: Final = logging.getLogger("spine.flags")
_LOCK: Final = threading.Lock()
_DEFAULT: list[tuple[FlagRegistry, FeatureFlags]] = []  # at most one: built on first use


def default_registry() -> FlagRegistry:
    """The process-wide registry, over ``os.environ``; built on first use (thread-safe)."""
    return _default()[0]


def default_flags() -> FeatureFlags:
    """The process-wide ``FeatureFlags`` over :func:`default_registry`; logs ill-fitting values."""
    return _default()[1]


def _default() -> tuple[FlagRegistry, FeatureFlags]:
    if not _DEFAULT:
        with _LOCK:
            if not _DEFAULT:
                registry = FlagRegistry(environment=MappingEnvironment(os.environ))
                _DEFAULT.append((registry, FeatureFlags(registry, on_invalid=_warn)))
    return _DEFAULT[0]


def _warn(error: ValidationError) -> None:
    _LOG.warning("feature flag value passed over: %s", error.message)
