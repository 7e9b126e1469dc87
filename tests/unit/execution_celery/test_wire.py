"""What crosses the broker, and how Celery's end states become outcomes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ErrorRecord, ValidationError
from spine.execution.celery.wire import (
    decode_attempt,
    encode_attempt,
    encode_outcome,
    lost,
    outcome_of,
)
from spine.execution.runner import Attempt, Outcome
from tests.strategies import error_records, json_objects

ATTEMPT = Attempt(run_id="run-1", attempt=2, name="ingest")

attempts = st.builds(
    Attempt,
    run_id=st.text(min_size=1, max_size=30),
    attempt=st.integers(1, 1000),
    name=st.text(min_size=1, max_size=30),
    params=json_objects(),
    timeout_s=st.none() | st.floats(0.001, 1e6),
)


def outcomes_of(attempt: Attempt) -> st.SearchStrategy[Outcome]:
    value = st.none() | st.binary(max_size=50)
    error: st.SearchStrategy[ErrorRecord | None] = st.none() | error_records(max_cause_depth=1)
    return st.builds(
        Outcome, run_id=st.just(attempt.run_id), attempt=st.just(attempt.attempt), value=value, error=error
    )


@given(attempts)
def test_attempts_survive_the_trip(attempt: Attempt) -> None:
    assert decode_attempt(encode_attempt(attempt)).unwrap() == attempt


@given(st.data())
def test_a_workers_outcome_comes_back_as_it_was(data: st.DataObject) -> None:
    outcome = data.draw(outcomes_of(ATTEMPT))
    assert outcome_of(ATTEMPT, "SUCCESS", encode_outcome(outcome), task_id="t") == outcome


@pytest.mark.parametrize("payload", ["", "[]", '{"run_id": "r"}', "not json"])
def test_what_is_not_an_attempt_is_a_validation_error(payload: str) -> None:
    assert isinstance(decode_attempt(payload).failure(), ValidationError)


@pytest.mark.parametrize(
    "value",
    [
        None,
        42,
        "not json",
        encode_outcome(Outcome(run_id="run-1", attempt=1, value=b"1")),  # another attempt's
        encode_outcome(Outcome(run_id="run-2", attempt=2, value=b"1")),  # another run's
    ],
)
def test_a_success_that_is_not_this_attempts_outcome_is_an_internal_error(value: object) -> None:
    out = outcome_of(ATTEMPT, "SUCCESS", value, task_id="t")
    assert out is not None
    assert out.error is not None
    assert (out.run_id, out.attempt, out.error.code, out.error.retryable) == ("run-1", 2, "internal", False)


class WorkerLostError(Exception):
    """Named like billiard's: the mapping goes by the exception's name, as Celery rebuilds it."""


class TimeLimitExceeded(Exception):
    pass


class TaskRevokedError(Exception):
    pass


@pytest.mark.parametrize(
    ("state", "value", "code", "retryable"),
    [
        ("FAILURE", WorkerLostError("Worker exited prematurely: signal 9 (SIGKILL)"), "transient", True),
        ("FAILURE", TimeLimitExceeded(30.0), "transient.timeout", True),
        ("FAILURE", KeyError("x"), "internal", False),
        ("REVOKED", TaskRevokedError("revoked"), "cancelled", False),
        ("REVOKED", TaskRevokedError("expired"), "transient.timeout", True),
    ],
)
def test_celery_end_states_map_onto_spines_errors(
    state: str, value: object, code: str, retryable: bool
) -> None:
    out = outcome_of(ATTEMPT, state, value, task_id="task-9")
    assert out is not None
    assert out.error is not None
    assert (out.error.code, out.error.retryable) == (code, retryable)
    assert out.error.context == {"run_id": "run-1", "task_id": "task-9"}


@pytest.mark.parametrize("state", ["PENDING", "RECEIVED", "STARTED", "RETRY"])
def test_states_that_are_no_end_give_no_outcome(state: str) -> None:
    assert outcome_of(ATTEMPT, state, None, task_id="t") is None


def test_a_lost_attempt_is_a_retryable_timeout_naming_its_wait() -> None:
    out = lost(ATTEMPT, waited_s=3.0, task_id="t")
    assert out.error is not None
    assert (out.error.code, out.error.retryable, out.error.details["timeout_s"]) == (
        "transient.timeout",
        True,
        3.0,
    )
    assert "within 3 s" in out.error.message
