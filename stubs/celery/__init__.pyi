# Celery 5 ships no type information: these stubs cover only what spine.execution.celery,
# its tests and bench use. Extend them when spine uses more of Celery.
from collections.abc import Callable, Sequence
from typing import Concatenate, Literal, overload

from celery.app.control import Control
from celery.app.task import Task as Task
from celery.app.utils import Settings
from celery.backends.base import Backend
from celery.result import AsyncResult
from kombu import Connection

__all__ = ["Celery", "Task"]

class Celery:
    main: str | None
    def __init__(
        self,
        main: str | None = None,
        *,
        broker: str | None = None,
        backend: str | None = None,
        set_as_current: bool = True,
    ) -> None: ...
    @property
    def conf(self) -> Settings: ...
    @property
    def control(self) -> Control: ...
    @property
    def backend(self) -> Backend: ...
    @property
    def tasks(self) -> dict[str, Task[..., object]]: ...
    @overload
    def task[**P, R](
        self,
        *,
        name: str | None = None,
        bind: Literal[False] = False,
        acks_late: bool | None = None,
        reject_on_worker_lost: bool | None = None,
        ignore_result: bool | None = None,
        max_retries: int | None = None,
        shared: bool = True,
    ) -> Callable[[Callable[P, R]], Task[P, R]]: ...
    @overload
    def task[**P, R](
        self,
        *,
        name: str | None = None,
        bind: Literal[True],
        acks_late: bool | None = None,
        reject_on_worker_lost: bool | None = None,
        ignore_result: bool | None = None,
        max_retries: int | None = None,
        shared: bool = True,
    ) -> Callable[[Callable[Concatenate[Task[P, R], P], R]], Task[P, R]]: ...
    def send_task(
        self,
        name: str,
        args: Sequence[object] | None = None,
        kwargs: dict[str, object] | None = None,
        *,
        task_id: str | None = None,
        queue: str | None = None,
        expires: float | None = None,
        time_limit: float | None = None,
        ignore_result: bool | None = None,
        argsrepr: str | None = None,
    ) -> AsyncResult: ...
    def AsyncResult(self, id: str) -> AsyncResult: ...
    def connection_for_write(self, url: str | None = None) -> Connection: ...
    def close(self) -> None: ...
