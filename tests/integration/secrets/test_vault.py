"""``VaultSecrets`` with the real hvac client, against the local fake Vault (tests/fakes/vault_server.py).

No Vault server runs on these machines; the fake speaks the KV v2 read hvac performs, so
what is tested here is spine's use of hvac and its reading of hvac's answers and failures.
"""

from __future__ import annotations

from collections.abc import Iterator

import hvac  # type: ignore[import-untyped]  # hvac ships no types
import pytest
from returns.result import Success

from spine.core.errors import (
    AuthError,
    NetworkError,
    NotFoundError,
    OperationTimeoutError,
    SourceUnavailableError,
    ValidationError,
)
from spine.secrets import EnvSecrets, Secret, SecretsResolver, VaultSecrets, parse_ref
from tests.fakes.vault_server import FakeVault

TOKEN = "s.fake-root-token-4f1c"


@pytest.fixture
def fake() -> Iterator[FakeVault]:
    with FakeVault(token=TOKEN, mounts=("secret", "kv")) as server:
        server.put("app/db", {"password": "db-pw-1", "user": "svc", "port": 5432})
        yield server


@pytest.fixture
def backend(fake: FakeVault) -> Iterator[VaultSecrets]:
    with VaultSecrets.connect(fake.url, Secret(TOKEN), timeout_s=2.0) as connected:
        yield connected


def _read(backend: VaultSecrets, text: str) -> object:
    result = backend.read(parse_ref(text).unwrap())
    return result.unwrap() if isinstance(result, Success) else result.failure()


def test_reads_a_key_of_the_latest_version(fake: FakeVault, backend: VaultSecrets) -> None:
    assert _read(backend, "secret://vault/app/db#password") == Secret("db-pw-1")
    fake.put("app/db", {"password": "db-pw-2"})
    assert _read(backend, "secret://vault/app/db#password") == Secret("db-pw-2")
    (first, _) = fake.requests
    assert first.path == "/v1/secret/data/app/db"
    assert first.headers["X-Vault-Token"] == TOKEN
    assert first.headers["X-Vault-Request"] == "true"


def test_reads_under_the_configured_mount(fake: FakeVault) -> None:
    fake.put("team/api", {"token": "api-token"}, mount="kv")
    with VaultSecrets.connect(fake.url, Secret(TOKEN), mount_point="kv") as backend:
        assert _read(backend, "secret://vault/team/api#token") == Secret("api-token")
    assert fake.requests[-1].path == "/v1/kv/data/team/api"


def test_an_injected_hvac_client_works(fake: FakeVault) -> None:
    client = hvac.Client(url=fake.url, token=TOKEN)
    try:
        backend = VaultSecrets(client.secrets.kv.v2)
        assert _read(backend, "secret://vault/app/db#user") == Secret("svc")
        backend.close()  # not ours: the caller's client stays usable
        assert (
            client.secrets.kv.v2.read_secret_version(
                path="app/db", mount_point="secret", raise_on_deleted_version=True
            )["data"]["data"]["user"]
            == "svc"
        )
    finally:
        client.adapter.close()


@pytest.mark.parametrize(
    ("ref", "kind", "says"),
    [
        ("secret://vault/app/nope#password", NotFoundError, "Vault has no secret 'app/nope' under 'secret'"),
        ("secret://vault/app/db#nope", NotFoundError, "has no key 'nope' (keys: password, port, user)"),
        ("secret://vault/app/db#port", ValidationError, "is not text"),
    ],
)
def test_missing_and_unusable_secrets(backend: VaultSecrets, ref: str, kind: type, says: str) -> None:
    error = _read(backend, ref)
    assert type(error) is kind
    assert says in str(error)


def test_a_deleted_latest_version_is_not_found(fake: FakeVault, backend: VaultSecrets) -> None:
    fake.delete_latest("app/db")
    assert isinstance(_read(backend, "secret://vault/app/db#password"), NotFoundError)


def test_an_unknown_mount_is_not_found_with_vaults_reason(fake: FakeVault) -> None:
    with VaultSecrets.connect(fake.url, Secret(TOKEN), mount_point="nomount") as backend:
        error = _read(backend, "secret://vault/app/db#password")
    assert isinstance(error, NotFoundError)
    assert "no handler for route" in error.message


def test_a_wrong_token_is_an_auth_error_that_does_not_show_either_token(fake: FakeVault) -> None:
    with VaultSecrets.connect(fake.url, Secret("s.wrong-token-9d2e")) as backend:
        error = _read(backend, "secret://vault/app/db#password")
    assert isinstance(error, AuthError)
    assert not error.retryable
    assert "permission denied" in error.message
    assert TOKEN not in repr(error)
    assert "s.wrong-token-9d2e" not in repr(error)


def test_a_sealed_vault_is_retryable(fake: FakeVault, backend: VaultSecrets) -> None:
    fake.sealed = True
    error = _read(backend, "secret://vault/app/db#password")
    assert isinstance(error, SourceUnavailableError)
    assert error.retryable
    assert error.source == "vault"
    fake.sealed = False
    assert _read(backend, "secret://vault/app/db#password") == Secret("db-pw-1")


def test_a_slow_vault_times_out(fake: FakeVault) -> None:
    fake.delay_s = 0.5
    with VaultSecrets.connect(fake.url, Secret(TOKEN), timeout_s=0.05) as backend:
        error = _read(backend, "secret://vault/app/db#password")
    assert isinstance(error, OperationTimeoutError)
    assert error.retryable


def test_a_vault_that_is_gone_is_a_retryable_network_error() -> None:
    server = FakeVault(token=TOKEN)
    url = server.url
    server.stop()  # the port is closed: connection refused
    with VaultSecrets.connect(url, Secret(TOKEN), timeout_s=2.0) as backend:
        error = _read(backend, "secret://vault/app/db#password")
    assert isinstance(error, NetworkError)
    assert error.retryable


def test_resolve_config_across_env_and_vault(fake: FakeVault, backend: VaultSecrets) -> None:
    resolver = SecretsResolver([EnvSecrets({"API_KEY": "k-123"}), backend])
    config = {
        "db": {"user": "secret://vault/app/db#user", "password": "secret://vault/app/db#password"},
        "api": {"key": "secret://env/API_KEY", "url": "https://example.invalid"},
    }
    resolved = resolver.resolve_config(config).unwrap()
    assert resolved == {
        "db": {"user": Secret("svc"), "password": Secret("db-pw-1")},
        "api": {"key": Secret("k-123"), "url": "https://example.invalid"},
    }
    assert "db-pw-1" not in repr(resolved)
    fake.sealed = True
    error = resolver.resolve_config(config).failure()
    assert isinstance(error, SourceUnavailableError)
    assert error.context["config_key"] == "db.user"
