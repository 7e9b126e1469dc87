from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ConfigError
from spine.storage.url import Backend, DatabaseUrl, Password, UrlOptions, parse_url, redact


@pytest.mark.parametrize(
    ("text", "backend", "host", "port", "database"),
    [
        ("postgresql://u:p@h:5433/db", Backend.POSTGRES, "h", 5433, "db"),
        ("postgres://u@h/db", Backend.POSTGRES, "h", None, "db"),
        ("mysql://root@127.0.0.1:3306/test", Backend.MYSQL, "127.0.0.1", 3306, "test"),
        ("mariadb://root@127.0.0.1/test", Backend.MYSQL, "127.0.0.1", None, "test"),
        ("oracle://scott:tiger@ora:1521/FREEPDB1", Backend.ORACLE, "ora", 1521, "FREEPDB1"),
        ("db2://db2inst1:pw@db2:50000/SAMPLE", Backend.DB2, "db2", 50000, "SAMPLE"),
        ("sqlite:///relative/app.db", Backend.SQLITE, None, None, "relative/app.db"),
        ("sqlite:////abs/app.db", Backend.SQLITE, None, None, "/abs/app.db"),
        ("sqlite://:memory:", Backend.SQLITE, None, None, ":memory:"),
        ("sqlite:///:memory:", Backend.SQLITE, None, None, ":memory:"),
    ],
)
def test_accepted_forms(
    text: str, backend: Backend, host: str | None, port: int | None, database: str
) -> None:
    url = parse_url(text).unwrap()
    assert (url.backend, url.host, url.port, url.database) == (backend, host, port, database)


def test_credentials_are_percent_decoded_and_the_password_hidden() -> None:
    url = parse_url("postgresql://app%40corp:p%40ss%3Aw0rd@db/prod").unwrap()
    assert url.username == "app@corp"
    assert url.password == Password("p@ss:w0rd")
    assert url.password is not None
    assert url.password.reveal() == "p@ss:w0rd"
    for rendering in (repr(url), str(url), url.redacted(), repr(url.password), str(url.password)):
        assert "p@ss" not in rendering
    assert url.redacted() == "postgresql://app%40corp:***@db/prod"


def test_a_url_with_a_password_cannot_be_serialised() -> None:
    with pytest.raises(TypeError):
        msgspec.json.encode(parse_url("mysql://u:secret@h/db").unwrap())


def test_defaults_and_typed_options() -> None:
    url = parse_url(
        "postgresql://h/db?pool_min=0&pool_max=9&timeout=2.5&prepare_threshold=none&sslmode=require"
    )
    assert url.unwrap().options == UrlOptions(
        pool_min=0, pool_max=9, timeout=2.5, prepare_threshold=None, sslmode="require"
    )
    assert parse_url("sqlite://:memory:").unwrap().options == UrlOptions()
    assert UrlOptions().wal_autocheckpoint == 10_000
    assert UrlOptions().page_size == 2048
    sqlite = parse_url("sqlite:///a.db?busy_timeout=2&wal_autocheckpoint=0&page_size=512").unwrap().options
    assert (sqlite.busy_timeout, sqlite.wal_autocheckpoint, sqlite.page_size) == (2.0, 0, 512)
    assert parse_url("sqlite:///a.db?page_size=65536").unwrap().options.page_size == 65536


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("redis://h/0", "url", "unknown database URL scheme 'redis'"),
        ("just-a-path.db", "url", "starts with scheme://"),
        ("sqlite://", "url", "names no file"),
        ("sqlite:///", "url", "names no file"),
        ("postgresql:///db", "host", "names no host"),
        ("postgresql://h", "database", "names no database"),
        ("postgresql://h:port/db", "port", "invalid port"),
        ("postgresql://h/db?pool_max=0", "pool_max", "integer >= 1"),
        ("postgresql://h/db?pool_max=x", "pool_max", "got 'x'"),
        ("postgresql://h/db?pool_min=5&pool_max=2", "pool_min", "must not exceed"),
        ("postgresql://h/db?timeout=-1", "timeout", "seconds >= 0"),
        ("postgresql://h/db?timeout=inf", "timeout", "seconds >= 0"),
        ("postgresql://h/db?timeout=1&timeout=2", "timeout", "given twice"),
        ("postgresql://h/db?sslmode=maybe", "sslmode", "sslmode must be one of"),
        ("postgresql://h/db?prepare_threshold=-1", "prepare_threshold", "or 'none'"),
        ("sqlite:///x.db?pool_max=3", "pool_max", "accepted: busy_timeout, page_size, wal_autocheckpoint"),
        ("sqlite:///x.db?page_size=3000", "page_size", "power of two from 512 to 65536"),
        ("sqlite:///x.db?page_size=256", "page_size", "got '256'"),
        ("sqlite:///x.db?page_size=131072", "page_size", "got '131072'"),
        ("sqlite:///x.db?page_size=-2048", "page_size", "got '-2048'"),
        ("postgresql://h/db?page_size=4096", "page_size", "not accepted by postgres"),
        ("sqlite:///x.db?wal_autocheckpoint=-1", "wal_autocheckpoint", "integer >= 0"),
        ("sqlite:///x.db?wal_autocheckpoint=1e3", "wal_autocheckpoint", "got '1e3'"),
        ("sqlite:///x.db?wal_autocheckpoint=\u00b2", "wal_autocheckpoint", "integer >= 0"),
        ("postgresql://h/db?wal_autocheckpoint=5", "wal_autocheckpoint", "not accepted by postgres"),
        ("mysql://h/db?charset=latin1", "charset", "not accepted by mysql URLs"),
    ],
)
def test_rejections_name_the_setting(text: str, key: str, fragment: str) -> None:
    error = parse_url(text).failure()
    assert isinstance(error, ConfigError)
    assert error.key == key
    assert fragment in error.message


def test_errors_never_echo_the_password() -> None:
    for text in ("postgresql://u:hunter2@h:bad/db", "postgresql://u:hunter2@/db", "nope:hunter2@h"):
        assert "hunter2" not in repr(parse_url(text).failure())


@given(password=st.text(st.characters(exclude_characters="@/?#", exclude_categories=["Cs"]), min_size=1))
def test_redact_hides_any_password(password: str) -> None:
    assert redact(f"mysql://root:{password}@127.0.0.1:3306/db") == "mysql://root:***@127.0.0.1:3306/db"


def test_redacted_forms() -> None:
    assert DatabaseUrl(backend=Backend.SQLITE, database=":memory:").redacted() == "sqlite://:memory:"
    assert DatabaseUrl(backend=Backend.SQLITE, database="/a.db").redacted() == "sqlite:////a.db"
    assert DatabaseUrl(backend=Backend.DB2, database="S", host="h").redacted() == "db2://h/S"
    assert redact("no scheme at all") == "no scheme at all"
    assert redact("mysql://root@h/db") == "mysql://root@h/db"
