"""``CeleryExecutor`` without a broker: its settings are checked, and shutdown is final."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from celery import Celery

from spine.core.errors import ConfigError
from spine.execution.celery import CeleryExecutor, create_app
from spine.execution.executor import Executor
from spine.execution.runner import Attempt, Outcome

NOWHERE = "redis://127.0.0.1:1/0"  # parsed, never connected to by these tests


@pytest.fixture
def app() -> Iterator[Celery]:
    celery_app = create_app(
        broker_url=NOWHERE,
        result_backend=NOWHERE,
        registry_ref="tests.unit.execution_celery.handlers:registry",
    )
    yield celery_app
    celery_app.close()


def test_it_is_an_executor_whose_outcomes_arrive_later(app: Celery) -> None:
    executor: Executor = CeleryExecutor(app)
    assert not executor.inline
    executor.shutdown()


def test_it_needs_a_redis_result_backend() -> None:
    app = Celery("x", broker=NOWHERE, backend="cache+memory://", set_as_current=False)
    try:
        with pytest.raises(ConfigError) as caught:
            CeleryExecutor(app)
        assert caught.value.key == "result_backend"
    finally:
        app.close()


@pytest.mark.parametrize("key", ["lost_after_s", "kill_grace_s", "poll_s", "sweep_s"])
@pytest.mark.parametrize("value", [0.0, -1.0, math.inf, math.nan])
def test_spans_must_be_finite_and_positive(app: Celery, key: str, value: float) -> None:
    spans = {"lost_after_s": 1.0, "kill_grace_s": 1.0, "poll_s": 1.0, "sweep_s": 1.0} | {key: value}
    with pytest.raises(ConfigError) as caught:
        CeleryExecutor(
            app,
            lost_after_s=spans["lost_after_s"],
            kill_grace_s=spans["kill_grace_s"],
            poll_s=spans["poll_s"],
            sweep_s=spans["sweep_s"],
        )
    assert caught.value.key == key


def test_after_shutdown_attempts_end_at_once_as_cancelled(app: Celery) -> None:
    executor = CeleryExecutor(app)
    executor.shutdown()
    executor.shutdown()  # twice is fine
    got: list[Outcome] = []
    executor.start(Attempt(run_id="r", attempt=1, name="add"), got.append)
    assert [(o.run_id, o.error.code if o.error else None) for o in got] == [("r", "cancelled")]
    assert executor.in_flight() == 0
    assert not executor.cancel("r")
