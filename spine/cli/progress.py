"""A live progress bar for runs that take more than a moment (on stderr, only on a terminal).

The run goes on in the calling thread; a watcher thread reads the run's checkpoints through
its own database connection (connections are not shared across threads) and shows, per
step, whether it finished.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Generator
from contextlib import contextmanager

from returns.result import Result, Success

from spine.core.errors import SpineError
from spine.orchestration.checkpoints import Checkpoint
from spine.orchestration.report import StepStatus

__all__ = ["Reader", "watch"]

type Reader = Callable[[], Result[tuple[Checkpoint, ...], SpineError] | None]
"""The run's checkpoints so far (``None`` before the run exists)."""

_MARK = {
    StepStatus.COMPLETED: "ok",
    StepStatus.CONTINUED: "ok*",
    StepStatus.FAILED: "x",
    StepStatus.WAITING: "zz",
}


@contextmanager
def watch(
    steps: tuple[str, ...],
    open_reader: Callable[[], tuple[Reader, Callable[[], None]]],
    *,
    delay_s: float = 0.5,
    every_s: float = 0.2,
    enabled: bool | None = None,
) -> Generator[None]:
    """Show progress while the body runs, once it has run for ``delay_s``.

    ``open_reader`` is called in the watcher thread (database connections stay in the
    thread that opened them) and gives the reader and what closes it.
    """
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: PLC0415 - cli extra

    stop = threading.Event()

    def loop() -> None:
        if stop.wait(delay_s):
            return
        read, close = open_reader()
        try:
            _show(read, close_when=stop)
        finally:
            close()

    def _show(read: Reader, *, close_when: threading.Event) -> None:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True
        ) as bar:
            task = bar.add_task("starting", total=len(steps))
            while not close_when.wait(every_s):
                found = read()
                if not isinstance(found, Success):
                    continue
                rows: tuple[Checkpoint, ...] = found.unwrap()
                done = {r.step_name: r.status for r in rows}
                pending = [s for s in steps if s not in done]
                last = " ".join(
                    f"{name}:{_MARK.get(status, '?')}" for name, status in list(done.items())[-4:]
                )
                now = f"running {pending[0]}" if pending else "finishing"
                bar.update(task, completed=len(done), description=f"{last} | {now}")

    watcher = threading.Thread(target=loop, daemon=True, name="spine-progress")
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join(timeout=2)
