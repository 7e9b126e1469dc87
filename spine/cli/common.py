"""What every ``spine`` command shares: the database URL, output, and input errors.

Exit codes: 0 ok, 1 the job failed, 2 usage or input error. Input errors are one line on
stderr naming what was wrong and where — never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TextIO

import msgspec
from returns.result import Failure, Result

from spine.core.errors import SpineError
from spine.core.system import SystemClock, SystemSleeper
from spine.secrets import EnvSecrets, FileSecrets, SecretsResolver, is_ref
from spine.storage.connect import connect
from spine.storage.database import Database
from spine.storage.migrations import migrate
from spine.storage.url import redact

__all__ = [
    "DEFAULT_URL",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CliError",
    "Command",
    "Output",
    "Subcommands",
    "database_url",
    "open_database",
    "unwrap",
]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_URL = "sqlite:///./spine.db"


class CliError(Exception):
    """Bad input: printed as one line, exit code 2."""


def unwrap[T](result: Result[T, SpineError], what: str) -> T:
    """The value, or a ``CliError`` saying what failed (the error's own message, redacted)."""
    if isinstance(result, Failure):
        msg = f"{what}: {redact(str(result.failure()))}"
        raise CliError(msg)
    return result.unwrap()


def database_url(args: argparse.Namespace) -> str:
    """``--db``, else ``SPINE_DATABASE_URL``, else ``sqlite:///./spine.db``; ``secret://`` resolved."""
    url: str = getattr(args, "db", None) or os.environ.get("SPINE_DATABASE_URL") or DEFAULT_URL
    if is_ref(url):
        backends = [EnvSecrets()]
        secrets_dir = os.environ.get("SPINE_SECRETS_DIR")
        if secrets_dir:
            backends.append(FileSecrets(Path(secrets_dir)))  # type: ignore[arg-type]  # protocol members differ only in variance
        resolved = SecretsResolver(backends).resolve(url)
        if isinstance(resolved, Failure):
            msg = f"--db {url}: {resolved.failure()}"
            raise CliError(msg)
        url = resolved.unwrap().reveal()
    return url


def open_database(args: argparse.Namespace, *, migrated: bool = True) -> Database:
    """The database the command works on, with spine's tables in place."""
    url = database_url(args)
    try:
        connected = connect(url)
    except UnicodeEncodeError:  # undecodable bytes in argv arrive as lone surrogates
        msg = f"cannot open {redact(url)}: the URL is not valid Unicode text"
        raise CliError(msg) from None
    db = Database(unwrap(connected, f"cannot open {redact(url)}"))
    if migrated:
        unwrap(migrate(db, clock=SystemClock(), sleeper=SystemSleeper(), owner="spine-cli"), "migrate")
    return db


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, BaseException):
        return str(value)
    raise NotImplementedError(type(value).__name__)


class Output:
    """Human tables (rich when installed) or JSON (``--json``)."""

    def __init__(self, *, json: bool, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.json, self.out, self.err = json, out or sys.stdout, err or sys.stderr

    def emit(self, value: object) -> None:
        """One JSON document (for ``--json``)."""
        self.out.write(msgspec.json.encode(value, enc_hook=_plain).decode() + "\n")

    def line(self, text: str) -> None:
        """One line of human output."""
        self.out.write(text + "\n")

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """A table; JSON mode prints a list of objects instead."""
        if self.json:
            self.emit([dict(zip(columns, row, strict=True)) for row in rows])
            return
        cells = [[_cell(v) for v in row] for row in rows]
        try:
            from rich.console import Console  # noqa: PLC0415 - optional (the cli extra)
            from rich.table import Table  # noqa: PLC0415
        except ImportError:  # pragma: no cover - rich is in the cli extra
            self._plain_table(title, columns, cells)
            return
        table = Table(title=title, title_justify="left")
        for c in columns:
            table.add_column(c)
        for row in cells:
            table.add_row(*row)
        Console(file=self.out, width=160, soft_wrap=False).print(table)

    def _plain_table(self, title: str, columns: Sequence[str], cells: Sequence[Sequence[str]]) -> None:
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
        self.line(title)
        self.line("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
        for row in cells:
            self.line("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


type Command = Callable[[argparse.Namespace, Output], int]
type Subcommands = argparse._SubParsersAction[argparse.ArgumentParser]  # noqa: SLF001 - argparse names it so
"""Where ``register`` functions add their commands."""
