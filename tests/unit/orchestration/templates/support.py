"""Shared pieces of the template tests: a registry of small functions, loaders, a run helper."""

from __future__ import annotations

import textwrap

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError, NetworkError, SpineError, ValidationError, WorkflowError
from spine.execution.registry import HandlerRegistry
from spine.orchestration import WorkflowReport
from spine.orchestration.templates import TemplateRegistry, load_template, standard_registry
from spine.orchestration.workflow import Workflow
from tests.unit.orchestration.support import fake_runner

type Loaded = Result[Workflow[object, object, SpineError], ValidationError | ConfigError | WorkflowError]


def inc(x: int) -> Result[int, SpineError]:
    return Success(x + 1)


def double(x: int) -> Result[int, SpineError]:
    return Success(x * 2)


def negate(x: int) -> Result[int, SpineError]:
    return Success(-x)


def boom(x: object) -> Result[object, SpineError]:
    return Failure(ValidationError(f"boom on {x!r}"))


def total(xs: tuple[int, ...]) -> Result[int, SpineError]:
    return Success(sum(xs))


def is_large(x: int) -> bool:
    return x > 100


def is_even(x: int) -> bool:
    return x % 2 == 0


class Flaky:
    """Fails with a transient error ``failures`` times, then returns its input."""

    def __init__(self, failures: int) -> None:
        self.failures, self.calls = failures, 0

    def __call__(self, x: object) -> Result[object, SpineError]:
        self.calls += 1
        if self.calls <= self.failures:
            return Failure(NetworkError(f"attempt {self.calls} failed"))
        return Success(x)


def registry() -> TemplateRegistry:
    """Functions inc, double, negate, boom, total; conditions is_large, is_even (+ standard)."""
    reg = standard_registry()
    reg.register_function("inc", inc)
    reg.register_function("double", double)
    reg.register_function("negate", negate)
    reg.register_function("total", total)
    reg.register_function("boom", boom)
    reg.register_condition("is_large", is_large)
    reg.register_condition("is_even", is_even)
    return reg


class Pair(msgspec.Struct, frozen=True):
    a: int
    b: int


def add(p: Pair) -> Result[int, SpineError]:
    return Success(p.a + p.b)


def handlers() -> HandlerRegistry:
    """Operation ``add`` (params ``{a, b}``)."""
    ops = HandlerRegistry()
    ops.register("add", Pair, add)
    return ops


def doc(body: str) -> str:
    """A YAML template: ``name: t``, ``version: 1``, then ``body`` (dedented)."""
    return "name: t\nversion: 1\n" + textwrap.dedent(body).strip() + "\n"


def load(
    text: str,
    *,
    reg: TemplateRegistry | None = None,
    operations: HandlerRegistry | None = None,
    origin: str = "t.yaml",
) -> Loaded:
    return load_template(text, registry=reg or registry(), operations=operations, origin=origin)


def run(text: str, value: object, **options: object) -> WorkflowReport[object]:
    """Load ``text`` (it must be valid) and run it on a fake runner."""
    operations = options.get("operations")
    assert operations is None or isinstance(operations, HandlerRegistry)
    reg = options.get("reg")
    assert reg is None or isinstance(reg, TemplateRegistry)
    runner, _, _ = fake_runner(registry=operations)
    return runner.run(load(text, reg=reg, operations=operations).unwrap(), value)


def message(result: Result[object, SpineError]) -> str:
    """The error message of a failed result (fails the test on success)."""
    assert isinstance(result, Failure), f"expected an error, got {result}"
    error = result.failure()
    assert isinstance(error, SpineError)
    return error.message
