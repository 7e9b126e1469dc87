"""``spine run``, ``spine resume``, ``spine fork``, ``spine runs steps`` and ``spine dlq replay``.

A stored run names its workflow, not where the code lives: commands that continue runs
(``resume``, ``fork``, ``dlq replay``) are told the workflows with ``--workflow
MODULE:WORKFLOW`` (repeatable) or ``SPINE_WORKFLOWS`` (comma-separated).
"""

from __future__ import annotations

import argparse
import os
import socket
import time
from collections.abc import Callable

from returns.result import Failure, Result, Success

from spine.cli.common import EXIT_FAILED, EXIT_OK, CliError, Output, Subcommands, open_database, unwrap
from spine.cli.loading import decode_input, load_workflow
from spine.cli.progress import Reader, watch
from spine.core.errors import ErrorRecord, SpineError
from spine.core.system import SystemClock, SystemIdSource
from spine.execution.dlq import DLQManager
from spine.execution.runs import RunRecord
from spine.orchestration.checkpoints import Checkpoint
from spine.orchestration.report import RunState, WorkflowReport
from spine.orchestration.tracked import TrackedWorkflowRunner
from spine.orchestration.workflow import Workflow
from spine.storage.database import Database
from spine.storage.repository import BaseRepository
from spine.storage.tables import RUNS

__all__ = ["register"]


def register(commands: Subcommands, *, runs: Subcommands, dlq: Subcommands) -> None:
    """Add the commands that run workflows (and ``runs steps``, ``dlq replay``)."""
    run = commands.add_parser("run", help="run a workflow durably")
    run.add_argument("workflow", metavar="MODULE:WORKFLOW")
    run.add_argument("--input", metavar="JSON", help="the input, as JSON or @file.json")
    run.add_argument("--key", help="an idempotency key: a run under this key never starts twice")
    run.add_argument("--db", metavar="URL")
    run.set_defaults(handler=_run)

    resume = commands.add_parser("resume", help="continue a run, or with --due every run whose timer passed")
    resume.add_argument("run_id", nargs="?")
    resume.add_argument("--due", action="store_true", help="every waiting run whose deadline has passed")
    _workflow_options(resume)
    resume.set_defaults(handler=_resume)

    fork = commands.add_parser("fork", help="a new run of a run's workflow, reusing the steps before --from")
    fork.add_argument("run_id")
    fork.add_argument("--from", dest="from_step", metavar="STEP", help="the first step to run again")
    _workflow_options(fork)
    fork.set_defaults(handler=_fork)

    steps_cmd = runs.add_parser("steps", help="a workflow run's steps, from its checkpoints")
    steps_cmd.add_argument("run_id")
    steps_cmd.add_argument("--db", metavar="URL")
    steps_cmd.set_defaults(handler=_steps)

    replay = dlq.add_parser("replay", help="run a dead-lettered workflow run again (a fork)")
    replay.add_argument("dead_letter_id")
    replay.add_argument("--from", dest="from_step", metavar="STEP", help="default: the step that failed")
    _workflow_options(replay)
    replay.set_defaults(handler=_replay)


def _workflow_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workflow",
        action="append",
        default=[],
        metavar="MODULE:WORKFLOW",
        help="a workflow a run may be of",
    )
    parser.add_argument("--db", metavar="URL")


def _runner(db: Database, refs: list[str]) -> TrackedWorkflowRunner:
    clock, ids = SystemClock(), SystemIdSource()
    workflows = [load_workflow(ref) for ref in [*refs, *_env_refs()]]
    return TrackedWorkflowRunner(
        db,
        owner=f"cli:{socket.gethostname()}:{os.getpid()}",
        workflows=workflows,
        clock=clock,
        ids=ids,
        dead_letters=DLQManager(db, ids=ids, clock=clock),
    )


def _env_refs() -> list[str]:
    return [r.strip() for r in os.environ.get("SPINE_WORKFLOWS", "").split(",") if r.strip()]


def _show(out: Output, report: WorkflowReport[object], seconds: float) -> int:
    steps = report.steps
    if out.json:
        result = report.result
        out.emit(
            {
                "run_id": report.run_id,
                "workflow": report.workflow,
                "state": report.state.value,
                "value": result.unwrap() if isinstance(result, Success) else None,
                "error": None if isinstance(result, Success) else str(result.failure()),
                "steps": [{"name": s.name, "status": s.status.value, "attempts": s.attempts} for s in steps],
            }
        )
    else:
        out.table(
            f"{report.workflow} run {report.run_id}: {report.state.value} in {seconds:.2f} s",
            ["step", "status", "attempts", "seconds", "restored", "error"],
            [
                [s.name, s.status, s.attempts, f"{s.duration_s:.3f}", "yes" if s.restored else "", s.error]
                for s in steps
            ],
        )
        result = report.result
        out.line(
            f"result: {result.unwrap()!r}" if isinstance(result, Success) else f"error: {result.failure()}"
        )
    return EXIT_OK if report.state in (RunState.COMPLETED, RunState.SUSPENDED) else EXIT_FAILED


