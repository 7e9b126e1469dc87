"""The shipped templates: package data, valid, and each one running with simple functions."""

from __future__ import annotations

import importlib.resources
from collections.abc import Sequence

import msgspec
import pytest
from returns.result import Failure, Result, Success

from spine.core.errors import NetworkError, NotFoundError, SpineError, ValidationError
from spine.execution.registry import HandlerRegistry
from spine.orchestration import RunState
from spine.orchestration.templates import (
    BUILTIN_TEMPLATES,
    Requirements,
    TemplateRegistry,
    builtin_source,
    builtin_spec,
    load_builtin,
    standard_registry,
)
from tests.unit.orchestration.support import fake_runner, statuses
from tests.unit.orchestration.templates.support import Flaky, message


def test_every_shipped_file_is_listed_and_package_data() -> None:
    files = importlib.resources.files("spine.orchestration.templates.builtin")
    shipped = sorted(p.name.removesuffix(".yaml") for p in files.iterdir() if p.name.endswith(".yaml"))
    assert shipped == list(BUILTIN_TEMPLATES)


@pytest.mark.parametrize("name", BUILTIN_TEMPLATES)
def test_each_builtin_is_valid_and_says_what_it_needs(name: str) -> None:
    spec = builtin_spec(name).unwrap()
    assert spec.name == name
    assert spec.source == f"builtin/{name}.yaml"
    assert spec.description
    needs = spec.requirements()
    header = "\n".join(line for line in builtin_source(name).unwrap().splitlines() if line.startswith("#"))
    for what in (*needs.functions, *needs.operations, *needs.conditions):
        assert what in header, f"{name}.yaml's header does not tell users to register {what}"


def test_an_unknown_builtin_is_not_found() -> None:
    result = builtin_source("retry_wraper")
    assert isinstance(result.failure(), NotFoundError)
    assert message(result).startswith(
        "no builtin template 'retry_wraper'; did you mean 'retry_wrapper'? (shipped: "
    )
    assert isinstance(load_builtin("nope", registry=TemplateRegistry()).failure(), NotFoundError)


def test_a_builtin_without_its_functions_is_a_config_error_listing_them() -> None:
    text = message(load_builtin("conditional_branch", registry=TemplateRegistry()))
    assert (
        "builtin/conditional_branch.yaml:12: steps[0].choice[0].when: unknown condition 'branch.condition'"
        in text
    )
    assert "steps[1].function: unknown function 'branch.when_true'" in text


# --- each one, running -------------------------------------------------------------------


class Source(msgspec.Struct, frozen=True):
    table: str
    limit: int


def test_etl() -> None:
    loaded: list[object] = []
    ops = HandlerRegistry()
    extract_failures = Flaky(failures=1)

    def extract(p: Source) -> Result[list[dict[str, object]], SpineError]:
        if extract_failures(p).value_or(None) is None:
            return Failure(NetworkError("source hiccup"))
        return Success([{"id": i, "v": None if i == 2 else i * 10} for i in range(p.limit)])

    ops.register("etl.extract", Source, extract)
    reg = TemplateRegistry()

    def validate(rows: list[dict[str, object]]) -> Result[list[dict[str, object]], SpineError]:
        return Success(rows) if rows else Failure(ValidationError("no rows"))

    def transform(rows: list[dict[str, object]]) -> Result[list[dict[str, object]], SpineError]:
        return Success([r for r in rows if r["v"] is not None])

    def load(rows: list[dict[str, object]]) -> Result[int, SpineError]:
        loaded.extend(rows)
        return Success(len(rows))

    reg.register_function("etl.validate", validate)
    reg.register_function("etl.transform", transform)
    reg.register_function("etl.load", load)
    runner, _, sleeper = fake_runner(registry=ops)
    flow = load_builtin("etl", registry=reg, operations=ops).unwrap()
    report = runner.run(flow, {"table": "orders", "limit": 4})
    assert report.result == Success(3)
    assert loaded == [{"id": 0, "v": 0}, {"id": 1, "v": 10}, {"id": 3, "v": 30}]
    assert report.step("extract").attempts == 2
    assert sleeper.sleeps == [0.5]  # base 1 s, full jitter drawing 0.5
    empty = runner.run(flow, {"table": "orders", "limit": 0})
    assert empty.state is RunState.FAILED
    assert statuses(empty)["load"] == "pending"


