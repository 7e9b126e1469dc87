"""Quickstart: pure steps that return Result, composed railway-style, checked by mypy --strict.

Run it: ``.venv/bin/python examples/quickstart.py``
"""

from __future__ import annotations

from datetime import date

import msgspec

from spine.core import (
    Err,
    Ok,
    Result,
    ValidationError,
    WeekEnding,
    collect_all,
    decode_json,
    encode_json,
    to_record,
)


class Quote(msgspec.Struct, frozen=True, kw_only=True):
    symbol: str
    week: WeekEnding
    close: float


def parse_quote(raw: dict[str, str]) -> Result[Quote, ValidationError]:
    """A pure step: text in, a validated Quote or a typed error out. No exceptions."""
    symbol = raw.get("symbol", "").strip().upper()
    if not symbol:
        return Err(ValidationError("symbol is required", field="symbol", constraint="non-empty"))
    try:
        close = float(raw.get("close", ""))
    except ValueError:
        return Err(ValidationError("close is not a number", field="close", value=raw.get("close")))
    if close <= 0:
        return Err(ValidationError("close must be positive", field="close", value=close, constraint="> 0"))
    return WeekEnding.parse(raw.get("week", "")).map(
        lambda week: Quote(symbol=symbol, week=week, close=close)
    )


def main() -> int:
    rows = [
        {"symbol": "acme", "week": "2025-01-03", "close": "101.5"},
        {"symbol": "acme", "week": "2025-01-10", "close": "103.0"},
        {"symbol": "", "week": "2025-01-10", "close": "99"},
        {"symbol": "acme", "week": "2025-01-11", "close": "104"},
    ]
    result = collect_all(parse_quote(row) for row in rows)
    good = collect_all(parse_quote(row) for row in rows[:2])

    # Every error, not just the first; each serialises losslessly for a ledger or a DLQ.
    errors = result.failure()
    for error in errors:
        print(f"rejected: {error.message}")
    print(f"first error as JSON: {encode_json(to_record(errors[0])).decode()}")

    # The good rows survive a msgspec round trip, WeekEnding included.
    quotes = good.unwrap()
    wire = encode_json(quotes)
    assert decode_json(wire, tuple[Quote, ...]) == Ok(quotes)
    print(f"{len(quotes)} quotes, weeks {[str(q.week) for q in quotes]}")
    assert WeekEnding.from_any_date(date(2025, 1, 11)) == WeekEnding(date(2025, 1, 17))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
