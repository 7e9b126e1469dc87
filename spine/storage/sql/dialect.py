"""The dialect registry: which databases spine renders for, at which versions, for which driver.

A :class:`Dialect` is a value: ``(name, version, paramstyle)``. The version only exists where
the SQL differs (Oracle 19 has no ``BOOLEAN`` and no ``IF NOT EXISTS``; MySQL 8.0 has no
``RETURNING`` but MariaDB 10.11 has; Db2 11.1 has no ``BOOLEAN`` column type). What each
target can do is a table of :class:`Features`, looked up, never computed, so adding a version
is adding a row.

==========  =========================  =====================  =========================
name        versions (default first)   paramstyles            driver
==========  =========================  =====================  =========================
sqlite      3                          qmark ``?``, named     sqlite3
postgres    15                         format ``%s``          psycopg 3
mysql       mariadb-10.11, 8.0         format ``%s``          PyMySQL
oracle      19, 23                     numeric ``:1``, named  oracledb
db2         11.5, 11.1                 qmark ``?``            ibm_db
==========  =========================  =====================  =========================

Oracle defaults to ``numeric`` (``:1``, ``:2``, ... one per occurrence, bound from a
sequence): a named bind that happens to be an Oracle reserved word (``:level``, ``:size``,
``:date``, ``:user``, all plausible column names) fails with ORA-01745, and builders name
parameters after columns. ``named`` (``:name``) is supported; the compiler refuses reserved
bind names for it instead of letting Oracle do so at run time.
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec

from spine.core.errors import ValidationError
from spine.storage.compiled import Paramstyle

__all__ = ["DIALECT_NAMES", "Dialect", "Features", "features", "get_dialect"]

type UpsertForm = Literal["on_conflict", "duplicate_key_values", "duplicate_key_alias", "merge"]
type ReturningKind = Literal["insert", "update", "delete"]


class Dialect(msgspec.Struct, frozen=True, kw_only=True):
    """A render target: database family, version and driver paramstyle.

    Build one with :func:`get_dialect`, which fills in the defaults and checks the
    combination.

    >>> get_dialect("oracle")
    Dialect(name='oracle', version='19', paramstyle=<Paramstyle.NUMERIC: 'numeric'>)
    >>> str(get_dialect("mysql", "8.0"))
    'mysql/8.0'
    """

    name: str
    version: str
    paramstyle: Paramstyle

    def __post_init__(self) -> None:
        _check(self.name, self.version, self.paramstyle)

    def __str__(self) -> str:
        return f"{self.name}/{self.version}"


class Features(msgspec.Struct, frozen=True, kw_only=True):
    """What one (name, version) can express natively; everything else is rewritten or refused."""

    boolean_type: bool
    """``BOOLEAN`` columns, ``TRUE``/``FALSE`` literals and bare boolean predicates."""
    table_if_exists: bool
    """``CREATE TABLE IF NOT EXISTS`` and ``DROP TABLE IF EXISTS``."""
    index_if_exists: bool
    """``CREATE INDEX IF NOT EXISTS`` and ``DROP INDEX IF EXISTS``."""
    upsert: UpsertForm
    returning: frozenset[ReturningKind]
    """Statements that take a plain ``RETURNING`` clause (no ``INTO``, no wrapper)."""
    fetch_paging: bool
    """``OFFSET n ROWS FETCH NEXT m ROWS ONLY`` instead of ``LIMIT``/``OFFSET``."""
    dummy_table: str | None
    """What ``SELECT`` without ``FROM`` must read from (``DUAL``, ``SYSIBM.SYSDUMMY1``)."""
    json_type: bool
    """A native ``JSON`` column type."""


_ALL: Final[frozenset[ReturningKind]] = frozenset({"insert", "update", "delete"})
_INSERT_DELETE: Final[frozenset[ReturningKind]] = frozenset({"insert", "delete"})
_NONE: Final[frozenset[ReturningKind]] = frozenset()

_FEATURES: Final[dict[tuple[str, str], Features]] = {
    ("sqlite", "3"): Features(
        boolean_type=False,  # INTEGER affinity, but TRUE/FALSE literals and bare predicates work
        table_if_exists=True,
        index_if_exists=True,
        upsert="on_conflict",
        returning=_ALL,
        fetch_paging=False,
        dummy_table=None,
        json_type=False,
    ),
    ("postgres", "15"): Features(
        boolean_type=True,
        table_if_exists=True,
        index_if_exists=True,
        upsert="on_conflict",
        returning=_ALL,
        fetch_paging=False,
        dummy_table=None,
        json_type=True,
    ),
    ("mysql", "mariadb-10.11"): Features(
        boolean_type=True,  # BOOLEAN is TINYINT(1); TRUE/FALSE are 1/0
        table_if_exists=True,
        index_if_exists=True,
        upsert="duplicate_key_values",  # MariaDB rejects MySQL 8.0.19's row alias
        returning=_INSERT_DELETE,
        fetch_paging=False,
        dummy_table=None,
        json_type=True,
    ),
    ("mysql", "8.0"): Features(
        boolean_type=True,
        table_if_exists=True,
        index_if_exists=False,
        upsert="duplicate_key_alias",  # VALUES() is deprecated from 8.0.20
        returning=_NONE,
        fetch_paging=False,
        dummy_table=None,
        json_type=True,
    ),
    ("oracle", "19"): Features(
        boolean_type=False,
        table_if_exists=False,
        index_if_exists=False,
        upsert="merge",
        returning=_NONE,  # RETURNING ... INTO out binds instead
        fetch_paging=True,
        dummy_table="dual",
        json_type=False,
    ),
    ("oracle", "23"): Features(
        boolean_type=True,
        table_if_exists=True,
        index_if_exists=True,
        upsert="merge",
        returning=_NONE,
        fetch_paging=True,
        dummy_table="dual",
        json_type=True,
    ),
    ("db2", "11.1"): Features(
        boolean_type=False,  # the BOOLEAN column type arrived in 11.1.1.1
        table_if_exists=False,
        index_if_exists=False,
        upsert="merge",
        returning=_NONE,  # SELECT ... FROM FINAL TABLE (INSERT ...) instead
        fetch_paging=True,
        dummy_table="SYSIBM.SYSDUMMY1",
        json_type=False,
    ),
    ("db2", "11.5"): Features(
        boolean_type=True,
        table_if_exists=False,
        index_if_exists=False,
        upsert="merge",
        returning=_NONE,
        fetch_paging=True,
        dummy_table="SYSIBM.SYSDUMMY1",
        json_type=False,
    ),
}

_VERSIONS: Final[dict[str, tuple[str, ...]]] = {
    "sqlite": ("3",),
    "postgres": ("15",),
    "mysql": ("mariadb-10.11", "8.0"),
    "oracle": ("19", "23"),
    "db2": ("11.5", "11.1"),
}
_PARAMSTYLES: Final[dict[str, tuple[Paramstyle, ...]]] = {
    "sqlite": (Paramstyle.QMARK, Paramstyle.NAMED),
    "postgres": (Paramstyle.FORMAT,),
    "mysql": (Paramstyle.FORMAT,),
    "oracle": (Paramstyle.NUMERIC, Paramstyle.NAMED),
    "db2": (Paramstyle.QMARK,),
}

DIALECT_NAMES: Final = tuple(_VERSIONS)
"""Every dialect name spine renders for, in a stable order."""

_INTERNED: dict[tuple[str, str | None, Paramstyle | str | None], Dialect] = {}


def get_dialect(name: str, version: str | None = None, paramstyle: Paramstyle | str | None = None) -> Dialect:
    """The dialect ``name`` at ``version`` (default: the first listed) for ``paramstyle``.

    Raises ``ValidationError`` for an unknown name, version or paramstyle, listing the
    choices. The same arguments give back the same object.

    >>> get_dialect("db2", "11.1")
    Dialect(name='db2', version='11.1', paramstyle=<Paramstyle.QMARK: 'qmark'>)
    >>> get_dialect("oracle", paramstyle="named").paramstyle
    <Paramstyle.NAMED: 'named'>
    >>> get_dialect("mssql")
    Traceback (most recent call last):
    ...
    spine.core.errors.ValidationError: unknown dialect 'mssql'; choose one of sqlite, postgres, ...
    """
    key = (name, version, paramstyle)
    found = _INTERNED.get(key)
    if found is not None:
        return found
    versions = _VERSIONS.get(name)
    if versions is None:
        msg = f"unknown dialect {name!r}; choose one of {', '.join(DIALECT_NAMES)}"
        raise ValidationError(msg, field="dialect", value=name, constraint=" | ".join(DIALECT_NAMES))
    style = _PARAMSTYLES[name][0] if paramstyle is None else _paramstyle(name, paramstyle)
    dialect = Dialect(name=name, version=versions[0] if version is None else version, paramstyle=style)
    _INTERNED[key] = dialect
    return dialect


def features(dialect: Dialect, /) -> Features:
    """What ``dialect`` can express natively.

    >>> features(get_dialect("oracle", "19")).boolean_type
    False
    >>> features(get_dialect("oracle", "23")).boolean_type
    True
    """
    return _FEATURES[dialect.name, dialect.version]


def _paramstyle(name: str, paramstyle: Paramstyle | str) -> Paramstyle:
    allowed = _PARAMSTYLES[name]
    for style in allowed:
        if style == paramstyle:
            return style
    choices = ", ".join(allowed)
    msg = f"dialect {name!r} does not take paramstyle {str(paramstyle)!r}; choose one of {choices}"
    raise ValidationError(msg, field="paramstyle", value=str(paramstyle), constraint=choices)


def _check(name: str, version: str, paramstyle: Paramstyle) -> None:
    versions = _VERSIONS.get(name)
    if versions is None:
        msg = f"unknown dialect {name!r}; choose one of {', '.join(DIALECT_NAMES)}"
        raise ValidationError(msg, field="dialect", value=name, constraint=" | ".join(DIALECT_NAMES))
    if version not in versions:
        msg = f"unknown {name} version {version!r}; choose one of {', '.join(versions)}"
        raise ValidationError(msg, field="version", value=version, constraint=" | ".join(versions))
    _paramstyle(name, paramstyle)
