"""msgspec encoding for spine's values (checkpoints, ledger payloads, dead letters).

msgspec encodes Structs, dates and the builtins natively; the hooks here add spine's own
value types (``WeekEnding`` as its ISO date string). Decoders are built once per target
type and reused: building one costs far more than decoding a small message.
"""

from __future__ import annotations

from datetime import date
from typing import cast

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ValidationError
from spine.core.temporal import WeekEnding

__all__ = ["dec_hook", "decode_json", "enc_hook", "encode_json"]


def enc_hook(obj: object) -> object:
    """Msgspec ``enc_hook``: spine values to natively encodable ones."""
    if isinstance(obj, WeekEnding):
        return obj.date.isoformat()
    msg = f"spine cannot encode objects of type {type(obj).__qualname__}"
    raise NotImplementedError(msg)


def dec_hook(target: type, obj: object) -> object:
    """Msgspec ``dec_hook``: decoded builtins to spine values."""
    # ValueError (ValidationError is one) and TypeError become msgspec.ValidationError,
    # which adds the path (`` - at `$.weeks[1]` ``) to the message.
    if target is object:
        # msgspec.convert hands ``object``-typed values (a JSON object's members, say) to the
        # hook as if ``object`` were a custom type; anything is an object.
        return obj
    if target is WeekEnding:
        if isinstance(obj, str | date):
            parsed = WeekEnding.parse(obj)
            if isinstance(parsed, Failure):
                raise parsed.failure()
            return parsed.unwrap()
        msg = f"Expected `str` (an ISO date), got `{_json_type(obj)}`"
        raise TypeError(msg)
    # The wording msgspec itself uses for a type it cannot build.
    msg = f"Expected `{getattr(target, '__qualname__', target)}`, got `{_json_type(obj)}`"
    raise TypeError(msg)


_JSON_TYPE_NAMES: dict[type, str] = {type(None): "null", list: "array", dict: "object"}


def _json_type(obj: object) -> str:
    """The JSON name of a decoded value's type, as msgspec's own messages spell it."""
    return _JSON_TYPE_NAMES.get(type(obj), type(obj).__name__)


_ENCODER = msgspec.json.Encoder(enc_hook=enc_hook)


def encode_json(value: object, /) -> bytes:
    """JSON bytes of ``value`` (Structs, builtins, datetimes, ``WeekEnding``...).

    >>> from datetime import date
    >>> encode_json({"week": WeekEnding(date(2025, 1, 3))})
    b'{"week":"2025-01-03"}'
    """
    return _ENCODER.encode(value)


_DECODERS: dict[object, msgspec.json.Decoder[object]] = {}


def _decoder[T](target: type[T]) -> msgspec.json.Decoder[T]:
    decoder = _DECODERS.get(target)
    if decoder is None:
        decoder = _DECODERS[target] = msgspec.json.Decoder(target, dec_hook=dec_hook)
    return cast("msgspec.json.Decoder[T]", decoder)


def decode_json[T](data: bytes | str, target: type[T], /) -> Result[T, ValidationError]:
    """Decode and validate JSON into ``target``; a mismatch is a ``ValidationError`` value.

    >>> decode_json(b'"2025-01-03"', WeekEnding)
    <Success: 2025-01-03>
    >>> decode_json(b'"2025-01-04"', WeekEnding).failure().constraint
    'matches WeekEnding'
    """
    try:
        return Success(_decoder(target).decode(data))
    except msgspec.DecodeError as exc:
        return Failure(
            ValidationError(
                str(exc),
                field=_path_of(str(exc)),
                constraint=f"matches {getattr(target, '__qualname__', str(target))}",
            )
        )


def _path_of(message: str) -> str | None:
    """Msgspec messages end with `` - at `$.path` ``; pull the path out."""
    marker = " - at `"
    start = message.rfind(marker)
    if start < 0:
        return None
    return message[start + len(marker) : -1]
