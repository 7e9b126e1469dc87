"""The compiler: cached per (statement, dialect), deterministic, pure, and exact about parameters."""

from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ValidationError
from spine.storage.compiled import CompiledQuery, Paramstyle
from spine.storage.sql import (
    BIGINT,
    DIALECT_NAMES,
    Cmp,
    Column,
    OrderBy,
    Statement,
    Table,
    UnsupportedSqlError,
    compile,
    delete,
    get_dialect,
    insert,
    select,
    sql,
    transpile,
    update,
    upsert,
    varchar,
)
from spine.storage.sql.statement import split
from tests.unit.storage.helpers import ALL_TARGETS, target

COLUMNS = ("a", "b", "c", "d", "e")
TABLE = Table(
    name="t",
    columns=(
        Column(name="a", type=BIGINT, nullable=False),
        *(Column(name=name, type=varchar(20)) for name in COLUMNS[1:]),
    ),
    primary_key=("a",),
)
_PLACEHOLDER = {
    Paramstyle.QMARK: re.compile(r"\?"),
    Paramstyle.FORMAT: re.compile(r"(?<!%)%s"),
    Paramstyle.NUMERIC: re.compile(r":\d+"),
    Paramstyle.NAMED: re.compile(r":[a-z_][a-z0-9_]*"),
}


@st.composite
def statements(draw: st.DrawFn) -> Statement:
    """Builder statements over TABLE with random columns, filters, order and paging."""
    columns = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=5, unique=True))
    where = draw(st.lists(st.sampled_from(COLUMNS), max_size=3, unique=True))
    kind = draw(st.sampled_from(["select", "insert", "update", "delete", "upsert"]))
    if kind == "insert":
        return insert(TABLE, columns)
    if kind == "upsert":
        return upsert(TABLE, sorted({"a", *columns}), key_columns=["a"])
    if kind == "delete":
        return delete(TABLE, where=where or ["a"])
    if kind == "update":
        targets = [c for c in columns if c not in where] or ["e"]
        return update(
            TABLE, targets, where=[Cmp(c, param=f"w_{c}") for c in where] or [Cmp("a", param="w_a")]
        )
    order = draw(st.lists(st.sampled_from(COLUMNS), max_size=2, unique=True))
    return select(
        TABLE,
        columns,
        where=where,
        order_by=[OrderBy(c, descending=draw(st.booleans())) for c in order],
        limit=draw(st.booleans()),
        offset=draw(st.booleans()),
        after=bool(order) and draw(st.booleans()),
    )


@given(statements(), st.sampled_from(ALL_TARGETS))
def test_placeholder_count_matches_param_names(stmt: Statement, key: str) -> None:
    query = compile(stmt, target(key))
    found = _PLACEHOLDER[query.paramstyle].findall(query.sql)
    if query.paramstyle is Paramstyle.NAMED:
        assert tuple(dict.fromkeys(f[1:] for f in found)) == query.param_names
    else:
        assert len(found) == len(query.param_names)
    assert set(query.param_names) == set(stmt.params)


@given(statements(), st.sampled_from(ALL_TARGETS))
def test_compile_is_cached_and_deterministic(stmt: Statement, key: str) -> None:
    first = compile(stmt, target(key))
    assert compile(stmt, target(key)) is first
    fresh = Statement(stmt.expression.copy(), param_types=stmt.param_types)
    assert compile(fresh, target(key)) == first


def test_compiling_never_changes_the_canonical_statement() -> None:
    stmt = sql(
        "INSERT INTO kv (k, v) VALUES (:k, :v) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v RETURNING v"
    )
    before = repr(stmt.expression)
    for key in ("sqlite", "postgres", "mysql", "oracle"):
        with contextlib.suppress(UnsupportedSqlError):
            compile(stmt, target(key))
    assert repr(stmt.expression) == before


def test_compiled_query_fields() -> None:
    stmt = sql("UPDATE t SET b = :b WHERE a = :a RETURNING id, b")
    assert compile(stmt, get_dialect("oracle")) == CompiledQuery(
        sql='UPDATE "T" SET "B" = :1 WHERE "A" = :2 RETURNING "ID", "B" INTO :3, :4',
        dialect="oracle",
        paramstyle=Paramstyle.NUMERIC,
        param_names=("b", "a", "id", "b"),
        out_binds=("id", "b"),
        returns_rows=False,
    )
    named = compile(
        sql("UPDATE t SET b = :b WHERE a = :a RETURNING id"), get_dialect("oracle", paramstyle="named")
    )
    assert (named.sql, named.param_names, named.out_binds) == (
        'UPDATE "T" SET "B" = :b WHERE "A" = :a RETURNING "ID" INTO :id',
        ("b", "a", "id"),
        ("id",),
    )


