"""Secret references: ``secret://env/NAME``, ``secret://file/NAME``, ``secret://vault/PATH#KEY``.

A reference names where a secret lives, never the secret: it is safe to put in settings,
work specs, templates, error messages and logs. This is the only parser of the syntax, so
every place that accepts a reference accepts the same ones.

- ``env``: ``NAME`` is an environment variable name (``[A-Za-z_][A-Za-z0-9_]*``).
- ``file``: ``NAME`` is a relative path inside the file backend's directory, segments
  separated by ``/``; empty, ``.`` and ``..`` segments, a leading ``/``, backslashes and
  control characters are refused here (the backend checks again, and follows no link out).
- ``vault``: ``PATH`` is a KV v2 secret path under the backend's mount (same segment
  rules), ``KEY`` the field of that secret; both are required.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ValidationError

__all__ = ["PREFIX", "SecretRef", "SecretScheme", "is_ref", "parse_ref", "validate_ref"]

PREFIX: Final = "secret://"
"""What every reference starts with."""

_ENV_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
_MAX_CHARS: Final = 1024


class SecretScheme(StrEnum):
    """Which backend a reference points into."""

    ENV = "env"
    FILE = "file"
    VAULT = "vault"


class SecretRef(msgspec.Struct, frozen=True, kw_only=True):
    """A parsed reference; ``str(ref)`` gives its canonical text back.

    >>> ref = parse_ref("secret://vault/app/db#password").unwrap()
    >>> (ref.scheme, ref.name, ref.key, str(ref))
    (<SecretScheme.VAULT: 'vault'>, 'app/db', 'password', 'secret://vault/app/db#password')
    """

    scheme: SecretScheme
    name: str
    key: str | None = None

    def __str__(self) -> str:
        tail = "" if self.key is None else f"#{self.key}"
        return f"{PREFIX}{self.scheme.value}/{self.name}{tail}"


def is_ref(value: object, /) -> bool:
    """Whether ``value`` is text that claims to be a reference (it may still be malformed).

    >>> is_ref("secret://env/TOKEN"), is_ref("postgresql://db"), is_ref(3)
    (True, False, False)
    """
    return isinstance(value, str) and value.startswith(PREFIX)


def parse_ref(text: str, /) -> Result[SecretRef, ValidationError]:  # noqa: PLR0911 - one exit per rule
    """Parse a reference; a malformed one is a ``ValidationError`` naming it and the rule.

    >>> parse_ref("secret://env/DB_PASSWORD")
    <Success: secret://env/DB_PASSWORD>
    >>> parse_ref("secret://file/../etc/passwd").failure().constraint
    "no empty, '.' or '..' segments"
    >>> parse_ref("secret://vault/app/db").failure().constraint
    'secret://vault/PATH#KEY'
    """
    if not text.startswith(PREFIX):
        return _bad(text, f"starts with {PREFIX}")
    if len(text) > _MAX_CHARS:
        return _bad(text, f"at most {_MAX_CHARS} characters")
    if _CONTROL.search(text):
        return _bad(text, "no control characters")
    scheme_text, _, rest = text[len(PREFIX) :].partition("/")
    try:
        scheme = SecretScheme(scheme_text)
    except ValueError:
        return _bad(text, "scheme is one of env, file, vault")
    if scheme is SecretScheme.ENV:
        if not _ENV_NAME.fullmatch(rest):
            return _bad(text, "secret://env/NAME with NAME an environment variable name")
        return Success(SecretRef(scheme=scheme, name=rest))
    if scheme is SecretScheme.FILE:
        return _path(text, rest).map(lambda name: SecretRef(scheme=scheme, name=name))
    path, hash_mark, key = rest.partition("#")
    if not hash_mark or not key or "#" in key:
        return _bad(text, "secret://vault/PATH#KEY")
    return _path(text, path).map(lambda name: SecretRef(scheme=scheme, name=name, key=key))


def validate_ref(ref: SecretRef, /) -> Result[SecretRef, ValidationError]:
    """``ref`` itself when :func:`parse_ref` could have made it, else why not.

    Backends call it to guard against references built by hand (``SecretRef(...)`` checks
    nothing): a vault path of ``../sys`` must never reach a URL.

    >>> validate_ref(SecretRef(scheme=SecretScheme.ENV, name="OK")).unwrap().name
    'OK'
    >>> validate_ref(SecretRef(scheme=SecretScheme.VAULT, name="../sys", key="k")).failure().constraint
    "no empty, '.' or '..' segments"
    """
    parsed = parse_ref(str(ref))
    if isinstance(parsed, Success) and parsed.unwrap() != ref:
        return _bad(str(ref), f"a {ref.scheme.value} reference as parse_ref makes it")
    return parsed


def _path(text: str, path: str) -> Result[str, ValidationError]:
    if not path:
        return _bad(text, "a non-empty path")
    if path.startswith("/"):
        return _bad(text, "a relative path")
    if "\\" in path or "#" in path:
        return _bad(text, "no '\\' or '#' in the path")
    if any(segment in {"", ".", ".."} for segment in path.split("/")):
        return _bad(text, "no empty, '.' or '..' segments")
    return Success(path)


def _bad[T](text: str, constraint: str) -> Result[T, ValidationError]:
    msg = f"not a valid secret reference {text[:200]!r}: expected {constraint}"
    return Failure(ValidationError(msg, field="secret_ref", value=text, constraint=constraint))
