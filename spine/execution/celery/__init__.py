"""Running attempts on Celery workers, on as many machines as you like (the ``celery`` extra).

Import it explicitly (``spine.execution`` does not, so it works without Celery installed)::

    app = create_app(broker_url=..., result_backend="redis://...", registry_ref="pipelines.jobs:registry")
    executor = CeleryExecutor(app, queue="spine")      # hand it to the Dispatcher

Workers run ``celery -A spine.execution.celery.worker worker -Q spine`` with the same
settings in ``SPINE_CELERY_*`` environment variables (see :mod:`spine.execution.celery.worker`).
"""

from spine.execution.celery.app import SETTINGS, TASK_NAME, create_app, install
from spine.execution.celery.executor import CeleryExecutor

__all__ = ["SETTINGS", "TASK_NAME", "CeleryExecutor", "create_app", "install"]
