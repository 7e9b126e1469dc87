"""The lease decision, checked against the status machine and a naive model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ConflictError
from spine.execution.status import RunStatus, transition
from spine.orchestration.leases import Busy, Claim, NotDue, Stored, decide, path_to

T0 = datetime(2025, 1, 3, tzinfo=UTC)
statuses = st.sampled_from(list(RunStatus))
owners = st.sampled_from([None, "me", "other"])
offsets = st.one_of(st.none(), st.integers(-5, 5).map(lambda s: T0 + timedelta(seconds=s)))


@given(statuses)
def test_every_path_to_running_is_made_of_legal_moves(status: RunStatus) -> None:
    path = path_to(status, RunStatus.RUNNING)
    if path is None:
        assert status in {RunStatus.COMPLETED, RunStatus.DEAD_LETTERED, RunStatus.CANCELLED}
        return
    for current, target in pairwise((status, *path)):
        assert transition(current, target).unwrap() is target
    assert not path or path[-1] is RunStatus.RUNNING


def test_the_usual_ways_back_to_running() -> None:
    assert path_to(RunStatus.RUNNING, RunStatus.RUNNING) == ()
    assert path_to(RunStatus.WAITING, RunStatus.RUNNING) == (RunStatus.RUNNING,)
    assert path_to(RunStatus.FAILED, RunStatus.RUNNING) == (
        RunStatus.RETRYING,
        RunStatus.QUEUED,
        RunStatus.RUNNING,
    )


@given(statuses, owners, offsets, offsets)
def test_decide_matches_a_naive_model(
    status: RunStatus, holder: str | None, expires: datetime | None, wake: datetime | None
) -> None:
    decided = decide(status, owner="me", now=T0, lease_owner=holder, lease_expires_at=expires, wake_at=wake)
    if status in {RunStatus.COMPLETED, RunStatus.DEAD_LETTERED, RunStatus.CANCELLED}:
        assert decided.unwrap() == Stored(status=status)
    elif status is RunStatus.WAITING and wake is not None and wake > T0:
        assert decided.unwrap() == NotDue(wake_at=wake)
    elif holder == "other" and (expires is None or expires > T0):
        assert decided.unwrap() == Busy(owner="other", until=expires)
    else:
        claim = decided.unwrap()
        assert isinstance(claim, Claim)
        assert claim.takeover is (holder == "other")
        assert claim.path == path_to(status, RunStatus.RUNNING)


def test_an_expired_lease_is_taken_over_and_my_own_is_taken_back() -> None:
    later = T0 + timedelta(seconds=30)
    mine = decide(
        RunStatus.RUNNING, owner="me", now=T0, lease_owner="me", lease_expires_at=later, wake_at=None
    )
    assert mine.unwrap() == Claim(path=())
    theirs = decide(
        RunStatus.RUNNING, owner="me", now=later, lease_owner="other", lease_expires_at=later, wake_at=None
    )
    assert theirs.unwrap() == Claim(path=(), takeover=True)


def test_a_status_with_no_way_back_is_a_conflict() -> None:
    assert path_to(RunStatus.CANCELLED, RunStatus.RUNNING) is None
    assert isinstance(transition(RunStatus.CANCELLED, RunStatus.RUNNING).failure(), ConflictError)