def _run(args: argparse.Namespace, out: Output) -> int:
    flow: Workflow[object, object, SpineError] = load_workflow(args.workflow)
    value = decode_input(flow, args.input)
    db = open_database(args)
    key = args.key or f"cli:{SystemIdSource().new_id()}"
    try:
        started = time.perf_counter()
        with watch(flow.step_names, lambda: _reader(args, key), enabled=False if out.json else None):
            report = _runner(db, []).run(flow, value, key=key)
        return _show(out, report, time.perf_counter() - started)
    finally:
        db.close()


def _reader(args: argparse.Namespace, key: str) -> tuple[Reader, Callable[[], None]]:
    """Reads the checkpoints of the run under ``key`` (none until it has started)."""
    db = open_database(args, migrated=False)
    runner = TrackedWorkflowRunner(db, owner="cli-progress")
    runs = BaseRepository(db, RUNS, RunRecord)
    run_id: str | None = None  # looked up by its key (one indexed row) until it is found

    def read() -> Result[tuple[Checkpoint, ...], SpineError] | None:
        nonlocal run_id
        if run_id is None:
            found = runs.find({"idempotency_key": key}, limit=1)
            if not isinstance(found, Success):
                return Failure(found.failure())
            if not found.unwrap():
                return None
            run_id = found.unwrap()[0].run_id
        return runner.steps(run_id)

    return read, db.close


def _resume(args: argparse.Namespace, out: Output) -> int:
    if args.due == bool(args.run_id):
        msg = "give a RUN_ID or --due (not both)"
        raise CliError(msg)
    db = open_database(args)
    try:
        runner = _runner(db, args.workflow)
        started = time.perf_counter()
        if args.run_id:
            report = unwrap(runner.resume(args.run_id), f"resume {args.run_id}")
            return _show(out, report, time.perf_counter() - started)
        reports = unwrap(runner.resume_due(), "resume --due")
        out.table(
            f"{len(reports)} due run(s) continued",
            ["run_id", "workflow", "state", "result"],
            [[r.run_id, r.workflow, r.state, r.result] for r in reports],
        )
        return EXIT_OK if all(r.state is not RunState.FAILED for r in reports) else EXIT_FAILED
    finally:
        db.close()


def _fork(args: argparse.Namespace, out: Output) -> int:
    db = open_database(args)
    try:
        started = time.perf_counter()
        report = unwrap(_runner(db, args.workflow).fork(args.run_id, args.from_step), f"fork {args.run_id}")
        return _show(out, report, time.perf_counter() - started)
    finally:
        db.close()


def _steps(args: argparse.Namespace, out: Output) -> int:
    db = open_database(args)
    try:
        runner = _runner(db, [])
        unwrap(runner.get(args.run_id), "runs steps")
        rows = unwrap(runner.steps(args.run_id), "runs steps")
    finally:
        db.close()
    out.table(
        f"run {args.run_id}: {len(rows)} step(s) checkpointed",
        ["#", "step", "status", "attempt", "started_at", "finished_at", "error"],
        [
            [
                r.step_index,
                r.step_name,
                r.status,
                r.attempt,
                r.started_at,
                r.finished_at,
                _message(r.error),
            ]
            for r in rows
        ],
    )
    return EXIT_OK


def _replay(args: argparse.Namespace, out: Output) -> int:
    db = open_database(args)
    try:
        clock, ids = SystemClock(), SystemIdSource()
        letters = DLQManager(db, ids=ids, clock=clock)
        letter = unwrap(letters.get(args.dead_letter_id), "dlq replay")
        runner = _runner(db, args.workflow)
        started = time.perf_counter()
        report = unwrap(runner.fork(letter.run_id, args.from_step), f"dlq replay {args.dead_letter_id}")
        if report.state is RunState.COMPLETED:
            unwrap(
                letters.resolve(letter.dead_letter_id, note=f"replayed as run {report.run_id}"), "dlq resolve"
            )
        return _show(out, report, time.perf_counter() - started)
    finally:
        db.close()


def _message(error: ErrorRecord | None) -> str | None:
    return None if error is None else error.message