def test_named_output_binds_may_not_share_an_input_name() -> None:
    with pytest.raises(UnsupportedSqlError, match="RETURNING b INTO :b while :b is also an input parameter"):
        compile(
            sql("UPDATE t SET b = :b WHERE a = :a RETURNING b"), get_dialect("oracle", paramstyle="named")
        )


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("SELECT 1 AS one", {"sqlite": True, "postgres": True, "mysql": True, "oracle": True, "db2": True}),
        (
            "INSERT INTO t (a) VALUES (:a)",
            {"sqlite": False, "postgres": False, "mysql": False, "oracle": False, "db2": False},
        ),
        (
            "INSERT INTO t (a) VALUES (:a) RETURNING a",
            {"sqlite": True, "postgres": True, "mysql": True, "oracle": False, "db2": True},
        ),
        (
            "CREATE TABLE t (a BIGINT)",
            {"sqlite": False, "postgres": False, "mysql": False, "oracle": False, "db2": False},
        ),
    ],
)
def test_returns_rows(text: str, rows: dict[str, bool]) -> None:
    stmt = sql(text)
    assert {name: compile(stmt, get_dialect(name)).returns_rows for name in DIALECT_NAMES} == rows


def test_unsupported_errors_name_the_construct_and_the_dialect() -> None:
    with pytest.raises(UnsupportedSqlError) as info:
        compile(sql("SELECT id FROM jobs FOR UPDATE SKIP LOCKED"), get_dialect("sqlite"))
    assert info.value.dialect == "sqlite/3"
    assert "FOR UPDATE" in info.value.construct
    assert str(info.value) == "Locking reads using 'FOR UPDATE/SHARE' is not supported by sqlite/3"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("SELECT * FROM t WHERE a = ?", "named parameters"),
        ("SELECT * FROM t WHERE a = %s", "named parameters"),
        ("SELECT * FROM t WHERE a = $1", "named parameters"),
        ("SELECT :Bad", "must be lower-case"),
        ("SELECT 1; SELECT 2", "exactly one statement"),
        ("SELEC 1", "cannot parse"),
        ("CREATE TABLE t (id SERIAL PRIMARY KEY)", "SERIAL is not portable"),
        ("SELECT 'a", "Missing ' from 1:7 .a quote, quoted name or comment left open"),
        ('SELECT "a', 'Missing " from 1:7'),
        ("SELECT 1 /* a", "cannot parse canonical SQL: .* left open"),
        ("SELECT $$a", "Missing \\$\\$ from 1:7"),
        ("DROP DROP", "sqlglot does not understand this statement"),
        ("SELECT " + "(" * 2000 + "1" + ")" * 2000, "nests too deeply"),
    ],
)
def test_canonical_text_mistakes(text: str, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        sql(text)


def test_a_statement_sqlglot_can_only_keep_as_a_command_is_refused_without_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("DEBUG"), pytest.raises(ValidationError, match="cannot be translated"):
        sql("ALTER TABLE t FROBNICATE")
    assert caplog.records == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ()),
        (" ;\n; -- only a comment; here\n", ()),
        ("SELECT 1", ("SELECT 1",)),
        ("SELECT 1;SELECT 2;", ("SELECT 1", "SELECT 2")),
        ("SELECT 'a;b' AS x; SELECT 1 AS \"c;d\"", ("SELECT 'a;b' AS x", 'SELECT 1 AS "c;d"')),
        ("SELECT 1 /* ; */ ; SELECT $$;$$", ("SELECT 1 /* ; */", "SELECT $$;$$")),
        ("SELECT 1 -- a;b\n;SELECT 2", ("SELECT 1 -- a;b", "SELECT 2")),
    ],
)
def test_split_cuts_only_at_semicolons_between_statements(text: str, expected: tuple[str, ...]) -> None:
    assert split(text) == expected


_WORDS = st.sampled_from(["1", "'a;b'", '"c;d"', "/* ; */", "$$;$$", "x", ",", "-- ;\n1"])


@given(st.lists(st.lists(_WORDS, max_size=6), max_size=4))
def test_split_returns_the_statements_a_script_was_joined_from(statements: list[list[str]]) -> None:
    texts = [" ".join(["SELECT", *words]) for words in statements]
    assert split(";\n".join(texts)) == tuple(texts)


def test_split_refuses_text_that_does_not_tokenize() -> None:
    with pytest.raises(ValidationError, match="left open"):
        split("SELECT 1; SELECT 'a")


def test_param_types_must_name_used_parameters() -> None:
    with pytest.raises(ValidationError, match="does not use: b"):
        sql("SELECT :a AS a", param_types={"b": BIGINT})


def test_statement_repr_is_canonical_text() -> None:
    assert (
        repr(sql("SELECT a FROM t ORDER BY a DESC NULLS LAST, b"))
        == "Statement('SELECT a FROM t ORDER BY a DESC NULLS LAST, b')"
    )
    assert (
        repr(select(TABLE, ["a"], order_by=["b"], limit=True))
        == "Statement('SELECT a FROM t ORDER BY b LIMIT :limit')"
    )


def test_transpile_uses_default_version_and_paramstyle() -> None:
    assert transpile("SELECT a FROM t WHERE b = :b", "oracle") == 'SELECT "A" FROM "T" WHERE "B" = :1'
    assert (
        transpile("SELECT a FROM t WHERE b = :b", "oracle", version="23")
        == 'SELECT "A" FROM "T" WHERE "B" = :1'
    )
    with pytest.raises(ValidationError, match="unknown dialect"):
        transpile("SELECT 1", "sybase")


def test_private_use_characters_in_literals_are_refused() -> None:
    with pytest.raises(ValidationError, match="private-use"):
        sql("SELECT '\ue000x\ue002' AS a")
