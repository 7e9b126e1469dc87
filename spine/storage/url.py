"""Database URLs: parsed and validated once, with the password kept out of every rendering.

Accepted forms (query-string options after ``?``)::

    sqlite:///relative/path.db       sqlite:////absolute/path.db       sqlite://:memory:
    postgresql://user:pw@host:5432/db   (also postgres://)
    mysql://user:pw@host:3306/db        (also mariadb://)
    oracle://user:pw@host:1521/service_name
    db2://user:pw@host:50000/DBNAME

Each backend accepts the options in ``_ALLOWED``; anything else is a ``ConfigError`` that
names the option and lists the allowed ones. Nothing here opens a connection.

SQLite options: ``busy_timeout`` (seconds a writer waits for the lock, default 5),
``wal_autocheckpoint`` (pages: the WAL is copied back into the database file, two fsyncs,
once it holds this many; default 10,000, about 20 MB with 2 KiB pages; ``0`` turns automatic
checkpoints off; SQLite's own default, 1,000 pages, checkpoints every few hundred durable
steps) and ``page_size`` (bytes, a power of two from 512 to 65,536; default 2,048; it applies
to a database file spine creates, SQLite keeps an existing file's). See
:mod:`spine.storage.drivers.sqlite` for what these cost.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, final
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError

__all__ = ["Backend", "DatabaseUrl", "Password", "UrlOptions", "parse_url", "redact"]


class Backend(StrEnum):
    """The database a URL names; also the SQL dialect's name."""

    SQLITE = "sqlite"
    POSTGRES = "postgres"
    MYSQL = "mysql"
    ORACLE = "oracle"
    DB2 = "db2"


_SCHEMES: Final = {
    "sqlite": Backend.SQLITE,
    "postgresql": Backend.POSTGRES,
    "postgres": Backend.POSTGRES,
    "mysql": Backend.MYSQL,
    "mariadb": Backend.MYSQL,
    "oracle": Backend.ORACLE,
    "db2": Backend.DB2,
}

_NETWORK: Final = frozenset({"timeout"})
_ALLOWED: Final = {
    Backend.SQLITE: frozenset({"busy_timeout", "page_size", "wal_autocheckpoint"}),
    Backend.POSTGRES: _NETWORK
    | {"application_name", "pool_max", "pool_min", "pool_timeout", "prepare_threshold", "sslmode"},
    Backend.MYSQL: _NETWORK,
    Backend.ORACLE: _NETWORK,
    Backend.DB2: _NETWORK,
}
_SSLMODES: Final = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
_PAGE_SIZES: Final = frozenset(1 << k for k in range(9, 17))


