"""Layer 1 speed, as ratios against baselines measured in the same run.

- ids: ``generate_ulid()`` (strictly monotonic, fork-safe, text) vs python-ulid's ``str(ULID())``.
- results: ``collect`` over 1,000 ``Ok`` values vs a hand-written loop over the same list.
- errors: ``to_record`` + msgspec JSON encode/decode + ``from_record`` of a nested error.

Run: ``.venv/bin/python bench/core.py``
"""

from __future__ import annotations

import timeit
from collections.abc import Callable

import msgspec
import ulid
from returns.result import Result, Success

from spine.core import (
    ErrorRecord,
    NotFoundError,
    ValidationError,
    collect,
    from_record,
    generate_ulid,
    to_record,
)


def per_call_us(func: Callable[[], object], number: int) -> float:
    """Best of five runs, in microseconds per call."""
    return min(timeit.repeat(func, number=number, repeat=5)) / number * 1e6


def main() -> int:
    oks: list[Result[int, ValidationError]] = [Success(i) for i in range(1000)]

    def hand_loop() -> object:
        values = []
        for r in oks:
            if not isinstance(r, Success):
                return r
            values.append(r.unwrap())
        return tuple(values)

    error = ValidationError("bad", field="qty", value=-1, cause=NotFoundError("x", key="k"))
    error = error.with_context(run_id="r1", step="parse")

    def error_round_trip() -> object:
        data = msgspec.json.encode(to_record(error))
        return from_record(msgspec.json.decode(data, type=ErrorRecord))

    rows = [
        (
            "generate_ulid()",
            per_call_us(generate_ulid, 50_000),
            "str(ULID())",
            per_call_us(lambda: str(ulid.ULID()), 50_000),
        ),
        ("collect(1k Ok)", per_call_us(lambda: collect(oks), 500), "hand loop", per_call_us(hand_loop, 500)),
        ("error record round trip", per_call_us(error_round_trip, 20_000), "-", 0.0),
    ]
    print(f"{'spine':<26}{'µs/call':>10}   {'baseline':<14}{'µs/call':>10}{'ratio':>8}")
    for name, ours, base_name, base in rows:
        ratio = f"{ours / base:.2f}x" if base else "-"
        print(f"{name:<26}{ours:>10.2f}   {base_name:<14}{base:>10.2f}{ratio:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
