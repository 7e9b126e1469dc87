"""``spine demo``: a tour of the typed core on synthetic weekly market data.

This is the shell: it reads the clock and draws ids (through the core's system
interpreters), then hands plain values to pure functions and prints what they decided.
The full pipeline (storage, durable runs, quality gates) replaces this tour as the
layers above ``spine.core`` land.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TextIO

import msgspec

from spine.core import (
    BatchId,
    BiTemporalRecord,
    Err,
    ExecutionContext,
    ExecutionId,
    Ok,
    Result,
    RunId,
    SystemClock,
    SystemIdSource,
    ValidationError,
    WeekEnding,
    as_of,
    collect_all,
    correct,
    decode_json,
    encode_json,
    partition,
    to_record,
)

__all__ = ["run_demo"]


class Bar(msgspec.Struct, frozen=True, kw_only=True):
    """One weekly price bar."""

    symbol: str
    week: WeekEnding
    close: float
    volume: int


def synthetic_rows(weeks: tuple[WeekEnding, ...]) -> list[dict[str, str]]:
    """Deterministic raw rows, with two deliberately bad ones."""
    rows = [
        {
            "symbol": symbol,
            "week": str(week),
            "close": f"{100 + 3 * i + k:.2f}",
            "volume": str(1000 * (i + 1)),
        }
        for k, symbol in enumerate(("ACME", "GLOBEX"))
        for i, week in enumerate(weeks)
    ]
    rows[3]["close"] = "-1"  # a bad print
    rows[5]["week"] = str(weeks[-1].date + timedelta(days=1))  # a Saturday
    return rows


def parse_bar(raw: dict[str, str]) -> Result[Bar, ValidationError]:
    """A pure step: validate one raw row."""
    try:
        close, volume = float(raw["close"]), int(raw["volume"])
    except (KeyError, ValueError) as exc:
        return Err(ValidationError(f"unreadable row: {exc}", field="close/volume"))
    if close <= 0:
        return Err(ValidationError("close must be positive", field="close", value=close, constraint="> 0"))
    return WeekEnding.parse(raw["week"]).map(
        lambda week: Bar(symbol=raw["symbol"], week=week, close=close, volume=volume)
    )


def run_demo(out: TextIO) -> int:
    """Print the tour; returns the exit code."""
    clock, ids = SystemClock(), SystemIdSource()
    started = clock.now()
    run = ExecutionContext(execution_id=ExecutionId(ids.new_id()), started_at=started).with_batch(
        BatchId(ids.new_id())
    )
    weeks = WeekEnding.last_n(4, date(2025, 1, 31))
    out.write(f"spine demo — run {run.execution_id} (batch {run.batch_id})\n")
    out.write(f"weeks: {', '.join(map(str, weeks))}\n\n")

    results = [parse_bar(row) for row in synthetic_rows(weeks)]
    bars, errors = partition(results)
    out.write(f"parsed {len(bars)} bars, rejected {len(errors)}:\n")
    for error in errors:
        out.write(f"  - {error.message}\n")
    every_error = collect_all(results)
    assert isinstance(every_error, Err)

    records = [to_record(e.with_context(run_id=RunId(run.execution_id))) for e in errors]
    dead_letters = encode_json(records)
    out.write(f"dead-letter payload: {len(dead_letters)} bytes of JSON, {len(records)} error records\n")

    wire = encode_json(bars)
    assert decode_json(wire, tuple[Bar, ...]) == Ok(tuple(bars))

    child = run.child(ExecutionId(ids.new_id()), started_at=clock.now())
    out.write(f"child execution {child.execution_id} (parent {child.parent_id}, depth {child.depth})\n\n")

    # Bitemporal: a price, then a correction learnt later for part of its validity.
    jan, feb, mar = (datetime(2025, m, 1, tzinfo=UTC) for m in (1, 2, 3))
    first = BiTemporalRecord(entity_id="ACME", value=100.0, valid_from=jan, system_from=jan)
    history = correct([first], 101.5, entity_id="ACME", valid_from=feb, valid_to=None, at=mar).unwrap()
    before = as_of(history, feb, jan + timedelta(days=40))
    after = as_of(history, feb, mar)
    was, now = (before.value if before else None), (after.value if after else None)
    out.write(
        f"bitemporal: ACME on Feb 1 was believed {was} until Mar 1, then corrected to {now}; "
        f"{len(history)} versions kept, none deleted\n"
    )
    elapsed_ms = (clock.now() - started).total_seconds() * 1000
    out.write(f"\ndone in {elapsed_ms:.1f} ms\n")
    return 0
