"""The ``spine`` commands end to end, in-process, on a SQLite file: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spine.cli import main

ORDERS = "examples.orders:flow"
GOOD = '{"id": "A-1", "lines": [[2, 10.0]]}'
EMPTY = '{"id": "C-0", "lines": []}'


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(Path(__file__).resolve().parents[3])  # examples/ importable
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SPINE_DATABASE_URL", url)
    return url


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object]:
    code = main(["--json", *argv])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_run_suspends_at_the_wait_and_resume_due_finishes_later(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _json(capsys, "run", ORDERS, "--input", GOOD, "--key", "a1")
    assert code == 0
    assert isinstance(report, dict)
    assert report["state"] == "suspended"
    code, again = _json(capsys, "run", ORDERS, "--input", GOOD, "--key", "a1")  # same key: no new run
    assert isinstance(again, dict)
    assert again["run_id"] == report["run_id"]
    code, runs = _json(capsys, "runs", "list")
    assert isinstance(runs, list)
    assert [r["status"] for r in runs] == ["waiting"]
    code, due = _json(capsys, "resume", "--due", "--workflow", ORDERS)
    assert code == 0
    assert due == []  # the hour has not passed
    code, steps = _json(capsys, "runs", "steps", str(report["run_id"]))
    assert isinstance(steps, list)
    assert {s["step"] for s in steps} >= {"check", "lines", "map", "total"}


def test_a_failed_run_is_dead_lettered_and_replayed(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _json(capsys, "run", ORDERS, "--input", EMPTY)
    assert code == 1
    assert isinstance(report, dict)
    assert report["state"] == "failed"
    assert "needs at least one line" in str(report["error"])
    code, letters = _json(capsys, "dlq", "list")
    assert isinstance(letters, list)
    assert len(letters) == 1
    letter = letters[0]["dead_letter_id"]
    code, replayed = _json(capsys, "dlq", "replay", letter, "--workflow", ORDERS)
    assert code == 1  # the input is still empty: the replay fails the same way
    assert isinstance(replayed, dict)
    assert replayed["state"] == "failed"
    code, shown = _json(capsys, "dlq", "show", letter)
    assert isinstance(shown, dict)
    assert shown["status"] == "open"


def test_fork_and_ledger_verify(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, report = _json(capsys, "run", ORDERS, "--input", GOOD)
    assert isinstance(report, dict)
    code, forked = _json(capsys, "fork", str(report["run_id"]), "--from", "total", "--workflow", ORDERS)
    assert code == 0
    assert isinstance(forked, dict)
    assert forked["run_id"] != report["run_id"]
    assert main(["ledger", "verify"]) == 0
    assert "nothing altered" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "nomodule"], "expected MODULE:WORKFLOW"),
        (["run", "examples.orders:missing"], "has no attribute 'missing'"),
        (["run", "examples.orders:Order"], "is not a spine Workflow (got"),
        (["run", ORDERS, "--input", "{bad"], "not JSON"),
        (["run", ORDERS, "--input", '{"id": 3}'], "does not fit"),
        (["run", ORDERS, "--input", "@/nonexistent.json"], "No such file"),
        (["resume"], "give a RUN_ID or --due"),
        (["resume", "NOPE"], "no workflow run"),
        (["fork", "NOPE", "--workflow", ORDERS], "no workflow run"),
        (["runs", "steps", "NOPE"], "no workflow run"),
        (["dlq", "replay", "NOPE"], "no dead letter"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    db: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("spine: error: ")
    assert message in err[0]
