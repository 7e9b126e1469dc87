"""A planted secret never shows up in anything a failed run leaves behind.

Each test plants a fresh, unique value in a backend (environment, secrets directory, or the
fake Vault), runs work that resolves it, uses it and fails (:func:`run_failing`), then
searches every trace of that run for the value: log records at DEBUG (spine's, hvac's,
urllib3's), every row of the runs, ledger-event and dead-letter tables, the records read back
through the dispatcher, the ledger and the DLQ, the exceptions raised (with tracebacks and
their locals), and anything printed. A control test makes a handler leak on purpose and
checks that the search finds it, so a blind search cannot pass.

``run_failing`` runs the work as a task on the dispatcher, ``run_failing_workflow`` as a step
of a durable workflow; every test runs both.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import msgspec
import pytest
from returns.result import Failure, Result, Success

from spine.core.codec import encode_json
from spine.core.errors import AuthError, ErrorRecord, NetworkError, SpineError, ValidationError, from_record
from spine.execution.dispatcher import Dispatcher
from spine.execution.dlq import DLQManager
from spine.execution.executors import InlineExecutor
from spine.execution.jitter import JitterMode
from spine.execution.ledger import ExecutionLedger
from spine.execution.registry import HandlerRegistry
from spine.execution.retry import RetryPolicy
from spine.execution.spec import WorkSpec
from spine.execution.status import RunStatus
from spine.orchestration import TrackedWorkflowRunner, chain, lift, operation, workflow
from spine.secrets import EnvSecrets, FileSecrets, Secret, SecretsResolver, VaultSecrets
from spine.storage.compiled import CompiledQuery
from spine.storage.database import Database
from spine.storage.migrations import migrate
from spine.storage.tables import DEAD_LETTERS, LEDGER_EVENTS, RUNS
from spine.testing import FakeClock, FakeSleeper, ScriptedRandom, SequentialIdSource
from tests.fakes.vault_server import FakeVault
from tests.integration.storage.isolated import isolated

log = logging.getLogger("tests.secrets.leak")

type Mode = Literal[
    "raises", "returns_err", "validation_value", "retried_then_dead", "returns_secret", "leaks"
]
MODES: tuple[Mode, ...] = ("raises", "returns_err", "validation_value", "retried_then_dead", "returns_secret")


class Login(msgspec.Struct, frozen=True, kw_only=True):
    """The work's parameters: a reference to the password, never the password."""

    user: str
    password_ref: str
    mode: Mode


@dataclass(frozen=True)
class Aftermath:
    """What a failing run left behind, beyond the database and the logs."""

    run_id: str
    status: RunStatus
    raised: tuple[BaseException, ...]
    handler_had_the_value: bool
    texts: tuple[str, ...]


def _connect(user: str, password: Secret, *, expected: str) -> None:
    """Stands in for a driver's connect call: the one place the value is revealed."""
    if not hmac.compare_digest(password.reveal().encode(), expected.encode()):
        msg = f"login refused for {user} with password {password} ({password!r})"
        raise PermissionError(msg)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _registry(
    resolver: SecretsResolver, planted_digest: str, seen: list[bool], raised: list[BaseException]
) -> HandlerRegistry:
    # The handler knows the planted value only by its digest: a closure over the value itself
    # would show up in the traceback's captured locals and fail the search for the wrong reason.
    registry = HandlerRegistry()

    @registry.handler("login", params=Login)
    def login(p: Login) -> Result[object, SpineError]:
        resolved = resolver.resolve(p.password_ref)
        if isinstance(resolved, Failure):
            return Failure(resolved.failure())
        secret = resolved.unwrap()
        seen.append(_digest(secret.reveal()) == planted_digest)
        log.debug("resolved %s to %r", p.password_ref, secret)
        log.info("connecting as %s with password %s", p.user, secret)
        log.debug(f"f-string log: {secret} {secret!r} {secret:>12}")
        try:
            _connect(p.user, secret, expected="not-the-password")
        except PermissionError as exc:
            log.warning("login failed", exc_info=True)
            failure = exc
        else:
            return Success("connected")
        if p.mode == "raises":
            raised.append(failure)
            raise failure
        if p.mode == "returns_err":
            return Failure(
                AuthError(f"login failed: {failure}", context={"password": str(secret)}, cause=failure)
            )
        if p.mode == "validation_value":
            return Failure(ValidationError("password rejected", field="password", value=secret))
        if p.mode == "retried_then_dead":
            return Failure(NetworkError(f"connection dropped while sending {secret!r}"))
        if p.mode == "returns_secret":
            return Success({"password": secret})  # the runner cannot encode it: the run fails
        leak = RuntimeError(f"the control: {secret.reveal()}")
        raised.append(leak)
        raise leak

    return registry


