"""The four services answer real protocol requests (CI wiring for every later layer)."""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg
import pymysql
import pytest
import redis
from kombu.connection import Connection

from tests.services import require

pytestmark = pytest.mark.integration


def test_postgres_answers_a_query() -> None:
    url = require("postgres")
    with psycopg.connect(url, connect_timeout=5) as conn:
        row = conn.execute("SELECT 40 + 2, current_setting('server_version_num')::int").fetchone()
    assert row is not None
    assert row[0] == 42
    assert row[1] >= 150000


def test_mariadb_answers_a_query() -> None:
    url = urlsplit(require("mariadb"))
    conn = pymysql.connect(
        host=url.hostname or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        database=url.path.lstrip("/") or "test",
        connect_timeout=5,
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 40 + 2, VERSION()")
            row = cur.fetchone()
    finally:
        conn.close()
    assert row is not None
    assert row[0] == 42
    assert "MariaDB" in str(row[1])


def test_redis_answers_ping_and_round_trips() -> None:
    client = redis.Redis.from_url(require("redis"), socket_timeout=5)
    try:
        assert client.ping() is True
        client.set("spine:test:ping", b"pong", ex=5)
        assert client.get("spine:test:ping") == b"pong"
        client.delete("spine:test:ping")
    finally:
        client.close()


def test_rabbitmq_accepts_an_amqp_connection() -> None:
    url = require("rabbitmq")
    with Connection(url, connect_timeout=5) as conn:  # type: ignore[no-untyped-call]  # kombu's __init__ is unannotated
        conn.ensure_connection(max_retries=1)
        assert conn.connected
