"""Spine's Celery task and app, run in-process (no broker: the task is called directly)."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest
from celery import Celery

from spine.core.errors import ConfigError, ValidationError
from spine.execution.celery import SETTINGS, TASK_NAME, create_app, install
from spine.execution.celery.app import resolve_registry, run_payload
from spine.execution.celery.wire import encode_attempt
from spine.execution.runner import Attempt, Outcome
from tests.unit.execution_celery import handlers

REF = "tests.unit.execution_celery.handlers:registry"
ADD = Attempt(run_id="r1", attempt=1, name="add", params={"a": 20, "b": 22})


@pytest.fixture
def app() -> Iterator[Celery]:
    # Redis URLs are only parsed here: nothing connects unless a task is sent.
    celery_app = create_app(
        broker_url="redis://127.0.0.1:1/0", result_backend="redis://127.0.0.1:1/0", registry_ref=REF
    )
    yield celery_app
    celery_app.close()


@pytest.fixture(autouse=True)
def _no_calls() -> None:
    handlers.CALLS.clear()


def outcome(text: str) -> Outcome:
    return msgspec.json.decode(text, type=Outcome)


def test_the_app_speaks_json_and_acknowledges_on_start(app: Celery) -> None:
    for key, value in SETTINGS.items():
        assert app.conf[key] == value
    assert (app.conf["task_acks_late"], app.conf["task_reject_on_worker_lost"]) == (False, False)


def test_the_task_never_retries_or_acknowledges_late_whatever_the_app_says(app: Celery) -> None:
    app.conf.update(task_acks_late=True, task_reject_on_worker_lost=True)
    task = app.tasks[TASK_NAME]
    assert (task.acks_late, task.reject_on_worker_lost, task.max_retries) == (False, False, 0)


def test_the_task_runs_the_attempt_with_the_registered_handler(app: Celery) -> None:
    out = outcome(str(app.tasks[TASK_NAME](encode_attempt(ADD))))
    assert (out.run_id, out.attempt, out.value, out.error) == ("r1", 1, b"42", None)
    assert [handlers.Add(20, 22)] == handlers.CALLS


def test_a_message_handed_out_again_is_refused_without_running_the_handler() -> None:
    out = outcome(run_payload(REF, encode_attempt(ADD), redelivered=True))
    assert out.error is not None
    assert (out.error.code, out.error.retryable) == ("transient", True)
    assert "handed out again" in out.error.message
    assert handlers.CALLS == []


@pytest.mark.parametrize(
    "ref",
    [
        "tests.unit.execution_celery.handlers:NOT_A_REGISTRY",
        "tests.unit.execution_celery.handlers:missing",
        "tests.unit.execution_celery.nowhere:registry",
        "no-colon",
    ],
)
def test_a_registry_the_worker_cannot_resolve_is_the_attempts_config_error(ref: str) -> None:
    assert isinstance(resolve_registry(ref).failure(), ConfigError)
    out = outcome(run_payload(ref, encode_attempt(ADD)))
    assert out.error is not None
    assert (out.error.code, out.error.retryable) == ("config", False)


def test_a_registry_is_imported_once() -> None:
    assert resolve_registry(REF).unwrap() is resolve_registry(REF).unwrap() is handlers.registry


def test_a_payload_that_is_no_attempt_raises_for_celery_to_report() -> None:
    with pytest.raises(ValidationError):
        run_payload(REF, '{"not": "an attempt"}')


def test_install_puts_the_task_on_any_app_and_checks_the_reference() -> None:
    app = Celery("mine", set_as_current=False)
    try:
        task = install(app, REF)
        assert task.name == TASK_NAME
        assert outcome(task(encode_attempt(ADD))).value == b"42"
        with pytest.raises(ConfigError):
            install(app, "no.colon.here")
    finally:
        app.close()
