"""The transaction nesting rules, against a recording fake of the driver's six calls."""

from __future__ import annotations

import pytest
from returns.result import Failure, Success

from spine.core.errors import DatabaseConnectionError, DatabaseError, QueryError
from spine.storage.connection import Transaction
from spine.storage.drivers._scope import Scopes, doomed_error


class Ops:
    def __init__(self, fail: dict[str, DatabaseError] | None = None) -> None:
        self.log: list[str] = []
        self.fail = fail or {}

    def _do(self, what: str) -> DatabaseError | None:
        self.log.append(what)
        return self.fail.get(what.split(maxsplit=1)[0])

    def begin(self) -> DatabaseError | None:
        return self._do("begin")

    def commit(self) -> DatabaseError | None:
        return self._do("commit")

    def rollback(self) -> DatabaseError | None:
        return self._do("rollback")

    def savepoint(self, name: str, /) -> DatabaseError | None:
        return self._do(f"savepoint {name}")

    def release(self, name: str, /) -> DatabaseError | None:
        return self._do(f"release {name}")

    def rollback_to(self, name: str, /) -> DatabaseError | None:
        return self._do(f"rollback_to {name}")


def test_outermost_begins_and_commits() -> None:
    ops = Ops()
    scopes = Scopes(ops)
    with scopes.scope() as tx:
        assert scopes.active
        assert scopes.refusal() is None
    assert tx.outcome == Success(True)
    assert ops.log == ["begin", "commit"]
    assert not scopes.active


def test_nested_blocks_are_savepoints_named_by_depth() -> None:
    ops = Ops()
    scopes = Scopes(ops)
    with scopes.scope(), scopes.scope():
        with scopes.scope():
            pass
        with scopes.scope():
            pass
    assert ops.log == [
        "begin",
        "savepoint spine_sp1",
        "savepoint spine_sp2",
        "release spine_sp2",
        "savepoint spine_sp2",
        "release spine_sp2",
        "release spine_sp1",
        "commit",
    ]


def test_exception_rolls_back_and_propagates() -> None:
    ops = Ops()
    scopes = Scopes(ops)
    handles: list[Transaction] = []

    def block() -> None:
        with scopes.scope() as tx:
            handles.append(tx)
            raise KeyError

    with pytest.raises(KeyError):
        block()
    assert handles[0].outcome == Success(False)
    assert ops.log == ["begin", "rollback"]


def test_rollback_only_rolls_back() -> None:
    ops = Ops()
    with Scopes(ops).scope() as tx:
        tx.set_rollback_only()
    assert tx.outcome == Success(False)
    assert ops.log == ["begin", "rollback"]


def test_a_recorded_failure_dooms_the_innermost_level_only() -> None:
    ops = Ops()
    scopes = Scopes(ops)
    boom = QueryError("boom", retryable=True)
    with scopes.scope() as outer:
        with scopes.scope() as inner:
            scopes.record(boom)
            scopes.record(QueryError("second"))  # the first error is the one kept
            refusal = scopes.refusal()
            assert refusal == doomed_error(boom)
            assert refusal is not None
            assert refusal.retryable
        assert scopes.refusal() is None
    assert inner.outcome == Failure(boom)
    assert outer.outcome == Success(True)
    assert ops.log == ["begin", "savepoint spine_sp1", "rollback_to spine_sp1", "commit"]


def test_failed_begin_dooms_the_block_and_nothing_is_undone() -> None:
    lost = DatabaseConnectionError("gone")
    ops = Ops({"begin": lost})
    scopes = Scopes(ops)
    with scopes.scope() as tx:
        assert scopes.refusal() == doomed_error(lost)
        with scopes.scope() as inner:
            pass
    assert tx.outcome == Failure(lost)
    assert inner.outcome == Failure(lost)
    assert ops.log == ["begin"]


def test_failed_commit_is_reported_and_rolled_back() -> None:
    conflict = QueryError("serialization", sqlstate="40001", retryable=True)
    ops = Ops({"commit": conflict})
    with Scopes(ops).scope() as tx:
        pass
    assert tx.outcome == Failure(conflict)
    assert ops.log == ["begin", "commit", "rollback"]


def test_failed_release_dooms_the_parent() -> None:
    lost = DatabaseConnectionError("gone")
    ops = Ops({"release": lost})
    scopes = Scopes(ops)
    with scopes.scope() as outer:
        with scopes.scope() as inner:
            pass
        assert scopes.refusal() == doomed_error(lost)
    assert inner.outcome == Failure(lost)
    assert outer.outcome == Failure(lost)
    assert ops.log == ["begin", "savepoint spine_sp1", "release spine_sp1", "rollback"]


def test_failed_rollback_on_request_is_reported() -> None:
    lost = DatabaseConnectionError("gone")
    with Scopes(Ops({"rollback": lost})).scope() as tx:
        tx.set_rollback_only()
    assert tx.outcome == Failure(lost)


def test_reset_inside_a_block_forgets_every_level() -> None:
    ops = Ops()
    scopes = Scopes(ops)
    with scopes.scope():
        scopes.reset()
        assert not scopes.active
    assert not scopes.active


def test_record_outside_a_transaction_is_ignored() -> None:
    scopes = Scopes(Ops())
    scopes.record(QueryError("x"))
    assert scopes.refusal() is None
