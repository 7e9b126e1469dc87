"""``EnvSecrets``: environment variables (the live ``os.environ`` by default, or any mapping)."""

from __future__ import annotations

import pytest

from spine.core.errors import NotFoundError, ValidationError
from spine.secrets import EnvSecrets, SecretRef, SecretScheme, parse_ref


def test_reads_the_live_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    env = EnvSecrets()
    ref = parse_ref("secret://env/SPINE_TEST_SECRET_ENV").unwrap()
    monkeypatch.delenv("SPINE_TEST_SECRET_ENV", raising=False)
    assert isinstance(env.read(ref).failure(), NotFoundError)
    monkeypatch.setenv("SPINE_TEST_SECRET_ENV", "from-the-environment")
    assert env.read(ref).unwrap().reveal() == "from-the-environment"


def test_reads_a_given_mapping() -> None:
    env = EnvSecrets({"A": "1"})
    assert env.scheme is SecretScheme.ENV
    assert env.read(SecretRef(scheme=SecretScheme.ENV, name="A")).unwrap().reveal() == "1"
    missing = env.read(SecretRef(scheme=SecretScheme.ENV, name="B")).failure()
    assert isinstance(missing, NotFoundError)
    assert (missing.resource, missing.key) == ("secret", "secret://env/B")
    assert missing.message == "secret secret://env/B not found: the environment variable 'B' is not set"


def test_refuses_references_of_another_scheme() -> None:
    wrong = EnvSecrets({"a": "1"}).read(SecretRef(scheme=SecretScheme.VAULT, name="a", key="k"))
    assert isinstance(wrong.failure(), ValidationError)


def test_refuses_hand_built_references_with_a_key() -> None:
    wrong = EnvSecrets({"A": "1"}).read(SecretRef(scheme=SecretScheme.ENV, name="A", key="k"))
    assert isinstance(wrong.failure(), ValidationError)
