"""Bad input is a typed error or a correct result: never an exception, never unintended SQL.

Four doors, each fed adversarial and hypothesis-generated input:

* workflow templates (YAML/JSON): alias bombs, deep nesting, huge scalars, Python tags,
  duplicate keys, NUL and non-UTF-8 bytes, YAML token soup → a ``ValidationError`` or
  ``ConfigError`` value, quickly, and ``spine template validate`` exits 2 with one line;
* work specs: arbitrary JSON bytes decoded as a ``WorkSpec`` (msgspec's decode errors only),
  and ``Dispatcher.submit`` with any name, parameters and idempotency key;
* the ``spine`` command: fuzzed argv in this process (exit 0, 1 or 2, no traceback) and a
  few real processes;
* SQL names and values: valid identifiers (reserved words included) work quoted on every
  backend, invalid ones are refused, and values such as ``'; DROP TABLE x; --`` are data;
  after each attempt the database holds exactly the tables it held before.

Lone surrogates (what Python makes of undecodable bytes in argv and file names) are fed to
the spec and command-line doors: they cannot be encoded for any database or JSON, so they
must come back as typed errors too.
"""

from __future__ import annotations

import contextlib
import keyword
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from spine.core.codec import decode_json
from spine.core.errors import ConfigError, SpineError, ValidationError, WorkflowError
from spine.execution.dispatcher import Dispatcher
from spine.execution.dlq import DLQManager
from spine.execution.executors import InlineExecutor
from spine.execution.ledger import ExecutionLedger
from spine.execution.registry import HandlerRegistry
from spine.execution.spec import WorkSpec
from spine.execution.status import FINAL
from spine.orchestration.templates import TemplateRegistry, load_template, parse_template
from spine.storage.compiled import CompiledQuery
from spine.storage.connect import connect
from spine.storage.database import Database
from spine.storage.migrations import migrate
from spine.storage.repository import BaseRepository
from spine.storage.sql import BIGINT, TEXT, Column, Table, create_table, drop_table, sql
from spine.storage.sql.identifiers import IDENTIFIER_PATTERN
from spine.testing import FakeClock, FakeSleeper, ScriptedRandom, SequentialIdSource
from tests.integration.storage.isolated import backends, isolated
from tests.unit.cli.invoke import Invocation, invoke

ROOT: Final = Path(__file__).resolve().parents[2]
QUICK_S: Final = 5.0
"""How long refusing any one adversarial template may take (they take well under 1 s)."""

INJECTIONS: Final = (
    "'; DROP TABLE {t}; --",
    '"; DROP TABLE {t}; --',
    "`; DROP TABLE {t}; --",
    "x'); DELETE FROM {t}; --",
    "1' OR '1'='1",
    "*/ DROP TABLE {t} /*",
    "' || (SELECT 1) || '",
    "\\'; DROP TABLE {t}; --",
    "%s",
    "%(id)s",
    "?",
    ":id",
    "$1",
    "\u02bc; DROP TABLE {t}; --",  # a modifier apostrophe some drivers once folded to '
)
RESERVED: Final = (
    "order", "user", "select", "table", "group", "where", "limit", "key", "index", "level", "size",
    "desc", "check", "default", "null", "true", "union", "having", "values", "column", "primary",
    "rowid", "oid", "ctid", "offset", "window", "range", "rank", "current_user", "session_user",
)  # fmt: skip

UTF8: Final = st.characters(codec="utf-8")  # everything but lone surrogates
SURROGATES: Final = st.sampled_from(["\udcff", "\ud800", "\udfff"])
"""Lone surrogates: how os.fsdecode and surrogateescape hand over undecodable bytes."""
ANY_TEXT: Final = UTF8 | SURROGATES
JSON: Final = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(UTF8, max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(UTF8, max_size=6), inner, max_size=3),
    max_leaves=10,
)


def assert_refused_cleanly(done: Invocation | subprocess.CompletedProcess[str]) -> None:
    """Exit 0, 1 or 2, no traceback; a 2 carries an ``error:`` line (or the help, for no command)."""
    code = done.code if isinstance(done, Invocation) else done.returncode
    err = done.err if isinstance(done, Invocation) else done.stderr
    assert code in (0, 1, 2), err
    assert "Traceback" not in err, err
    if code == 2:
        assert err.startswith("usage:") or any(": error: " in line for line in err.splitlines()), err


