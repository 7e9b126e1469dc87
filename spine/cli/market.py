"""The demo's pipeline: weekly market bars in, quality-gated weekly statistics out.

Every step is a typed ``Step``; the ones with effects (reading bars, storing statistics)
get their port injected when the workflow is built (``market_workflow``). The steps'
annotations are exact so a durable runner restores each checkpoint with its type.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Protocol, final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import SpineError, ValidationError
from spine.core.temporal import WeekEnding
from spine.orchestration import Step, Workflow, chain, step, workflow
from spine.quality import QualityRecorder, null_rate, quality_gate, row_count, unique, value_range
from spine.quality.check import Dataset
from spine.storage.repository import BaseRepository
from spine.storage.sql.schema import Column, Table
from spine.storage.sql.types import BIGINT, DATE, DOUBLE, varchar

__all__ = [
    "MARKET_WEEKLY",
    "Bar",
    "BarSource",
    "CsvBarSource",
    "WeekRequest",
    "WeeklyStat",
    "market_workflow",
    "summarize",
    "to_bars",
]

SYMBOLS_PER_WEEK = 8
DAYS_PER_WEEK = 5


class WeekRequest(msgspec.Struct, frozen=True, kw_only=True):
    """The workflow's input: which week to process."""

    week: dt.date


class Bar(msgspec.Struct, frozen=True, kw_only=True):
    """One symbol's trading day."""

    symbol: str
    day: dt.date
    open: float
    high: float
    low: float
    close: float
    volume: int


class WeeklyStat(msgspec.Struct, frozen=True, kw_only=True):
    """One symbol's week, as stored."""

    week: dt.date
    symbol: str
    open: float
    close: float
    high: float
    low: float
    volume: int
    vwap: float
    change_pct: float


MARKET_WEEKLY = Table(
    name="market_weekly",
    columns=(
        Column(name="week", type=DATE, nullable=False),
        Column(name="symbol", type=varchar(16), nullable=False),
        Column(name="open", type=DOUBLE, nullable=False),
        Column(name="close", type=DOUBLE, nullable=False),
        Column(name="high", type=DOUBLE, nullable=False),
        Column(name="low", type=DOUBLE, nullable=False),
        Column(name="volume", type=BIGINT, nullable=False),
        Column(name="vwap", type=DOUBLE, nullable=False),
        Column(name="change_pct", type=DOUBLE, nullable=False),
    ),
    primary_key=("week", "symbol"),
)


class BarSource(Protocol):
    """Port: the raw rows of one week."""

    def rows(self, week: WeekEnding, /) -> Result[tuple[dict[str, object], ...], SpineError]:
        """Every row of ``week`` (values as found: text, numbers or None)."""
        ...


def _number(text: str) -> float | None:
    return None if text == "" else float(text)


@final
class CsvBarSource:
    """Bars from a CSV file (the packaged synthetic data by default), with optional fixes."""

    def __init__(
        self, path: Path | None = None, *, fixes: Mapping[tuple[str, str], Mapping[str, str]] = {}
    ) -> None:
        self._path = path
        self._fixes = dict(fixes)

    def fixed(self, symbol: str, day: str, **values: str) -> CsvBarSource:
        """A source that also corrects one row (the demo's "fix the input")."""
        return CsvBarSource(self._path, fixes={**self._fixes, (symbol, day): values})

    def _text(self) -> str:
        if self._path is not None:
            return self._path.read_text()
        return resources.files("spine.cli.data").joinpath("market_bars.csv").read_text()

    def rows(self, week: WeekEnding, /) -> Result[tuple[dict[str, object], ...], SpineError]:
        """Every row whose day falls in ``week`` (Monday to Friday)."""
        first, last = week.week_start, week.date
        found: list[dict[str, object]] = []
        for raw in csv.DictReader(self._text().splitlines()):
            day = dt.date.fromisoformat(raw["day"])
            if not first <= day <= last:
                continue
            raw.update(self._fixes.get((raw["symbol"], raw["day"]), {}))
            volume = _number(raw["volume"])
            found.append(
                {
                    "symbol": raw["symbol"],
                    "day": day,
                    "open": _number(raw["open"]),
                    "high": _number(raw["high"]),
                    "low": _number(raw["low"]),
                    "close": _number(raw["close"]),
                    "volume": None if volume is None else int(volume),
                }
            )
        return Success(tuple(found))


