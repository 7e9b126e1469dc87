"""A ``RandomSource`` that returns the draws it was given, so jittered delays are exact."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import final

__all__ = ["ScriptedRandom"]


@final
class ScriptedRandom:
    """``RandomSource`` that returns ``draws`` in order, starting over after the last one.

    >>> rng = ScriptedRandom([0.0, 0.5])
    >>> [rng.random() for _ in range(3)], rng.draws_taken
    ([0.0, 0.5, 0.0], 3)
    >>> ScriptedRandom([1.0])
    Traceback (most recent call last):
    ...
    ValueError: a draw is a number in [0, 1), got 1.0
    """

    __slots__ = ("_draws", "_lock", "draws_taken")

    def __init__(self, draws: Iterable[float] = (0.5,)) -> None:
        self._draws = tuple(draws)
        if not self._draws:
            msg = "ScriptedRandom needs at least one draw"
            raise ValueError(msg)
        for draw in self._draws:
            if not 0.0 <= draw < 1.0:
                msg = f"a draw is a number in [0, 1), got {draw!r}"
                raise ValueError(msg)
        self._lock = threading.Lock()
        self.draws_taken = 0
        """How many draws were made."""

    def random(self) -> float:
        """The next scripted draw."""
        with self._lock:
            draw = self._draws[self.draws_taken % len(self._draws)]
            self.draws_taken += 1
            return draw