def assert_one_error_line(done: Invocation | subprocess.CompletedProcess[str]) -> None:
    """Exit 2 and exactly one line on stderr, spine's own."""
    code = done.code if isinstance(done, Invocation) else done.returncode
    err = done.err if isinstance(done, Invocation) else done.stderr
    assert code == 2, err
    assert err.startswith("spine: error: "), err
    assert err.count("\n") == 1, err


def tables(db: Database) -> frozenset[str]:
    """The tables of the database ``db`` works in (PostgreSQL: its current schema)."""
    text = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
        "postgres": "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()",
        "mysql": "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()",
    }[db.dialect.name]
    query = CompiledQuery(sql=text, dialect=db.dialect.name, paramstyle=db.dialect.paramstyle)
    return frozenset(str(row[0]) for row in db.connection.execute(query).unwrap().rows)


# --- templates -----------------------------------------------------------------------------

_STEPS = "steps:\n  - name: s\n    function: f\n"


def _laughs(levels: int) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


ADVERSARIAL: Final[dict[str, tuple[str, bytes]]] = {
    "billion laughs": (".yaml", _laughs(10).encode()),
    "laughs under an unknown key": (
        ".yaml",
        (
            _laughs(8).replace("\n", "\n    ").join(["x:\n    ", ""]) + "name: t\nversion: 1\n" + _STEPS
        ).encode(),
    ),
    "deep block nesting": (".yaml", "".join("  " * n + "a:\n" for n in range(1000)).encode()),
    "deep JSON": (".json", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    "a 1 MB name": (".yaml", b"name: " + b"x" * 1_000_000 + b"\nversion: 1\n" + _STEPS.encode()),
    "a 1 MB JSON string": (".json", b'{"name": "' + b"x" * 1_000_000 + b'", "version": 1, "steps": []}'),
    "python/object/apply": (".yaml", b"!!python/object/apply:os.system ['echo owned']\n"),
    "python/object/new in a step": (
        ".yaml",
        b"name: t\nversion: 1\nsteps:\n  - !!python/object/new:os.system [echo owned]\n",
    ),
    "python/name": (".yaml", b"name: !!python/name:os.system\nversion: 1\n" + _STEPS.encode()),
    "python/module": (".yaml", b"name: t\nversion: !!python/module:os\n" + _STEPS.encode()),
    "a local tag": (".yaml", b"name: !env HOME\nversion: 1\n" + _STEPS.encode()),
    "binary as the name": (".yaml", b"name: !!binary aGVsbG8=\nversion: 1\n" + _STEPS.encode()),
    "a set as the steps": (".yaml", b"name: t\nversion: 1\nsteps: !!set {a, b}\n"),
    "duplicate key in a step": (
        ".yaml",
        b"name: t\nversion: 1\nsteps:\n  - {name: s, name: u, function: f}\n",
    ),
    "duplicate key in JSON": (".json", b'{"name": "t", "name": "u", "version": 1, "steps": []}'),
    "NUL byte": (".yaml", b"name: t\x00\nversion: 1\n" + _STEPS.encode()),
    "NUL byte in JSON": (".json", b'{"name": "t"\x00}'),
    "escaped surrogate": (".yaml", b'name: "\\udcff"\nversion: 1\n' + _STEPS.encode()),
    "escaped surrogate in JSON": (".json", b'{"name": "\\udcff", "version": 1, "steps": []}'),
    "Latin-1": (".yaml", b"name: caf\xe9\nversion: 1\n" + _STEPS.encode()),
    "UTF-16": (".yaml", ("name: t\nversion: 1\n" + _STEPS).encode("utf-16")),
    "overlong UTF-8": (".json", b'{"name": "\xc0\xaf"}'),
    "CESU-8 surrogate": (".yaml", b"name: \xed\xa0\x80\n"),
    "truncated UTF-8": (".yaml", b"name: \xe2\x82"),
    "a BOM before JSON": (".json", b'\xef\xbb\xbf{"name": "t"}'),
    "control characters": (".yaml", b"name: \x1b[2J\x07\x7f\nversion: 1\n" + _STEPS.encode()),
    "tabs for indentation": (".yaml", b"name: t\nversion: 1\nsteps:\n\t- name: s\n"),
    "two documents": (".yaml", b"name: t\n---\nname: u\n"),
    "Infinity in JSON": (".json", b'{"name": "t", "version": Infinity, "steps": []}'),
    "an infinite timeout": (
        ".yaml",
        b"name: t\nversion: 1\nsteps:\n  - {name: s, function: f, timeout_s: .inf}\n",
    ),
}


@pytest.mark.parametrize(("suffix", "body"), ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_an_adversarial_template_is_refused_quickly_with_a_typed_error(
    tmp_path: Path, suffix: str, body: bytes
) -> None:
    path = tmp_path / f"t{suffix}"
    path.write_bytes(body)
    registry = TemplateRegistry()
    started = time.monotonic()
    parsed = parse_template(path)
    assert time.monotonic() - started < QUICK_S
    for result in (parsed, load_template(path, registry=registry)):
        assert isinstance(result, Failure)
        assert isinstance(result.failure(), ValidationError | ConfigError | WorkflowError)
        assert result.failure().message.startswith(str(path))
    assert_one_error_line(invoke("template", "validate", str(path)))


_UNBUILDABLE: Final = {  # scalars the YAML resolver accepts but its constructors then choke on
    "impossible date": ("t.yaml", "name: t\nversion: 1\nsteps:\n  - {name: w, wait: {until: 2025-02-30}}\n"),
    "impossible month": ("t.yaml", "name: t\nversion: 2025-13-01\n"),
    "!!int of nothing": ("t.yaml", "name: t\nversion: !!int ''\n"),
    "!!int of a word": ("t.yaml", "name: t\nversion: !!int one\n"),
    "!!int of a bare 0x": ("t.yaml", "name: t\nversion: !!int 0x\n"),
    "!!float of nothing": ("t.yaml", "name: t\nversion: !!float ''\n"),
    "!!bool of a word": ("t.yaml", "name: t\nversion: !!bool maybe\n"),
    "!!timestamp of a word": ("t.yaml", "name: t\nversion: !!timestamp soon\n"),
    "5000 digits (YAML)": ("t.yaml", "name: t\nversion: " + "9" * 5000 + "\n"),
    "5000 digits (JSON)": ("t.json", '{"version": ' + "9" * 5000 + "}"),
}  # fmt: skip


@pytest.mark.parametrize(("name", "text"), _UNBUILDABLE.values(), ids=_UNBUILDABLE.keys())
def test_a_scalar_yaml_cannot_build_is_a_typed_error(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    assert isinstance(parse_template(path).failure(), ValidationError)
    assert_one_error_line(invoke("template", "validate", str(path)))


_SOUP: Final = (
    "name: t\n", "version: 1\n", "steps:\n", "  - name: s\n", "    function: f\n", "  - ", "    ",
    "&a ", "*a", "&b [", "*b", "]", "{", "}", "[", ",", ": ", ":", "- ", "<<: *a\n", "? ",
    "!!python/object:os.system ", "!!str ", "!!binary ", "!!set ", "!local ", "%YAML 1.1\n",
    "---\n", "...\n", "'", '"', "\\", "|\n", ">-\n", "# c\n", "\n", "\t", "\x00", "\x85", "\u2028",
    "\ufeff", "~", "null", "yes", "on", ".inf", ".nan", "1e999", "0x1F", "0o17", "2025-01-03", "12:30:00",
    "2025-02-30", "!!int ", "!!bool ", "!!timestamp ", "!!float ",
    "= ", "@", "`", "\x1b[0m",
)  # fmt: skip
YAML_SOUP: Final = st.lists(st.sampled_from(_SOUP), max_size=25).map("".join)


@settings(max_examples=60, deadline=None)
@given(text=YAML_SOUP)
def test_yaml_token_soup_loads_or_fails_with_a_typed_error(text: str) -> None:
    registry = TemplateRegistry()
    registry.register_function("f", Success)
    result = load_template(text, registry=registry, origin="soup.yaml")
    if isinstance(result, Failure):
        assert isinstance(result.failure(), ValidationError | ConfigError | WorkflowError)
        assert result.failure().message.startswith("soup.yaml")


# --- work specs ----------------------------------------------------------------------------

_SPEC_FIELDS: Final = (
    "name", "kind", "params", "idempotency_key", "priority", "lane", "parent_run_id", "correlation_id",
    "retry", "timeout_s", "unknown",
)  # fmt: skip
_RETRY: Final = st.dictionaries(
    st.sampled_from(["max_attempts", "backoff", "base_s", "factor", "max_delay_s", "jitter", "deadline_s"]),
    st.integers(-3, 5) | st.floats(-1e3, 1e3) | st.sampled_from(["full", "none", "exponential", "x"]),
    max_size=4,
)
_SPEC_VALUES: Final = JSON | _RETRY | st.sampled_from(["task", "operation", "workflow", ""])
_TEXT_OR_NONE: Final = st.none() | st.text(UTF8, max_size=210)
_NEAR_SPEC: Final = st.fixed_dictionaries(  # mostly the right types: enough of these decode
    {"name": st.text(UTF8, max_size=210)},
    optional={
        "kind": st.sampled_from(["task", "operation", "workflow", "job"]),
        "params": st.dictionaries(st.text(UTF8, max_size=6), JSON, max_size=3) | JSON,
        "idempotency_key": _TEXT_OR_NONE,
        "priority": st.integers() | st.floats(allow_nan=False),
        "lane": st.text(UTF8, max_size=20),
        "parent_run_id": _TEXT_OR_NONE,
        "correlation_id": _TEXT_OR_NONE,
        "retry": st.none() | _RETRY,
        "timeout_s": st.none() | st.integers(-5, 5) | st.floats(allow_nan=False),
        "unknown": JSON,
    },
)
SPEC_BYTES: Final = (
    _NEAR_SPEC.map(msgspec.json.encode)
    | st.dictionaries(st.sampled_from(_SPEC_FIELDS), _SPEC_VALUES, max_size=7).map(msgspec.json.encode)
    | st.binary(max_size=120)
    | JSON.map(msgspec.json.encode)
)


@settings(max_examples=150, deadline=None)
@given(data=SPEC_BYTES)
def test_any_bytes_decode_to_a_valid_spec_or_a_decode_error(data: bytes) -> None:
    typed = decode_json(data, WorkSpec)
    try:
        spec = msgspec.json.decode(data, type=WorkSpec)
    except msgspec.DecodeError:  # msgspec.ValidationError is one
        assert isinstance(typed, Failure)
        assert isinstance(typed.failure(), ValidationError)
        return
    assert typed.unwrap() == spec
    assert 0 < len(spec.name) <= 200
    assert spec.idempotency_key is None or 0 < len(spec.idempotency_key) <= 200
    assert spec.timeout_s is None or (math.isfinite(spec.timeout_s) and spec.timeout_s > 0)
    assert msgspec.json.decode(msgspec.json.encode(spec), type=WorkSpec) == spec


class Add(msgspec.Struct, frozen=True):
    a: int
    b: int


class Echo(msgspec.Struct, frozen=True):
    x: object = None  # not JsonValue: msgspec cannot analyse that recursive alias


def _add(p: Add) -> Result[int, SpineError]:
    return Success(p.a + p.b)


def _echo(p: Echo) -> Result[object, SpineError]:
    return Success(p.x)


HANDLERS: Final = HandlerRegistry()
HANDLERS.register("add", Add, _add)
HANDLERS.register("echo", Echo, _echo)


class Submitting:
    """A dispatcher on a private SQLite database, and the idempotency keys it has seen."""

    def __init__(self, db: Database) -> None:
        clock, ids = FakeClock(), SequentialIdSource()
        migrate(db, clock=clock, sleeper=FakeSleeper(clock), owner="bad-input").unwrap()
        self.db, self.tables = db, tables(db)
        self.dispatcher = Dispatcher(
            db,
            HANDLERS,
            events=ExecutionLedger(db, ids=ids, clock=clock),
            dead_letters=DLQManager(db, ids=ids, clock=clock),
            ids=ids,
            clock=clock,
            sleeper=FakeSleeper(clock),
            random=ScriptedRandom([0.5]),
            executor=InlineExecutor(HANDLERS),
        )
        self.keys: dict[str, str] = {}

    def count(self) -> int:
        return len(self.dispatcher.runs(limit=100_000).unwrap())


@pytest.fixture(scope="module")
def submitting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Submitting]:
    with isolated("sqlite", tmp_path_factory.mktemp("submit")) as (db, _):
        yield Submitting(db)


_RUN_TABLE_INJECTIONS: Final = tuple(i.replace("{t}", "spine_runs") for i in INJECTIONS)


def _spec(**fields: Any) -> WorkSpec | ValidationError:  # Any: hypothesis passes WorkSpec its own fields
    """A spec, or the typed error its constructor refuses it with (a NaN in its params, say)."""
    try:
        return WorkSpec(**fields)
    except ValidationError as refused:
        return refused


SPECS: Final = st.builds(
    _spec,
    name=st.sampled_from(["add", "echo"])
    | st.sampled_from(["add ", "ADD", *_RUN_TABLE_INJECTIONS])
    | st.text(ANY_TEXT, min_size=1, max_size=30),
    params=(
        st.fixed_dictionaries({"a": st.integers(-(2**63), 2**63), "b": st.integers(-5, 5)})
        | st.fixed_dictionaries({"x": JSON})
        | st.fixed_dictionaries({"x": st.text(ANY_TEXT, max_size=5)})
        | st.dictionaries(st.sampled_from(["a", "b", "x", "y"]) | st.text(UTF8, max_size=4), JSON, max_size=3)
    ),
    idempotency_key=st.none()
    | st.sampled_from(_RUN_TABLE_INJECTIONS)
    | st.text(ANY_TEXT, min_size=1, max_size=200),
    lane=st.sampled_from(["default", *_RUN_TABLE_INJECTIONS]),
    correlation_id=st.none() | st.text(ANY_TEXT, max_size=20),
)


@settings(max_examples=80, deadline=None)
@given(spec=SPECS)
def test_any_submitted_spec_runs_or_is_refused_with_a_typed_error(
    submitting: Submitting, spec: WorkSpec | ValidationError
) -> None:
    if isinstance(spec, ValidationError):  # refused before it could be submitted: a typed error
        assert spec.field is not None
        return
    before = submitting.count()
    earlier = submitting.keys.get(spec.idempotency_key or "")
    submitted = submitting.dispatcher.submit(spec)
    if isinstance(submitted, Failure):
        assert isinstance(submitted.failure(), SpineError)
        assert submitting.count() == before  # nothing half-written
    else:
        run = submitting.dispatcher.get(submitted.unwrap()).unwrap()
        if earlier is not None:
            assert (run.run_id, submitting.count()) == (earlier, before)
        else:
            assert submitting.count() == before + 1
            assert (run.spec, run.status in FINAL) == (spec, True)
            assert run.idempotency_key == (spec.idempotency_key or run.run_id)
            submitting.keys[run.idempotency_key] = run.run_id
    assert tables(submitting.db) == submitting.tables


def test_a_spec_whose_params_are_not_json_is_refused(submitting: Submitting) -> None:
    refused = submitting.dispatcher.submit(WorkSpec(name="add", params={"a": 1, "b": 2, "extra": object()}))
    assert isinstance(refused.failure(), ValidationError)


def test_a_spec_with_a_lone_surrogate_is_refused(submitting: Submitting) -> None:
    spec = WorkSpec(name="add", params={"a": 1, "b": 2}, idempotency_key="\udcff")
    refused = submitting.dispatcher.submit(spec)
    assert isinstance(refused.failure(), SpineError)


# --- the command line ----------------------------------------------------------------------


class Sandbox(msgspec.Struct, frozen=True, kw_only=True):
    root: Path
    url: str


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A working directory of its own (the default ./spine.db lands there), no database env."""
    root = tmp_path_factory.mktemp("cli")
    with pytest.MonkeyPatch.context() as env, contextlib.chdir(root):
        for name in ("SPINE_DATABASE_URL", "SPINE_SECRETS_DIR"):
            env.delenv(name, raising=False)
        url = f"sqlite:///{root / 'spine.db'}"
        assert invoke("migrate", "--db", url).code == 0
        (root / "flow.yaml").write_text("name: t\nversion: 1\n" + _STEPS)
        (root / "broken.yaml").write_text("name: [\n")
        (root / "bomb.yaml").write_bytes(ADVERSARIAL["billion laughs"][1])
        yield Sandbox(root=root, url=url)


_TEXT: Final = st.text(st.characters(codec="utf-8", exclude_characters="\x00") | SURROGATES, max_size=20)
_JUNK: Final = st.sampled_from(_RUN_TABLE_INJECTIONS) | _TEXT


def _one_of(*values: str) -> st.SearchStrategy[str]:
    """Mostly one of ``values``, sometimes junk."""
    return st.sampled_from(values) | _JUNK


_URL: Final = _one_of(
    "sqlite:///spine.db", "sqlite:///spine.db", "sqlite:///fresh.db", "sqlite://:memory:", "sqlite://",
    "sqlite:///a.db?bogus=1", "sqlite:///.", "nosuch://x", "postgresql:///x", "mysql://h/",
    "postgresql://u@127.0.0.1:9/x?timeout=1", "mysql://root@127.0.0.1:9/x?timeout=1",
    "secret://env/SPINE_NO_SUCH_VAR", "postgresql://\udcff@127.0.0.1:9/x", "mysql://root@127.0.0.1:9/\udcff",
    "sqlite:///\udcff.db",
)  # fmt: skip
_ID: Final = _one_of("01JGMQCD000000000000000000", "x", "")
_FILE: Final = _one_of("flow.yaml", "broken.yaml", "bomb.yaml", "missing.yaml", "-", ".", "/")
_REF: Final = _one_of("nosuch_module_xyz:flow", "spine:__version__", "json:nope", ":x", "x", "spine.cli:")
_OPTIONS: Final = ("--db", "--json", "--limit", "--all", "-h", "-", "--", "--db=", "--limit=-1", "--version")


def _option(flag: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.just([]) | values.map(lambda value: [flag, value])


def _one(values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return values.map(lambda value: [value])


def _argv(*parts: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    return st.tuples(*parts).map(lambda lists: [token for part in lists for token in part])


_WORDS: Final[st.SearchStrategy[list[str]]] = st.just([]) | st.just(["--json"])
ARGV: Final = _argv(
    _WORDS,
    st.one_of(
        _argv(
            st.just(["sql", "transpile"]),
            _option("--to", _one_of("sqlite", "postgres", "mysql", "oracle", "db2", "nope")),
            _option("--version", _one_of("11.1", "8.0", "23", "0")),
            st.lists(_FILE, max_size=1),
        ),
        _argv(st.just(["migrate"]), _option("--db", _URL)),
        _argv(st.just(["ledger", "verify"]), st.lists(_ID, max_size=1), _option("--db", _URL)),
        _argv(
            st.just(["runs", "list"]),
            _option("--status", _one_of("pending", "completed", "dead_lettered", "DONE")),
            _option("--limit", _one_of("-1", "0", "5", "99999999999999999999", "1e9", "nan")),
            _option("--db", _URL),
        ),
        _argv(st.just(["runs", "show"]), _one(_ID), _option("--db", _URL)),
        _argv(st.just(["dlq", "list"]), st.sampled_from([[], ["--all"]]), _option("--db", _URL)),
        _argv(st.just(["dlq", "show"]), _one(_ID), _option("--db", _URL)),
        _argv(
            st.just(["template", "validate"]),
            _one(_FILE),
            _option("--registry", _REF),
            _option("--operations", _REF),
        ),
        st.just(["template", "schema"]),
        _argv(
            st.just(["playground"]), _one(_REF), _option("--input", _one_of("{", "[1, 2]", "@missing.json"))
        ),
        st.lists(
            st.sampled_from(("sql", "ledger", "runs", "dlq", "template", "nope", *_OPTIONS)), max_size=2
        ),
    ),
    st.just([]) | st.just([]) | st.lists(st.sampled_from(_OPTIONS) | _JUNK, min_size=1, max_size=2),
)
_SQL_TOKENS: Final = (
    "SELECT", "1", "a", ":p", ",", "FROM", "t", "WHERE", "=", "(", ")", "?", "%s", "DROP", "TABLE",
    "'x'", '"c"', "*", "INSERT", "INTO", "VALUES", "/* c */", ";", "\n", "e", "UNION", "AS", "LIMIT",
)  # fmt: skip
SQL_TEXT: Final = st.lists(st.sampled_from(_SQL_TOKENS), max_size=12).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(argv=ARGV, stdin=SQL_TEXT)
def test_any_argv_exits_0_1_or_2_without_a_traceback(sandbox: Sandbox, argv: list[str], stdin: str) -> None:
    if "demo" in argv:  # the one command that runs for real (its own test covers it)
        return
    done = invoke(*argv, stdin=stdin)
    assert_refused_cleanly(done)
    assert Path.cwd() == sandbox.root


def test_an_injected_run_id_is_only_looked_up(sandbox: Sandbox) -> None:
    db = Database(connect(sandbox.url).unwrap())
    try:
        before = tables(db)
        for attempt in _RUN_TABLE_INJECTIONS:
            for command in (("runs", "show"), ("dlq", "show"), ("ledger", "verify")):
                assert_one_error_line(invoke(*command, attempt, "--db", sandbox.url))
        assert tables(db) == before
    finally:
        db.close()


def _spine(*argv: str | bytes, cwd: Path, stdin: int = subprocess.DEVNULL) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SPINE_DATABASE_URL", "SPINE_SECRETS_DIR")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-m", "spine", *argv],
        cwd=cwd,
        env=env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finished(proc: subprocess.Popen[str], text: str | None = None) -> subprocess.CompletedProcess[str]:
    out, err = proc.communicate(text, timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_the_installed_command_refuses_bad_input_in_one_line(sandbox: Sandbox) -> None:
    cases = [
        ("ledger", "verify", "--db", "nosuch://x"),
        ("sql", "transpile", "--to", "nope", "-"),
        ("template", "validate", "missing.yaml"),
        ("runs", "show", _RUN_TABLE_INJECTIONS[0], "--db", sandbox.url),
    ]
    running = [_spine(*argv, cwd=sandbox.root) for argv in cases]  # in parallel: ~1 s each
    for proc in running:
        assert_one_error_line(_finished(proc))


def test_a_non_utf8_argument_is_refused_in_one_line(sandbox: Sandbox) -> None:
    assert_one_error_line(_finished(_spine("runs", "show", b"\xff", "--db", sandbox.url, cwd=sandbox.root)))


@pytest.mark.parametrize("text", ["SELECT 'a", 'SELECT "a', "SELECT 1 /* a", "SELECT $$a"])
def test_sql_that_does_not_tokenize_is_a_typed_error(text: str) -> None:
    with pytest.raises(ValidationError):
        sql(text)
    assert_one_error_line(invoke("sql", "transpile", "--to", "sqlite", stdin=text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT 'a;b' AS x", "SELECT 'a;b' AS \"x\";\n"),
        ('SELECT 1 AS "a;b"', 'SELECT 1 AS "a;b";\n'),
        ("SELECT 1 AS x -- no;te\n", 'SELECT 1 AS "x" /* no;te */;\n'),
        (
            "SELECT ';' AS a; -- ;\n;; SELECT 2 AS b /* ; */;",
            'SELECT \';\' AS "a";\nSELECT 2 AS "b" /* ; */;\n',
        ),
    ],
)
def test_transpile_splits_statements_only_at_top_level_semicolons(text: str, expected: str) -> None:
    done = invoke("sql", "transpile", "--to", "sqlite", stdin=text)
    assert (done.code, done.out, done.err) == (0, expected, "")


def test_unparsable_sql_is_one_line_on_stderr(sandbox: Sandbox) -> None:
    proc = _spine("sql", "transpile", "--to", "sqlite", cwd=sandbox.root, stdin=subprocess.PIPE)
    assert_one_error_line(_finished(proc, "DROP DROP"))


def test_a_playground_reference_to_a_function_with_arguments_is_refused(sandbox: Sandbox) -> None:
    assert_one_error_line(invoke("playground", "json:loads"))


# --- SQL names and values ------------------------------------------------------------------

NAMES: Final = (st.sampled_from(RESERVED) | st.from_regex(IDENTIFIER_PATTERN, fullmatch=True)).filter(
    lambda name: name != "id" and not keyword.iskeyword(name)
)
VALUES: Final = st.sampled_from(INJECTIONS) | st.text(UTF8, max_size=30)


@backends
def test_names_are_quoted_and_values_are_data_on_every_backend(backend: str, tmp_path: Path) -> None:
    with isolated(backend, tmp_path) as (db, _):
        before = tables(db)

        @settings(max_examples=12, deadline=None)
        @given(name=NAMES, column=NAMES, values=st.lists(VALUES, min_size=1, max_size=4))
        def check(name: str, column: str, values: list[str]) -> None:
            table = Table(
                name=name,
                columns=(Column(name="id", type=BIGINT, nullable=False), Column(name=column, type=TEXT)),
                primary_key=("id",),
            )
            created = [db.execute(statement) for statement in create_table(table)]
            if not all(isinstance(c, Success) for c in created):  # e.g. SQLite keeps sqlite_* for itself
                assert all(isinstance(c.failure(), SpineError) for c in created if isinstance(c, Failure))
                assert tables(db) == before
                return
            try:
                assert tables(db) == before | {name}
                row = msgspec.defstruct("Row", [("id", int), (column, str | None)], frozen=True)
                repo = BaseRepository(db, table, row)
                for key, text in enumerate(values):
                    value = text.replace("{t}", name)
                    stored = repo.insert(row(key, value))
                    if isinstance(stored, Failure):  # NUL: SQLite and PostgreSQL refuse it, typed
                        assert "\x00" in value
                        assert isinstance(stored.failure(), SpineError)
                        continue
                    assert repo.get(key).unwrap() == row(key, value)
                    if "\x00" not in value:
                        assert key in [getattr(r, "id") for r in repo.find({column: value}).unwrap()]  # noqa: B009
                assert tables(db) == before | {name}
            finally:
                db.execute(drop_table(table)).unwrap()
            assert tables(db) == before

        check()


@settings(max_examples=60, deadline=None)
@given(
    keys=st.lists(
        st.sampled_from(("id", "note", *RESERVED, *_RUN_TABLE_INJECTIONS)) | st.text(max_size=12), max_size=3
    )
)
def test_filter_and_order_names_are_columns_or_a_validation_error(
    submitting: Submitting, keys: list[str]
) -> None:
    table = Table(
        name="notes",
        columns=(Column(name="id", type=BIGINT, nullable=False), Column(name="note", type=TEXT)),
        primary_key=("id",),
    )
    if "notes" not in tables(submitting.db):
        submitting.tables = submitting.tables | {"notes"}
        for statement in create_table(table):
            submitting.db.execute(statement).unwrap()
    row = msgspec.defstruct("Note", [("id", int), ("note", str | None)], frozen=True)
    repo = BaseRepository(submitting.db, table, row)
    known = set(keys) <= {"id", "note"}
    results: list[Result[object, SpineError]] = [
        repo.find(dict.fromkeys(keys, "x")),
        repo.count(dict.fromkeys(keys, "x")),
        repo.find(order_by=keys),
        repo.page(3, order_by=keys),
    ]
    for result in results:
        if known:
            assert isinstance(result, Success)
        else:
            assert isinstance(result.failure(), ValidationError)
    assert tables(submitting.db) == submitting.tables


def test_page_at_refuses_an_unknown_order_name_as_an_err(submitting: Submitting) -> None:
    table = Table(
        name="pages", columns=(Column(name="id", type=BIGINT, nullable=False),), primary_key=("id",)
    )
    repo = BaseRepository(submitting.db, table, msgspec.defstruct("Page", [("id", int)], frozen=True))
    assert isinstance(repo.page_at(3, 0, order_by=["id; DROP TABLE pages"]).failure(), ValidationError)


@backends
def test_a_lone_surrogate_value_is_a_typed_error(backend: str, tmp_path: Path) -> None:
    with isolated(backend, tmp_path) as (db, _):
        assert isinstance(db.execute(sql("SELECT :v AS v"), {"v": "\udcff"}).failure(), SpineError)
