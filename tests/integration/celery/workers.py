"""Real Celery worker processes for the tests: started, awaited, killed, stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import final

from celery import Celery

ROOT = Path(__file__).resolve().parents[3]
REGISTRY = "tests.integration.celery.handlers:registry"


@final
class Worker:
    """One ``celery worker`` process serving ``queue``."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path, queue: str) -> None:
        self.process, self.log, self.queue = process, log, queue

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while b" ready." not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                msg = f"the Celery worker did not start:\n{self.log.read_text()}"
                raise AssertionError(msg)
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no goodbye to the broker."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Gone for sure: a warm or even cold shutdown can hang for seconds on RabbitMQ."""
        if self.process.poll() is None:
            self.kill()


def start_worker(
    broker_url: str, backend_url: str, queue: str, logs: Path, *, pool: str = "solo", concurrency: int = 1
) -> Worker:
    """Start a worker (not yet awaited: call ``wait_ready``) that imports the test registry."""
    name = f"spine-test-{uuid.uuid4().hex[:8]}"
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        SPINE_CELERY_BROKER_URL=broker_url,
        SPINE_CELERY_RESULT_BACKEND=backend_url,
        SPINE_CELERY_REGISTRY=REGISTRY,
    )
    command = [
        sys.executable, "-m", "celery", "-A", "spine.execution.celery.worker", "worker",
        f"--pool={pool}", "-c", str(concurrency), "-n", f"{name}@%h", "-Q", queue, "-l", "info",
        "--without-heartbeat", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    return Worker(process, log, queue)


def delete_queue(app: Celery, queue: str) -> None:
    """Remove a test queue and its exchange (RabbitMQ keeps both; Redis keeps the bindings)."""
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        if connection.transport.driver_type == "redis":
            # The virtual transport only drops bindings this channel has declared itself.
            channel.exchange_declare(exchange=queue, type="direct")
            channel.queue_declare(queue=queue)
            channel.queue_bind(queue=queue, exchange=queue, routing_key=queue)
        channel.queue_delete(queue=queue)
        channel.exchange_delete(exchange=queue)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
