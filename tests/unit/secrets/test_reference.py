"""Parsing ``secret://`` references: one syntax, canonical round trips, errors that name the ref."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from spine.core.errors import ValidationError
from spine.secrets.reference import SecretRef, SecretScheme, is_ref, parse_ref, validate_ref

env_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,30}", fullmatch=True)
segments = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\#"), min_size=1, max_size=12
).filter(lambda s: s not in {".", ".."})
paths = st.lists(segments, min_size=1, max_size=4).map("/".join)
keys = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="#"), min_size=1)

refs = st.one_of(
    st.builds(SecretRef, scheme=st.just(SecretScheme.ENV), name=env_names),
    st.builds(SecretRef, scheme=st.just(SecretScheme.FILE), name=paths),
    st.builds(SecretRef, scheme=st.just(SecretScheme.VAULT), name=paths, key=keys),
)


@given(refs)
def test_every_well_formed_reference_round_trips(ref: SecretRef) -> None:
    text = str(ref)
    assert is_ref(text)
    assert parse_ref(text) == Success(ref)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("secret://env/DB_PASSWORD", SecretRef(scheme=SecretScheme.ENV, name="DB_PASSWORD")),
        ("secret://file/db/password", SecretRef(scheme=SecretScheme.FILE, name="db/password")),
        ("secret://file/.hidden", SecretRef(scheme=SecretScheme.FILE, name=".hidden")),
        (
            "secret://vault/app/db#password",
            SecretRef(scheme=SecretScheme.VAULT, name="app/db", key="password"),
        ),
        ("secret://vault/a#b c", SecretRef(scheme=SecretScheme.VAULT, name="a", key="b c")),
    ],
)
def test_parses_each_scheme(text: str, expected: SecretRef) -> None:
    assert parse_ref(text) == Success(expected)


@pytest.mark.parametrize(
    ("text", "constraint"),
    [
        ("env/X", "starts with secret://"),
        ("secret:env:X", "starts with secret://"),
        ("secret://aws/X", "scheme is one of env, file, vault"),
        ("secret://ENV/X", "scheme is one of env, file, vault"),
        ("secret://env/", "secret://env/NAME with NAME an environment variable name"),
        ("secret://env/1X", "secret://env/NAME with NAME an environment variable name"),
        ("secret://env/A-B", "secret://env/NAME with NAME an environment variable name"),
        ("secret://env/A#k", "secret://env/NAME with NAME an environment variable name"),
        ("secret://file/", "a non-empty path"),
        ("secret://file//etc/passwd", "a relative path"),
        ("secret://file/../etc/passwd", "no empty, '.' or '..' segments"),
        ("secret://file/a/../../b", "no empty, '.' or '..' segments"),
        ("secret://file/a//b", "no empty, '.' or '..' segments"),
        ("secret://file/./a", "no empty, '.' or '..' segments"),
        ("secret://file/a/", "no empty, '.' or '..' segments"),
        ("secret://file/a\\..\\b", "no '\\' or '#' in the path"),
        ("secret://file/a#k", "no '\\' or '#' in the path"),
        ("secret://file/a\x00b", "no control characters"),
        ("secret://file/a\nb", "no control characters"),
        ("secret://vault/app/db", "secret://vault/PATH#KEY"),
        ("secret://vault/app/db#", "secret://vault/PATH#KEY"),
        ("secret://vault/app/db#a#b", "secret://vault/PATH#KEY"),
        ("secret://vault/#k", "a non-empty path"),
        ("secret://vault/../sys#k", "no empty, '.' or '..' segments"),
        ("secret://env/" + "A" * 2000, "at most 1024 characters"),
    ],
)
def test_malformed_references_are_validation_errors_naming_the_ref(text: str, constraint: str) -> None:
    result = parse_ref(text)
    assert isinstance(result, Failure)
    error = result.failure()
    assert isinstance(error, ValidationError)
    assert error.constraint == constraint
    assert error.field == "secret_ref"
    assert repr(text[:200]) in error.message


@given(st.text(max_size=60))
def test_parse_never_raises_and_accepts_only_the_prefix(text: str) -> None:
    result = parse_ref(text)
    if isinstance(result, Success):
        assert text.startswith("secret://")
        assert str(result.unwrap()) == text


def test_is_ref_is_only_a_prefix_check() -> None:
    assert is_ref("secret://anything")
    assert not is_ref("SECRET://env/X")
    assert not is_ref(b"secret://env/X")
    assert not is_ref(None)


@given(refs)
def test_validate_ref_accepts_what_parse_ref_makes(ref: SecretRef) -> None:
    assert validate_ref(ref) == Success(ref)


@pytest.mark.parametrize(
    "ref",
    [
        SecretRef(scheme=SecretScheme.VAULT, name="../sys/raw", key="k"),
        SecretRef(scheme=SecretScheme.VAULT, name="app", key=None),
        SecretRef(scheme=SecretScheme.ENV, name="A=B"),
        SecretRef(scheme=SecretScheme.ENV, name="A", key="k"),
        SecretRef(scheme=SecretScheme.FILE, name="/etc/passwd"),
    ],
)
def test_validate_ref_refuses_hand_built_references_parse_ref_would_not_make(ref: SecretRef) -> None:
    assert isinstance(validate_ref(ref).failure(), ValidationError)