def _all_rows(db: Database) -> list[str]:
    texts: list[str] = []
    for table in (RUNS, LEDGER_EVENTS, DEAD_LETTERS):
        query = CompiledQuery(
            sql=f"SELECT * FROM {table.name}", dialect=db.dialect.name, paramstyle=db.dialect.paramstyle
        )
        rows = db.connection.execute(query).unwrap().rows
        assert rows, f"{table.name} is empty: the run left nothing to search"
        texts += [repr(row) for row in rows]
        texts += [
            value.decode("utf-8", "replace") for row in rows for value in row if isinstance(value, bytes)
        ]
    return texts


def _exception_texts(exc: BaseException) -> list[str]:
    shown = traceback.TracebackException.from_exception(exc, capture_locals=True)
    return [str(exc), repr(exc), "".join(traceback.format_exception(exc)), "".join(shown.format())]


@dataclass(frozen=True)
class _Work:
    """What both runners share: the login handler on a migrated database, and what it saw."""

    clock: FakeClock
    ids: SequentialIdSource
    registry: HandlerRegistry
    dlq: DLQManager
    seen: list[bool]
    raised: list[BaseException]

    @classmethod
    def prepare(cls, db: Database, resolver: SecretsResolver, planted: str) -> _Work:
        clock = FakeClock()
        migrate(db, clock=clock, sleeper=FakeSleeper(clock), owner="leak-test").unwrap()
        seen: list[bool] = []
        raised: list[BaseException] = []
        ids = SequentialIdSource()
        return cls(
            clock=clock,
            ids=ids,
            registry=_registry(resolver, _digest(planted), seen, raised),
            dlq=DLQManager(db, ids=ids, clock=clock),
            seen=seen,
            raised=raised,
        )

    def aftermath(
        self, db: Database, run_id: str, status: RunStatus, error: ErrorRecord | None, shown: list[str]
    ) -> Aftermath:
        """``shown`` (what the runner reported), the run's error, what the work raised, every row."""
        assert error is not None
        return Aftermath(
            run_id=run_id,
            status=status,
            raised=tuple(self.raised),
            handler_had_the_value=bool(self.seen) and all(self.seen),
            texts=(*shown, *_error_texts(error, self.raised), *_all_rows(db)),
        )


def run_failing(
    db: Database, resolver: SecretsResolver, password_ref: str, planted: str, mode: Mode
) -> Aftermath:
    """Run work that resolves ``password_ref``, uses the secret and fails, as a task; gather its traces."""
    work = _Work.prepare(db, resolver, planted)
    ledger = ExecutionLedger(db, ids=work.ids, clock=work.clock)
    dispatcher = Dispatcher(
        db,
        work.registry,
        events=ledger,
        dead_letters=work.dlq,
        ids=work.ids,
        clock=work.clock,
        sleeper=FakeSleeper(work.clock),
        random=ScriptedRandom([0.5]),
        executor=InlineExecutor(work.registry),
    )
    policy = RetryPolicy(max_attempts=2, base_s=0.01, jitter=JitterMode.NONE)
    spec = WorkSpec(
        name="login",
        params={"user": "svc", "password_ref": password_ref, "mode": mode},
        retry=policy if mode == "retried_then_dead" else None,
    )
    run_id = dispatcher.submit(spec).unwrap()
    run = dispatcher.get(run_id).unwrap()
    shown = _shown(run, work.dlq.list(status=None).unwrap(), ledger.events(run_id).unwrap())
    return work.aftermath(db, run_id, run.status, run.error, shown)


def _shown(*records: object) -> list[str]:
    """Every record as a repr and as JSON (what a log line or an API would show)."""
    return [text for record in records for text in (repr(record), encode_json(record).decode())]


def _error_texts(record: ErrorRecord, raised: list[BaseException]) -> list[str]:
    """The run's error as rebuilt from its record, and every exception the work raised."""
    error = from_record(record)
    texts = [str(error), repr(error), *_exception_texts(error)]
    for exc in raised:
        texts += _exception_texts(exc)
    return texts


