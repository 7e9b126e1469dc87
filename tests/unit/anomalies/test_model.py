"""new_anomaly: what may be recorded, normalised the way the database will give it back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.pipeline import is_successful
from returns.result import Result

from spine.anomalies.model import Anomaly, AnomalyCategory, AnomalyId, Severity, new_anomaly
from spine.core.errors import ValidationError

IST = timezone(timedelta(hours=5, minutes=30))
AT = datetime(2025, 1, 3, 10, tzinfo=IST)


def _build(**changes: Any) -> Anomaly | ValidationError:
    fields: dict[str, Any] = {
        "anomaly_id": AnomalyId("01JGQX0000000000000000000A"),
        "domain": "orders",
        "stage": "load",
        "severity": Severity.ERROR,
        "category": AnomalyCategory.OUTLIER,
        "message": "price 10x the median",
        "detected_at": AT,
    }
    fields.update(changes)
    built: Result[Anomaly, ValidationError] = new_anomaly(**fields)
    if is_successful(built):
        return built.unwrap()
    return built.failure()


def test_severities_rank_from_info_to_critical() -> None:
    assert sorted(Severity, key=lambda s: s.rank) == [
        Severity.INFO,
        Severity.WARNING,
        Severity.ERROR,
        Severity.CRITICAL,
    ]


def test_a_new_anomaly_is_unresolved_in_utc_with_a_plain_category() -> None:
    anomaly = _build()
    assert isinstance(anomaly, Anomaly)
    assert anomaly.detected_at == AT
    assert anomaly.detected_at.tzinfo is UTC
    assert type(anomaly.category) is str
    assert anomaly.category == "outlier"
    assert not anomaly.resolved


def test_details_become_plain_json() -> None:
    details = MappingProxyType({"seen": (1, 2), "by": MappingProxyType({"rule": "zscore"}), "z": 4.5})
    anomaly = _build(details=details)
    assert isinstance(anomaly, Anomaly)
    assert anomaly.details == {"seen": [1, 2], "by": {"rule": "zscore"}, "z": 4.5}
    assert type(anomaly.details["seen"]) is list


@given(st.from_regex(r"[a-z][a-z0-9_.]{0,39}", fullmatch=True))
def test_any_lower_case_code_is_a_category(code: str) -> None:
    anomaly = _build(category=code)
    assert isinstance(anomaly, Anomaly)
    assert anomaly.category == code


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"domain": ""}, "domain"),
        ({"stage": "s" * 201}, "stage"),
        ({"partition_key": ""}, "partition_key"),
        ({"run_id": "r" * 27}, "run_id"),
        ({"category": "Volume"}, "category"),
        ({"category": "x" * 41}, "category"),
        ({"message": ""}, "message"),
        ({"detected_at": datetime(2025, 1, 3, 10)}, "detected_at"),
        ({"details": {"what": object()}}, "details"),
    ],
)
def test_bad_input_is_a_validation_error(changes: dict[str, Any], field: str) -> None:
    error = _build(**changes)
    assert isinstance(error, ValidationError)
    assert error.field == field


def test_an_anomaly_survives_a_json_round_trip() -> None:
    anomaly = _build(details={"a": [1, {"b": None}]}, partition_key="2025-01-03", run_id="r1")
    assert isinstance(anomaly, Anomaly)
    assert msgspec.json.decode(msgspec.json.encode(anomaly), type=Anomaly) == anomaly
