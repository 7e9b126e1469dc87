"""A durable run's ledger events, made in memory: payloads, step keys, and the chain hash.

# Theory of operation
# -------------------
# A worker holding a run is its only writer, so it seals the run's events itself, exactly as
# :class:`~spine.execution.ledger.ExecutionLedger` seals them (the version-1 preimage of
# :mod:`spine.execution.ledger_hash`): ``verify`` recomputes the same hashes. ``event_row``
# seals any event through ``ledger_hash.digest``, ``seal`` the next few of a run (a start,
# a claim, the end of a turn). The per-step hot path seals with ``chain_hash`` instead: the
# run id and the event type arrive JSON-encoded once per run, and one ``isoformat`` gives
# both the instant's preimage text and the text SQLite stores (``instant_texts``). Tests
# pin ``chain_hash`` and ``instant_texts`` to ``digest``, ``instant_text`` and the SQLite
# driver's ``utc_text``. Rows are tuples in column order (``EVENT_COLUMNS``), bound
# positionally.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring
from typing import Final, cast, final

import msgspec
from returns.result import Success

from spine.core.errors import ErrorRecord, ValidationError
from spine.core.json_types import JsonValue
from spine.execution.ledger_hash import PREIMAGE_VERSION, canonical_json, digest
from spine.orchestration.report import StepStatus
from spine.storage.compiled import SqlValue

__all__ = [
    "EVENT_COLUMNS",
    "EventRow",
    "InstantTexts",
    "StepRow",
    "chain_hash",
    "error_json",
    "event_row",
    "instant_texts",
    "json_string",
    "lease_until",
    "payload_json",
    "seal",
    "step_key",
    "step_payload",
]

EVENT_COLUMNS: Final = (
    "run_id",
    "seq",
    "event_id",
    "event_type",
    "occurred_at",
    "payload",
    "prev_hash",
    "hash",
)
"""The ``spine_ledger_events`` columns, in the order an :data:`EventRow` holds them."""
type EventRow = tuple[str, int, str, str, SqlValue, str, str, str]
type StepRow = tuple[str, int, str, str, SqlValue, str, str, str, bytes | None]
"""A step's event (its checkpoint): an :data:`EventRow` and its body, the value's bytes."""

_MAX_KEY: Final = 200
_OPEN: Final = f"[{encode_basestring(PREIMAGE_VERSION)},"
_STATUS: Final = {s: s.value for s in StepStatus}  # Enum ``.value`` is a descriptor call


def _unencodable() -> ValidationError:
    msg = "run_id, event_id, event_type and prev_hash must be text without U+0000 or lone surrogates"
    return ValidationError(msg, constraint="encodable text")


def step_key(run_id: str, step: str, attempt: int) -> str:
    """The idempotency key of one attempt of one step: the same every time it runs again.

    A key that would not fit the column (200 characters) names the step by its digest.

    >>> step_key("01J", "charge", 1)
    '01J:charge:1'
    >>> len(step_key("01J", "x" * 300, 2))
    38
    """
    key = f"{run_id}:{step}:{attempt}"
    if len(key) <= _MAX_KEY:
        return key
    return f"{run_id}:{hashlib.sha256(step.encode()).hexdigest()[:32]}:{attempt}"


def step_payload(  # noqa: PLR0917 - a payload's fields, on the per-step hot path
    name_json: str, index: int, status: StepStatus, attempt: int, took_us: int, error_json: str | None = None
) -> str:
    """A step event's payload, already canonical JSON (``name_json``, ``error_json``: JSON text).

    ``error_json`` must be canonical too (see :func:`payload_json`).

    >>> step_payload('"load"', 3, StepStatus.COMPLETED, 1, 250)
    '{"attempt":1,"index":3,"status":"completed","step":"load","took_us":250}'
    >>> step_payload('"load"', 3, StepStatus.FAILED, 2, 9, '{"code":"x"}')
    '{"attempt":2,"error":{"code":"x"},"index":3,"status":"failed","step":"load","took_us":9}'
    """
    if error_json is None:
        return (
            f'{{"attempt":{attempt},"index":{index},"status":"{_STATUS[status]}",'
            f'"step":{name_json},"took_us":{took_us}}}'
        )
    return (
        f'{{"attempt":{attempt},"error":{error_json},"index":{index},"status":"{_STATUS[status]}",'
        f'"step":{name_json},"took_us":{took_us}}}'
    )


def payload_json(values: Mapping[str, JsonValue], /) -> str | ValidationError:
    """An event payload as canonical JSON text, or why it cannot be one.

    >>> payload_json({"b": 1, "a": None})
    '{"a":null,"b":1}'
    """
    text = canonical_json(values)
    return text.unwrap() if isinstance(text, Success) else text.failure()


def error_json(record: ErrorRecord, /) -> str:
    r"""An error record as canonical JSON text: a failed step event's ``error``.

    The ledger holds JSON that every database stores: U+0000 and lone surrogates in text
    become U+FFFD, a non-finite number becomes its name.

    >>> from spine.core.errors import to_record
    >>> error_json(to_record(ValidationError("bad")))[:23]
    '{"category":"validation'
    >>> '"message":"nul\ufffd"' in error_json(to_record(ValidationError("nul\x00")))
    True
    """
    built = msgspec.to_builtins(record)
    text = canonical_json(built)
    if not isinstance(text, Success):
        text = canonical_json(_storable(built))
    return text.unwrap()


def _storable(value: object) -> object:
    """``value`` (JSON builtins) with what a ledger cannot hold replaced (see ``error_json``)."""
    if isinstance(value, str):
        return "".join("\ufffd" if c == "\x00" or "\ud800" <= c <= "\udfff" else c for c in value)
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        mapping = cast("dict[object, object]", value)
        return {str(_storable(k)): _storable(v) for k, v in mapping.items()}
    if isinstance(value, list | tuple):
        items = cast("list[object] | tuple[object, ...]", value)
        return [_storable(v) for v in items]
    return value


def json_string(text: str, /) -> str | None:
    r"""``text`` as a canonical JSON string literal; ``None`` if a ledger may not hold it.

    >>> json_string("load"), json_string("nul\x00")
    ('"load"', None)
    """
    encoded = canonical_json(text)
    return encoded.unwrap() if isinstance(encoded, Success) else None


@final
class InstantTexts:
    """:func:`instant_texts` for a run's stream of instants: each second's text is made once.

    >>> texts = InstantTexts()
    >>> texts(datetime(2025, 1, 3, 4, 5, 6, 7, tzinfo=UTC))
    ('2025-01-03 04:05:06.000007+00:00', '2025-01-03T04:05:06.000007Z')
    >>> texts(datetime(2025, 1, 3, 4, 5, 6, 99, tzinfo=UTC))[1]
    '2025-01-03T04:05:06.000099Z'
    """

    __slots__ = ("_date", "_key", "_time")

    def __init__(self) -> None:
        self._key: tuple[int, int, int, int, int, int] | None = None
        self._date = self._time = ""

    def __call__(self, at: datetime, /) -> tuple[str, str]:
        """``at`` (aware) as SQLite stores it, and as the ledger's preimage writes it."""
        if at.tzinfo is not UTC:
            at = at.astimezone(UTC)
        key = (at.second, at.minute, at.hour, at.day, at.month, at.year)
        if key != self._key:
            whole = at.isoformat(" ", "seconds")
            self._key, self._date, self._time = key, whole[:10], whole[11:19]
        micro = f"{at.microsecond:06d}"
        return f"{self._date} {self._time}.{micro}+00:00", f"{self._date}T{self._time}.{micro}Z"


