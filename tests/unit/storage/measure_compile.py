"""Compile costs, measured (not a test): ``.venv/bin/python -m tests.unit.storage.measure_compile``.

Prints, per dialect, the first-compile cost of every corpus statement (sqlglot generation
plus spine's rewrites, on a fresh statement each time) and the cache-hit cost of
``compile(stmt, dialect)``, plus a builder call that hits the builders' memo.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from spine.storage.sql import DIALECT_NAMES, Statement, UnsupportedSqlError, compile, get_dialect, select
from tests.unit.storage.corpus import corpus, tables


def _per_call_ns(call: Callable[[], object], number: int) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter_ns()
        for _ in range(number):
            call()
        best = min(best, (time.perf_counter_ns() - start) / number)
    return best


def main() -> None:
    entries = corpus()
    print(f"{'dialect':10} {'first compile (median / max, us)':>34} {'cache hit (ns)':>16}")
    for name in DIALECT_NAMES:
        dialect = get_dialect(name)
        firsts: list[float] = []
        for entry in entries:
            fresh = Statement(entry.statement.expression.copy(), param_types=entry.statement.param_types)
            start = time.perf_counter_ns()
            try:
                compile(fresh, dialect)
            except UnsupportedSqlError:
                continue
            firsts.append((time.perf_counter_ns() - start) / 1000)
        stmt = entries[-5].statement
        compile(stmt, dialect)
        hit = _per_call_ns(lambda: compile(stmt, dialect), 200_000)  # noqa: B023 - measured immediately
        print(f"{name:10} {statistics.median(firsts):>20.0f} / {max(firsts):>8.0f} {hit:>16.0f}")
    runs = tables("sp_")[0]
    memo = _per_call_ns(lambda: select(runs, ["id"], where=["state"], limit=True), 20_000)
    print(f"builder memo hit (select over a 13-column table): {memo:.0f} ns")


if __name__ == "__main__":
    main()
