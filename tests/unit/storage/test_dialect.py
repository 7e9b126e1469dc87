"""The dialect registry: names, versions, paramstyles, features and their errors."""

from __future__ import annotations

import pytest

from spine.core.errors import ValidationError
from spine.storage.compiled import Paramstyle
from spine.storage.sql import DIALECT_NAMES, Dialect, features, get_dialect


@pytest.mark.parametrize(
    ("name", "version", "paramstyle"),
    [
        ("sqlite", "3", Paramstyle.QMARK),
        ("postgres", "15", Paramstyle.FORMAT),
        ("mysql", "mariadb-10.11", Paramstyle.FORMAT),
        ("oracle", "19", Paramstyle.NUMERIC),
        ("db2", "11.5", Paramstyle.QMARK),
    ],
)
def test_defaults(name: str, version: str, paramstyle: Paramstyle) -> None:
    assert get_dialect(name) == Dialect(name=name, version=version, paramstyle=paramstyle)


def test_every_name_has_a_default() -> None:
    assert DIALECT_NAMES == ("sqlite", "postgres", "mysql", "oracle", "db2")
    assert all(get_dialect(name).name == name for name in DIALECT_NAMES)


def test_versions_and_paramstyles_can_be_chosen() -> None:
    assert get_dialect("oracle", "23", "named") == Dialect(
        name="oracle", version="23", paramstyle=Paramstyle.NAMED
    )
    assert get_dialect("sqlite", paramstyle=Paramstyle.NAMED).paramstyle is Paramstyle.NAMED
    assert str(get_dialect("mysql", "8.0")) == "mysql/8.0"


def test_same_arguments_give_the_same_object() -> None:
    assert get_dialect("db2", "11.1") is get_dialect("db2", "11.1")


@pytest.mark.parametrize(
    ("args", "field", "fragment"),
    [
        (
            ("mssql",),
            "dialect",
            "unknown dialect 'mssql'; choose one of sqlite, postgres, mysql, oracle, db2",
        ),
        (("oracle", "12c"), "version", "unknown oracle version '12c'; choose one of 19, 23"),
        (("postgres", None, "qmark"), "paramstyle", "does not take paramstyle 'qmark'; choose one of format"),
        (("mysql", None, "pyformat"), "paramstyle", "does not take paramstyle 'pyformat'"),
    ],
)
def test_unknown_choices_are_clear_errors(args: tuple[str, ...], field: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        get_dialect(*args)
    assert info.value.field == field
    assert fragment in str(info.value)


def test_direct_construction_is_checked_too() -> None:
    with pytest.raises(ValidationError):
        Dialect(name="db2", version="9.7", paramstyle=Paramstyle.QMARK)


def test_features_differ_where_versions_differ() -> None:
    assert not features(get_dialect("oracle", "19")).boolean_type
    assert features(get_dialect("oracle", "23")).table_if_exists
    assert features(get_dialect("mysql")).returning == {"insert", "delete"}
    assert features(get_dialect("mysql", "8.0")).returning == frozenset()
    assert features(get_dialect("mysql", "8.0")).upsert == "duplicate_key_alias"
    assert not features(get_dialect("db2", "11.1")).boolean_type
    assert features(get_dialect("db2", "11.5")).boolean_type
