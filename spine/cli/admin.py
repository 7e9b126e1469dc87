"""``spine sql transpile``, ``spine migrate``, ``spine ledger verify``: the database's own tools."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spine.cli.common import EXIT_FAILED, EXIT_OK, CliError, Output, Subcommands, open_database, unwrap
from spine.core.errors import ValidationError
from spine.core.system import SystemClock, SystemIdSource, SystemSleeper
from spine.execution.ledger import ExecutionLedger
from spine.storage.migrations import migrate
from spine.storage.sql.compiler import transpile
from spine.storage.sql.dialect import get_dialect
from spine.storage.sql.statement import split

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    """Add this module's commands."""
    sql = commands.add_parser("sql", help="portable SQL tools").add_subparsers(
        dest="sql_command", metavar="ACTION"
    )
    tr = sql.add_parser("transpile", help="canonical SQL as one dialect's SQL")
    tr.add_argument("--to", required=True, metavar="DIALECT", help="sqlite, postgres, mysql, oracle or db2")
    tr.add_argument("--version", dest="dialect_version", help="the dialect's server version (e.g. 11.1)")
    tr.add_argument("file", nargs="?", default="-", help="a file of SQL, or - for standard input")
    tr.set_defaults(handler=_transpile)

    mig = commands.add_parser("migrate", help="create or update spine's tables")
    mig.add_argument("--db", metavar="URL", help="database URL (default: $SPINE_DATABASE_URL or ./spine.db)")
    mig.set_defaults(handler=_migrate)

    ledger = commands.add_parser("ledger", help="the append-only ledger").add_subparsers(
        dest="ledger_command", metavar="ACTION"
    )
    ver = ledger.add_parser("verify", help="check every event's hash chain")
    ver.add_argument("run_id", nargs="?", help="one run (default: all)")
    ver.add_argument("--db", metavar="URL")
    ver.set_defaults(handler=_verify)


def _transpile(args: argparse.Namespace, out: Output) -> int:
    try:
        get_dialect(args.to, args.dialect_version)
    except ValueError as exc:
        msg = f"--to {args.to}: {exc}"
        raise CliError(msg) from None
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
        text.encode("utf-8")  # standard input may hold undecodable bytes as lone surrogates
        statements = split(text)
    except OSError as exc:
        msg = f"{args.file}: {exc.strerror or exc}"
        raise CliError(msg) from None
    except UnicodeError as exc:  # decoding a file, or encoding what standard input decoded
        msg = f"{args.file}: not UTF-8 text: {getattr(exc, 'reason', exc)}"
        raise CliError(msg) from None
    except ValidationError as exc:
        msg = f"{args.file}: {exc}"
        raise CliError(msg) from None
    if not statements:
        msg = f"{args.file}: no SQL statement found"
        raise CliError(msg)
    rendered: list[str] = []
    for number, statement in enumerate(statements, start=1):
        try:
            rendered.append(transpile(statement, args.to, args.dialect_version))
        except ValueError as exc:  # a ValidationError, an UnsupportedSqlError among them
            msg = f"{args.file}: statement {number}: {exc}"
            raise CliError(msg) from None
    if out.json:
        out.emit({"dialect": args.to, "statements": rendered})
    else:
        for text_out in rendered:
            out.line(text_out + ";")
    return EXIT_OK


def _migrate(args: argparse.Namespace, out: Output) -> int:
    db = open_database(args, migrated=False)
    try:
        report = unwrap(
            migrate(db, clock=SystemClock(), sleeper=SystemSleeper(), owner="spine-cli"), "migrate"
        )
    finally:
        db.close()
    applied = list(report.applied)
    if out.json:
        out.emit({"applied": applied})
    else:
        out.line(
            f"applied {len(applied)} migration(s)" + (f": {', '.join(map(str, applied))}" if applied else "")
        )
    return EXIT_OK


def _verify(args: argparse.Namespace, out: Output) -> int:
    db = open_database(args)
    try:
        ledger = ExecutionLedger(db, ids=SystemIdSource(), clock=SystemClock())
        report = unwrap(ledger.verify(args.run_id) if args.run_id else ledger.verify(), "ledger verify")
    finally:
        db.close()
    if out.json:
        out.emit(report)
    elif report.ok:
        out.line(f"ledger verified: {report.events} events in {report.runs} runs, nothing altered")
    else:
        out.table(
            f"ledger: {len(report.tampers)} problem(s) in {report.events} events",
            ["kind", "run", "seq"],
            [[type(t).__name__, t.run_id, t.seq] for t in report.tampers],
        )
    return EXIT_OK if report.ok else EXIT_FAILED
