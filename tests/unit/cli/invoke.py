"""``spine ARGV`` run in this process, its exit code and output captured (for the CLI tests)."""

from __future__ import annotations

import contextlib
import io
import sys

import msgspec

from spine.cli import main


class Invocation(msgspec.Struct, frozen=True, kw_only=True):
    code: int
    out: str
    err: str


def invoke(*argv: str, stdin: str = "") -> Invocation:
    """``spine ARGV`` in this process (``stdin`` as standard input): exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as stop:  # argparse: usage errors, --help, --version
                code = stop.code if isinstance(stop.code, int) else 2
    finally:
        sys.stdin = saved
    return Invocation(code=code, out=out.getvalue(), err=err.getvalue())
