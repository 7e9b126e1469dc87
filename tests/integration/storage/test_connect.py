"""``connect(url)`` against real and unreachable servers: typed errors, never a fallback."""

from __future__ import annotations

import socket

import pytest

from spine.core.errors import ConfigError, DatabaseConnectionError
from spine.storage.connect import connect
from spine.storage.url import parse_url
from tests.services import require

pytestmark = pytest.mark.integration


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "mysql", "mariadb"])
def test_unreachable_server_is_a_retryable_connection_error_without_the_password(scheme: str) -> None:
    port = _closed_port()
    url = f"{scheme}://app:hunter2@127.0.0.1:{port}/test?timeout=1"
    error = connect(url).failure()
    assert isinstance(error, DatabaseConnectionError)
    assert error.retryable
    assert "hunter2" not in repr(error)
    assert "hunter2" not in str(error.context)
    assert str(error.context["url"]).endswith(f"app:***@127.0.0.1:{port}/test")


def test_live_servers_connect_with_their_dialect() -> None:
    for service, dialect in (("postgres", "postgres"), ("mariadb", "mysql")):
        conn = connect(require(service)).unwrap()
        try:
            assert conn.dialect == dialect
        finally:
            conn.close()


def test_a_parsed_url_is_accepted_too() -> None:
    conn = connect(parse_url(require("postgres")).unwrap()).unwrap()
    conn.close()


def test_bad_options_are_config_errors_before_any_connection() -> None:
    error = connect("postgresql://postgres@127.0.0.1/test?pool_max=zero").failure()
    assert isinstance(error, ConfigError)
    assert error.key == "pool_max"
