"""The pure ledger: canonical encoding, sealing, and verification that names every tampering exactly."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

import msgspec
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from spine.core.errors import ConflictError, ValidationError
from spine.core.ids import EventId, RunId
from spine.execution.ledger_chain import (
    GENESIS_HASH,
    MAX_EVENT_TYPE,
    Anchor,
    Extra,
    LedgerEvent,
    Missing,
    Modified,
    Reordered,
    Tamper,
    Unanchored,
    Unreadable,
    draft,
    event_hash,
    seal,
    verify_chain,
)
from spine.execution.ledger_hash import canonical_json, digest, instant_text
from tests.strategies import ulids, utc_datetimes

T0: Final = datetime(2025, 1, 3, tzinfo=UTC)

# --- strategies ------------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
)
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
# Chains need many payloads: flat ones keep generation cheap (nesting is covered above).
payloads = st.dictionaries(_text, _scalars | st.lists(_scalars, max_size=2), max_size=3)
event_types = st.text("abcdefghijklmnopqrstuvwxyz._-", min_size=1, max_size=MAX_EVENT_TYPE)
hexes = st.text("0123456789abcdef", min_size=64, max_size=64)


def chain_of(
    run_id: str, items: Sequence[tuple[str, datetime, Mapping[str, object]]]
) -> tuple[list[LedgerEvent], Anchor]:
    anchor = Anchor(run_id=RunId(run_id))
    events: list[LedgerEvent] = []
    for index, (kind, at, payload) in enumerate(items):
        event = seal(anchor, draft(EventId(f"e{index:025d}"), kind, at, payload).unwrap()).unwrap()
        events.append(event)
        anchor = Anchor(run_id=anchor.run_id, last_seq=event.seq, last_hash=event.hash)
    return events, anchor


@st.composite
def chains(draw: st.DrawFn, min_size: int = 1) -> tuple[list[LedgerEvent], Anchor]:
    run_id = str(draw(ulids()))
    items = draw(st.lists(st.tuples(event_types, utc_datetimes(), payloads), min_size=min_size, max_size=6))
    return chain_of(run_id, items)


def replace(event: LedgerEvent, **changes: object) -> LedgerEvent:
    """A stored row edited behind the ledger's back (no validation, as in the database)."""
    return msgspec.structs.replace(event, **changes)


chain_properties = settings(max_examples=40)


def seqs(found: tuple[Tamper, ...]) -> set[int]:
    return {t.seq for t in found}


# --- chains that were only appended to ----------------------------------------------------


@chain_properties
@given(chains())
def test_any_appended_chain_verifies(chain: tuple[list[LedgerEvent], Anchor]) -> None:
    events, anchor = chain
    assert verify_chain(events, anchor) == ()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert verify_chain(list(reversed(events)), anchor) == ()  # rows may come in any order


def test_an_empty_run_verifies() -> None:
    assert verify_chain([], Anchor(run_id=RunId("r"))) == ()
    assert verify_chain([], None) == ()


# --- one edit, one report ---------------------------------------------------------------

FIELDS: Final = ("run_id", "event_id", "event_type", "occurred_at", "payload", "prev_hash", "hash")


