# Celery 5 ships no type information (see stubs/celery/__init__.pyi).
from celery.backends.base import BaseKeyValueStoreBackend

class ResultConsumer:
    def drain_events(self, timeout: float | None = None) -> None: ...

class RedisBackend(BaseKeyValueStoreBackend):
    result_consumer: ResultConsumer
