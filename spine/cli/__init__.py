"""The ``spine`` command (also ``python -m spine``).

Exit codes: 0 ok, 1 the job failed, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from spine import __version__
from spine.cli import demo

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spine", description="Typed, functional-core data pipelines and durable workflows."
    )
    parser.add_argument("--version", action="version", version=f"spine {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("demo", help="run the demo (a tour of spine's typed core)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo.run_demo(sys.stdout)
    parser.print_help(sys.stderr)
    return 2
