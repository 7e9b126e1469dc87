"""Ledger values and their hash chain: checking, sealing and verifying events, all pure.

# Theory of operation
# -------------------
# Event ``n`` of a run stores ``prev_hash`` = the hash of event ``n - 1`` (``GENESIS_HASH``
# for ``n = 1``) and ``hash`` = :func:`~spine.execution.ledger_hash.digest` of its fields. The
# run row's anchor (``last_seq``, ``last_hash``) is written in the same transaction as each
# event, so a deleted tail shows as plainly as a deleted middle. ``draft`` checks content
# before any I/O; ``seal`` places a draft after an anchor. ``verify_chain`` walks one run's
# stored events in ``seq`` order and reports each tampering once, where it shows:
#   Modified(seq)   the stored hash is not the recomputed one, the row is not a valid event,
#                   or the last event's hash is not the one its anchor recorded;
#   Missing(seq, n) ``n`` events from ``seq`` on are absent (a gap, a deleted head or tail);
#   Reordered(seq)  ``prev_hash`` is not the predecessor's hash though both hash correctly
#                   (links are checked only between intact neighbours: one edit, one report);
#   Extra(seq)      past the anchor, or a second event with one seq: written behind its back;
#   Unanchored(seq) events (the last at ``seq``) whose run row is gone: the anchor was
#                   deleted, so a deleted tail could no longer show. Their links are still
#                   checked, and reported before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ConflictError, SpineError, ValidationError
from spine.core.ids import EventId, RunId
from spine.execution.ledger_hash import canonical_json, digest

__all__ = [
    "GENESIS_HASH",
    "MAX_EVENT_TYPE",
    "Anchor",
    "Draft",
    "Extra",
    "LedgerEvent",
    "Missing",
    "Modified",
    "Reordered",
    "Tamper",
    "Unanchored",
    "Unreadable",
    "draft",
    "event_hash",
    "seal",
    "verify_chain",
]

GENESIS_HASH: Final = "0" * 64
"""The ``prev_hash`` of every run's first event."""
MAX_EVENT_TYPE: Final = 40
"""The longest ``event_type`` (the column is ``varchar(40)``)."""


def _check_event_type(value: str) -> None:
    if not 0 < len(value) <= MAX_EVENT_TYPE or not value.isprintable() or value != value.strip():
        msg = f"event_type must be 1-{MAX_EVENT_TYPE} printable characters without outer spaces"
        raise ValidationError(msg, field="event_type", value=value, constraint=f"1..{MAX_EVENT_TYPE} chars")


def _check_utc(value: datetime) -> None:
    if value.utcoffset() != timedelta(0):
        msg = f"occurred_at must be a timezone-aware UTC datetime, got {value.isoformat()}"
        raise ValidationError(msg, field="occurred_at", value=value.isoformat(), constraint="aware UTC")


class LedgerEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One appended event: its place in the run's chain, its content and its hash.

    ``payload`` is a JSON object in canonical form (as :func:`draft` normalises it).
    """

    run_id: RunId
    seq: int
    event_id: EventId
    event_type: str
    occurred_at: datetime
    payload: Mapping[str, object]
    prev_hash: str
    hash: str

    def __post_init__(self) -> None:
        if self.seq < 1:
            msg = f"seq starts at 1, got {self.seq}"
            raise ValidationError(msg, field="seq", value=self.seq, constraint=">= 1")
        _check_event_type(self.event_type)
        _check_utc(self.occurred_at)
        for field, value in (("prev_hash", self.prev_hash), ("hash", self.hash)):
            if len(value) != 64 or value.strip("0123456789abcdef"):
                msg = f"{field} must be 64 lower-case hex digits"
                raise ValidationError(msg, field=field, value=value, constraint="sha256 hex")


class Draft(msgspec.Struct, frozen=True, kw_only=True):
    """A checked event not yet placed in a chain; make one with :func:`draft`."""

    event_id: EventId
    event_type: str
    occurred_at: datetime
    payload: Mapping[str, object]
    payload_json: str


class Anchor(msgspec.Struct, frozen=True, kw_only=True):
    """A run's chain head as its run row records it (``last_seq = 0``: no event yet)."""

    run_id: RunId
    last_seq: int = 0
    last_hash: str | None = None


