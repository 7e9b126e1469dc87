"""``SecretsResolver``: one backend per scheme, configs checked before any read, errors at their path."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError, NetworkError, NotFoundError, SpineError, ValidationError
from spine.secrets import EnvSecrets, SecretRef, SecretsBackend, SecretScheme, SecretsResolver
from spine.secrets.secret import Secret


class CountingVault:
    """A vault-scheme test interpreter: fixed values, every read counted, optional outage."""

    def __init__(self, values: Mapping[str, str], *, down: bool = False) -> None:
        self.values, self.down = values, down
        self.reads: list[str] = []

    @property
    def scheme(self) -> SecretScheme:
        return SecretScheme.VAULT

    def read(self, ref: SecretRef, /) -> Result[Secret, SpineError]:
        self.reads.append(str(ref))
        if self.down:
            return Failure(NetworkError("vault is down"))
        value = self.values.get(f"{ref.name}#{ref.key}")
        if value is None:
            return Failure(NotFoundError(f"no {ref}", resource="secret", key=str(ref)))
        return Success(Secret(value))


def _resolver(vault: CountingVault | None = None) -> SecretsResolver:
    backends: list[SecretsBackend] = [EnvSecrets({"DB_PW": "env-pw", "EMPTY": ""})]
    if vault is not None:
        backends.append(vault)
    return SecretsResolver(backends)


def test_resolve_picks_the_backend_of_the_scheme() -> None:
    vault = CountingVault({"app/db#pw": "vault-pw"})
    resolver = _resolver(vault)
    assert resolver.schemes == (SecretScheme.ENV, SecretScheme.VAULT)
    assert resolver.resolve("secret://env/DB_PW").unwrap().reveal() == "env-pw"
    assert resolver.resolve("secret://env/EMPTY").unwrap().reveal() == ""
    assert resolver.resolve("secret://vault/app/db#pw").unwrap().reveal() == "vault-pw"
    assert vault.reads == ["secret://vault/app/db#pw"]


def test_a_scheme_without_a_backend_is_a_config_error() -> None:
    error = _resolver().resolve("secret://file/db").failure()
    assert isinstance(error, ConfigError)
    assert error.key == "file"
    assert error.message == "no secrets backend for secret://file/db (configured: env)"


def test_a_malformed_reference_is_a_validation_error() -> None:
    assert isinstance(_resolver().resolve("secret://env/no-dashes").failure(), ValidationError)


def test_two_backends_for_one_scheme_are_refused() -> None:
    with pytest.raises(ConfigError, match="two secrets backends for the 'env' scheme"):
        SecretsResolver([EnvSecrets({}), EnvSecrets({})])


def test_resolve_config_replaces_references_and_reads_each_once() -> None:
    vault = CountingVault({"app/db#pw": "vault-pw", "app/db#user": "svc"})
    config = {
        "db": {"user": "secret://vault/app/db#user", "password": "secret://vault/app/db#pw", "port": 5432},
        "replica": {"password": "secret://vault/app/db#pw"},
        "api": ["secret://env/DB_PW", "https://example.invalid"],
    }
    resolved = _resolver(vault).resolve_config(config).unwrap()
    db = resolved["db"]
    assert isinstance(db, dict)
    assert db["port"] == 5432
    assert db["password"] == Secret("vault-pw")
    assert resolved["replica"] == {"password": Secret("vault-pw")}
    assert resolved["api"] == [Secret("env-pw"), "https://example.invalid"]
    assert vault.reads == ["secret://vault/app/db#user", "secret://vault/app/db#pw"]


def test_every_reference_is_checked_before_anything_is_read() -> None:
    vault = CountingVault({"a#b": "v"})
    result = _resolver(vault).resolve_config({"ok": "secret://vault/a#b", "bad": {"x": "secret://vault/a"}})
    error = result.failure()
    assert isinstance(error, ValidationError)
    assert error.field == "bad.x"
    assert vault.reads == []


def test_a_failed_read_keeps_its_class_and_names_the_config_path() -> None:
    result = _resolver(CountingVault({})).resolve_config({"db": {"password": "secret://vault/app/db#pw"}})
    error = result.failure()
    assert isinstance(error, NotFoundError)
    assert error.message == "db.password: no secret://vault/app/db#pw"
    assert error.context["config_key"] == "db.password"
    assert error.key == "secret://vault/app/db#pw"


def test_a_transient_failure_stays_retryable() -> None:
    result = _resolver(CountingVault({}, down=True)).resolve_config({"x": ["secret://vault/a#b"]})
    error = result.failure()
    assert isinstance(error, NetworkError)
    assert error.retryable
    assert error.context == {"config_key": "x[0]"}


def test_missing_environment_variables_name_the_path_too() -> None:
    error = _resolver().resolve_config({"svc": {"token": "secret://env/NOPE"}}).failure()
    assert isinstance(error, NotFoundError)
    assert error.message.startswith("svc.token: secret secret://env/NOPE not found")
