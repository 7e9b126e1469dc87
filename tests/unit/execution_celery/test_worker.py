"""The worker's composition root: ``app`` from ``SPINE_CELERY_*``, built only when asked for."""

from __future__ import annotations

import importlib

import pytest

from spine.core.errors import ConfigError
from spine.execution.celery import TASK_NAME
from spine.execution.celery import worker as worker_module
from spine.execution.celery.worker import ENVIRONMENT, app_from_env

FULL = {
    "SPINE_CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:1//",
    "SPINE_CELERY_RESULT_BACKEND": "redis://127.0.0.1:1/0",
    "SPINE_CELERY_REGISTRY": "tests.unit.execution_celery.handlers:registry",
}


def test_the_environment_builds_an_app_with_spines_task() -> None:
    app = app_from_env(FULL).unwrap()
    try:
        assert TASK_NAME in app.tasks
        assert app.conf["broker_url"] == FULL["SPINE_CELERY_BROKER_URL"]
    finally:
        app.close()


@pytest.mark.parametrize("missing", ENVIRONMENT)
def test_a_missing_variable_is_a_config_error_naming_it(missing: str) -> None:
    error = app_from_env({k: v for k, v in FULL.items() if k != missing}).failure()
    assert isinstance(error, ConfigError)
    assert error.key == missing


def test_a_malformed_registry_reference_is_a_config_error() -> None:
    error = app_from_env({**FULL, "SPINE_CELERY_REGISTRY": "no-colon"}).failure()
    assert isinstance(error, ConfigError)
    assert error.key == "registry_ref"


def test_celery_finds_app_on_the_module_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.reload(worker_module)  # forget an ``app`` an earlier test may have built
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="SPINE_CELERY_BROKER_URL"):
        _ = module.app
    for name, value in FULL.items():
        monkeypatch.setenv(name, value)
    app = module.app
    try:
        assert module.app is app  # built once
        assert TASK_NAME in app.tasks
        with pytest.raises(AttributeError):
            _ = module.celery
    finally:
        app.close()
        importlib.reload(worker_module)