@chain_properties
@given(chains(), st.data())
def test_any_single_modification_is_reported_as_modified_at_that_seq(
    chain: tuple[list[LedgerEvent], Anchor], data: st.DataObject
) -> None:
    events, anchor = chain
    index = data.draw(st.integers(0, len(events) - 1))
    field = data.draw(st.sampled_from(FIELDS))
    event = events[index]
    changed: object
    match field:
        case "run_id" | "event_id":
            changed = data.draw(st.text("0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=26, max_size=26))
        case "event_type":
            changed = data.draw(event_types)
        case "occurred_at":
            changed = event.occurred_at + timedelta(microseconds=data.draw(st.integers(1, 10**12)))
        case "payload":
            changed = data.draw(payloads)
            assume(canonical_json(changed).unwrap() != canonical_json(event.payload).unwrap())
        case _:
            changed = data.draw(hexes)
    assume(changed != getattr(event, field))
    events[index] = replace(event, **{field: changed})
    assert verify_chain(events, anchor) == (Modified(anchor.run_id, event.seq),)


@chain_properties
@given(chains(), st.data())
def test_deleting_any_one_event_is_missing_at_that_seq(
    chain: tuple[list[LedgerEvent], Anchor], data: st.DataObject
) -> None:
    events, anchor = chain
    gone = events.pop(data.draw(st.integers(0, len(events) - 1)))
    assert verify_chain(events, anchor) == (Missing(anchor.run_id, gone.seq),)


@chain_properties
@given(chains(min_size=2), st.data())
def test_swapping_two_seqs_is_reported_at_exactly_those_seqs(
    chain: tuple[list[LedgerEvent], Anchor], data: st.DataObject
) -> None:
    events, anchor = chain
    i, j = sorted(data.draw(st.lists(st.integers(0, len(events) - 1), min_size=2, max_size=2, unique=True)))
    a, b = events[i], events[j]
    events[i], events[j] = replace(b, seq=a.seq), replace(a, seq=b.seq)
    found = verify_chain(events, anchor)
    assert seqs(found) == {a.seq, b.seq}
    assert all(isinstance(t, Modified | Reordered) for t in found)


@chain_properties
@given(chains(), st.data())
def test_truncating_the_tail_is_missing_from_the_first_gone(
    chain: tuple[list[LedgerEvent], Anchor], data: st.DataObject
) -> None:
    events, anchor = chain
    keep = data.draw(st.integers(0, len(events) - 1))
    assert verify_chain(events[:keep], anchor) == (Missing(anchor.run_id, keep + 1, len(events) - keep),)


@chain_properties
@given(chains(), st.data())
def test_moving_an_event_past_the_anchor_is_missing_there_and_extra_here(
    chain: tuple[list[LedgerEvent], Anchor], data: st.DataObject
) -> None:
    events, anchor = chain
    index = data.draw(st.integers(0, len(events) - 1))
    moved = events[index].seq
    events[index] = replace(events[index], seq=len(events) + 5)
    assert verify_chain(events, anchor) == (
        Missing(anchor.run_id, moved),
        Extra(anchor.run_id, len(events) + 5),
    )


# --- forgeries that hash correctly --------------------------------------------------------


def forge(event: LedgerEvent, **changes: object) -> LedgerEvent:
    """An edit whose author also recomputed the hash."""
    edited = replace(event, **changes)
    return replace(edited, hash=event_hash(edited))


def five() -> tuple[list[LedgerEvent], Anchor]:
    return chain_of("run", [("step", T0 + timedelta(hours=h), {"h": h}) for h in range(5)])


def test_a_rehashed_middle_event_breaks_the_next_link() -> None:
    events, anchor = five()
    events[2] = forge(events[2], payload={"h": 99})
    assert verify_chain(events, anchor) == (Reordered("run", 4),)


def test_a_rehashed_last_event_disagrees_with_the_anchor() -> None:
    events, anchor = five()
    events[4] = forge(events[4], payload={"h": 99})
    assert verify_chain(events, anchor) == (Modified("run", 5),)


def test_a_rehashed_first_event_must_start_from_genesis() -> None:
    events, anchor = five()
    events[0] = forge(events[0], prev_hash="ab" * 32)
    assert verify_chain(events, anchor) == (Reordered("run", 1), Reordered("run", 2))


def test_a_well_chained_event_past_the_anchor_is_extra() -> None:
    events, anchor = five()
    sixth = seal(anchor, draft(EventId("x" * 26), "step", T0, {}).unwrap()).unwrap()
    assert verify_chain([*events, sixth], anchor) == (Extra("run", 6),)
    assert verify_chain([*events, sixth], None) == (Unanchored("run", 6),)  # Extra cannot be told


def test_events_of_a_run_whose_anchor_is_gone_are_unanchored_and_still_have_their_links_checked() -> None:
    events, _ = five()
    assert verify_chain(events, None) == (Unanchored("run", 5),)
    assert verify_chain(events[:3], None) == (Unanchored("run", 3),)  # the tail went with the row
    del events[1]
    assert verify_chain(events, None) == (Missing("run", 2), Unanchored("run", 5))
    assert verify_chain(events[:2], None) == (Missing("run", 2), Unanchored("run", 3))


@chain_properties
@given(chains(), st.data())
def test_a_run_without_its_anchor_is_always_reported(
    chain: tuple[list[LedgerEvent], Anchor], data: st.DataObject
) -> None:
    events, _ = chain
    kept = data.draw(st.integers(1, len(events)))
    found = verify_chain(events[:kept], None)
    assert found[-1] == Unanchored(events[0].run_id, kept)
    assert found[:-1] == ()  # an intact prefix has nothing else to report


def test_a_duplicate_seq_is_extra_and_an_unreadable_row_is_modified() -> None:
    events, anchor = five()
    assert verify_chain([*events, events[2]], anchor) == (Extra("run", 3),)
    events[3] = Unreadable(run_id="run", seq=4)  # type: ignore[call-overload]  # list of LedgerEvent
    assert verify_chain(events, anchor) == (Modified("run", 4),)


def test_an_anchor_ahead_of_an_empty_run_is_all_missing() -> None:
    assert verify_chain([], Anchor(run_id=RunId("r"), last_seq=3, last_hash="a" * 64)) == (
        Missing("r", 1, 3),
    )


# --- drafts, seals and events ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_type", "ok"),
    [
        ("a", True),
        ("x" * MAX_EVENT_TYPE, True),
        ("", False),
        ("x" * 41, False),
        (" a", False),
        ("a\n", False),
    ],
)
def test_event_types_are_short_printable_names(event_type: str, ok: bool) -> None:
    checked = draft(EventId("e"), event_type, T0, {})
    assert checked.map(lambda _: True).value_or(False) is ok
    if not ok:
        assert checked.failure().field == "event_type"


def test_a_draft_needs_an_aware_utc_instant_and_a_json_object() -> None:
    assert draft(EventId("e"), "x", datetime(2025, 1, 3), {}).failure().field == "occurred_at"
    plus_one = datetime(2025, 1, 3, tzinfo=timezone(timedelta(hours=1)))
    assert draft(EventId("e"), "x", plus_one, {}).failure().field == "occurred_at"
    assert draft(EventId("e"), "x", T0, [1, 2]).failure().field == "payload"  # type: ignore[arg-type]  # untyped caller
    assert draft(EventId("e"), "x", T0, {"a": {1: 2}}).failure().field == "payload.a"


def test_a_draft_holds_the_payload_as_stored() -> None:
    made = draft(EventId("e"), "x", T0, {"b": (1.0, 2.5), "a": 10**30}).unwrap()
    assert made.payload == {"a": 10**30, "b": [1, 2.5]}
    assert made.payload_json == '{"a":1000000000000000000000000000000,"b":[1,2.5]}'


def test_seal_refuses_an_anchor_that_contradicts_itself() -> None:
    one = draft(EventId("e"), "x", T0, {}).unwrap()
    for anchor in (Anchor(run_id=RunId("r"), last_seq=2), Anchor(run_id=RunId("r"), last_hash="a" * 64)):
        assert isinstance(seal(anchor, one).failure(), ConflictError)


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 0},
        {"event_type": ""},
        {"occurred_at": datetime(2025, 1, 3)},
        {"hash": "ABC"},
        {"prev_hash": "0"},
    ],
)
def test_an_event_checks_its_own_shape(change: dict[str, object]) -> None:
    events, _ = five()
    fields = {f: getattr(events[0], f) for f in events[0].__struct_fields__}
    with pytest.raises(ValidationError):
        LedgerEvent(**{**fields, **change})


