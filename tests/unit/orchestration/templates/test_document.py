"""The boundary: every way a document can miss the format is an error naming file, line and path."""

# Expected messages are whole lines, kept unbroken so they read as users see them.
# ruff: noqa: E501

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from spine.core.errors import ConfigError, ValidationError, WorkflowError
from spine.orchestration.templates import (
    ChoiceStep,
    FunctionStep,
    MapStep,
    PassStep,
    WaitStep,
    parse_document,
    parse_template,
)
from tests.unit.orchestration.templates.strategies import documents
from tests.unit.orchestration.templates.support import doc, load, message


def error_of(body: str) -> str:
    result = parse_template(doc(body), origin="etl.yaml")
    assert isinstance(result, Failure), result
    assert isinstance(result.failure(), ValidationError)
    return message(result)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # unknown fields, at every level, with what is allowed there
        (
            "colour: red\nsteps: [{name: a, function: f}]",
            "etl.yaml:3: colour: unknown field 'colour' (allowed: $schema, name, version, description, steps, output)",
        ),
        (
            "steps:\n  - {name: a, function: f, retyr: {}}",
            "etl.yaml:4: steps[0].retyr: unknown field 'retyr'; did you mean 'retry'? (allowed: name, description, "
            "input, retry, timeout_s, on_error, fallback, compensate, function)",
        ),
        (
            "steps:\n  - name: a\n    function: f\n    retry: {max_attempt: 3}",
            "etl.yaml:6: steps[0].retry.max_attempt: unknown field 'max_attempt'; did you mean 'max_attempts'? "
            "(allowed: max_attempts, backoff, base_s, factor, increment_s, max_delay_s, jitter, deadline_s)",
        ),
        (
            "steps:\n  - {name: a, choice: [{when: c, goto: b, label: x}], default: b}\n  - {name: b, pass: {}}",
            "etl.yaml:4: steps[0].choice[0].label: unknown field 'label' (allowed: when, goto)",
        ),
        (
            "steps:\n  - {name: a, map: {function: f, parallel: 2}}",
            "etl.yaml:4: steps[0].map.parallel: unknown field 'parallel' (allowed: function, operation, "
            "concurrency, tolerated_failures, retry, timeout_s)",
        ),
        (
            "steps:\n  - {name: a, wait: {minutes: 2}}",
            "etl.yaml:4: steps[0].wait.minutes: unknown field 'minutes' (allowed: seconds, until)",
        ),
        (
            "steps:\n  - {name: a, pass: {x: 1}}",
            "etl.yaml:4: steps[0].pass.x: unknown field 'x'",
        ),
        (
            "steps:\n  - {name: a, join: [$input], retry: {}}",
            "etl.yaml:4: steps[0].retry: unknown field 'retry' (allowed: name, description, join)",
        ),
        # kinds
        (
            "steps:\n  - {name: a, fucntion: f}",
            "etl.yaml:4: steps[0]: a step needs a kind: one of function, operation, map, choice, wait, join, "
            "merge, pass (unknown: 'fucntion'); did you mean 'function'?",
        ),
        (
            "steps:\n  - {name: a}",
            "etl.yaml:4: steps[0]: a step needs a kind: one of function, operation, map,",
        ),
        (
            "steps:\n  - {name: a, function: f, operation: g}",
            "etl.yaml:4: steps[0]: a step has exactly one kind, this one has 2: function, operation",
        ),
        ("steps:\n  - extract", "etl.yaml:4: steps[0]: a step must be a mapping, got str"),
        ("steps: {a: 1}", "etl.yaml:3: steps: expected a list, got dict"),
        ("steps: []", "etl.yaml:3: steps: list should have at least 1 item after validation, not 0, got []"),
        ("", "etl.yaml:1: steps: required field missing"),
        # names and references as text
        (
            "steps:\n  - {name: 2a, function: f}",
            "etl.yaml:4: steps[0].name: expected a step name (a letter or _,",
        ),
        ("steps:\n  - {name: $input, function: f}", "etl.yaml:4: steps[0].name: expected a step name"),
        ("steps:\n  - {name: a, function: f, input: 'x y'}", "or $input for the workflow's input, got 'x y'"),
        (
            "steps:\n  - {name: a, function: ''}",
            "etl.yaml:4: steps[0].function: string should have at least 1",
        ),
        # strict types
        (
            "steps:\n  - {name: a, function: 3}",
            "etl.yaml:4: steps[0].function: input should be a valid string, got 3",
        ),
        (
            "steps:\n  - {name: a, function: f, retry: {max_attempts: '3'}}",
            "etl.yaml:4: steps[0].retry.max_attempts: input should be a valid integer, got '3'",
        ),
        (
            "steps:\n  - {name: a, function: f, retry: {max_attempts: true}}",
            "steps[0].retry.max_attempts: input should be a valid integer, got True",
        ),
        # policy values
        (
            "steps:\n  - {name: a, function: f, retry: {max_attempts: 0}}",
            "steps[0].retry.max_attempts: input should be greater than or equal to 1, got 0",
        ),
        (
            "steps:\n  - {name: a, function: f, retry: {base_s: 5, max_delay_s: 1}}",
            "etl.yaml:4: steps[0].retry: max_delay_s must be a finite number >= 5.0, got 1.0",
        ),
        (
            "steps:\n  - {name: a, function: f, retry: {backoff: fibonacci}}",
            "steps[0].retry.backoff: input should be 'constant', 'linear' or 'exponential', got 'fibonacci'",
        ),
        (
            "steps:\n  - {name: a, function: f, timeout_s: 0}",
            "steps[0].timeout_s: input should be greater than 0, got 0",
        ),
        (
            "steps:\n  - {name: a, function: f, timeout_s: .nan}",
            "steps[0].timeout_s: input should be a finite number",
        ),
        (
            "steps:\n  - {name: a, function: f, on_error: retry}",
            "steps[0].on_error: input should be 'fail', 'continue' or 'compensate', got 'retry'",
        ),
        (
            "steps:\n  - {name: a, function: f, fallback: 0}",
            "etl.yaml:4: steps[0]: a fallback is the output of a failed step that carries on: it needs on_error: "
            "continue",
        ),
        (
            "steps:\n  - {name: a, map: {function: f, operation: g}}",
            "etl.yaml:4: steps[0].map: a map applies exactly one of function and operation",
        ),
        (
            "steps:\n  - {name: a, map: {}}",
            "steps[0].map: a map applies exactly one of function and operation",
        ),
        (
            "steps:\n  - {name: a, map: {function: f, concurrency: 0}}",
            "steps[0].map.concurrency: input should be",
        ),
        (
            "steps:\n  - {name: a, wait: {}}",
            "etl.yaml:4: steps[0].wait: a wait needs exactly one of seconds and until",
        ),
        (
            "steps:\n  - {name: a, wait: {seconds: 1, until: 2030-01-01T00:00:00Z}}",
            "steps[0].wait: a wait needs exactly one of seconds and until",
        ),
        (
            "steps:\n  - {name: a, wait: {seconds: -1}}",
            "steps[0].wait.seconds: input should be greater than or equal",
        ),
        (
            "steps:\n  - {name: a, wait: {until: '2030-01-01T00:00:00'}}",
            "steps[0].wait.until: input should have timezone info",
        ),
        (
            "steps:\n  - {name: a, wait: {until: 'soon'}}",
            "steps[0].wait.until: expected an ISO 8601 date-time with a timezone (2030-01-01T00:00:00Z), got 'soon'",
        ),
    ],
)
def test_a_document_that_misses_the_format_says_where_and_what(body: str, expected: str) -> None:
    assert expected in error_of(body)


