"""A small order workflow: parse, price each line (map), route by total (choice), wait, confirm.

Run it: ``python examples/orders.py``. Step through it:
``spine playground examples.orders:flow --input '{"id": "A-1", "lines": [[2, 10.0], [1, 5.5]]}'``.
"""

from __future__ import annotations

import sys

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import SpineError, ValidationError
from spine.orchestration import WorkflowRunner, chain, conditional, lift, map_each, step, wait, workflow
from spine.testing import FakeClock, FakeSleeper


class Order(msgspec.Struct, frozen=True):
    id: str
    lines: tuple[tuple[int, float], ...]


class Priced(msgspec.Struct, frozen=True):
    id: str
    total: float


@step
def check(order: Order) -> Result[Order, ValidationError]:
    if not order.lines:
        return Failure(ValidationError("an order needs at least one line", field="lines"))
    return Success(order)


def line_total(line: tuple[int, float]) -> float:
    quantity, price = line
    return round(quantity * price, 2)


def lines_of(order: Order) -> tuple[tuple[int, float], ...]:
    return order.lines


def total(amounts: tuple[float, ...]) -> float:
    return round(sum(amounts), 2)


def review(amount: float) -> str:
    return f"review: {amount:.2f} needs a second pair of eyes"


def approve(amount: float) -> str:
    return f"approved: {amount:.2f}"


@step
def confirm(decision: str) -> Result[str, SpineError]:
    return Success(decision.upper())


flow = workflow(
    "orders",
    chain(
        chain(
            check, lift(lines_of, name="lines"), map_each(lift(line_total, name="line_total"), concurrency=4)
        ),
        lift(total, name="total"),
        conditional(lambda amount: amount > 100, lift(review, name="review"), lift(approve, name="approve")),
        wait(str, seconds=3600, name="cool_off"),
        confirm,
    ),
)


def main() -> int:
    clock = FakeClock()
    runner = WorkflowRunner(clock=clock, sleeper=FakeSleeper(clock))  # the hour's wait passes at once
    for order in (Order("A-1", ((2, 10.0), (1, 5.5))), Order("B-7", ((30, 9.99),)), Order("C-0", ())):
        report = runner.run(flow, order)
        print(f"{order.id}: {report.state.value:<9} {report.result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