@chain_properties
@given(chains())
def test_events_survive_a_msgspec_json_round_trip(chain: tuple[list[LedgerEvent], Anchor]) -> None:
    events, _ = chain
    again = msgspec.json.decode(msgspec.json.encode(events), type=list[LedgerEvent])
    assert again == events
    assert all(event_hash(e) == e.hash for e in again)
    tampers = (Modified("r", 1), Missing("r", 2, 3), Reordered("r", 4), Extra("r", 5))
    assert msgspec.json.decode(msgspec.json.encode(tampers), type=tuple[Tamper, ...]) == tampers


# --- the encoding ---------------------------------------------------------------------


def test_the_hash_of_a_known_event_is_pinned() -> None:
    # Changing this value breaks every ledger already written: bump PREIMAGE_VERSION instead.
    events, _ = chain_of("01JGZ0000000000000000000R1", [("started", T0, {"b": [1.0, "é"], "a": None})])
    preimage = (
        '["spine.ledger/1","01JGZ0000000000000000000R1",1,"e0000000000000000000000000","started",'
        '"2025-01-03T00:00:00.000000Z",{"a":null,"b":[1,"é"]},"' + "0" * 64 + '"]'
    )
    assert events[0].hash == hashlib.sha256(preimage.encode()).hexdigest()
    assert events[0].hash == "d1392ebe278d7ae297243d47daae0449e3912b5f564a5516d7c7d4bf2c4e5995"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"b": 1, "a": 2, "é": 3, "Z": 4}, '{"Z":4,"a":2,"b":1,"é":3}'),
        ([1.0, -0.0, 1e16, 1e300, 0.1, 1.5e-10], f"[1,0,10000000000000000,{int(1e300)},0.1,1.5e-10]"),
        ('"\\\b\f\n\r\t\x01\x7f\u2028😀', '"\\"\\\\\\b\\f\\n\\r\\t\\u0001\x7f\u2028😀"'),
        ([True, False, None, 2**64], "[true,false,null,18446744073709551616]"),
        ((), "[]"),
    ],
)
def test_canonical_json_examples(value: object, text: str) -> None:
    assert canonical_json(value).unwrap() == text


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        [float("inf")],
        "a\x00b",
        {"\x00": 1},
        "\udc80",
        {1: 2},
        {"when": T0},
        b"bytes",
        {1, 2},
        [10**5000],
        json.loads("[" * 70 + "]" * 70),
    ],
)
def test_canonical_json_refuses_what_is_not_portable_json(value: object) -> None:
    assert isinstance(canonical_json(value).failure(), ValidationError)


@given(json_values)
def test_canonical_json_is_a_fixed_point_of_decoding(value: object) -> None:
    text = canonical_json(value).unwrap()
    decoded = msgspec.json.decode(text)
    assert canonical_json(decoded).unwrap() == text
    assert canonical_json(json.loads(text)).unwrap() == text
    # What PostgreSQL's jsonb prints back (spaces, numbers in plain notation) decodes the same.
    assert canonical_json(json.loads(json.dumps(decoded, indent=1))).unwrap() == text


def test_instants_are_utc_with_six_fraction_digits() -> None:
    east = timezone(timedelta(hours=5, minutes=30))
    assert instant_text(datetime(2025, 1, 3, 5, 30, tzinfo=east)) == "2025-01-03T00:00:00.000000Z"
    assert (
        instant_text(datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)) == "0999-12-31T23:59:59.999999Z"
    )


def test_digest_refuses_unencodable_text() -> None:
    with pytest.raises(ValidationError):
        digest(
            run_id="r\x00",
            seq=1,
            event_id="e",
            event_type="t",
            occurred_at=T0,
            payload_json="{}",
            prev_hash=GENESIS_HASH,
        )
