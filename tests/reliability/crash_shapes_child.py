"""The child of the map/parallel crash test: run or resume a tracked workflow with fan-out.

``python -m tests.reliability.crash_shapes_child DB_PATH KEY PAUSE_S`` prints ``ready``,
then ``done RESULT``. Shape: 10 steps, two parallel branches (12 and 7 steps), a join, a
map over 16 items (4 at a time, each item 3 steps), a sum, and 10 more steps.
"""

from __future__ import annotations

import sys
from typing import Final, Never

from spine.core.errors import SpineError
from spine.orchestration import Step, chain, chain_all, lift, map_each, parallel, workflow
from spine.orchestration.workflow import Workflow
from tests.reliability.crash_support import MOD, child_main, mix, stage

SEED: Final = 11
ITEMS: Final = 16
OWNER: Final = "crash-shapes"


def _stages(n: int, pause_s: float, prefix: str) -> Step[int, int, Never]:
    return chain_all([stage(f"{prefix}{k:02d}", k, pause_s) for k in range(n)])


def fan(x: int) -> tuple[int, ...]:
    """The items the map works on."""
    return tuple((x + i) % MOD for i in range(ITEMS))


def join(pair: tuple[int, int]) -> int:
    """Both branches' results, combined order-sensitively."""
    return mix(pair[0], pair[1])


def total(values: tuple[int, ...]) -> int:
    """The map's results, combined order-sensitively."""
    x = 0
    for v in values:
        x = mix(v, x)
    return x


def build(pause_s: float = 0.0) -> Workflow[int, int, SpineError]:
    """The workflow (``pause_s`` per step makes kills land mid-run)."""
    branches = parallel(_stages(12, pause_s, "a"), _stages(7, pause_s, "b"), name="branches")
    head = chain(_stages(10, pause_s, "h"), branches, lift(join, name="join"), lift(fan, name="fan"))
    items = map_each(_stages(3, pause_s, "m"), concurrency=4, name="items")
    return workflow("crash_shapes", chain(head, items, lift(total, name="total"), _stages(10, pause_s, "t")))


def expected() -> int:
    """An uninterrupted run's result, computed without any runner."""
    x = SEED
    for k in range(10):
        x = mix(k, x)
    a, b = x, x
    for k in range(12):
        a = mix(k, a)
    for k in range(7):
        b = mix(k, b)
    items = []
    for start in fan(join((a, b))):
        item = start
        for k in range(3):
            item = mix(k, item)
        items.append(item)
    x = total(tuple(items))
    for k in range(10):
        x = mix(k, x)
    return x


def main(argv: list[str]) -> int:
    """Run or resume the run under the key in ``argv``."""
    return child_main(build, SEED, OWNER, argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
