"""Transaction scopes: the nesting rules every interpreter shares.

Theory of operation
-------------------
A session holds a stack of levels. Entering ``transaction()`` pushes one: the outermost
sends BEGIN, the others a SAVEPOINT. Each level is *healthy* or *doomed* (it holds the
first error seen in it). A level is doomed when its BEGIN/SAVEPOINT fails (nothing was
begun, so nothing is undone) or when a statement in it fails; a level opened inside a
doomed one starts doomed. Statements in a doomed level are refused without running.

Leaving a level: a healthy level that was not marked rollback-only commits (or releases
its savepoint); anything else rolls back (or rolls back to its savepoint). A failed COMMIT
is reported and followed by a best-effort ROLLBACK; a failed RELEASE dooms the parent. An
exception in the block always rolls back and propagates (a failed rollback is then not
reported: the exception says more).

The driver-specific part is a :class:`TransactionOps`: six calls that each return the
error they met, or ``None``. This module holds no driver and does no I/O of its own.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from typing import Final, Protocol, final

from returns.result import Failure, Result, Success

from spine.core.errors import DatabaseError, QueryError
from spine.storage.connection import Transaction

__all__ = ["Scopes", "TransactionOps", "doomed_error"]

_COMMITTED: Final[Result[bool, DatabaseError]] = Success(True)  # noqa: FBT003 - the outcome is a flag
_ROLLED_BACK: Final[Result[bool, DatabaseError]] = Success(False)  # noqa: FBT003


class TransactionOps(Protocol):
    """How one driver begins, ends and nests transactions; each returns its error or None."""

    def begin(self) -> DatabaseError | None:
        """Start a transaction."""
        ...

    def commit(self) -> DatabaseError | None:
        """Commit the transaction."""
        ...

    def rollback(self) -> DatabaseError | None:
        """Roll the transaction back."""
        ...

    def savepoint(self, name: str, /) -> DatabaseError | None:
        """Set a savepoint."""
        ...

    def release(self, name: str, /) -> DatabaseError | None:
        """Release (forget) a savepoint."""
        ...

    def rollback_to(self, name: str, /) -> DatabaseError | None:
        """Undo everything since a savepoint (and forget it)."""
        ...


def doomed_error(first: DatabaseError) -> DatabaseError:
    """The error a statement gets in a doomed transaction: it says why, keeps retryability."""
    return QueryError(
        f"the transaction already failed and will roll back: {first.message}",
        sqlstate="25P02",
        retryable=first.retryable,
        cause=first,
    )


@final
class _Level:
    __slots__ = ("began", "failure", "savepoint")

    def __init__(self, savepoint: str | None, failure: DatabaseError | None) -> None:
        self.savepoint = savepoint
        self.failure = failure
        self.began = failure is None


@final
class Scopes:
    """The transaction stack of one session.

    ``active`` says whether a transaction is open (statements join it instead of
    committing); it is also the hot path's cheap pre-check before :meth:`refusal`.
    """

    __slots__ = ("_levels", "_ops", "active")

    def __init__(self, ops: TransactionOps) -> None:
        self._ops = ops
        self._levels: list[_Level] = []
        # A plain attribute kept in step with _levels: a property would cost a Python
        # frame on every statement.
        self.active = False

    def refusal(self) -> DatabaseError | None:
        """The error a statement must return instead of running, if the level is doomed."""
        if self._levels:
            failure = self._levels[-1].failure
            if failure is not None:
                return doomed_error(failure)
        return None

    def record(self, error: DatabaseError) -> None:
        """A statement failed: doom the innermost level (keeps the first error)."""
        if self._levels and self._levels[-1].failure is None:
            self._levels[-1].failure = error

    def reset(self) -> None:
        """Forget every level (the session was lost or closed)."""
        self._levels.clear()
        self.active = False

    @contextmanager
    def scope(self) -> Generator[Transaction]:
        """One transaction level around a block (see the theory of operation)."""
        tx = Transaction()
        level = self._enter()
        try:
            yield tx
        except BaseException:
            if level.began:
                self._undo(level)
            self._pop(level)
            tx.settle(_ROLLED_BACK)
            raise
        outcome = self._leave(level, rollback=tx.rollback_only)
        self._pop(level)
        tx.settle(outcome)

    def _enter(self) -> _Level:
        parent = self._levels[-1] if self._levels else None
        if parent is not None and parent.failure is not None:
            level = _Level(None, parent.failure)
        elif parent is None:
            level = _Level(None, self._ops.begin())
        else:
            name = f"spine_sp{len(self._levels)}"
            level = _Level(name, self._ops.savepoint(name))
        self._levels.append(level)
        self.active = True
        return level

    def _pop(self, level: _Level) -> None:
        # Identity, not equality: only the level this scope pushed may be removed; after a
        # reset() (connection lost inside the block) there is nothing left to pop.
        if self._levels and self._levels[-1] is level:
            self._levels.pop()
            self.active = bool(self._levels)

    def _undo(self, level: _Level) -> DatabaseError | None:
        if level.savepoint is None:
            return self._ops.rollback()
        return self._ops.rollback_to(level.savepoint)

    def _leave(self, level: _Level, *, rollback: bool) -> Result[bool, DatabaseError]:  # noqa: PLR0911
        if not level.began:
            return Failure(level.failure or QueryError("the transaction did not begin"))
        if level.failure is not None or rollback:
            undo_error = self._undo(level)
            if level.failure is not None:
                return Failure(level.failure)
            return _ROLLED_BACK if undo_error is None else Failure(undo_error)
        if level.savepoint is None:
            error = self._ops.commit()
            if error is not None:
                self._ops.rollback()
                return Failure(error)
            return _COMMITTED
        error = self._ops.release(level.savepoint)
        if error is not None:
            parent_index = len(self._levels) - 2
            if parent_index >= 0:
                parent = self._levels[parent_index]
                parent.failure = parent.failure or error
            return Failure(error)
        return _COMMITTED
