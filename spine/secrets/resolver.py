"""``SecretsResolver``: references in, ``Secret`` values out, through the configured backends.

The resolver is pure: it parses references and picks the backend whose scheme they name;
the backends (``EnvSecrets``, ``FileSecrets``, ``VaultSecrets``, or any other
``SecretsBackend``) do the reading. ``resolve_config`` checks every reference in a config
before it reads any, reads each distinct reference once, and names the config path of
whatever failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError, SpineError, from_record, to_record
from spine.secrets.backend import SecretsBackend
from spine.secrets.config import refs_in, substitute
from spine.secrets.reference import SecretRef, SecretScheme, parse_ref
from spine.secrets.secret import Secret

__all__ = ["SecretsResolver"]


@final
class SecretsResolver:
    """Resolves ``secret://`` references with one backend per scheme, in the order given.

    >>> from spine.secrets.backends.env import EnvSecrets
    >>> resolver = SecretsResolver([EnvSecrets({"DB_PW": "hunter2"})])
    >>> resolver.resolve("secret://env/DB_PW").unwrap().reveal()
    'hunter2'
    >>> resolver.resolve_config({"db": {"password": "secret://env/DB_PW", "port": 5432}})
    <Success: {'db': {'password': Secret('***'), 'port': 5432}}>
    >>> resolver.resolve("secret://vault/app#pw").failure().key
    'vault'
    """

    __slots__ = ("_backends",)

    def __init__(self, backends: Iterable[SecretsBackend], /) -> None:
        by_scheme: dict[SecretScheme, SecretsBackend] = {}
        for backend in backends:
            if backend.scheme in by_scheme:
                msg = f"two secrets backends for the {backend.scheme.value!r} scheme"
                raise ConfigError(msg, key=backend.scheme.value)
            by_scheme[backend.scheme] = backend
        self._backends: Mapping[SecretScheme, SecretsBackend] = by_scheme

    @property
    def schemes(self) -> tuple[SecretScheme, ...]:
        """The schemes this resolver has a backend for, in the order they were given."""
        return tuple(self._backends)

    def read(self, ref: SecretRef, /) -> Result[Secret, SpineError]:
        """The secret ``ref`` names, from the backend of its scheme."""
        backend = self._backends.get(ref.scheme)
        if backend is None:
            configured = ", ".join(scheme.value for scheme in self._backends) or "none"
            msg = f"no secrets backend for {ref} (configured: {configured})"
            return Failure(ConfigError(msg, key=ref.scheme.value))
        return backend.read(ref)

    def resolve(self, text: str, /) -> Result[Secret, SpineError]:
        """The secret the reference ``text`` names; a malformed reference is a ``ValidationError``."""
        parsed = parse_ref(text)
        if isinstance(parsed, Success):
            return self.read(parsed.unwrap())
        return Failure(parsed.failure())

    def resolve_config(self, config: Mapping[str, object], /) -> Result[dict[str, object], SpineError]:
        """A copy of ``config`` with every reference replaced by its ``Secret``.

        Strings that are not references, and every other value, are left as they are.
        Every reference is parsed before any is read, so a typo fails before a network call;
        each distinct reference is read once. An error keeps its class (a retryable one stays
        retryable) and gets the config path in its message and in ``context["config_key"]``.
        """
        found = refs_in(config)
        if isinstance(found, Failure):
            return Failure(found.failure())
        secrets: dict[str, Secret] = {}
        for path, ref in found.unwrap():
            text = str(ref)
            if text in secrets:
                continue
            read = self.read(ref)
            if isinstance(read, Failure):
                return Failure(_at(path, read.failure()))
            secrets[text] = read.unwrap()
        return Success(substitute(config, secrets))


def _at(path: str, error: SpineError) -> SpineError:
    """``error`` with ``path`` in front of its message and in its context; same class."""
    record = to_record(error)
    return from_record(
        msgspec.structs.replace(
            record, message=f"{path}: {record.message}", context={**record.context, "config_key": path}
        )
    )