class Modified(msgspec.Struct, frozen=True, tag=True):
    """The event at ``seq`` is not what was appended."""

    run_id: str
    seq: int


class Missing(msgspec.Struct, frozen=True, tag=True):
    """``count`` events from ``seq`` on are gone."""

    run_id: str
    seq: int
    count: int = 1


class Reordered(msgspec.Struct, frozen=True, tag=True):
    """The event at ``seq`` does not follow its predecessor, though both hash correctly."""

    run_id: str
    seq: int


class Extra(msgspec.Struct, frozen=True, tag=True):
    """An event at ``seq`` that append never wrote (past the anchor, or a duplicate seq)."""

    run_id: str
    seq: int


class Unanchored(msgspec.Struct, frozen=True, tag=True):
    """The run's row, which anchors its chain, is gone; ``seq`` is the last event still stored."""

    run_id: str
    seq: int


type Tamper = Modified | Missing | Reordered | Extra | Unanchored


class Unreadable(msgspec.Struct, frozen=True, kw_only=True):
    """A stored row that is not even a valid event; verification reports it as Modified."""

    run_id: str
    seq: int


def _digest(run_id: str, seq: int, event: Draft | LedgerEvent, payload_json: str, prev_hash: str) -> str:
    return digest(
        run_id=run_id,
        seq=seq,
        event_id=event.event_id,
        event_type=event.event_type,
        occurred_at=event.occurred_at,
        payload_json=payload_json,
        prev_hash=prev_hash,
    )


def event_hash(event: LedgerEvent, /) -> str:
    """The hash ``event`` must carry, recomputed from its other fields.

    Raises ``ValidationError`` when the payload is not JSON (only a hand-built event can be).

    >>> from datetime import UTC
    >>> e = seal(Anchor(run_id=RunId("r")), draft(EventId("e"), "started", datetime(2025, 1, 3, tzinfo=UTC),
    ...     {"n": 1}).unwrap()).unwrap()
    >>> event_hash(e) == e.hash, e.prev_hash == GENESIS_HASH
    (True, True)
    """
    body = canonical_json(event.payload)
    if isinstance(body, Failure):
        raise body.failure()
    return _digest(event.run_id, event.seq, event, body.unwrap(), event.prev_hash)


def draft(
    event_id: EventId, event_type: str, occurred_at: datetime, payload: Mapping[str, object], /
) -> Result[Draft, ValidationError]:
    """Check an event's content and put its payload in canonical form.

    >>> from datetime import UTC
    >>> draft(EventId("e"), "done", datetime(2025, 1, 3, tzinfo=UTC), {"x": 2.0}).unwrap().payload_json
    '{"x":2}'
    >>> draft(EventId("e"), "", datetime(2025, 1, 3, tzinfo=UTC), {}).failure().field
    'event_type'
    """
    try:
        _check_event_type(event_type)
        _check_utc(occurred_at)
    except ValidationError as error:
        return Failure(error)
    body = canonical_json(payload)
    if isinstance(body, Failure):
        return Failure(body.failure())
    text = body.unwrap()
    if not text.startswith("{"):  # untyped callers can pass anything
        msg = f"payload must be a JSON object, got {type(payload).__qualname__}"
        return Failure(ValidationError(msg, field="payload", constraint="JSON object"))
    normal = msgspec.json.decode(text, type=dict[str, object])
    made = Draft(
        event_id=event_id, event_type=event_type, occurred_at=occurred_at, payload=normal, payload_json=text
    )
    return Success(made)