def test_the_version_and_name_are_checked() -> None:
    result = parse_template("name: ''\nversion: 2\nsteps: [{name: a, function: f}]", origin="v.yaml")
    assert message(result).splitlines() == [
        "v.yaml:1: name: string should have at least 1 character, got ''",
        "v.yaml:2: version: input should be 1, got 2",
    ]


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = error_of("steps:\n  - {name: a, function: f, timeout_s: 0}\n  - {name: b, fucntion: g}\n  - 7")
    assert text.splitlines() == [
        "etl.yaml:4: steps[0].timeout_s: input should be greater than 0, got 0",
        "etl.yaml:5: steps[1]: a step needs a kind: one of function, operation, map, choice, wait, join, merge, "
        "pass (unknown: 'fucntion'); did you mean 'function'?",
        "etl.yaml:6: steps[2]: a step must be a mapping, got int",
    ]


def test_the_error_carries_the_source_the_first_path_and_every_problem() -> None:
    result = parse_template(
        doc("steps:\n  - {name: a, function: f, retyr: 1}\n  - {name: b}"), origin="x.yaml"
    )
    error = result.failure()
    assert isinstance(error, ValidationError)
    assert error.field == "steps[0].retyr"
    assert error.context["source"] == "x.yaml"
    problems = error.context["problems"]
    assert isinstance(problems, tuple)  # the error's context is frozen: lists become tuples
    assert len(problems) == 2


