"""The worker's composition root: ``celery -A spine.execution.celery.worker worker -Q <queue>``.

Celery reads ``app`` from this module; it is built on first access from the environment:

- ``SPINE_CELERY_BROKER_URL``: ``redis://...`` or ``amqp://...``
- ``SPINE_CELERY_RESULT_BACKEND``: ``redis://...``
- ``SPINE_CELERY_REGISTRY``: the handler registry, ``package.module:attribute``

Importing the module reads nothing; a missing variable fails the worker's start with a
``ConfigError`` naming it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

from celery import Celery
from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError
from spine.execution.celery.app import create_app

__all__ = ["ENVIRONMENT", "app_from_env"]

ENVIRONMENT: Final = ("SPINE_CELERY_BROKER_URL", "SPINE_CELERY_RESULT_BACKEND", "SPINE_CELERY_REGISTRY")
"""The variables a worker reads, in the order of ``create_app``'s arguments."""


def app_from_env(environ: Mapping[str, str], /) -> Result[Celery, ConfigError]:
    """The worker's app from ``environ``; a ``ConfigError`` names the first missing variable."""
    values: list[str] = []
    for name in ENVIRONMENT:
        value = environ.get(name, "")
        if not value:
            return Failure(ConfigError(f"{name} is not set (the Celery worker needs it)", key=name))
        values.append(value)
    broker, backend, registry = values
    try:
        return Success(create_app(broker_url=broker, result_backend=backend, registry_ref=registry))
    except ConfigError as exc:
        return Failure(exc)


def __getattr__(name: str) -> Celery:
    """``app``, built from ``os.environ`` the first time Celery asks for it."""
    if name != "app":
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    built = app_from_env(os.environ)
    if isinstance(built, Failure):
        raise built.failure()
    app = built.unwrap()
    globals()["app"] = app
    return app