def test_fan_out_fan_in() -> None:
    reg = TemplateRegistry()
    seen: list[int] = []

    def split(text: str) -> Result[list[int], SpineError]:
        return Success([int(part) for part in text.split(",")])

    def process(n: int) -> Result[int, SpineError]:
        seen.append(n)
        return Success(n * n)

    def combine(squares: Sequence[int]) -> Result[int, SpineError]:
        return Success(sum(squares))

    reg.register_function("fan_out.split", split)
    reg.register_function("fan_out.process", process)
    reg.register_function("fan_out.combine", combine)
    runner, _, _ = fake_runner()
    report = runner.run(load_builtin("fan_out_fan_in", registry=reg).unwrap(), "1,2,3,4")
    assert report.result == Success(30)
    assert sorted(seen) == [1, 2, 3, 4]


def test_conditional_branch() -> None:
    reg = TemplateRegistry()

    def is_big(order: dict[str, int]) -> bool:
        return order["total"] > 1000

    def review(order: dict[str, int]) -> Result[str, SpineError]:
        return Success(f"review {order['id']}")

    def ship(order: dict[str, int]) -> Result[str, SpineError]:
        return Success(f"ship {order['id']}")

    reg.register_condition("branch.condition", is_big)
    reg.register_function("branch.when_true", review)
    reg.register_function("branch.when_false", ship)
    flow = load_builtin("conditional_branch", registry=reg).unwrap()
    runner, _, _ = fake_runner()
    assert runner.run(flow, {"id": 7, "total": 5000}).result == Success("review 7")
    report = runner.run(flow, {"id": 8, "total": 10})
    assert report.result == Success("ship 8")
    assert statuses(report)["when_true"] == "skipped"


def test_retry_wrapper() -> None:
    def build(target: Flaky) -> TemplateRegistry:
        reg = standard_registry()
        reg.register_function("retry.target", target)
        reg.register_function("retry.fallback", lambda failed: Success("cached"))
        return reg

    runner, _, sleeper = fake_runner()
    recovers = Flaky(failures=2)
    report = runner.run(load_builtin("retry_wrapper", registry=build(recovers)).unwrap(), "fresh")
    assert report.result == Success("fresh")
    assert recovers.calls == 3
    assert statuses(report)["recover"] == "skipped"
    assert sleeper.sleeps == [0.5, 1.0]
    never = Flaky(failures=99)
    report = runner.run(load_builtin("retry_wrapper", registry=build(never)).unwrap(), "fresh")
    assert report.result == Success("cached")
    assert never.calls == 3
    assert statuses(report)["attempt"] == "continued"
    assert statuses(report)["succeeded"] == "skipped"


class Batch(msgspec.Struct, frozen=True):
    day: str


def test_scheduled_batch() -> None:
    ops = HandlerRegistry()
    ops.register("batch.execute", Batch, lambda b: Success({"day": b.day, "rows": 12}))
    reg = TemplateRegistry()
    notified: list[object] = []

    def validate(out: dict[str, object]) -> Result[dict[str, object], SpineError]:
        return Success(out) if out["rows"] else Failure(ValidationError("empty"))

    reg.register_function("batch.validate", validate)

    def notify(out: object) -> Result[None, SpineError]:
        notified.append(out)
        return Failure(NetworkError("mail server down"))

    reg.register_function("batch.notify", notify)
    runner, clock, _ = fake_runner(registry=ops)
    start = clock.now()
    report = runner.run(
        load_builtin("scheduled_batch", registry=reg, operations=ops).unwrap(), {"day": "2025-01-03"}
    )
    assert report.result == Success({"day": "2025-01-03", "rows": 12})
    assert (clock.now() - start).total_seconds() >= 3600
    assert notified == [{"day": "2025-01-03", "rows": 12}]
    assert statuses(report)["notify"] == "continued"


def test_requirements_of_the_etl() -> None:
    assert builtin_spec("etl").unwrap().requirements() == Requirements(
        functions=("etl.load", "etl.transform", "etl.validate"), operations=("etl.extract",)
    )
