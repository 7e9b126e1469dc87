"""``SecretsBackend``: the port every secrets interpreter implements (env, file, vault, yours)."""

from __future__ import annotations

from typing import Protocol

from returns.result import Result

from spine.core.errors import SpineError
from spine.secrets.reference import SecretRef, SecretScheme
from spine.secrets.secret import Secret

__all__ = ["SecretsBackend"]


class SecretsBackend(Protocol):
    """Reads the secret a reference of its scheme names.

    An interpreter returns ``Err`` for every expected failure and never raises: a missing
    secret is a ``NotFoundError``, a refused one an ``AuthError`` or ``ValidationError``, a
    backend that is down a retryable ``TransientError``. No error message may contain a
    secret value (the reference is fine: it is only a name).
    """

    @property
    def scheme(self) -> SecretScheme:
        """The scheme of the references this backend reads."""
        ...

    def read(self, ref: SecretRef, /) -> Result[Secret, SpineError]:
        """The secret ``ref`` names."""
        ...
