"""From a valid document to the IR: wiring, name resolution, and the errors of each sort."""

# Expected messages are whole lines, kept unbroken so they read as users see them.
# ruff: noqa: E501

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from returns.result import Failure

from spine.core.errors import ConfigError, WorkflowError
from spine.execution.jitter import JitterMode
from spine.execution.registry import HandlerRegistry
from spine.execution.retry import Backoff, RetryPolicy
from spine.orchestration import OnError
from spine.orchestration.graph import INPUT, NodeKind
from spine.orchestration.templates import (
    FunctionStep,
    TemplateRegistry,
    TemplateSpec,
    build_workflow,
    load_template,
)
from tests.unit.orchestration.templates.strategies import valid_documents
from tests.unit.orchestration.templates.support import (
    Pair,
    add,
    doc,
    handlers,
    inc,
    is_large,
    load,
    message,
    registry,
)


def inputs_of(body: str) -> dict[str, tuple[str, ...]]:
    return {n.name: n.inputs for n in load(doc(body), operations=handlers()).unwrap().graph.nodes}


def test_a_step_reads_the_step_before_it_and_the_first_reads_the_input() -> None:
    assert inputs_of("steps:\n  - {name: a, function: inc}\n  - {name: b, function: inc}") == {
        "a": (INPUT,),
        "b": ("a",),
    }


def test_a_choice_target_reads_the_choice_and_input_overrides_the_default() -> None:
    wired = inputs_of("""
    steps:
      - {name: start, function: inc}
      - name: route
        choice: [{when: is_large, goto: big}]
        default: small
      - {name: big, function: double}
      - {name: big2, function: inc}
      - {name: small, pass: {}}
      - {name: end, merge: [big2, small]}
      - {name: again, function: inc, input: $input}
      - {name: both, join: [end, again, $input]}
    """)
    assert wired == {
        "start": (INPUT,),
        "route": ("start",),
        "big": ("route",),
        "big2": ("big",),
        "small": ("route",),
        "end": ("big2", "small"),
        "again": (INPUT,),
        "both": ("end", "again", INPUT),
    }


def test_policies_become_the_node_policy() -> None:
    flow = load(
        doc("""
        steps:
          - name: a
            function: inc
            retry: {max_attempts: 4, backoff: linear, base_s: 0.5, jitter: none}
            timeout_s: 2.5
            on_error: continue
            fallback: {"rows": []}
            compensate: negate
          - name: each
            map: {function: inc, retry: {max_attempts: 2}, timeout_s: 1}
            on_error: compensate
        """)
    ).unwrap()
    a = flow.graph.node("a")
    assert a.policy.retry == RetryPolicy(
        max_attempts=4, backoff=Backoff.LINEAR, base_s=0.5, jitter=JitterMode.NONE
    )
    assert a.policy.timeout_s == 2.5
    assert a.policy.on_error is OnError.CONTINUE
    assert a.fallback == {"rows": []}
    assert a.compensate is not None
    assert [n.kind for n in a.compensate.nodes] == [NodeKind.CALL]
    each = flow.graph.node("each")
    assert each.policy.on_error is OnError.COMPENSATE
    assert each.policy.retry is None
    assert each.body is not None
    item = each.body.nodes[0]
    assert (item.name, item.kind, item.inputs) == ("inc", NodeKind.CALL, (INPUT,))
    assert item.policy.retry == RetryPolicy(max_attempts=2)
    assert item.policy.timeout_s == 1.0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "steps:\n  - {name: a, function: incr}",
            "t.yaml:4: steps[0].function: unknown function 'incr'; did you mean 'inc'? (registered: boom, double, inc,",
        ),
        (
            "steps:\n  - {name: a, choice: [{when: is_larg, goto: b}], default: b}\n  - {name: b, pass: {}}",
            "t.yaml:4: steps[0].choice[0].when: unknown condition 'is_larg'; did you mean 'is_large'? (registered: ",
        ),
        (
            "steps:\n  - {name: a, operation: ad}",
            "t.yaml:4: steps[0].operation: unknown operation 'ad'; did you mean 'add'? (registered: add)",
        ),
        (
            "steps:\n  - {name: a, function: inc, on_error: fail, compensate: undo}",
            "t.yaml:4: steps[0].compensate: unknown function 'undo'",
        ),
        (
            "steps:\n  - {name: a, map: {function: nope}}",
            "t.yaml:4: steps[0].map.function: unknown function 'nope'",
        ),
        (
            "steps:\n  - {name: a, map: {operation: nope}}",
            "t.yaml:4: steps[0].map.operation: unknown operation 'nope'",
        ),
    ],
)
def test_an_unknown_registered_name_is_a_config_error(body: str, expected: str) -> None:
    result = load(doc(body), operations=handlers())
    assert isinstance(result, Failure)
    assert isinstance(result.failure(), ConfigError)
    assert expected in message(result)