def run_failing_workflow(
    db: Database, resolver: SecretsResolver, password_ref: str, planted: str, mode: Mode
) -> Aftermath:
    """The same failing work as an operation step of a durable workflow; gather its traces.

    Checkpoints (ledger events), the step's error record and the dead letter are searched too.
    """
    work = _Work.prepare(db, resolver, planted)
    runner = TrackedWorkflowRunner(
        db,
        owner="leak-test",
        clock=work.clock,
        sleeper=FakeSleeper(work.clock),
        ids=work.ids,
        random=lambda: 0.5,
        registry=work.registry,
        dead_letters=work.dlq,
    )
    login = operation("login", params=Login, result=str)
    if mode == "retried_then_dead":
        login = login.retry(RetryPolicy(max_attempts=2, base_s=0.01, jitter=JitterMode.NONE))
    flow = workflow("login_flow", chain(lift(_same, name="prepare"), login))
    report = runner.run(flow, Login(user="svc", password_ref=password_ref, mode=mode))
    assert report.run_id is not None
    run = runner.get(report.run_id).unwrap()
    steps = runner.steps(report.run_id).unwrap()
    events = ExecutionLedger(db, ids=work.ids, clock=work.clock).events(report.run_id).unwrap()
    reports = [repr(report), repr(report.result), repr(report.steps)]
    shown = [*reports, *_shown(run, steps, work.dlq.list(status=None).unwrap(), events)]
    return work.aftermath(db, report.run_id, run.status, run.error, shown)


def _same(login: Login) -> Login:
    return login


RUNNERS = {"task": run_failing, "workflow": run_failing_workflow}


# --- where the secret is planted -----------------------------------------------------------

type Plant = Callable[[str], tuple[SecretsResolver, str]]


@pytest.fixture(params=["env", "file", "vault"])
def plant(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Plant]:
    """Plants a value in one backend; gives a resolver that can read it and the reference."""
    vault = FakeVault(token="s.leak-test-token").start()
    backends: list[VaultSecrets] = []

    def planted(value: str) -> tuple[SecretsResolver, str]:
        if request.param == "env":
            monkeypatch.setenv("SPINE_LEAK_TEST_PASSWORD", value)
            return SecretsResolver([EnvSecrets()]), "secret://env/SPINE_LEAK_TEST_PASSWORD"
        if request.param == "file":
            secrets_dir = tmp_path / "secrets"
            (secrets_dir / "db").mkdir(parents=True)
            (secrets_dir / "db" / "password").write_text(value + "\n")
            return SecretsResolver([FileSecrets(secrets_dir)]), "secret://file/db/password"
        vault.put("app/db", {"password": value})
        backends.append(VaultSecrets.connect(vault.url, Secret(vault.token), timeout_s=2.0))
        return SecretsResolver([EnvSecrets({}), backends[-1]]), "secret://vault/app/db#password"

    yield planted
    for backend in backends:
        backend.close()
    vault.stop()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with isolated("sqlite", tmp_path) as (database, _):
        yield database


def _canary() -> str:
    return f"canary-{uuid.uuid4().hex}"


def _leaks(value: str, aftermath: Aftermath, caplog: pytest.LogCaptureFixture, printed: str) -> list[str]:
    logged = [caplog.text, printed]
    for record in caplog.records:
        logged += [record.getMessage(), repr(record.args), record.exc_text or ""]
    return [text[:300] for text in (*aftermath.texts, *logged) if value in text]


@pytest.mark.parametrize("how", sorted(RUNNERS))
@pytest.mark.parametrize("mode", MODES)
def test_a_failed_run_leaves_no_trace_of_the_secret(  # noqa: PLR0917 - pytest passes fixtures by name
    plant: Plant,
    db: Database,
    mode: Mode,
    how: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    value = _canary()
    resolver, ref = plant(value)
    caplog.set_level(logging.DEBUG)
    aftermath = RUNNERS[how](db, resolver, ref, value, mode)
    printed = "".join(capsys.readouterr())

    assert aftermath.handler_had_the_value  # the work really resolved and used the secret
    assert aftermath.status is RunStatus.DEAD_LETTERED
    assert "***" in "".join(aftermath.texts) + caplog.text  # ...and really formatted it somewhere
    assert _leaks(value, aftermath, caplog, printed) == []
    assert ref in "".join(aftermath.texts)  # the reference, unlike the value, may be shown


@pytest.mark.parametrize("how", sorted(RUNNERS))
def test_the_search_finds_a_value_that_does_leak(
    plant: Plant, db: Database, how: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control: a handler that puts ``reveal()`` in its error is caught by the same search."""
    value = _canary()
    resolver, ref = plant(value)
    caplog.set_level(logging.DEBUG)
    aftermath = RUNNERS[how](db, resolver, ref, value, "leaks")
    leaks = _leaks(value, aftermath, caplog, "".join(capsys.readouterr()))
    assert aftermath.raised
    assert len(leaks) >= 5  # the error record, the dead letter, the ledger event, the rows...
