"""Layer 5: data quality checks, their reports, the quality gate, and stored results.

A :class:`QualityCheck` is a named pure function over a :data:`Dataset` (rows as mappings
from column name to value) returning a ``PASS`` / ``WARN`` / ``FAIL`` :class:`QualityResult`.
Built-in checks: :func:`row_count`, :func:`null_rate`, :func:`unique`, :func:`value_range`,
:func:`allowed_values`, :func:`freshness` and :func:`schema`. :func:`run_checks` runs them
into a :class:`QualityReport` (a check that raises becomes a ``FAIL``); :class:`QualityRunner`
also stores each result; :func:`gate` turns a failing report into a :class:`QualityGateError`.

>>> rows = [{"id": 1, "px": 10.5}, {"id": 2, "px": None}]
>>> report = run_checks([row_count(min=1), unique("id"), null_rate("px", max_rate=0.6, warn_rate=0.2)], rows)
>>> [r.status.value for r in report.results], gate(report).unwrap() is report
(['pass', 'pass', 'warn'], True)
"""

from spine.quality.check import Dataset, QualityCheck, Tolerance, Verdict, json_safe
from spine.quality.completeness import NullRateRule, RowCountRule, is_null, null_rate, row_count
from spine.quality.conformity import SchemaRule, schema
from spine.quality.gate import QualityGateError, gate
from spine.quality.result import Measure, QualityReport, QualityResult, QualityStatus, worst
from spine.quality.runner import QualityRecord, QualityRunner, run_checks
from spine.quality.step import QualityRecorder, quality_gate
from spine.quality.timeliness import FreshnessRule, freshness
from spine.quality.validity import (
    AllowedValuesRule,
    Bound,
    UniqueRule,
    ValueRangeRule,
    allowed_values,
    duplicate_keys,
    unique,
    value_range,
)

__all__ = [
    "AllowedValuesRule",
    "Bound",
    "Dataset",
    "FreshnessRule",
    "Measure",
    "NullRateRule",
    "QualityCheck",
    "QualityGateError",
    "QualityRecord",
    "QualityRecorder",
    "QualityReport",
    "QualityResult",
    "QualityRunner",
    "QualityStatus",
    "RowCountRule",
    "SchemaRule",
    "Tolerance",
    "UniqueRule",
    "ValueRangeRule",
    "Verdict",
    "allowed_values",
    "duplicate_keys",
    "freshness",
    "gate",
    "is_null",
    "json_safe",
    "null_rate",
    "quality_gate",
    "row_count",
    "run_checks",
    "schema",
    "unique",
    "value_range",
    "worst",
]