def test_an_operation_without_a_handler_registry_is_an_error_not_a_no_op() -> None:
    result = load(doc("steps:\n  - {name: a, operation: add}"))
    assert isinstance(result.failure(), ConfigError)
    assert (
        message(result)
        == "t.yaml:4: steps[0].operation: operation 'add' needs a handler registry: pass operations="
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "steps:\n  - {name: a, function: inc, input: b}",
            "t.yaml:4: steps[0].input: unknown step 'b' (steps: a)",
        ),
        (
            "steps:\n  - {name: a, choice: [{when: is_large, goto: bg}], default: big}\n  - {name: big, pass: {}}",
            "t.yaml:4: steps[0].choice[0].goto: unknown step 'bg'; did you mean 'big'? (steps: a, big)",
        ),
        (
            "steps:\n  - {name: a, choice: [{when: is_large, goto: big}], default: smal}\n  - {name: big, pass: {}}",
            "t.yaml:4: steps[0].default: unknown step 'smal'",
        ),
        ("steps:\n  - {name: a, join: [$input, b]}", "t.yaml:4: steps[0].join[1]: unknown step 'b'"),
        ("steps:\n  - {name: a, merge: [c]}", "t.yaml:4: steps[0].merge[0]: unknown step 'c'"),
        ("steps:\n  - {name: a, function: inc}\noutput: z", "t.yaml:5: output: unknown step 'z' (steps: a)"),
        (
            "steps:\n  - {name: a, function: inc}\n  - {name: a, function: double}",
            "t.yaml:5: steps[1].name: duplicate step name 'a' (see steps[0])",
        ),
        (
            "steps:\n  - {name: a, function: inc, input: b}\n  - {name: b, function: inc, input: a}",
            "t.yaml:4: steps[0]: steps ['a', 'b'] form a cycle",
        ),
        (
            "steps:\n  - {name: a, choice: [{when: is_large, goto: b}], default: c}\n"
            "  - {name: b, pass: {}}\n  - {name: c, pass: {}, input: $input}",
            "t.yaml:6: steps[2].input: a branch of choice 'a' reads that choice, not '$input': remove its input",
        ),
        (
            "steps:\n  - {name: a, choice: [{when: is_large, goto: b}], default: b}\n  - {name: b, pass: {}}",
            "t.yaml:4: steps[0]: step 'a' names a target twice",
        ),
        (
            "steps:\n  - {name: a, choice: [{when: is_large, goto: b}], default: c}\n  - {name: x, function: inc}\n"
            "  - {name: b, pass: {}}\n  - {name: c, pass: {}}",
            "t.yaml:5: steps[1]: follows choice 'a' but is not one of its branches: name it in the choice "
            "(goto or default) or give it an input",
        ),
    ],
)
def test_steps_that_do_not_form_a_workflow_are_a_workflow_error(body: str, expected: str) -> None:
    result = load(doc(body))
    assert isinstance(result, Failure)
    error = result.failure()
    assert isinstance(error, WorkflowError)
    assert error.workflow == "t"
    assert expected in message(result), message(result)


def test_wiring_and_name_problems_are_reported_together() -> None:
    result = load(doc("steps:\n  - {name: a, function: nope, input: z}"))
    assert isinstance(result.failure(), WorkflowError)
    assert message(result).splitlines() == [
        "t.yaml:4: steps[0].input: unknown step 'z' (steps: a)",
        "t.yaml:4: steps[0].function: unknown function 'nope' (registered: boom, double, inc, negate, total)",
    ]


def test_a_spec_built_in_code_needs_no_document() -> None:
    spec = TemplateSpec(name="coded", source="<code>", steps=(FunctionStep(name="a", function="f"),))
    result = build_workflow(spec, registry=TemplateRegistry())
    assert message(result) == "<code>: steps[0].function: unknown function 'f' (none registered)"


def _everything() -> tuple[TemplateRegistry, HandlerRegistry]:
    reg = registry()
    ops = HandlerRegistry()
    for name in ("inc", "double", "etl.load", "x"):
        ops.register(name, Pair, add)
    reg.register_function("etl.load", inc)
    reg.register_function("x", inc)
    reg.register_condition("inc", is_large)
    reg.register_condition("double", is_large)
    reg.register_condition("etl.load", is_large)
    reg.register_condition("x", is_large)
    return reg, ops


@settings(max_examples=150)
@given(valid_documents)
def test_any_valid_document_builds_or_fails_with_a_typed_error_naming_the_file(
    data: dict[str, object],
) -> None:
    reg, ops = _everything()
    result = load_template(json.dumps(data), registry=reg, operations=ops, origin="h.json")
    if isinstance(result, Failure):
        error = result.failure()
        assert isinstance(error, WorkflowError)  # every name is registered: only wiring can be wrong
        assert all(line.startswith("h.json: ") for line in error.message.splitlines())
    else:
        steps = data["steps"]
        assert isinstance(steps, list)
        assert set(result.unwrap().step_names) == {s["name"] for s in steps}
