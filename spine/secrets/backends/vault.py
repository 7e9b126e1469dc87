"""``VaultSecrets``: ``secret://vault/PATH#KEY`` from HashiCorp Vault's KV v2 engine, via hvac.

hvac is the optional ``vault`` extra (``pip install 'spine-core[vault]'``) and is imported
only when a client is built or an hvac error is read, so ``import spine.secrets`` works
without it. The backend talks to Vault through the one hvac call it needs,
``client.secrets.kv.v2.read_secret_version`` (the :class:`KvV2Reader` port), asking it to
treat a deleted version as missing.

Failures are values: a path or key that does not exist is a ``NotFoundError``; a refused
token an ``AuthError``; a sealed, down or overloaded Vault, a refused connection or a
timeout a retryable ``TransientError``; a TLS failure a ``ConfigError``. Error messages
name the reference and what Vault said, never a secret value or the token.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Protocol, Self, cast, final

from returns.result import Failure, Result, Success

from spine.core.errors import (
    AuthError,
    ConfigError,
    InternalError,
    NetworkError,
    NotFoundError,
    OperationTimeoutError,
    RateLimitedError,
    SourceUnavailableError,
    SpineError,
    ValidationError,
)
from spine.secrets.reference import SecretRef, SecretScheme, validate_ref
from spine.secrets.secret import Secret

__all__ = ["KvV2Reader", "VaultSecrets"]

_UNAVAILABLE = frozenset({"InternalServerError", "VaultDown", "BadGateway", "VaultNotInitialized"})


class KvV2Reader(Protocol):
    """The part of hvac's ``client.secrets.kv.v2`` this backend uses."""

    def read_secret_version(self, *, path: str, mount_point: str, raise_on_deleted_version: bool) -> object:
        """Vault's JSON response for the latest version of the secret at ``path``."""
        ...


class _HvacAdapter(Protocol):
    def close(self) -> None: ...


class _HvacKv(Protocol):
    @property
    def v2(self) -> KvV2Reader: ...


class _HvacEngines(Protocol):
    @property
    def kv(self) -> _HvacKv: ...


class _HvacClient(Protocol):
    """The slice of ``hvac.Client`` that :meth:`VaultSecrets.connect` touches (hvac is untyped)."""

    @property
    def secrets(self) -> _HvacEngines: ...
    @property
    def adapter(self) -> _HvacAdapter: ...


