"""The run status machine: legal moves succeed, everything else is a typed conflict."""

from __future__ import annotations

from collections import deque
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ConflictError
from spine.execution.status import FINAL, RunStatus, allowed, transition

statuses = st.sampled_from(list(RunStatus))


@given(statuses, statuses)
def test_transition_is_ok_exactly_for_the_moves_in_the_table(current: RunStatus, target: RunStatus) -> None:
    outcome = transition(current, target)
    if target in allowed(current):
        assert outcome.unwrap() == target
    else:
        error = outcome.failure()
        assert isinstance(error, ConflictError)
        assert current.value in error.message
        assert target.value in error.message


def test_final_statuses_have_no_way_out() -> None:
    assert {RunStatus.COMPLETED, RunStatus.CANCELLED, RunStatus.DEAD_LETTERED} == FINAL
    for status in FINAL:
        assert allowed(status) == frozenset()


def _reachable(start: RunStatus) -> set[RunStatus]:
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in allowed(todo.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_every_status_is_reachable_from_pending() -> None:
    assert _reachable(RunStatus.PENDING) == set(RunStatus)


def test_every_status_can_still_end() -> None:
    for status in RunStatus:
        assert _reachable(status) & FINAL, status


def test_the_documented_retry_loop_exists() -> None:
    path = [RunStatus.RUNNING, RunStatus.FAILED, RunStatus.RETRYING, RunStatus.QUEUED, RunStatus.RUNNING]
    for current, target in pairwise(path):
        assert transition(current, target).unwrap() == target
    assert transition(RunStatus.COMPLETED, RunStatus.FAILED).failure().context["from"] == "completed"


def test_a_durable_timer_suspends_and_resumes_a_running_run() -> None:
    path = [RunStatus.RUNNING, RunStatus.WAITING, RunStatus.RUNNING, RunStatus.COMPLETED]
    for current, target in pairwise(path):
        assert transition(current, target).unwrap() == target
    assert transition(RunStatus.WAITING, RunStatus.CANCELLED).unwrap() is RunStatus.CANCELLED
    assert isinstance(transition(RunStatus.WAITING, RunStatus.COMPLETED).failure(), ConflictError)
