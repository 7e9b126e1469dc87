# Celery 5 ships no type information (see stubs/celery/__init__.pyi).

class Context:
    id: str | None
    delivery_info: dict[str, object] | None
    hostname: str | None

class Task[**P, R]:
    name: str
    acks_late: bool
    reject_on_worker_lost: bool | None
    ignore_result: bool
    max_retries: int | None
    @property
    def request(self) -> Context: ...
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...