@final
class VaultSecrets:
    """Reads KV v2 secrets from Vault under one mount point.

    Build it from an hvac client you configured (``VaultSecrets(client.secrets.kv.v2)``)
    or let :meth:`connect` build one; close it (or use ``with``) when it owns the client.

    Args:
        kv: hvac's KV v2 API of a client (or anything with its ``read_secret_version``).
        mount_point: Where the KV v2 engine is mounted (Vault's default is ``secret``).
        close: Called by :meth:`close`, to release a client this backend owns.
    """

    __slots__ = ("_close", "_kv", "_mount")

    def __init__(
        self, kv: KvV2Reader, /, *, mount_point: str = "secret", close: Callable[[], None] | None = None
    ) -> None:
        self._kv, self._mount, self._close = kv, mount_point.strip("/"), close

    @classmethod
    def connect(
        cls,
        url: str,
        token: Secret,
        /,
        *,
        mount_point: str = "secret",
        namespace: str | None = None,
        timeout_s: float = 10.0,
        verify: bool | str | None = None,
    ) -> VaultSecrets:
        """A backend with its own hvac client for Vault at ``url``, authenticated by ``token``.

        ``verify`` is hvac's: ``None`` honours ``VAULT_CACERT``/``VAULT_CAPATH``, a path
        names a CA bundle, ``False`` turns TLS verification off. Nothing is sent until the
        first read.

        Raises:
            ConfigError: hvac is not installed (the ``vault`` extra).
        """
        try:
            import hvac  # type: ignore[import-untyped]  # noqa: PLC0415 - optional extra, loaded on use
        except ImportError as exc:
            msg = "VaultSecrets needs hvac: install the 'vault' extra (pip install 'spine-core[vault]')"
            raise ConfigError(msg, key="vault") from exc
        build = cast("Callable[..., _HvacClient]", hvac.Client)
        client = build(url=url, token=token.reveal(), namespace=namespace, timeout=timeout_s, verify=verify)
        return cls(client.secrets.kv.v2, mount_point=mount_point, close=client.adapter.close)

    @property
    def scheme(self) -> SecretScheme:
        """``vault``."""
        return SecretScheme.VAULT

    @property
    def mount_point(self) -> str:
        """The KV v2 mount this backend reads under."""
        return self._mount

    def read(self, ref: SecretRef, /) -> Result[Secret, SpineError]:
        """Field ``ref.key`` of the latest version of the secret at ``ref.name``."""
        if ref.scheme is not SecretScheme.VAULT:
            msg = f"{ref} is not a vault reference"
            return Failure(
                ValidationError(msg, field="secret_ref", value=str(ref), constraint="secret://vault/PATH#KEY")
            )
        checked = validate_ref(ref)  # a hand-built ``../sys`` path must never reach the URL
        if isinstance(checked, Failure):
            return Failure(checked.failure())
        try:
            response = self._kv.read_secret_version(
                path=ref.name, mount_point=self._mount, raise_on_deleted_version=True
            )
        except Exception as exc:  # noqa: BLE001 - the interpreter turns client errors into values
            return Failure(_vault_error(ref, self._mount, exc))
        return _pick(ref, self._mount, response)

    def close(self) -> None:
        """Release the client, when this backend built it (idempotent)."""
        close, self._close = self._close, None
        if close is not None:
            close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _pick(ref: SecretRef, mount: str, response: object) -> Result[Secret, SpineError]:
    """The field ``ref.key`` of a KV v2 read response (``{"data": {"data": {...}}}``)."""
    outer = cast("Mapping[str, object]", response).get("data") if isinstance(response, Mapping) else None
    fields = cast("Mapping[str, object]", outer).get("data") if isinstance(outer, Mapping) else None
    if not isinstance(fields, Mapping):
        msg = f"unexpected Vault response for {ref}: no data.data object (is {mount!r} a KV v2 mount?)"
        return Failure(InternalError(msg))
    values = cast("Mapping[object, object]", fields)
    if ref.key not in values:
        keys = ", ".join(sorted(str(k) for k in values)) or "none"
        msg = f"secret {ref} not found: {ref.name!r} has no key {ref.key!r} (keys: {keys})"
        return Failure(NotFoundError(msg, resource="secret", key=str(ref)))
    value = values[ref.key]
    if not isinstance(value, str):
        msg = f"secret {ref} is not text (Vault holds a {type(value).__name__} there)"
        return Failure(ValidationError(msg, field="secret_ref", value=str(ref), constraint="a string value"))
    return Success(Secret(value))


def _vault_error(ref: SecretRef, mount: str, exc: Exception) -> SpineError:  # noqa: PLR0911 - one per kind
    """The ``SpineError`` for an exception hvac (or requests under it) raised."""
    where = f"reading {ref} (mount {mount!r})"
    kind = type(exc).__name__
    module = type(exc).__module__
    # Matched by name, not isinstance: a custom KvV2Reader need not come with hvac installed.
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "VaultError" in names:
        said = ", ".join(str(e) for e in getattr(exc, "errors", None) or ()) or "no detail"
        if "InvalidPath" in names:
            detail = f" ({said})" if said != "no detail" else ""
            msg = f"secret {ref} not found: Vault has no secret {ref.name!r} under {mount!r}{detail}"
            return NotFoundError(msg, resource="secret", key=str(ref))
        if names & {"Forbidden", "Unauthorized"}:
            return AuthError(f"Vault refused {where}: {said}")
        if "RateLimitExceeded" in names:
            return RateLimitedError(f"Vault rate-limited {where}: {said}")
        if names & _UNAVAILABLE:
            return SourceUnavailableError(f"Vault is unavailable {where} ({kind}): {said}", source="vault")
        return InternalError(f"Vault failed {where} ({kind}): {said}", exception_type=f"{module}.{kind}")
    if "RequestException" in names:
        if "SSLError" in names:
            return ConfigError(f"TLS failed {where}: {exc}", key="vault")
        if "Timeout" in names:
            return OperationTimeoutError(f"Vault timed out {where}: {exc}")
        return NetworkError(f"cannot reach Vault {where}: {exc}")
    return InternalError(f"{kind} {where}: {exc}", exception_type=f"{module}.{kind}")
