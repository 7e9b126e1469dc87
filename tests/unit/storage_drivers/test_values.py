"""Column values at the driver boundary: the shortcuts the hot path takes change nothing.

``exact_type`` lets a reader call be skipped, ``row_decoder`` unrolls the per-column loop,
and ``utc_text`` formats instants without ``datetime.replace``: each is checked against the
plain computation it stands for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.storage.drivers._values import utc_text
from spine.storage.sql.types import (
    BIGINT,
    BOOLEAN,
    BYTES,
    DATE,
    DOUBLE,
    INTEGER,
    JSON,
    SMALLINT,
    TEXT,
    TIMESTAMPTZ,
    SqlType,
    TypeKind,
    decimal,
    varchar,
)
from spine.storage.values import ColumnReader, exact_type, from_sql, reader, row_decoder

ALL_TYPES: tuple[SqlType, ...] = (BIGINT, INTEGER, SMALLINT, BOOLEAN, TEXT, varchar(10), decimal(12, 2))
ALL_TYPES += (DOUBLE, TIMESTAMPTZ, DATE, JSON, BYTES)

# A sample of every value shape a driver hands back, per column type.
_instants = st.datetimes(timezones=st.just(UTC) | st.none() | st.just(timezone(timedelta(hours=-5))))
DRIVER_VALUES: dict[TypeKind, st.SearchStrategy[object]] = {
    TypeKind.BIGINT: st.integers() | st.decimals(allow_nan=False, allow_infinity=False, places=0),
    TypeKind.INTEGER: st.integers() | st.floats(-(2**50), 2**50).map(float.__floor__).map(float),
    TypeKind.SMALLINT: st.integers(-(2**15), 2**15 - 1),
    TypeKind.BOOLEAN: st.booleans() | st.sampled_from([0, 1, Decimal(0), Decimal(1)]),
    TypeKind.TEXT: st.text(max_size=5),
    TypeKind.VARCHAR: st.text(max_size=5),
    TypeKind.DECIMAL: st.decimals(allow_nan=False, allow_infinity=False, places=3) | st.integers(),
    TypeKind.DOUBLE: st.floats(allow_nan=False) | st.integers(-(2**53), 2**53),
    TypeKind.TIMESTAMPTZ: _instants | _instants.map(lambda d: d.isoformat(sep=" ")),
    TypeKind.DATE: st.dates() | st.dates().map(date.isoformat),
    TypeKind.JSON: st.just('{"a": [1, 2]}') | st.just(b"[1]") | st.just(memoryview(b'"x"')),
    TypeKind.BYTES: st.binary(max_size=5) | st.binary(max_size=5).map(bytearray),
}


@pytest.mark.parametrize("sql_type", ALL_TYPES, ids=str)
def test_exact_type_values_pass_through_the_reader_unchanged(sql_type: SqlType) -> None:
    exact = exact_type(sql_type)
    convert = reader(sql_type)
    if convert is None:
        assert exact is None
        return
    samples = [v for v in (0, 7, True, 1.5, Decimal("1.10"), b"x", date(2024, 1, 2)) if type(v) is exact]
    assert exact is None or samples, f"no sample of {exact}"
    for value in samples:
        assert convert(value) is value


@given(data=st.data())
def test_row_decoder_does_what_a_loop_over_the_readers_does(data: st.DataObject) -> None:
    types = data.draw(st.lists(st.sampled_from(ALL_TYPES), min_size=1, max_size=8))
    row = tuple(data.draw(st.none() | DRIVER_VALUES[t.kind]) for t in types)
    readers: list[ColumnReader] = [
        (i, convert, exact_type(t)) for i, t in enumerate(types) if (convert := reader(t)) is not None
    ]
    decode = row_decoder(lambda *values: values, len(types), readers, repr, (TypeError,))
    expected = tuple(from_sql(t, v) for t, v in zip(types, row, strict=True))
    assert decode(row) == expected


def test_row_decoder_turns_only_build_errors_into_values() -> None:
    def build(*values: object) -> Sequence[object]:
        if values[0] == 0:
            msg = "no zeros"
            raise TypeError(msg)
        return values

    readers: list[ColumnReader] = [(1, reader(DATE) or str, exact_type(DATE))]
    decode = row_decoder(build, 2, readers, lambda exc: f"failed: {exc}", (TypeError,))
    assert decode((1, "2024-01-02")) == (1, date(2024, 1, 2))
    assert decode((0, None)) == "failed: no zeros"
    # A value a reader cannot read is not the model's business: it raises, as the loop did.
    with pytest.raises(ValueError, match="Invalid isoformat"):
        decode((1, "not a day"))


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.just(UTC)
        | st.builds(timezone, st.timedeltas(timedelta(hours=-23), timedelta(hours=23))),
    )
)
def test_utc_text_is_the_fixed_width_utc_text_it_always_was(value: datetime) -> None:
    utc = value.astimezone(UTC)
    before = utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") + "+00:00"
    assert utc_text(value) == before
    assert len(before) == len("2024-05-01 10:00:00.000000+00:00")
