"""The integration gate skips locally and fails in CI when a service is missing."""

from __future__ import annotations

import socket

import pytest

from tests.services import answers, require


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there once the socket closes


def test_missing_service_skips_without_the_ci_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINE_TEST_REDIS_URL", _closed_port_url())
    monkeypatch.delenv("SPINE_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="redis does not answer"):
        require("redis")


def test_missing_service_fails_with_the_ci_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINE_TEST_REDIS_URL", _closed_port_url())
    monkeypatch.setenv("SPINE_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="SPINE_REQUIRE_SERVICES=1"):
        require("redis")


def test_a_listening_port_answers() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert answers(f"tcp://127.0.0.1:{port}")


def test_credentials_never_appear_in_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    url = _closed_port_url().replace("redis://", "redis://user:hunter2@")
    monkeypatch.setenv("SPINE_TEST_REDIS_URL", url)
    monkeypatch.delenv("SPINE_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception) as info:
        require("redis")
    assert "hunter2" not in str(info.value)
