"""Celery executor throughput: no-op work specs through ``CeleryExecutor`` vs raw Celery tasks.

Both sides use the same app, broker (Redis), result backend (Redis), queue and worker (a
prefork pool this script starts), in the same run, rounds interleaved:

- spine: ``CeleryExecutor.start`` for each attempt (the executor alone: the Dispatcher's
  database writes are what ``bench/dispatcher.py`` measures), waiting for every ``done``;
- raw: ``app.send_task`` of a no-op task for each, then ``ResultSet.get`` (Celery's native
  join over the Redis result backend).

(Not ``bench/celery.py``: a script of that name would shadow the ``celery`` package.)

Run: ``.venv/bin/python bench/celery_executor.py [N] [ROUNDS]``; the worker needs Redis at
``SPINE_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/15``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import msgspec
from celery.result import ResultSet
from returns.result import Result, Success

from spine.core.errors import SpineError
from spine.execution.celery import CeleryExecutor, create_app
from spine.execution.registry import HandlerRegistry
from spine.execution.runner import Attempt, Outcome

REDIS = os.environ.get("SPINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
QUEUE = os.environ.get("SPINE_BENCH_QUEUE") or f"spine-bench-{uuid.uuid4().hex[:8]}"
ROOT = Path(__file__).resolve().parent


class NoParams(msgspec.Struct, frozen=True):
    pass


def noop(_: NoParams) -> Result[None, SpineError]:
    return Success(None)


registry = HandlerRegistry()
registry.register("noop", NoParams, noop)

# The worker imports this module (``celery -A celery_executor``) and finds ``app``.
app = create_app(broker_url=REDIS, result_backend=REDIS, registry_ref="celery_executor:registry")


@app.task(name="bench.noop")
def raw_noop() -> None:
    return None


def start_worker(log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT.parent}", SPINE_BENCH_QUEUE=QUEUE)
    name = f"bench-{uuid.uuid4().hex[:8]}"
    command = [
        sys.executable, "-m", "celery", "-A", "celery_executor", "worker", "--pool=prefork", "-c", "2",
        "--without-heartbeat", "--without-mingle", "--without-gossip", "-Q", QUEUE, "-n", f"{name}@%h",
        "-l", "warning",
    ]  # fmt: skip
    worker = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not any(host.startswith(f"{name}@") for reply in app.control.ping(timeout=0.5) for host in reply):
        if worker.poll() is not None or time.monotonic() > deadline:
            msg = f"the worker did not start:\n{log.read_text()}"
            raise SystemExit(msg)
    return worker


class Round(NamedTuple):
    rate: float  # tasks/s, wall clock
    client_us: float  # this process's CPU per task (the collector thread's included)
    worker_us: float  # the worker's CPU per task (main process and pool children; Linux)


def worker_cpu(pid: int) -> float:
    """CPU seconds of the worker and its pool children so far (0.0 where /proc is missing)."""
    proc = Path("/proc")
    if not proc.exists():
        return 0.0
    children = (proc / str(pid) / "task" / str(pid) / "children").read_text().split()
    total = 0
    for each in [str(pid), *children]:
        fields = (proc / each / "stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def measure(worker: subprocess.Popen[bytes], n: int, run: Callable[[], None]) -> Round:
    cpu, wcpu, start = time.process_time(), worker_cpu(worker.pid), time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    return Round(
        n / elapsed, (time.process_time() - cpu) / n * 1e6, (worker_cpu(worker.pid) - wcpu) / n * 1e6
    )


def forget_queue() -> None:
    """Drop the run's queue and its bindings (the Redis transport forgets only what it declared)."""
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.exchange_declare(exchange=QUEUE, type="direct")
        channel.queue_declare(queue=QUEUE)
        channel.queue_bind(queue=QUEUE, exchange=QUEUE, routing_key=QUEUE)
        channel.queue_delete(queue=QUEUE)


def raw_round(n: int) -> None:
    results = [app.send_task("bench.noop", queue=QUEUE) for _ in range(n)]
    ResultSet(results).get(timeout=120)


def spine_round(executor: CeleryExecutor, n: int) -> None:
    outcomes: list[Outcome] = []
    finished = threading.Event()

    def done(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if len(outcomes) == n:
            finished.set()

    batch = uuid.uuid4().hex[:8]
    for i in range(n):
        executor.start(Attempt(run_id=f"{batch}-{i}", attempt=1, name="noop"), done)
    if not finished.wait(120):
        msg = f"only {len(outcomes)} of {n} outcomes arrived"
        raise SystemExit(msg)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok][:1]


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    raw: list[Round] = []
    ours: list[Round] = []
    with tempfile.TemporaryDirectory() as tmp:
        worker = start_worker(Path(tmp) / "worker.log")
        executor = CeleryExecutor(app, queue=QUEUE, lost_after_s=300)
        try:
            raw_round(100)  # warm both paths up
            spine_round(executor, 100)
            for i in range(rounds):  # interleaved, alternating who goes first
                pair = [
                    (raw, lambda: raw_round(n)),
                    (ours, lambda: spine_round(executor, n)),
                ]
                for into, run in pair[:: 1 if i % 2 == 0 else -1]:
                    into.append(measure(worker, n, run))
        finally:
            executor.shutdown()
            worker.terminate()
            worker.wait(30)
            forget_queue()
    print(f"{n} no-op tasks a round, {rounds} rounds interleaved; Redis broker and result backend;")
    print("one prefork worker (-c 2). spine: CeleryExecutor.start + done (no Dispatcher: bench/dispatcher.py")
    print("measures that); raw: app.send_task + ResultSet.get. Medians (best) of the rounds:")
    report("raw Celery", raw)
    report("spine CeleryExecutor", ours)
    median = statistics.median(r.rate for r in ours) / statistics.median(r.rate for r in raw)
    best = max(r.rate for r in ours) / max(r.rate for r in raw)
    print(f"ratio spine / raw: {median:.2f}x median, {best:.2f}x best   (goal >= 0.90x)")
    return 0


def report(label: str, rounds: list[Round]) -> None:
    rate = statistics.median(r.rate for r in rounds)
    client = statistics.median(r.client_us for r in rounds)
    worker = statistics.median(r.worker_us for r in rounds)
    best = max(r.rate for r in rounds)
    cpu = f"CPU per task: client {client:4.0f} µs, worker {worker:5.0f} µs"
    print(f"  {label:22} {rate:6.0f} ({best:.0f}) tasks/s   {cpu}")


if __name__ == "__main__":
    raise SystemExit(main())
