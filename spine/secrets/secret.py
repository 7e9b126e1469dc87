"""``Secret``: a value that shows as ``***`` everywhere except through ``reveal()``.

Every way Python turns an object into text goes through ``__repr__``, ``__str__`` or
``__format__``: f-strings, ``%``-formatting (what ``logging`` does with its arguments),
``str.format``, tracebacks with locals, the repr of a container or a Struct that holds one,
and the ``value`` a ``ValidationError`` records. All three give the redacted text.

Serialisation **refuses** rather than redacts: msgspec cannot encode a ``Secret`` (spine's
``enc_hook`` raises ``NotImplementedError``, plain msgspec a ``TypeError``; neither message
holds the value), and pickling raises ``TypeError``. A redacted ``"***"`` written into a
checkpoint would decode as a wrong password later; an error now is the honest outcome.
Copying returns the same object (a ``Secret`` is immutable), so ``copy.deepcopy`` of a
resolved config works.

Equality compares the values in constant time (``hmac.compare_digest``); the hash is the
same for every ``Secret``, so a dict or set of them works but learns nothing of the value.
"""

from __future__ import annotations

import hmac
from typing import Final, NoReturn, cast, final

__all__ = ["REDACTED", "Secret"]

REDACTED: Final = "***"
"""What a ``Secret`` shows instead of its value."""

_REPR: Final = f"Secret('{REDACTED}')"
_NO_PICKLE: Final = "a Secret cannot be pickled: pass its secret:// reference and resolve it where it is used"


@final
class Secret:
    """A secret text value, redacted in every repr, str, format and log line.

    >>> s = Secret("hunter2")
    >>> s
    Secret('***')
    >>> f"password={s} ({s!r})"
    "password=*** (Secret('***'))"
    >>> "%s" % s
    '***'
    >>> s.reveal()
    'hunter2'
    >>> s == Secret("hunter2"), s == "hunter2"
    (True, False)
    """

    __slots__ = ("_value",)

    _value: str

    def __init__(self, value: str, /) -> None:
        # Untyped callers exist: check what arrived, not what was declared.
        if not isinstance(cast("object", value), str):
            msg = f"a Secret holds text, got {type(value).__qualname__}"
            raise TypeError(msg)
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """The value itself: hand it to the driver or client that needs it, and nowhere else."""
        return self._value

    def __setattr__(self, name: str, value: object, /) -> NoReturn:
        msg = "Secret is immutable"
        raise AttributeError(msg)

    def __delattr__(self, name: str, /) -> NoReturn:
        msg = "Secret is immutable"
        raise AttributeError(msg)

    def __repr__(self) -> str:
        return _REPR

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str, /) -> str:
        # Width and alignment apply to the redacted text; a spec that does not fit text
        # (``:d``) must not turn into an error message, so it is ignored.
        try:
            return format(REDACTED, spec)
        except ValueError:
            return REDACTED

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(Secret)

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, object], /) -> Secret:
        return self

    def __reduce_ex__(self, protocol: object, /) -> NoReturn:
        raise TypeError(_NO_PICKLE)

    def __reduce__(self) -> NoReturn:
        raise TypeError(_NO_PICKLE)
