"""A circuit breaker's state changes, delivered to its listeners in order, outside its lock.

This is an *edge* module (threads). The breaker queues a notice while it holds its lock
(``pending.append``), and calls :meth:`Notices.deliver` once it has let go of it. One
thread at a time delivers: a thread that finds another one delivering leaves its notices
to that one, which runs until the queue is empty. So every listener sees the changes in
the order they happened, possibly on another thread than the one that made them, and may
call the breaker (the lock is free while it runs). A listener's exception stops the
delivery and propagates from ``deliver``; the notices left wait for the next one.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import final

from spine.execution.breaker import BreakerState

__all__ = ["Notices", "StateListener"]

type StateListener = Callable[[BreakerState, BreakerState], None]
"""Called with ``(old, new)`` when the breaker changes state."""


@final
class Notices:
    """The queue of ``(old, new)`` changes waiting for the listeners, and its deliverer.

    >>> from spine.execution.breaker import ForcedOpen, Disabled
    >>> seen = []
    >>> notices = Notices(threading.Lock(), [lambda old, new: seen.append((old, new))])
    >>> notices.pending.append((ForcedOpen(epoch=1), Disabled(epoch=2)))
    >>> notices.deliver()
    >>> seen, notices.pending
    ([(ForcedOpen(epoch=1), Disabled(epoch=2))], deque([]))
    """

    __slots__ = ("_delivering", "_lock", "listeners", "pending")

    def __init__(self, lock: threading.Lock, listeners: Iterable[StateListener]) -> None:
        self._lock = lock
        # Replaced, under the lock, to add one: a delivery under way keeps the tuple it read.
        self.listeners = tuple(listeners)
        # Appended to under the lock. Empty is false: the breaker's hot path tests just that.
        self.pending: deque[tuple[BreakerState, BreakerState]] = deque()
        self._delivering = False

    def deliver(self) -> None:
        """Run the listeners for the queued changes, in order, unless another thread is."""
        with self._lock:
            if self._delivering or not self.pending:
                return
            self._delivering = True
        try:
            while True:
                with self._lock:
                    if not self.pending:
                        # Cleared under the same lock that saw the queue empty, so a change
                        # queued by another thread right after is delivered by that thread.
                        self._delivering = False
                        return
                    before, after = self.pending.popleft()
                    listeners = self.listeners
                for listener in listeners:
                    listener(before, after)
        except BaseException:
            with self._lock:
                self._delivering = False
            raise
