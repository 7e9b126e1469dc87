"""Deterministic interpreters of spine's ports, for users' tests (and ours).

Nothing here reads the real clock or the OS entropy pool: every run of a test that uses
them sees the same times and the same ids.
"""

from spine.cache.memory import InMemoryCache
from spine.testing.clock import FakeClock, FakeSleeper
from spine.testing.ids import SequentialIdSource
from spine.testing.random import ScriptedRandom

__all__ = ["FakeClock", "FakeSleeper", "InMemoryCache", "ScriptedRandom", "SequentialIdSource"]
