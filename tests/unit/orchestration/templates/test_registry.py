from __future__ import annotations

import pytest
from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError, NotFoundError, SpineError
from spine.execution.retry import RetryPolicy
from spine.orchestration import OnError, step
from spine.orchestration.graph import NodeKind
from spine.orchestration.templates import TemplateRegistry, standard_registry
from tests.unit.orchestration.templates.support import doc, double, inc, is_large, load, run


def test_functions_and_conditions_are_registered_by_name() -> None:
    reg = TemplateRegistry()
    reg.register_function("inc", inc)
    reg.register_condition("positive", is_large)
    assert reg.functions() == ("inc",)
    assert reg.conditions() == ("positive",)
    node = reg.get_function("inc").unwrap().node
    assert node.kind is NodeKind.CALL
    assert node.result_type is int  # from the annotation, as @step records it
    assert reg.get_condition("positive").unwrap()(300) is True


def test_decorators_register_and_return_the_function_unchanged() -> None:
    reg = TemplateRegistry()

    @reg.function("triple")
    def triple(x: int) -> Result[int, SpineError]:
        return Success(x * 3)

    @reg.condition("odd")
    def odd(x: int) -> bool:
        return x % 2 == 1

    assert triple(2) == Success(6)
    assert odd(3)
    assert reg.functions() == ("triple",)
    assert reg.conditions() == ("odd",)


def test_a_name_is_registered_once() -> None:
    reg = TemplateRegistry()
    reg.register_function("inc", inc)
    with pytest.raises(ConfigError, match="'inc' is already registered"):
        reg.register_function("inc", double)
    reg.register_condition("c", bool)
    with pytest.raises(ConfigError, match="'c' is already registered"):
        reg.register_condition("c", bool)
    with pytest.raises(ConfigError, match="non-empty name"):
        reg.register_function("", inc)
    # Functions and conditions are separate namespaces.
    reg.register_condition("inc", bool)


def test_an_unknown_name_is_a_not_found_error_with_a_suggestion() -> None:
    reg = TemplateRegistry()
    reg.register_function("drop_nulls", inc)
    found = reg.get_function("drop_null")
    assert isinstance(found, Failure)
    error = found.failure()
    assert isinstance(error, NotFoundError)
    assert error.key == "drop_null"
    assert (
        error.message == "unknown function 'drop_null'; did you mean 'drop_nulls'? (registered: drop_nulls)"
    )
    assert "(none registered)" in reg.get_condition("x").failure().message


def test_a_registered_task_keeps_its_policy_unless_the_template_overrides_it() -> None:
    flaky_policy = RetryPolicy(max_attempts=5, base_s=1.0)
    task = step(retry=flaky_policy, timeout_s=9.0)(inc)
    reg = TemplateRegistry()
    reg.register_function("inc", task)
    kept = load(doc("steps:\n  - {name: a, function: inc}"), reg=reg).unwrap()
    assert kept.graph.node("a").policy.retry == flaky_policy
    assert kept.graph.node("a").policy.timeout_s == 9.0
    changed = load(doc("steps:\n  - {name: a, function: inc, timeout_s: 2, on_error: continue}"), reg=reg)
    node = changed.unwrap().graph.node("a")
    assert node.policy.retry == flaky_policy
    assert node.policy.timeout_s == 2.0
    assert node.policy.on_error is OnError.CONTINUE


def test_the_standard_conditions() -> None:
    reg = standard_registry()
    is_none = reg.get_condition("is_none").unwrap()
    is_empty = reg.get_condition("is_empty").unwrap()
    is_truthy = reg.get_condition("is_truthy").unwrap()
    values: tuple[object, ...] = ((), [], "", "x", 0, None, 1)
    assert [is_none(v) for v in values] == [False, False, False, False, False, True, False]
    assert [is_empty(v) for v in values] == [True, True, True, False, False, False, False]
    assert [is_truthy(v) for v in values] == [False, False, False, True, False, False, True]
    report = run(
        doc("""
        steps:
          - name: check
            choice: [{when: is_empty, goto: empty}]
            default: full
          - {name: empty, pass: {}}
          - {name: full, pass: {}}
          - {name: out, merge: [empty, full]}
        """),
        [],
        reg=reg,
    )
    assert report.result == Success([])
    assert report.step("full").status.value == "skipped"


def test_repr_counts_the_names() -> None:
    reg = standard_registry()
    assert repr(reg) == "TemplateRegistry(functions=0, conditions=3)"
