"""Feature flags: typed definitions, pure evaluation, a registry, and a read-only facade.

Precedence, strongest first: a runtime override (for the target, then global), the
environment variable ``SPINE_FF_<NAME>`` (read through an ``EnvironmentSource`` port), the
definition's per-target value, its percentage rollout (stable across processes), its default.
See :mod:`spine.flags.evaluation` for the rules, and :mod:`spine.flags.default` for the
process-wide default that only the shell should use.

>>> NEW_UI = Flag.bool("new_ui", rollout=25.0)
>>> registry = FlagRegistry([NEW_UI])
>>> flags = FeatureFlags(registry)
>>> flags.is_enabled(NEW_UI, "user-1"), flags.is_enabled(NEW_UI, "user-2")
(True, False)
>>> registry.set_override(NEW_UI, True), flags.is_enabled(NEW_UI, "user-2")
(<Success: None>, True)
"""

from spine.flags.bucketing import BUCKETS, bucket, in_rollout
from spine.flags.environment import EnvironmentSource, MappingEnvironment
from spine.flags.evaluation import Evaluation, FlagContext, Reason, evaluate, resolve
from spine.flags.facade import FeatureFlags, FlagSource
from spine.flags.flag import ENV_PREFIX, Flag, Rollout
from spine.flags.registry import FlagRegistry
from spine.flags.table import FlagTable, OverrideError
from spine.flags.values import FlagKind

__all__ = [
    "BUCKETS",
    "ENV_PREFIX",
    "EnvironmentSource",
    "Evaluation",
    "FeatureFlags",
    "Flag",
    "FlagContext",
    "FlagKind",
    "FlagRegistry",
    "FlagSource",
    "FlagTable",
    "MappingEnvironment",
    "OverrideError",
    "Reason",
    "Rollout",
    "bucket",
    "evaluate",
    "in_rollout",
    "resolve",
]