def instant_texts(at: datetime, /) -> tuple[str, str]:
    """``at`` (aware) as SQLite stores it, and as the ledger's preimage writes it.

    >>> instant_texts(datetime(2025, 1, 3, 4, 5, 6, 7, tzinfo=UTC))
    ('2025-01-03 04:05:06.000007+00:00', '2025-01-03T04:05:06.000007Z')
    """
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    stored = at.isoformat(" ", "microseconds")
    return stored, f"{stored[:10]}T{stored[11:26]}Z"


def chain_hash(  # noqa: PLR0917 - the preimage's fields, pre-encoded, on the hot path
    run_json: str,
    seq: int,
    event_id: str,
    type_json: str,
    instant: str,
    payload: str,
    prev_hash: str,
) -> str | ValidationError:
    """``ledger_hash.digest`` of an event, from parts already encoded for its preimage.

    ``run_json`` and ``type_json`` are JSON string literals (:func:`json_string`),
    ``instant`` the preimage's text of ``occurred_at`` (:func:`instant_texts`), ``payload``
    canonical JSON.

    >>> at = datetime(2025, 1, 3, tzinfo=UTC)
    >>> chain_hash('"r"', 1, "e", '"t"', instant_texts(at)[1], "{}", "0" * 64) == digest(
    ...     run_id="r", seq=1, event_id="e", event_type="t", occurred_at=at, payload_json="{}",
    ...     prev_hash="0" * 64)
    True
    """
    if "\x00" in event_id or "\x00" in prev_hash:
        return _unencodable()
    preimage = (
        f'{_OPEN}{run_json},{int.__repr__(seq)},{encode_basestring(event_id)},{type_json},"{instant}",'
        f"{payload},{encode_basestring(prev_hash)}]"
    )
    try:
        return hashlib.sha256(preimage.encode()).hexdigest()
    except UnicodeEncodeError:
        return _unencodable()


