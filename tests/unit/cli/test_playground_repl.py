"""The playground REPL, driven by scripted input as a user would type it."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from spine.cli.playground import repl
from spine.orchestration.playground import WorkflowPlayground
from spine.testing import FakeClock, FakeSleeper
from tests.unit.orchestration_playground.test_playground import FLOW

ROOT = Path(__file__).resolve().parents[3]


def _session(script: str, value: int = 3) -> str:
    clock = FakeClock()
    pg = WorkflowPlayground(FLOW, value, clock=clock, sleeper=FakeSleeper(clock))
    out = io.StringIO()
    assert repl("mixed", pg, io.StringIO(script), out) == 0
    return out.getvalue()


def test_a_scripted_session() -> None:
    text = _session(
        "peek\ns\nbreak map\nrun\nv items\nset inc 5\nrun\nrun\nback\nhistory\nstatus\nbogus\nq\n"
    )
    assert "next: inc <- 3" in text
    assert "ok inc [completed] -> 4" in text
    assert "next: map <- (0, 1, 2)" in text
    assert "(0, 1, 2)" in text
    assert "inc := 5" in text
    assert "chose if_default" in text
    assert "finished: <Success: 0>" in text
    assert "undid total" in text
    assert "  bump: completed" in text
    assert "unknown command bogus" in text


def test_bad_commands_are_one_line_errors() -> None:
    text = _session("v nothing\nset inc {oops\nwhen (\nto nowhere\nq\n")
    assert "error: KeyError" in text
    assert "error: JSONDecodeError" in text or "error: ValueError" in text
    assert "error: SyntaxError" in text
    assert "no step 'nowhere'" in text


def test_the_command_line_playground() -> None:
    script = "s\nrun\nq\n"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "spine",
            "playground",
            "examples.orders:flow",
            "--input",
            '{"id": "A-1", "lines": [[2, 10.0]]}',
        ],
        input=script,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "finished: <Success: APPROVED: 20.00>" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "spine", "playground", "examples.orders:nope"],
        input="",
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1].startswith("spine: error: examples.orders:nope")
