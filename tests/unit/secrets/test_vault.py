"""The Vault interpreter's pure parts: reading a KV v2 response, and hvac's failures as typed errors.

The interpreter against a (fake) Vault over HTTP is in tests/integration/secrets/test_vault.py.
"""

from __future__ import annotations

import subprocess
import sys

import hvac.exceptions  # type: ignore[import-untyped]  # hvac ships no types
import pytest
import requests.exceptions

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
from spine.secrets import Secret, SecretRef, SecretScheme, VaultSecrets
from spine.secrets.backends import vault

REF = SecretRef(scheme=SecretScheme.VAULT, name="app/db", key="password")


def _response(fields: object) -> dict[str, object]:
    return {"data": {"data": fields, "metadata": {"version": 1}}}


def test_picks_the_key_from_a_kv_v2_response() -> None:
    assert vault._pick(REF, "secret", _response({"password": "pw", "user": "u"})).unwrap() == Secret("pw")


@pytest.mark.parametrize(
    ("response", "kind", "says"),
    [
        (_response({"user": "u", "host": "h"}), NotFoundError, "has no key 'password' (keys: host, user)"),
        (_response({}), NotFoundError, "(keys: none)"),
        (_response({"password": 1234}), ValidationError, "is not text (Vault holds a int there)"),
        (_response(None), InternalError, "is 'secret' a KV v2 mount?"),
        ({"data": {"password": "v1-style"}}, InternalError, "no data.data object"),
        ("not json", InternalError, "no data.data object"),
    ],
)
def test_unexpected_responses_are_errors_without_values(
    response: object, kind: type[SpineError], says: str
) -> None:
    error = vault._pick(REF, "secret", response).failure()  # failure() raises on a Success
    assert type(error) is kind
    assert says in error.message
    assert "v1-style" not in error.message


@pytest.mark.parametrize(
    ("exc", "kind", "retryable"),
    [
        (hvac.exceptions.InvalidPath(errors=[]), NotFoundError, False),
        (hvac.exceptions.Forbidden(errors=["permission denied"]), AuthError, False),
        (hvac.exceptions.Unauthorized("no"), AuthError, False),
        (hvac.exceptions.RateLimitExceeded(errors=["slow down"]), RateLimitedError, True),
        (hvac.exceptions.VaultDown(errors=["Vault is sealed"]), SourceUnavailableError, True),
        (hvac.exceptions.InternalServerError(errors=["oops"]), SourceUnavailableError, True),
        (hvac.exceptions.BadGateway(), SourceUnavailableError, True),
        (hvac.exceptions.InvalidRequest(errors=["bad"]), InternalError, False),
        (requests.exceptions.ConnectTimeout("connect timed out"), OperationTimeoutError, True),
        (requests.exceptions.ReadTimeout("read timed out"), OperationTimeoutError, True),
        (requests.exceptions.ConnectionError("refused"), NetworkError, True),
        (requests.exceptions.SSLError("certificate verify failed"), ConfigError, False),
        (ValueError("odd"), InternalError, False),
    ],
)
def test_client_failures_become_typed_errors(exc: Exception, kind: type[SpineError], retryable: bool) -> None:
    error = vault._vault_error(REF, "secret", exc)
    assert type(error) is kind
    assert error.retryable is retryable
    assert "secret://vault/app/db#password" in error.message


def test_vault_messages_are_carried_over() -> None:
    error = vault._vault_error(REF, "kv", hvac.exceptions.Forbidden(errors=["permission denied"]))
    assert (
        error.message
        == "Vault refused reading secret://vault/app/db#password (mount 'kv'): permission denied"
    )


def test_connect_without_hvac_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hvac", None)  # what a missing package looks like to import
    with pytest.raises(ConfigError, match=r"install the 'vault' extra"):
        VaultSecrets.connect("http://127.0.0.1:1", Secret("t"))


def test_importing_spine_secrets_does_not_import_hvac() -> None:
    probe = (
        "import sys; sys.modules['hvac'] = None; "
        "import spine.secrets as s; "
        "print(s.VaultSecrets.__name__, 'requests' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["VaultSecrets", "False"]


def test_refuses_references_of_another_scheme() -> None:
    backend = VaultSecrets(_NeverCalled())
    assert backend.mount_point == "secret"
    wrong = backend.read(SecretRef(scheme=SecretScheme.ENV, name="X"))
    assert isinstance(wrong.failure(), ValidationError)


class _NeverCalled:
    def read_secret_version(self, *, path: str, mount_point: str, raise_on_deleted_version: bool) -> object:
        raise AssertionError((path, mount_point, raise_on_deleted_version))


def test_hand_built_references_that_would_leave_the_mount_never_reach_the_client() -> None:
    backend = VaultSecrets(_NeverCalled())
    for ref in (
        SecretRef(scheme=SecretScheme.VAULT, name="../sys/raw", key="k"),
        SecretRef(scheme=SecretScheme.VAULT, name="app/db", key=None),
    ):
        assert isinstance(backend.read(ref).failure(), ValidationError)