@final
class Password:
    """A password that shows as ``***`` in every repr, str and log line; ``reveal()`` gives it.

    It is deliberately not a type msgspec can encode: serialising a URL fails loudly
    instead of writing the secret somewhere.

    >>> Password("hunter2")
    Password('***')
    >>> Password("hunter2").reveal()
    'hunter2'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str, /) -> None:
        self._value = value

    def reveal(self) -> str:
        """The password itself, for the driver's connect call only."""
        return self._value

    def __repr__(self) -> str:
        return "Password('***')"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Password) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class UrlOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Connection options from the query string, with their defaults (seconds for times)."""

    timeout: float = 10.0
    busy_timeout: float = 5.0
    wal_autocheckpoint: int = 10_000
    """SQLite: WAL pages that trigger an automatic checkpoint (0: never automatically)."""
    page_size: int = 2048
    """SQLite: the page size of a database file spine creates (bytes, a power of two)."""
    pool_min: int = 1
    pool_max: int = 4
    pool_timeout: float = 30.0
    prepare_threshold: int | None = 5
    sslmode: str | None = None
    application_name: str | None = None


class DatabaseUrl(msgspec.Struct, frozen=True, kw_only=True):
    """A parsed database URL. ``repr`` and :meth:`redacted` never show the password.

    >>> url = parse_url("postgresql://app:s3cret@db.example:5433/prod?pool_max=8").unwrap()
    >>> (url.backend, url.host, url.port, url.database, url.options.pool_max)
    (<Backend.POSTGRES: 'postgres'>, 'db.example', 5433, 'prod', 8)
    >>> url.redacted()
    'postgresql://app:***@db.example:5433/prod'
    >>> "s3cret" in repr(url)
    False
    """

    backend: Backend
    database: str
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: Password | None = None
    options: UrlOptions = UrlOptions()

    def redacted(self) -> str:
        """The URL without its options, the password shown as ``***``."""
        if self.backend is Backend.SQLITE:
            return (
                f"sqlite://{self.database}" if self.database == ":memory:" else f"sqlite:///{self.database}"
            )
        scheme = "postgresql" if self.backend is Backend.POSTGRES else self.backend.value
        user = quote(self.username or "", safe="")
        auth = f"{user}:***@" if self.password is not None else f"{user}@" if user else ""
        port = f":{self.port}" if self.port is not None else ""
        return f"{scheme}://{auth}{self.host or ''}{port}/{self.database}"

    def __repr__(self) -> str:
        return f"DatabaseUrl({self.redacted()!r})"

    def __rich_repr__(self) -> list[tuple[str, object]]:
        return [("url", self.redacted())]


def redact(text: str, /) -> str:
    """``text`` with any password between ``user:`` and ``@`` replaced by ``***``.

    >>> redact("mysql://root:hunter2@127.0.0.1/test?timeout=3")
    'mysql://root:***@127.0.0.1/test?timeout=3'
    >>> redact("sqlite:///data/app.db")
    'sqlite:///data/app.db'
    """
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text
    netloc, slash, tail = rest.partition("/")
    userinfo, at, hostport = netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return text
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{hostport}{slash}{tail}"


def parse_url(text: str, /) -> Result[DatabaseUrl, ConfigError]:
    """Parse and validate a database URL.

    >>> parse_url("sqlite://:memory:").unwrap().database
    ':memory:'
    >>> parse_url("sqlite:////var/lib/spine.db?busy_timeout=0.5").unwrap().options.busy_timeout
    0.5
    >>> parse_url("sqlite:///app.db?wal_autocheckpoint=2000").unwrap().options.wal_autocheckpoint
    2000
    >>> parse_url("mongodb://localhost/x").failure().message
    "unknown database URL scheme 'mongodb' (expected one of: db2, mariadb, mysql, ...)"
    >>> parse_url("mysql://root@localhost/test?pool_max=2").failure().message
    "option 'pool_max' is not accepted by mysql URLs (accepted: timeout)"
    """
    scheme, sep, _ = text.partition("://")
    backend = _SCHEMES.get(scheme.lower()) if sep else None
    if backend is None:
        known = ", ".join(sorted(_SCHEMES))
        if not sep:  # the text is not shown: without a scheme, who knows where a password is
            return Failure(ConfigError(f"a database URL starts with scheme:// (one of: {known})", key="url"))
        return Failure(
            ConfigError(f"unknown database URL scheme {scheme!r} (expected one of: {known})", key="url")
        )
    if backend is Backend.SQLITE:
        return _parse_sqlite(text)
    return _parse_network(text, backend)


def _parse_sqlite(text: str) -> Result[DatabaseUrl, ConfigError]:
    rest = text[len("sqlite://") :]
    location, _, query = rest.partition("?")
    if location in {":memory:", "/:memory:"}:
        database = ":memory:"
    elif location.startswith("/") and len(location) > 1:
        database = unquote(location[1:])
    else:
        return Failure(
            ConfigError(
                f"SQLite URL {text!r} names no file: use sqlite:///relative/path, "
                "sqlite:////absolute/path or sqlite://:memory:",
                key="url",
            )
        )
    return _options(Backend.SQLITE, query).map(
        lambda options: DatabaseUrl(backend=Backend.SQLITE, database=database, options=options)
    )


def _parse_network(text: str, backend: Backend) -> Result[DatabaseUrl, ConfigError]:
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        return Failure(ConfigError(f"invalid port in {redact(text)!r}", key="port"))
    database = unquote(parts.path.lstrip("/"))
    if not parts.hostname:
        return Failure(ConfigError(f"{redact(text)!r} names no host", key="host"))
    if not database:
        return Failure(ConfigError(f"{redact(text)!r} names no database", key="database"))
    return _options(backend, parts.query).map(
        lambda options: DatabaseUrl(
            backend=backend,
            database=database,
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=Password(unquote(parts.password)) if parts.password is not None else None,
            options=options,
        )
    )


def _options(backend: Backend, query: str) -> Result[UrlOptions, ConfigError]:
    allowed = _ALLOWED[backend]
    values: dict[str, object] = {}
    for key, raw in parse_qsl(query, keep_blank_values=True, strict_parsing=False):
        if key not in allowed:
            accepted = ", ".join(sorted(allowed))
            return Failure(
                ConfigError(
                    f"option {key!r} is not accepted by {backend.value} URLs (accepted: {accepted})", key=key
                )
            )
        if key in values:
            return Failure(ConfigError(f"option {key!r} is given twice", key=key))
        parsed = _value(key, raw)
        if isinstance(parsed, ConfigError):
            return Failure(parsed)
        values[key] = parsed
    options = msgspec.convert(values, UrlOptions)
    if options.pool_min > options.pool_max:
        return Failure(
            ConfigError(
                f"pool_min ({options.pool_min}) must not exceed pool_max ({options.pool_max})", key="pool_min"
            )
        )
    return Success(options)


def _value(key: str, raw: str) -> object:  # noqa: PLR0911 - one exit per option kind
    """The typed value of one option, or the ``ConfigError`` explaining what was expected."""
    if key in {"timeout", "busy_timeout", "pool_timeout"}:
        try:
            seconds = float(raw)
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds < float("inf"):
            return ConfigError(f"option {key} must be a number of seconds >= 0, got {raw!r}", key=key)
        return seconds
    if key in {"pool_min", "pool_max", "wal_autocheckpoint"}:
        floor = 1 if key == "pool_max" else 0
        if not (raw.isascii() and raw.isdigit()) or int(raw) < floor:
            return ConfigError(f"option {key} must be an integer >= {floor}, got {raw!r}", key=key)
        return int(raw)
    if key == "page_size":
        if not (raw.isascii() and raw.isdigit()) or int(raw) not in _PAGE_SIZES:
            return ConfigError(
                f"option page_size must be a power of two from 512 to 65536, got {raw!r}", key=key
            )
        return int(raw)
    if key == "prepare_threshold":
        if raw.lower() == "none":
            return None
        if not (raw.isascii() and raw.isdigit()):
            return ConfigError(f"option {key} must be an integer >= 0 or 'none', got {raw!r}", key=key)
        return int(raw)
    if key == "sslmode" and raw not in _SSLMODES:
        return ConfigError(f"option sslmode must be one of {sorted(_SSLMODES)}, got {raw!r}", key=key)
    return raw
