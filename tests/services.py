"""Where the integration tests find PostgreSQL, MariaDB, Redis and RabbitMQ.

A test that needs a service calls :func:`require`. When the service does not answer, the
test is skipped with the reason shown (``-ra``), or, with ``SPINE_REQUIRE_SERVICES=1``
(as CI sets), it fails: CI must never pass by skipping what it was meant to prove.
Addresses come from the environment, defaulting to the development machines' (DESIGN §6).
"""

from __future__ import annotations

import os
import socket
from typing import Final
from urllib.parse import urlsplit

import pytest

DEFAULT_URLS: Final = {
    "postgres": "postgresql://postgres@127.0.0.1:5432/test",
    "mariadb": "mysql://root@127.0.0.1:3306/test",
    "redis": "redis://127.0.0.1:6379/15",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
}


def url_of(service: str) -> str:
    """The URL of ``service``: ``SPINE_TEST_<SERVICE>_URL`` or the default."""
    return os.environ.get(f"SPINE_TEST_{service.upper()}_URL", DEFAULT_URLS[service])


def answers(url: str, timeout_s: float = 1.0) -> bool:
    """Whether something accepts TCP connections at the URL's host and port."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=timeout_s):
            return True
    except OSError:
        return False


def services_required() -> bool:
    """``SPINE_REQUIRE_SERVICES=1``: a missing service fails the test instead of skipping it."""
    return os.environ.get("SPINE_REQUIRE_SERVICES", "") == "1"


def require(service: str) -> str:
    """The service's URL, after skipping (or failing, in CI) when it does not answer."""
    url = url_of(service)
    if not answers(url):
        reason = f"{service} does not answer at {urlsplit(url).netloc.rpartition('@')[2]}"
        if services_required():
            pytest.fail(f"{reason} (SPINE_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(reason)
    return url
