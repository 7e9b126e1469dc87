"""The crash test's child process: run (or, after a crash, resume) the 200-step tracked workflow.

``python -m tests.reliability.crash_child DB_PATH KEY PAUSE_S`` prints ``ready`` once it is
about to run, then ``done RESULT`` when the run completed. The parent kills it in between.
"""

from __future__ import annotations

import sys
from typing import Final

from spine.core.errors import SpineError
from spine.orchestration import chain_all, workflow
from spine.orchestration.workflow import Workflow
from tests.reliability.crash_support import child_main, mix, stage

STEPS: Final = 200
SEED: Final = 7
OWNER: Final = "crash-test"
"""Every child and the parent work under one owner: a restarted worker takes its run back."""


def build(pause_s: float = 0.0) -> Workflow[int, int, SpineError]:
    """The 200-step workflow (``pause_s`` per step makes kills land mid-run)."""
    return workflow("crash", chain_all([stage(f"s{k:03d}", k, pause_s) for k in range(STEPS)]))


def expected() -> int:
    """The result of an uninterrupted run, computed without any runner."""
    x = SEED
    for k in range(STEPS):
        x = mix(k, x)
    return x


def main(argv: list[str]) -> int:
    """Run or resume the run under the key in ``argv``."""
    return child_main(build, SEED, OWNER, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
