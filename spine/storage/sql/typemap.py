"""How each :class:`SqlType` is spelled per dialect, and how canonical ASTs carry types.

Canonical statements hold sqlglot ``DataType`` nodes in their PostgreSQL spelling
(:func:`to_datatype`); the generators ask :func:`render_type` for the target's spelling
of every node :func:`from_datatype` recognises, and leave anything else to sqlglot. The
table is the one in the facts note (``notes/sql-dialect-facts.md`` §A2 item 5, §A3):

=============  ========  ===========  ==========  ==================  ==========================
type           sqlite    postgres     mysql       oracle 19 / 23      db2 11.1 / 11.5
=============  ========  ===========  ==========  ==================  ==========================
bigint         INTEGER   BIGINT       BIGINT      NUMBER(19)          BIGINT
boolean        INTEGER   BOOLEAN      BOOLEAN     NUMBER(1) / BOOLEAN SMALLINT / BOOLEAN
text           TEXT      TEXT         LONGTEXT    CLOB                CLOB(1G)
varchar(n)     TEXT      VARCHAR(n)   VARCHAR(n)  VARCHAR2(n CHAR)    VARCHAR(n CODEUNITS32)
decimal(p,s)   TEXT      NUMERIC      DECIMAL     NUMBER(p, s)        DECIMAL(p, s)
double         REAL      DOUBLE PREC  DOUBLE      BINARY_DOUBLE       DOUBLE
timestamptz    TEXT      TIMESTAMPTZ  DATETIME(6) TIMESTAMP(6)        TIMESTAMP(6)
json           TEXT      JSONB        JSON        CLOB / JSON         CLOB(1G)
bytes          BLOB      BYTEA        LONGBLOB    BLOB                BLOB(1G)
=============  ========  ===========  ==========  ==================  ==========================

Why: SQLite's ``REAL(12, 2)`` would lose cents, so exact decimals are ``TEXT``; MySQL's
``TEXT`` stops at 64 KiB and ``DATETIME`` without a precision truncates microseconds;
Oracle's ``VARCHAR2(n)`` counts bytes unless told ``CHAR``; Db2 LOBs over 1 GB must be
``NOT LOGGED``, so 1G is the largest logged size. Instants are UTC everywhere: Oracle
``TIMESTAMP WITH TIME ZONE`` columns cannot be in a primary key or unique constraint, and
Db2 LUW has no zoned type, so all three non-PostgreSQL servers store a UTC ``TIMESTAMP(6)``
and the interpreters convert at the edge. A naive ``TIMESTAMP`` in canonical text is read
as ``timestamptz`` too (``TIMESTAMPTZ`` on PostgreSQL): spine stores instants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from sqlglot import exp

from spine.storage.sql.dialect import Dialect, features
from spine.storage.sql.types import SqlType, TypeKind

__all__ = ["from_datatype", "render_type", "to_datatype"]

_D = exp.DType
_CANONICAL: Final[dict[TypeKind, exp.DType]] = {
    TypeKind.BIGINT: _D.BIGINT,
    TypeKind.INTEGER: _D.INT,
    TypeKind.SMALLINT: _D.SMALLINT,
    TypeKind.BOOLEAN: _D.BOOLEAN,
    TypeKind.TEXT: _D.TEXT,
    TypeKind.VARCHAR: _D.VARCHAR,
    TypeKind.DECIMAL: _D.DECIMAL,
    TypeKind.DOUBLE: _D.DOUBLE,
    TypeKind.TIMESTAMPTZ: _D.TIMESTAMPTZ,
    TypeKind.DATE: _D.DATE,
    TypeKind.JSON: _D.JSON,
    TypeKind.BYTES: _D.VARBINARY,
}
_KINDS: Final[dict[exp.DType, TypeKind]] = {
    **{dtype: kind for kind, dtype in _CANONICAL.items()},
    _D.JSONB: TypeKind.JSON,
    _D.TIMESTAMP: TypeKind.TIMESTAMPTZ,  # a naive TIMESTAMP is stored as UTC too (not on PG)
    _D.BLOB: TypeKind.BYTES,
}

type _Spell = Callable[[SqlType], str]


def _fixed(text: str) -> _Spell:
    return lambda _t: text


def _decimal(name: str) -> _Spell:
    return lambda t: f"{name}({t.precision}, {t.scale})"


def _varchar(template: str) -> _Spell:
    return lambda t: template.format(n=t.length)


_COMMON: Final[dict[TypeKind, _Spell]] = {
    TypeKind.BIGINT: _fixed("BIGINT"),
    TypeKind.INTEGER: _fixed("INTEGER"),
    TypeKind.SMALLINT: _fixed("SMALLINT"),
    TypeKind.BOOLEAN: _fixed("BOOLEAN"),
    TypeKind.TEXT: _fixed("TEXT"),
    TypeKind.VARCHAR: _varchar("VARCHAR({n})"),
    TypeKind.DECIMAL: _decimal("DECIMAL"),
    TypeKind.DOUBLE: _fixed("DOUBLE"),
    TypeKind.TIMESTAMPTZ: _fixed("TIMESTAMP(6)"),
    TypeKind.DATE: _fixed("DATE"),
    TypeKind.JSON: _fixed("JSON"),
    TypeKind.BYTES: _fixed("BLOB"),
}
_SPELLING: Final[dict[str, dict[TypeKind, _Spell]]] = {
    "sqlite": {
        **{kind: _fixed("INTEGER") for kind in (TypeKind.BIGINT, TypeKind.INTEGER, TypeKind.SMALLINT)},
        TypeKind.BOOLEAN: _fixed("INTEGER"),
        **{
            kind: _fixed("TEXT")
            for kind in (TypeKind.TEXT, TypeKind.VARCHAR, TypeKind.DECIMAL, TypeKind.TIMESTAMPTZ)
        },
        TypeKind.DOUBLE: _fixed("REAL"),
        TypeKind.DATE: _fixed("TEXT"),
        TypeKind.JSON: _fixed("TEXT"),
        TypeKind.BYTES: _fixed("BLOB"),
    },
    "postgres": {
        **_COMMON,
        TypeKind.DECIMAL: _decimal("NUMERIC"),
        TypeKind.DOUBLE: _fixed("DOUBLE PRECISION"),
        TypeKind.TIMESTAMPTZ: _fixed("TIMESTAMPTZ"),
        TypeKind.JSON: _fixed("JSONB"),
        TypeKind.BYTES: _fixed("BYTEA"),
    },
    "mysql": {
        **_COMMON,
        TypeKind.INTEGER: _fixed("INT"),
        TypeKind.TEXT: _fixed("LONGTEXT"),
        TypeKind.TIMESTAMPTZ: _fixed("DATETIME(6)"),
        TypeKind.BYTES: _fixed("LONGBLOB"),
    },
    "oracle": {
        TypeKind.BIGINT: _fixed("NUMBER(19)"),
        TypeKind.INTEGER: _fixed("NUMBER(10)"),
        TypeKind.SMALLINT: _fixed("NUMBER(5)"),
        TypeKind.BOOLEAN: _fixed("NUMBER(1)"),
        TypeKind.TEXT: _fixed("CLOB"),
        TypeKind.VARCHAR: _varchar("VARCHAR2({n} CHAR)"),
        TypeKind.DECIMAL: _decimal("NUMBER"),
        TypeKind.DOUBLE: _fixed("BINARY_DOUBLE"),
        TypeKind.TIMESTAMPTZ: _fixed("TIMESTAMP(6)"),
        TypeKind.DATE: _fixed("DATE"),
        TypeKind.JSON: _fixed("CLOB"),
        TypeKind.BYTES: _fixed("BLOB"),
    },
    "db2": {
        **_COMMON,
        TypeKind.BOOLEAN: _fixed("SMALLINT"),
        TypeKind.TEXT: _fixed("CLOB(1G)"),
        TypeKind.VARCHAR: _varchar("VARCHAR({n} CODEUNITS32)"),
        TypeKind.JSON: _fixed("CLOB(1G)"),
        TypeKind.BYTES: _fixed("BLOB(1G)"),
    },
}


def to_datatype(sql_type: SqlType, /) -> exp.DataType:
    """The canonical (PostgreSQL-spelled) sqlglot node for ``sql_type``.

    >>> from spine.storage.sql.types import varchar
    >>> to_datatype(varchar(40)).sql("postgres")
    'VARCHAR(40)'
    """
    dtype = _CANONICAL[sql_type.kind]
    if sql_type.kind is TypeKind.VARCHAR:
        return exp.DataType.build(f"VARCHAR({sql_type.length})")
    if sql_type.kind is TypeKind.DECIMAL:
        return exp.DataType.build(f"DECIMAL({sql_type.precision}, {sql_type.scale})")
    return exp.DataType(this=dtype)


def from_datatype(node: exp.DataType, /) -> SqlType | None:
    """The :class:`SqlType` a parsed or built ``DataType`` stands for, if it is one of ours.

    >>> from sqlglot import exp
    >>> str(from_datatype(exp.DataType.build("NUMERIC(10, 3)", dialect="postgres")))
    'decimal(10, 3)'
    >>> from_datatype(exp.DataType.build("UUID")) is None
    True
    """
    kind = _KINDS.get(node.this)
    params = [p.this for p in node.expressions if isinstance(p, exp.DataTypeParam)]
    if kind is None or len(params) != len(node.expressions):
        return None
    numbers = [int(p.this) for p in params if isinstance(p, exp.Literal) and p.is_int]
    if len(numbers) != len(params):
        return None
    if kind is TypeKind.VARCHAR:
        return SqlType(kind=TypeKind.TEXT) if not numbers else SqlType(kind=kind, length=numbers[0])
    if kind is TypeKind.DECIMAL:
        if not numbers:
            return None
        scale = numbers[1] if len(numbers) > 1 else 0
        return SqlType(kind=kind, precision=numbers[0], scale=scale)
    return None if numbers else SqlType(kind=kind)


def render_type(sql_type: SqlType, dialect: Dialect, /) -> str:
    """``sql_type`` as ``dialect`` spells it in DDL and casts.

    >>> from spine.storage.sql.dialect import get_dialect
    >>> from spine.storage.sql.types import BOOLEAN, varchar
    >>> render_type(varchar(50), get_dialect("oracle"))
    'VARCHAR2(50 CHAR)'
    >>> render_type(BOOLEAN, get_dialect("oracle", "19")), render_type(BOOLEAN, get_dialect("oracle", "23"))
    ('NUMBER(1)', 'BOOLEAN')
    """
    target = features(dialect)
    if sql_type.kind is TypeKind.BOOLEAN and target.boolean_type and dialect.name != "sqlite":
        return "BOOLEAN"
    if sql_type.kind is TypeKind.JSON and target.json_type and dialect.name == "oracle":
        return "JSON"
    return _SPELLING[dialect.name][sql_type.kind](sql_type)
