"""``spine runs list|show`` and ``spine dlq list|show``: what the database holds about work."""

from __future__ import annotations

import argparse

import msgspec
from returns.result import Failure

from spine.cli.common import EXIT_OK, CliError, Output, Subcommands, open_database, unwrap
from spine.core.system import SystemClock, SystemIdSource
from spine.execution.dlq import DeadLetterStatus, DLQManager
from spine.execution.runs import RunRecord
from spine.execution.status import RunStatus
from spine.storage.repository import BaseRepository
from spine.storage.tables import RUNS

__all__ = ["register"]


def register(
    commands: Subcommands,
) -> tuple[Subcommands, Subcommands]:
    """Add this module's commands; the ``runs`` and ``dlq`` groups, for more actions."""
    runs = commands.add_parser("runs", help="runs of tasks and workflows").add_subparsers(
        dest="runs_command", metavar="ACTION"
    )
    ls = runs.add_parser("list", help="recent runs")
    ls.add_argument("--status", choices=[s.value for s in RunStatus])
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--db", metavar="URL")
    ls.set_defaults(handler=_runs_list)
    show = runs.add_parser("show", help="one run")
    show.add_argument("run_id")
    show.add_argument("--db", metavar="URL")
    show.set_defaults(handler=_runs_show)

    dlq = commands.add_parser("dlq", help="dead letters").add_subparsers(dest="dlq_command", metavar="ACTION")
    dl = dlq.add_parser("list", help="open dead letters (--all: every one)")
    dl.add_argument("--all", action="store_true")
    dl.add_argument("--db", metavar="URL")
    dl.set_defaults(handler=_dlq_list)
    ds = dlq.add_parser("show", help="one dead letter")
    ds.add_argument("dead_letter_id")
    ds.add_argument("--db", metavar="URL")
    ds.set_defaults(handler=_dlq_show)
    return runs, dlq


def _runs_list(args: argparse.Namespace, out: Output) -> int:
    db = open_database(args)
    try:
        where = {} if args.status is None else {"status": args.status}
        found = BaseRepository(db, RUNS, RunRecord).find(
            where, order_by=["created_at", "run_id"], limit=args.limit
        )
        runs = unwrap(found, "runs list")
    finally:
        db.close()
    out.table(
        f"{len(runs)} run(s)",
        ["run_id", "kind", "name", "status", "attempt", "created_at", "finished_at"],
        [[r.run_id, r.kind, r.name, r.status, r.attempt, r.created_at, r.finished_at] for r in runs],
    )
    return EXIT_OK


def _runs_show(args: argparse.Namespace, out: Output) -> int:
    db = open_database(args)
    try:
        found = unwrap(BaseRepository(db, RUNS, RunRecord).get(args.run_id), "runs show")
    finally:
        db.close()
    if found is None:
        msg = f"no run {args.run_id!r}"
        raise CliError(msg)
    _record(out, found)
    return EXIT_OK


def _dlq_list(args: argparse.Namespace, out: Output) -> int:
    db = open_database(args)
    try:
        manager = DLQManager(db, ids=SystemIdSource(), clock=SystemClock())
        letters = unwrap(manager.list(status=None if args.all else DeadLetterStatus.OPEN), "dlq list")
    finally:
        db.close()
    out.table(
        f"{len(letters)} dead letter(s)",
        ["dead_letter_id", "run_id", "name", "status", "attempts", "error", "last_failed_at"],
        [
            [d.dead_letter_id, d.run_id, d.name, d.status, d.attempts, d.error.message, d.last_failed_at]
            for d in letters
        ],
    )
    return EXIT_OK


def _dlq_show(args: argparse.Namespace, out: Output) -> int:
    db = open_database(args)
    try:
        found = DLQManager(db, ids=SystemIdSource(), clock=SystemClock()).get(args.dead_letter_id)
    finally:
        db.close()
    if isinstance(found, Failure):
        raise CliError(str(found.failure()))
    _record(out, found.unwrap())
    return EXIT_OK


def _record(out: Output, record: object) -> None:
    fields = msgspec.structs.asdict(record)  # type: ignore[arg-type]  # every record shown is a Struct
    if out.json:
        out.emit(fields)
        return
    out.table("", ["field", "value"], [[k, v] for k, v in fields.items()])
