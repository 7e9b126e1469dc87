"""The demo's second process: runs one week's market workflow slowly, to be killed mid-run.

``python -m spine.cli.demo_worker DB_URL WEEK`` — the parent (``spine demo``) SIGKILLs it
after a few steps have been checkpointed, then resumes the run itself.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

from spine.cli.demo_setup import open_demo
from spine.cli.market import WeekRequest

PAUSE_S = 0.4
LEASE_S = 1.0


def main(argv: list[str]) -> int:
    """Run the week named in ``argv`` under the key the parent resumes by."""
    url, week = argv[0], dt.date.fromisoformat(argv[1])
    demo = open_demo(url, owner="demo-worker", lease_s=LEASE_S, pause=lambda: time.sleep(PAUSE_S))
    report = demo.runner.run(demo.workflow, WeekRequest(week=week), key=f"market:{week}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