def event_row(
    run_id: str, seq: int, prev_hash: str, event: tuple[str, str, datetime, str]
) -> tuple[EventRow, str]:
    """The row of an event sealed after ``prev_hash``, and its hash.

    ``event`` is ``(event_id, event_type, occurred_at, payload_json)``; the payload must be
    canonical JSON text. Raises ``ValidationError`` when a text field cannot be hashed (see
    ``digest``).

    >>> row, hashed = event_row("r", 1, "0" * 64, ("e", "started", datetime(2025, 1, 3, tzinfo=UTC), "{}"))
    >>> row[1], row[7] == hashed, len(hashed)
    (1, True, 64)
    """
    event_id, event_type, at, payload = event
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    hashed = digest(
        run_id=run_id,
        seq=seq,
        event_id=event_id,
        event_type=event_type,
        occurred_at=at,
        payload_json=payload,
        prev_hash=prev_hash,
    )
    return (run_id, seq, event_id, event_type, at, payload, prev_hash, hashed), hashed


def seal(
    run_id: str,
    head: tuple[int, str],
    events: Iterable[tuple[str, Mapping[str, JsonValue]]],
    at: datetime,
    new_id: Callable[[], str],
    /,
) -> tuple[list[EventRow], tuple[int, str]] | ValidationError:
    """``events`` (type, payload) at ``at``, sealed one after another after ``head`` (seq, hash).

    Their rows and the chain's new head; or why one cannot be sealed (its payload is not
    JSON, or a text field cannot be hashed). ``new_id`` gives each event its id.

    >>> at, ids = datetime(2025, 1, 3, tzinfo=UTC), iter(["e1", "e2"])
    >>> rows, head = seal("r", (0, "0" * 64), [("a", {}), ("b", {"n": 1})], at, ids.__next__)
    >>> [(row[1], row[2], row[3], row[5]) for row in rows], head == (2, rows[-1][7])
    ([(1, 'e1', 'a', '{}'), (2, 'e2', 'b', '{"n":1}')], True)
    """
    seq, hashed = head
    rows: list[EventRow] = []
    for event_type, values in events:
        payload = payload_json(values)
        if isinstance(payload, ValidationError):
            return payload
        seq += 1
        try:
            row, hashed = event_row(run_id, seq, hashed, (new_id(), event_type, at, payload))
        except ValidationError as refused:
            return refused
        rows.append(row)
    return rows, (seq, hashed)


def lease_until(now: datetime, lease_s: float, /) -> datetime:
    """When a lease taken or renewed at ``now`` runs out.

    >>> lease_until(datetime(2025, 1, 3, tzinfo=UTC), 30).second
    30
    """
    return now + timedelta(seconds=lease_s)
