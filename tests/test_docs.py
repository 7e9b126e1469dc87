"""README and docs code blocks, and the examples, run as written."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("_"))
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_blocks_run(doc: Path) -> None:
    blocks = _BLOCK.findall(doc.read_text())
    assert blocks or doc.name != "README.md", "README must hold a runnable quickstart"
    namespace: dict[str, object] = {"__name__": f"doc:{doc.name}"}
    for index, block in enumerate(blocks):
        # dont_inherit: this file's __future__ import must not leak into the docs (msgspec resolves
        # string annotations in the defining module, which a doc block does not have).
        code = compile(block, f"{doc.name}[block {index}]", "exec", dont_inherit=True)
        exec(code, namespace)  # running our own docs is the point


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_run(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(example), run_name="__main__")
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip(), f"{example.name} printed nothing"


def test_demo_command_runs(tmp_path: Path) -> None:
    env = {**os.environ, "SPINE_DEMO_DIR": str(tmp_path)}
    for _ in range(2):  # re-running it is safe
        done = subprocess.run(
            [sys.executable, "-m", "spine", "demo"],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        out = done.stdout
        assert "week 2025-01-24: FAILED at step 'quality'" in out
        assert "SIGKILLed after" in out
        assert "restored ['ingest', 'quality']" in out or "restored ['ingest', 'quality', 'bars']" in out
        assert "letter and anomaly resolved" in out
        assert "market_weekly: 32 rows" in out
        assert "verified, nothing altered" in out


def test_bare_command_is_a_usage_error() -> None:
    done = subprocess.run([sys.executable, "-m", "spine"], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "usage: spine" in done.stderr
