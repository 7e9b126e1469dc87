"""Walking nested configs: references found with their paths, everything else left alone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure

from spine.core.errors import ValidationError
from spine.secrets.config import refs_in, substitute
from spine.secrets.reference import SecretRef, SecretScheme
from spine.secrets.secret import Secret

# Configs as settings files decode them, with no reference anywhere.
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text().filter(lambda s: not s.startswith("secret://")),
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=5), inner, max_size=4),
    ),
    max_leaves=20,
)
configs = st.dictionaries(st.text(max_size=5), trees, max_size=5)


@given(configs)
def test_a_config_without_references_comes_back_equal(config: dict[str, object]) -> None:
    assert refs_in(config).unwrap() == ()
    assert substitute(config, {}) == config


def test_paths_name_keys_and_indexes() -> None:
    config = {
        "db": {"password": "secret://env/DB_PW", "host": "localhost", "port": 5432},
        "sources": [{"token": "secret://vault/src/a#token"}, "plain", ("x", "secret://file/b")],
        "secret://env/NOT_A_KEY": "a key is never a reference",
    }
    found = [(path, str(ref)) for path, ref in refs_in(config).unwrap()]
    assert found == [
        ("db.password", "secret://env/DB_PW"),
        ("sources[0].token", "secret://vault/src/a#token"),
        ("sources[2][1]", "secret://file/b"),
    ]


def test_a_malformed_reference_is_reported_at_its_path() -> None:
    result = refs_in({"jobs": [{"auth": {"key": "secret://env/ok"}}, {"auth": {"key": "secret://envx/K"}}]})
    assert isinstance(result, Failure)
    error = result.failure()
    assert isinstance(error, ValidationError)
    assert error.field == "jobs[1].auth.key"
    assert error.message.startswith("jobs[1].auth.key: not a valid secret reference 'secret://envx/K'")
    assert error.constraint == "scheme is one of env, file, vault"


def test_substitute_keeps_container_kinds_and_untouched_values() -> None:
    marker = object()
    config: dict[str, object] = {
        "a": ["secret://env/X", ("secret://env/X", 1)],
        "b": {"c": "secret://env/Y"},
        "d": marker,
        "e": {"secret://env/X"},  # sets are not walked
    }
    x, y = Secret("x"), Secret("y")
    out = substitute(config, {"secret://env/X": x, "secret://env/Y": y})
    assert out == {"a": [x, (x, 1)], "b": {"c": y}, "d": marker, "e": {"secret://env/X"}}
    assert out["d"] is marker
    assert config["a"] == ["secret://env/X", ("secret://env/X", 1)]  # the input is not changed


def test_a_reference_with_no_secret_given_stays_text() -> None:
    assert substitute({"a": "secret://env/X"}, {}) == {"a": "secret://env/X"}


def test_refs_carry_the_parsed_reference() -> None:
    ((path, ref),) = refs_in({"k": "secret://vault/a/b#c"}).unwrap()
    assert (path, ref) == ("k", SecretRef(scheme=SecretScheme.VAULT, name="a/b", key="c"))
