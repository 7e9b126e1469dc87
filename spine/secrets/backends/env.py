"""``EnvSecrets``: ``secret://env/NAME`` from the process environment (or any mapping)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import final

from returns.result import Failure, Result, Success

from spine.core.errors import NotFoundError, SpineError, ValidationError
from spine.secrets.reference import SecretRef, SecretScheme, validate_ref
from spine.secrets.secret import Secret

__all__ = ["EnvSecrets"]


@final
class EnvSecrets:
    """Reads environment variables; ``environ`` defaults to the live ``os.environ``.

    Pass a plain dict to serve fixed secrets (tests, or a composition root that read them
    elsewhere). A variable that is set to the empty string is a secret with an empty value.

    >>> env = EnvSecrets({"API_TOKEN": "t0k3n"})
    >>> from spine.secrets.reference import parse_ref
    >>> env.read(parse_ref("secret://env/API_TOKEN").unwrap())
    <Success: ***>
    >>> env.read(parse_ref("secret://env/MISSING").unwrap()).failure().key
    'secret://env/MISSING'
    """

    __slots__ = ("_environ",)

    def __init__(self, environ: Mapping[str, str] | None = None, /) -> None:
        self._environ: Mapping[str, str] = os.environ if environ is None else environ

    @property
    def scheme(self) -> SecretScheme:
        """``env``."""
        return SecretScheme.ENV

    def read(self, ref: SecretRef, /) -> Result[Secret, SpineError]:
        """The variable ``ref.name``; a ``NotFoundError`` when it is not set."""
        if ref.scheme is not SecretScheme.ENV:
            msg = f"{ref} is not an environment reference"
            return Failure(
                ValidationError(msg, field="secret_ref", value=str(ref), constraint="secret://env/NAME")
            )
        checked = validate_ref(ref)
        if isinstance(checked, Failure):
            return Failure(checked.failure())
        value = self._environ.get(ref.name)
        if value is None:
            msg = f"secret {ref} not found: the environment variable {ref.name!r} is not set"
            return Failure(NotFoundError(msg, resource="secret", key=str(ref)))
        return Success(Secret(value))
