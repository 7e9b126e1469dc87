"""Workflow engine cost per step: a 1,000-step in-memory chain of ``x + 1`` steps.

Each candidate runs the whole chain once per round; rounds are interleaved (every round
times every candidate back to back, so all of them see the same machine) and each keeps
its fastest round. Ratios are against a ``returns`` bind loop over the same functions,
measured in the same run:

- bind loop: ``r = r.bind(f)`` 1,000 times (what a hand-written railway costs);
- spine, Result steps: ``WorkflowRunner.run`` of ``chain_all`` of ``@step`` functions
  (the linear fast path: plain calls with default policies);
- spine, lifted: the same with ``lift(x + 1)`` (the engine builds each ``Ok``);
- spine, + step reports: the Result chain, then reading ``report.steps`` (built lazily);
- spine, general path: the Result chain with one step given a retry policy, so the plan is
  not linear and the scheduler runs every node (what choices, parallels and waits use);
- Hamilton (``hamilton.driver``, the ``apache-hamilton`` dev dependency) over the same
  1,000 functions, each naming the previous one; skipped when it is not installed.

Build cost (chain + validate + compile, paid once per workflow) is printed separately.
Goal (issue #5): <= 1 us per step on the fast path.
Run: ``.venv/bin/python bench/orchestration.py``
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Callable

from returns.result import Result, Success

from spine.core.errors import SpineError
from spine.execution.retry import RetryPolicy
from spine.orchestration import WorkflowRunner, chain_all, lift, step, workflow

STEPS = 1_000
ROUNDS = 150


def inc_result(x: int) -> Result[int, SpineError]:
    return Success(x + 1)


def inc(x: int) -> int:
    return x + 1


def best_us_per_step(candidates: list[Callable[[], object]]) -> list[float]:
    """Each candidate's fastest round, in microseconds per step (rounds interleaved)."""
    best = [float("inf")] * len(candidates)
    for _ in range(ROUNDS):
        for i, run in enumerate(candidates):
            start = time.perf_counter()
            run()
            best[i] = min(best[i], time.perf_counter() - start)
    return [b / STEPS * 1e6 for b in best]


def bind_loop() -> object:
    r: Result[int, SpineError] = Success(0)
    for _ in range(STEPS):
        r = r.bind(inc_result)
    assert r == Success(STEPS)
    return r


def hamilton_candidate() -> Callable[[], object] | None:
    """A Hamilton driver over a 1,000-node chain, when Hamilton is installed."""
    if importlib.util.find_spec("hamilton") is None:
        return None
    import types  # noqa: PLC0415 - only when Hamilton is there to measure

    driver = importlib.import_module("hamilton.driver")  # untyped: driven through the module object

    module = types.ModuleType("chain_nodes")
    namespace: dict[str, object] = {"__name__": module.__name__}  # Hamilton keeps the module's own functions
    source = "def n0(x: int) -> int:\n    return x + 1\n" + "".join(
        f"def n{i}(n{i - 1}: int) -> int:\n    return n{i - 1} + 1\n" for i in range(1, STEPS)
    )
    exec(compile(source, "chain_nodes", "exec"), namespace)
    module.__dict__.update(namespace)
    sys.modules[module.__name__] = module  # Hamilton finds a function's module through sys.modules
    # Hamilton walks the graph recursively (a frame or more per node): a 1,000-node chain
    # needs more than Python's default limit of 1,000 frames (spine's engine needs none).
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * STEPS))
    dr = driver.Builder().with_modules(module).build()
    final = f"n{STEPS - 1}"
    return lambda: dr.execute([final], inputs={"x": 0})


def main() -> int:
    runner = WorkflowRunner()
    start = time.perf_counter()
    results = workflow("results", chain_all([step(inc_result)] * STEPS))
    build_us = (time.perf_counter() - start) / STEPS * 1e6
    lifted = workflow("lifted", chain_all([lift(inc)] * STEPS))
    general_steps = [step(inc_result)] * STEPS
    general_steps[STEPS // 2] = step(inc_result).retry(RetryPolicy())
    general = workflow("general", chain_all(general_steps))
    assert results.plan.linear is not None
    assert general.plan.linear is None

    for wf in (results, lifted, general):
        assert runner.run(wf, 0).result == Success(STEPS)

    def with_reports() -> object:
        return runner.run(results, 0).steps

    rows: list[tuple[str, Callable[[], object]]] = [
        ("returns bind loop (baseline)", bind_loop),
        ("spine, Result steps", lambda: runner.run(results, 0)),
        ("spine, lifted x + 1", lambda: runner.run(lifted, 0)),
        ("spine, + step reports", with_reports),
        ("spine, general path", lambda: runner.run(general, 0)),
    ]
    peer = hamilton_candidate()
    if peer is not None:
        rows.append(("Hamilton driver", peer))
    timings = best_us_per_step([run for _, run in rows])
    base = timings[0]

    print(f"{STEPS:,}-step chain of x + 1, best of {ROUNDS} interleaved rounds")
    print(f"{'candidate':<30}{'us/step':>9}{'overhead':>10}{'ratio':>8}")
    for (name, _), us in zip(rows, timings, strict=True):
        print(f"{name:<30}{us:>9.3f}{us - base:>10.3f}{us / base:>7.2f}x")
    if peer is None:
        print("(Hamilton is not installed: skipped)")
    print(f"build (chain_all + validate + compile), once per workflow: {build_us:.2f} us/step")
    verdict = "met" if timings[1] <= 1.0 else "MISSED"
    print(f"goal <= 1 us/step on the fast path: {verdict} ({timings[1]:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
