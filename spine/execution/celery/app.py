"""The Celery side of spine: one task that runs attempts, and an app configured for it.

Spine registers exactly one Celery task, :data:`TASK_NAME`. Its argument is an attempt as
JSON text; it resolves the handler registry from a ``"package.module:attribute"`` reference
(imported once per worker process), runs :func:`~spine.execution.runner.run_attempt` and
returns the outcome as JSON text. The registry reference lives with the worker, never in a
message: a message can only name a handler the worker already has.

Celery never retries an attempt, nor runs one twice. The task has no Celery retries; its
message is acknowledged as it starts (``acks_late=False``; a solo pool's event loop only
sends that acknowledgement once the task returns); and a message the broker hands out again
(its worker died or stopped before acknowledging it: RabbitMQ requeues at once, Redis after
its ``visibility_timeout``) is answered with a retryable error instead of being run. So a
lost worker costs the attempt it held, and spine's ``RetryPolicy`` decides what comes next:
attempt n+1 or a dead letter. The price: messages a worker had prefetched but not started
when it died *or shut down* also cost an attempt (a run without retries is dead-lettered, to
be replayed from there); ``worker_prefetch_multiplier=1`` keeps those few.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from celery import Celery, Task
from returns.result import Failure

from spine.core.errors import ConfigError, TransientError
from spine.execution.celery.wire import decode_attempt, encode_outcome
from spine.execution.executors import resolve_registry
from spine.execution.runner import failed, run_attempt

__all__ = ["SETTINGS", "TASK_NAME", "create_app", "install", "resolve_registry", "run_payload"]

TASK_NAME: Final = "spine.run_attempt"
"""The name of spine's one Celery task."""

SETTINGS: Final[Mapping[str, object]] = {
    "task_serializer": "json",
    "result_serializer": "json",
    "accept_content": ["json"],
    "task_acks_late": False,
    "task_reject_on_worker_lost": False,
    "broker_connection_retry_on_startup": True,
}
"""What :func:`create_app` sets: JSON only; messages acknowledged as tasks start, never requeued."""


def run_payload(registry_ref: str, payload: str, /, *, redelivered: bool = False) -> str:
    """Run the attempt ``payload`` carries; its outcome as JSON text (what the task returns).

    A ``redelivered`` message is not run: its first delivery may have run (part of) the
    handler before its worker died, so it ends as a retryable error for spine's policy.
    A registry that cannot be resolved is the attempt's (non-retryable) error. A payload that
    is not an attempt at all raises: no outcome can be addressed to it.
    """
    decoded = decode_attempt(payload)
    if isinstance(decoded, Failure):
        raise decoded.failure()
    attempt = decoded.unwrap()
    if redelivered:
        msg = (
            f"{attempt.name!r} attempt {attempt.attempt} was handed out again: the worker that"
            " took it was lost (spine does not run an attempt twice)"
        )
        return encode_outcome(failed(attempt, TransientError(msg, context={"run_id": attempt.run_id})))
    registry = resolve_registry(registry_ref)
    if isinstance(registry, Failure):
        return encode_outcome(failed(attempt, registry.failure()))
    return encode_outcome(run_attempt(registry.unwrap(), attempt))


def install(app: Celery, registry_ref: str, /) -> Task[[str], str]:
    """Register spine's task on ``app`` (an app you configure yourself); workers resolve ``registry_ref``.

    The reference is checked for shape here and resolved on a worker's first attempt.
    """
    module, colon, attr = registry_ref.partition(":")
    if not (module and colon and attr):
        msg = f"registry_ref must look like 'package.module:attribute', got {registry_ref!r}"
        raise ConfigError(msg, key="registry_ref")

    def spine_run_attempt(task: Task[[str], str], payload: str) -> str:
        delivery = task.request.delivery_info or {}
        return run_payload(registry_ref, payload, redelivered=bool(delivery.get("redelivered")))

    # shared=False: the task belongs to this app alone (Celery would add a shared task to every
    # app, each with the first app's registry reference).
    register = app.task(
        name=TASK_NAME, bind=True, shared=False, acks_late=False, reject_on_worker_lost=False, max_retries=0
    )
    return register(spine_run_attempt)


def create_app(*, broker_url: str, result_backend: str, registry_ref: str, main: str = "spine") -> Celery:
    """A Celery app with :data:`SETTINGS` and spine's task, for workers and executors alike.

    ``result_backend`` must be Redis (``redis://``): the executor collects outcomes from it.
    The broker may be Redis or RabbitMQ (``amqp://``).
    """
    app = Celery(main, broker=broker_url, backend=result_backend, set_as_current=False)
    app.conf.update(SETTINGS)
    install(app, registry_ref)
    return app
