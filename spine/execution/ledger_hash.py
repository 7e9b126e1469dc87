r"""How a ledger event is hashed: canonical JSON, instants as text, and the preimage.

# Theory of operation
# -------------------
# ``hash`` = SHA-256, as 64 lower-case hex digits, of the UTF-8 bytes of the preimage
# (version 1), the canonical JSON array
#     ["spine.ledger/1", run_id, seq, event_id, event_type, occurred_at, payload, prev_hash]
# with ``occurred_at`` written ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC, always six fraction
# digits) and ``payload`` the canonical JSON object. Any other language can recompute it.
#
# Canonical JSON: no whitespace; object keys sorted by code point; strings escape only ``"``,
# ``\`` and U+0000-U+001F (``\b \t \n \f \r``, the rest ``\u00xx``), everything else is
# literal UTF-8; integers, and floats with an integral value, as exact decimal integers;
# other floats as Python's shortest round-trip ``repr``. Refused: NaN and infinities,
# U+0000 (PostgreSQL's jsonb cannot store it), lone surrogates, nesting deeper than 64.
# Why integral floats become integers: jsonb prints ``1e16`` back as
# ``10000000000000000``, and a stored payload must decode to the same canonical text on
# every database. Payloads are stored as this text, so a read decodes to the value hashed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from json.encoder import encode_basestring
from typing import Final

from returns.result import Failure, Result, Success

from spine.core.errors import ValidationError

__all__ = ["PREIMAGE_VERSION", "canonical_json", "digest", "instant_text"]

PREIMAGE_VERSION: Final = "spine.ledger/1"
"""The first element of every preimage; another encoding would get another version."""
_MAX_DEPTH: Final = 64


class _Refused(Exception):
    """Not canonical JSON; ``path`` says where (``.key[2]``), built on the way out."""

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(reason)
        self.reason, self.path = reason, path

    def under(self, step: str | int) -> _Refused:
        """The same refusal, one level further out (``step``: a key or an index)."""
        return _Refused(
            self.reason, f"[{step}]{self.path}" if isinstance(step, int) else f".{step}{self.path}"
        )


def _text(value: str, out: list[str]) -> None:
    if "\x00" in value:
        msg = "strings may not contain U+0000"
        raise _Refused(msg)
    out.append(encode_basestring(value))


def _write(value: object, out: list[str], depth: int) -> None:
    if isinstance(value, str):
        _text(value, out)
    elif value is None or value is True or value is False:
        out.append("null" if value is None else "true" if value else "false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            msg = f"{value!r} is not a JSON number"
            raise _Refused(msg)
        out.append(int.__repr__(int(value)) if value.is_integer() else float.__repr__(value))
    elif depth >= _MAX_DEPTH and isinstance(value, Mapping | list | tuple):
        msg = f"nested deeper than {_MAX_DEPTH} levels"
        raise _Refused(msg)
    # isinstance cannot tell pyright the element types of a container typed ``object``.
    elif isinstance(value, Mapping):
        _object(value, out, depth + 1)  # pyright: ignore[reportUnknownArgumentType]
    elif isinstance(value, list | tuple):
        _array(value, out, depth + 1)  # pyright: ignore[reportUnknownArgumentType]
    else:
        msg = f"{type(value).__qualname__} is not a JSON value"
        raise _Refused(msg)


def _object(value: Mapping[object, object], out: list[str], depth: int) -> None:
    keys: list[str] = []
    for key in value:
        if not isinstance(key, str):
            msg = f"object keys must be strings, got {type(key).__qualname__}"
            raise _Refused(msg)
        keys.append(key)
    keys.sort()
    out.append("{")
    for index, key in enumerate(keys):
        if index:
            out.append(",")
        try:
            _text(key, out)
            out.append(":")
            _write(value[key], out, depth)
        except _Refused as refused:
            raise refused.under(key) from None
    out.append("}")


def _array(value: Sequence[object], out: list[str], depth: int) -> None:
    out.append("[")
    for index, item in enumerate(value):
        if index:
            out.append(",")
        try:
            _write(item, out, depth)
        except _Refused as refused:
            raise refused.under(index) from None
    out.append("]")


def _canonical(value: object) -> str:
    out: list[str] = []
    try:
        _write(value, out, 0)
    except ValueError as error:  # an int too long to print (sys.get_int_max_str_digits)
        raise _Refused(str(error)) from None
    text = "".join(out)
    try:
        text.encode()
    except UnicodeEncodeError:
        msg = "strings may not contain lone surrogates"
        raise _Refused(msg) from None
    return text


def canonical_json(value: object, /) -> Result[str, ValidationError]:
    r"""The canonical JSON text of ``value``; a ``ValidationError`` naming where it is not JSON.

    >>> canonical_json({"b": [1.0, 0.5, None], "a": "é\n"})
    <Success: {"a":"é\n","b":[1,0.5,null]}>
    >>> canonical_json({"x": [float("nan")]}).failure().field
    'payload.x[0]'
    """
    try:
        return Success(_canonical(value))
    except _Refused as refused:
        return Failure(ValidationError(refused.reason, field=f"payload{refused.path}", constraint="JSON"))


def instant_text(at: datetime, /) -> str:
    """``at`` in UTC as the preimage writes it: ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.

    >>> from datetime import timezone
    >>> instant_text(datetime(2025, 1, 3, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=1))))
    '2025-01-03T00:02:03.000004Z'
    """
    utc = (at - (at.utcoffset() or timedelta(0))).replace(tzinfo=None)
    return f"{utc.isoformat(timespec='microseconds')}Z"


def digest(
    *,
    run_id: str,
    seq: int,
    event_id: str,
    event_type: str,
    occurred_at: datetime,
    payload_json: str,
    prev_hash: str,
) -> str:
    """The SHA-256 hex digest of an event's preimage; ``payload_json`` is canonical JSON.

    Raises ``ValidationError`` when a text field cannot be encoded (U+0000, a lone surrogate).

    >>> from datetime import UTC
    >>> at = datetime(2025, 1, 3, tzinfo=UTC)
    >>> pre = '["spine.ledger/1","r",1,"e","t","2025-01-03T00:00:00.000000Z",{"n":1},"' + "0" * 64 + '"]'
    >>> digest(run_id="r", seq=1, event_id="e", event_type="t", occurred_at=at, payload_json='{"n":1}',
    ...     prev_hash="0" * 64) == hashlib.sha256(pre.encode()).hexdigest()
    True
    """
    texts: list[str] = []
    try:
        for text in (run_id, event_id, event_type, prev_hash):
            _text(text, texts)
        run, event, kind, prev = texts
        preimage = (
            f'["{PREIMAGE_VERSION}",{run},{int.__repr__(seq)},{event},{kind},"{instant_text(occurred_at)}",'
        )
        return hashlib.sha256(f"{preimage}{payload_json},{prev}]".encode()).hexdigest()
    except (_Refused, UnicodeEncodeError) as error:
        msg = "run_id, event_id, event_type and prev_hash must be text without U+0000 or lone surrogates"
        raise ValidationError(msg, constraint="encodable text") from error