def seal(anchor: Anchor, event: Draft, /) -> Result[LedgerEvent, SpineError]:
    """``event`` placed after ``anchor``: seq ``last_seq + 1``, linked to ``last_hash``.

    A ``ConflictError`` when the anchor contradicts itself (events but no hash, or a hash
    but no event).

    >>> from datetime import UTC
    >>> one = draft(EventId("e"), "x", datetime(2025, 1, 3, tzinfo=UTC), {}).unwrap()
    >>> seal(Anchor(run_id=RunId("r"), last_seq=4, last_hash="ab" * 32), one).unwrap().seq
    5
    >>> seal(Anchor(run_id=RunId("r"), last_seq=4), one).failure().category
    <ErrorCategory.CONFLICT: 'conflict'>
    """
    if (anchor.last_seq == 0) != (anchor.last_hash is None) or anchor.last_seq < 0:
        msg = f"run {anchor.run_id!r} has an inconsistent ledger anchor: last_seq={anchor.last_seq}"
        return Failure(ConflictError(msg, context={"run_id": anchor.run_id, "last_seq": anchor.last_seq}))
    seq, prev = anchor.last_seq + 1, anchor.last_hash or GENESIS_HASH
    try:
        hashed = _digest(anchor.run_id, seq, event, event.payload_json, prev)
        sealed = LedgerEvent(
            run_id=anchor.run_id,
            seq=seq,
            event_id=event.event_id,
            event_type=event.event_type,
            occurred_at=event.occurred_at,
            payload=event.payload,
            prev_hash=prev,
            hash=hashed,
        )
    except ValidationError as error:
        return Failure(error)
    return Success(sealed)


def _intact(item: LedgerEvent | Unreadable) -> bool:
    try:
        return isinstance(item, LedgerEvent) and event_hash(item) == item.hash
    except ValidationError:
        return False


def verify_chain(events: Sequence[LedgerEvent | Unreadable], anchor: Anchor | None, /) -> tuple[Tamper, ...]:
    """Every tampering in one run's stored events (see the theory of operation).

    ``anchor`` is ``None`` when the run row itself is gone: that is ``Unanchored`` (after
    whatever the links show), since without the anchor a deleted tail leaves no trace.

    >>> from datetime import UTC
    >>> at = datetime(2025, 1, 3, tzinfo=UTC)
    >>> run = RunId("r")
    >>> e1 = seal(Anchor(run_id=run), draft(EventId("e1"), "x", at, {}).unwrap()).unwrap()
    >>> after_e1 = Anchor(run_id=run, last_seq=1, last_hash=e1.hash)
    >>> e2 = seal(after_e1, draft(EventId("e2"), "x", at, {}).unwrap()).unwrap()
    >>> head = Anchor(run_id=run, last_seq=2, last_hash=e2.hash)
    >>> verify_chain([e1, e2], head), verify_chain([e1], head)
    ((), (Missing(run_id='r', seq=2, count=1),))
    >>> verify_chain([e1], None)
    (Unanchored(run_id='r', seq=1),)
    """
    items = sorted(events, key=lambda item: item.seq)
    run_id = anchor.run_id if anchor is not None else (items[0].run_id if items else "")
    end = anchor.last_seq if anchor is not None else None
    found: list[Tamper] = []
    expected, previous = 1, None  # previous: the intact event at expected - 1, if any
    for item in items:
        seq = item.seq
        if seq < expected:
            found.append(Extra(run_id, seq))
            continue
        if end is not None and seq > end:
            if expected <= end:
                found.append(Missing(run_id, expected, end - expected + 1))
            found.append(Extra(run_id, seq))
            expected, previous = seq + 1, None
            continue
        linked = seq == expected
        if not linked:
            found.append(Missing(run_id, expected, seq - expected))
        if not _intact(item):
            found.append(Modified(run_id, seq))
            expected, previous = seq + 1, None
            continue
        assert isinstance(item, LedgerEvent)  # _intact is False for Unreadable
        want = GENESIS_HASH if seq == 1 else None if previous is None else previous.hash
        if linked and want is not None and item.prev_hash != want:
            found.append(Reordered(run_id, seq))
        if anchor is not None and seq == end and item.hash != anchor.last_hash:
            found.append(Modified(run_id, seq))
        expected, previous = seq + 1, item
    if end is not None and expected <= end:
        found.append(Missing(run_id, expected, end - expected + 1))
    if anchor is None and items:
        found.append(Unanchored(run_id, items[-1].seq))
    return tuple(found)