def test_a_json_document_has_no_lines_but_the_paths() -> None:
    result = load(
        '{"name": "t", "version": 1, "steps": [{"name": "a", "function": "inc", "x": 1}]}', origin="t.json"
    )
    assert message(result).startswith("t.json: steps[0].x: unknown field 'x'")


def test_a_valid_document_becomes_frozen_structs() -> None:
    spec = parse_template(
        doc("""
        description: all kinds
        steps:
          - {name: a, function: inc, description: first}
          - name: route
            choice: [{when: is_large, goto: big}]
            default: small
          - {name: big, map: {function: inc, concurrency: 2, tolerated_failures: 1, timeout_s: 3}}
          - {name: small, pass: }
          - {name: nap, wait: {until: '2030-01-01T00:00:00+01:00'}, input: a}
        output: nap
        """)
    ).unwrap()
    assert spec.name == "t"
    assert spec.description == "all kinds"
    assert spec.output_step == "nap"
    a, route, big, small, nap = spec.steps
    assert isinstance(a, FunctionStep)
    assert isinstance(route, ChoiceStep)
    assert [(b.when, b.goto) for b in route.branches] == [("is_large", "big")]
    assert isinstance(big, MapStep)
    assert (big.concurrency, big.tolerated_failures, big.item.timeout_s) == (2, 1, 3.0)
    assert isinstance(small, PassStep)
    assert isinstance(nap, WaitStep)
    assert nap.until is not None
    assert nap.until.utcoffset() is not None
    assert nap.input == "a"


# --- garbage never raises --------------------------------------------------------------


@settings(max_examples=150)
@given(documents)
def test_any_data_is_a_spec_or_a_validation_error_never_an_exception(data: object) -> None:
    result = parse_document(data, source="g.yaml")
    if isinstance(result, Failure):
        assert isinstance(result.failure(), ValidationError)
        assert all(line.startswith("g.yaml") for line in result.failure().message.splitlines())
    else:
        assert isinstance(result, Success)


@settings(max_examples=100)
@given(documents, st.sampled_from(["yaml", "json"]))
def test_any_text_loads_or_fails_with_a_typed_error_naming_the_file(data: object, syntax: str) -> None:
    text = json.dumps(data, default=str)  # YAML reads JSON too
    result = load(text if syntax == "json" else f" {text}", origin="g.yaml")
    if isinstance(result, Failure):
        error = result.failure()
        assert isinstance(error, ValidationError | ConfigError | WorkflowError)
        assert error.message.startswith("g.yaml")


@given(st.text(max_size=200))
def test_any_string_loads_or_fails_with_a_typed_error(text: str) -> None:
    result = load(text, origin="s.yaml")
    if isinstance(result, Failure):
        assert isinstance(result.failure(), ValidationError | ConfigError | WorkflowError)
        assert result.failure().message.startswith("s.yaml")
