"""The ``spine`` command (also ``python -m spine``).

Exit codes: 0 ok, 1 the job failed, 2 usage or input error (one line on stderr, naming
what was wrong and where — never a traceback for bad input).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from spine import __version__
from spine.cli import admin, demo, playground, records, templates, workflows
from spine.cli.common import EXIT_USAGE as _EXIT_USAGE
from spine.cli.common import CliError as _CliError
from spine.cli.common import Command as _Command
from spine.cli.common import Output as _Output

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spine", description="Typed, functional-core data pipelines and durable workflows."
    )
    parser.add_argument("--version", action="version", version=f"spine {__version__}")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo_cmd = commands.add_parser("demo", help="run the demo (the main job, on embedded SQLite)")
    demo_cmd.set_defaults(handler=_demo)
    admin.register(commands)
    runs, dlq = records.register(commands)
    workflows.register(commands, runs=runs, dlq=dlq)
    playground.register(commands)
    templates.register(commands)
    return parser


def _demo(_args: argparse.Namespace, out: _Output) -> int:
    return demo.run_demo(out.out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    given = list(sys.argv[1:] if argv is None else argv)
    json = "--json" in given  # accepted anywhere on the line, not only before the command
    # Usage errors: argparse prints the usage and one line, and exits 2.
    args = parser.parse_args([a for a in given if a != "--json"])
    try:
        handler: _Command | None = getattr(args, "handler", None)
        if handler is None:
            parser.print_help(sys.stderr)
            return _EXIT_USAGE
        return handler(args, _Output(json=json))
    except _CliError as exc:
        sys.stderr.write("spine: error: " + " ".join(str(exc).split()) + "\n")
        return _EXIT_USAGE
