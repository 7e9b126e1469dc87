"""The exported JSON Schema: a valid schema, committed, and never stricter than the loader."""

from __future__ import annotations

import importlib.resources
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from spine.orchestration.templates import BUILTIN_TEMPLATES, builtin_source, parse_document, template_schema
from spine.orchestration.templates.source import read_document
from tests.unit.orchestration.templates.strategies import documents, valid_documents
from tests.unit.orchestration.templates.support import message

jsonschema = pytest.importorskip("jsonschema")
VALIDATOR = jsonschema.Draft202012Validator(template_schema())


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = template_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert json.loads(json.dumps(schema)) == schema


def test_the_committed_schema_file_is_current() -> None:
    committed = importlib.resources.files("spine.orchestration.templates").joinpath("template.schema.json")
    assert json.loads(committed.read_text(encoding="utf-8")) == template_schema(), (
        "regenerate: python -c 'import json; from spine.orchestration.templates import template_schema as s; "
        "print(json.dumps(s(), indent=2))' > spine/orchestration/templates/template.schema.json"
    )


@pytest.mark.parametrize("name", BUILTIN_TEMPLATES)
def test_the_builtins_fit_the_schema(name: str) -> None:
    data = read_document(builtin_source(name).unwrap(), syntax="yaml").unwrap().data
    assert list(VALIDATOR.iter_errors(data)) == []


@pytest.mark.parametrize(
    "document",
    [
        {"name": "t", "version": 1, "steps": [{"name": "a", "function": "f", "colour": 1}]},
        {"name": "t", "version": 1, "steps": [{"name": "a", "function": "f", "operation": "g"}]},
        {"name": "t", "version": 1, "steps": [{"name": "a"}]},
        {"name": "t", "version": 1, "steps": [{"name": "a", "function": "f", "on_error": "retry"}]},
        {"name": "t", "version": 1, "steps": [{"name": "a", "function": "f", "retry": {"max_attempts": 0}}]},
        {"name": "t", "version": 2, "steps": [{"name": "a", "function": "f"}]},
        {"name": "t", "version": 1, "steps": []},
        {"name": "t", "version": 1, "steps": [{"name": "2a", "function": "f"}]},
    ],
)
def test_the_schema_refuses_what_the_loader_refuses(document: dict[str, object]) -> None:
    assert isinstance(parse_document(document), Failure)
    assert list(VALIDATOR.iter_errors(document)) != []


@settings(max_examples=100)
@given(documents)
def test_whatever_the_loader_accepts_fits_the_schema(data: object) -> None:
    if parse_document(data).value_or(None) is not None:
        assert list(VALIDATOR.iter_errors(data)) == []


@settings(max_examples=100)
@given(valid_documents)
def test_documents_that_fit_the_format_fit_the_schema(data: dict[str, object]) -> None:
    assert isinstance(parse_document(data), Success)
    assert list(VALIDATOR.iter_errors(data)) == []


@settings(max_examples=50)
@given(valid_documents, st.data())
def test_an_unknown_field_anywhere_in_a_step_is_refused_by_both(
    data: dict[str, object], draw: st.DataObject
) -> None:
    steps = data["steps"]
    assert isinstance(steps, list)
    k = draw.draw(st.integers(0, len(steps) - 1))
    steps[k] = {**steps[k], "surprise": 1}
    refused = message(parse_document(data, source="d.yaml"))
    assert f"steps[{k}].surprise: unknown field 'surprise'" in refused
    assert list(VALIDATOR.iter_errors(data)) != []
