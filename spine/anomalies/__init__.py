"""Layer 5: data anomalies, recorded as they are found and kept until someone resolves them.

:class:`AnomalyRecorder` stores an :class:`Anomaly` (domain, stage, partition key,
:class:`Severity`, category code, message, details, run id) in ``spine_anomalies``, lists
the unresolved ones, resolves them with a note, counts them by severity, and finds recent
critical ones. Time windows are :class:`TimeWindow` values of timezone-aware instants,
compared as bound parameters: the same instants on every database.
"""

from spine.anomalies.model import Anomaly, AnomalyCategory, AnomalyId, Severity, new_anomaly
from spine.anomalies.recorder import AnomalyRecorder
from spine.anomalies.window import TimeWindow, aware, trailing

__all__ = [
    "Anomaly",
    "AnomalyCategory",
    "AnomalyId",
    "AnomalyRecorder",
    "Severity",
    "TimeWindow",
    "aware",
    "new_anomaly",
    "trailing",
]