def to_bars(rows: Dataset) -> Result[tuple[Bar, ...], ValidationError]:
    """Typed bars from checked rows (a row that does not fit is a ``ValidationError``).

    >>> row = {"symbol": "A", "day": dt.date(2025, 1, 6), "open": 1, "high": 2, "low": 1, "close": 2}
    >>> to_bars([{**row, "volume": 5}]).unwrap()[0].close
    2.0
    >>> to_bars([{**row, "volume": None}]).failure().constraint
    'Bar'
    """
    try:
        return Success(msgspec.convert(list(rows), tuple[Bar, ...], strict=False))
    except msgspec.ValidationError as exc:
        return Failure(ValidationError(f"a row is not a bar: {exc}", constraint="Bar"))


def summarize(bars: tuple[Bar, ...]) -> tuple[WeeklyStat, ...]:
    """Per symbol: the week's open, close, range, volume, VWAP and change (pure).

    >>> mon, tue = dt.date(2025, 1, 6), dt.date(2025, 1, 7)
    >>> monday = Bar(symbol="A", day=mon, open=10.0, high=11.0, low=9.0, close=10.0, volume=100)
    >>> tuesday = Bar(symbol="A", day=tue, open=10.0, high=12.0, low=10.0, close=11.0, volume=300)
    >>> bars = (monday, tuesday)
    >>> s = summarize(bars)[0]
    >>> (s.open, s.close, s.high, s.low, s.volume, s.vwap, s.change_pct)
    (10.0, 11.0, 12.0, 9.0, 400, 10.75, 10.0)
    """
    by_symbol: dict[str, list[Bar]] = {}
    for bar in sorted(bars, key=lambda b: (b.symbol, b.day)):
        by_symbol.setdefault(bar.symbol, []).append(bar)
    stats: list[WeeklyStat] = []
    for symbol, days in by_symbol.items():
        volume = sum(b.volume for b in days)
        vwap = sum(b.close * b.volume for b in days) / volume if volume else days[-1].close
        first, last = days[0], days[-1]
        stats.append(
            WeeklyStat(
                week=WeekEnding.from_any_date(first.day).date,
                symbol=symbol,
                open=first.open,
                close=last.close,
                high=max(b.high for b in days),
                low=min(b.low for b in days),
                volume=volume,
                vwap=round(vwap, 4),
                change_pct=round((last.close - first.open) / first.open * 100, 4),
            )
        )
    return tuple(stats)


def market_workflow(
    source: BarSource,
    store: BaseRepository[WeeklyStat],
    *,
    recorder: QualityRecorder | None = None,
    pause: Callable[[], None] | None = None,
) -> Workflow[WeekRequest, int, SpineError]:
    """Ingest → quality gate → bars → weekly statistics → upsert; the output is the row count.

    ``pause`` runs at the start of this module's own steps (the demo slows a worker with it
    so that it can be killed mid-run).
    """
    wait = pause or (lambda: None)

    @step(name="ingest")
    def ingest(request: WeekRequest) -> Result[Dataset, SpineError]:
        wait()
        rows = source.rows(WeekEnding.from_any_date(request.week))
        if isinstance(rows, Success):
            return Success(list(rows.unwrap()))
        return Failure(rows.failure())

    @step(name="stats")
    def stats(bars: tuple[Bar, ...]) -> Result[tuple[WeeklyStat, ...], SpineError]:
        wait()
        return Success(summarize(bars))

    @step(name="store")
    def upsert(rows: tuple[WeeklyStat, ...]) -> Result[int, SpineError]:
        wait()
        for row in rows:
            done = store.upsert(row)
            if isinstance(done, Failure):
                return Failure(done.failure())
        return Success(len(rows))

    def week_of(rows: Dataset) -> str | None:
        days = [r.get("day") for r in rows]
        return str(WeekEnding.from_any_date(days[0])) if days and isinstance(days[0], dt.date) else None

    gate = quality_gate(
        [
            row_count(min=SYMBOLS_PER_WEEK * DAYS_PER_WEEK),
            null_rate("volume", max_rate=0.0),
            value_range("close", 0.01, None),
            unique("symbol", "day"),
        ],
        name="quality",
        recorder=recorder,
        domain="market",
        partition_key=week_of,
    )

    @step(name="bars")
    def bars(rows: Dataset) -> Result[tuple[Bar, ...], ValidationError]:
        wait()
        return to_bars(rows)

    flow: Step[WeekRequest, int, SpineError] = chain(ingest, gate, bars, stats, upsert)
    return workflow("market_weekly", flow)
