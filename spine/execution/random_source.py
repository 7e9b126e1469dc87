"""The real interpreter of the ``RandomSource`` port (an *edge* module: it draws entropy).

Jitter exists so that clients which failed together do not retry together. A
``random.Random`` made once per process would betray that in pre-forking servers and
process pools: every forked child would continue its parent's sequence and draw the very
same "random" delays. The ``random`` module's shared generator is re-seeded in each forked
child by the standard library, so :class:`SystemRandom` draws from it.
"""

from __future__ import annotations

import random
from typing import final

__all__ = ["SystemRandom"]


@final
class SystemRandom:
    """``RandomSource`` over the ``random`` module's generator: fork-safe and thread-safe.

    >>> 0.0 <= SystemRandom().random() < 1.0
    True
    """

    __slots__ = ()

    def random(self) -> float:
        """A uniform draw in [0, 1)."""
        return random.random()  # noqa: S311 - jitter, not cryptography
