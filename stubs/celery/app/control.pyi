# Celery 5 ships no type information (see stubs/celery/__init__.pyi).
from collections.abc import Sequence

class Control:
    def revoke(
        self,
        task_id: str | Sequence[str],
        destination: Sequence[str] | None = None,
        terminate: bool = False,
        signal: str = "SIGTERM",
    ) -> None: ...
    def ping(
        self, destination: Sequence[str] | None = None, timeout: float = 1.0
    ) -> list[dict[str, dict[str, str]]]: ...
    def purge(self) -> int: ...
