"""Loading a template: read it, validate it at the boundary, build the workflow.

>>> from returns.result import Success
>>> registry = TemplateRegistry()
>>> registry.register_function("shout", lambda text: Success(text.upper()))
>>> text = '''
... name: greet
... version: 1
... steps:
...   - name: shout
...     function: shout
... '''
>>> from spine.orchestration.runner import WorkflowRunner
>>> WorkflowRunner().run(load_template(text, registry=registry).unwrap(), "hi").result
<Success: HI>
"""

from __future__ import annotations

from pathlib import Path

from returns.result import Failure, Result

from spine.core.errors import ConfigError, SpineError, ValidationError, WorkflowError
from spine.execution.registry import HandlerRegistry
from spine.orchestration.templates.build import build_workflow
from spine.orchestration.templates.document import parse_document
from spine.orchestration.templates.registry import TemplateRegistry
from spine.orchestration.templates.source import Syntax, read_document
from spine.orchestration.templates.spec import TemplateSpec
from spine.orchestration.workflow import Workflow

__all__ = ["load_template", "parse_template"]


def parse_template(
    source: str | Path, *, origin: str | None = None, syntax: Syntax | None = None
) -> Result[TemplateSpec, ValidationError | ConfigError]:
    """Read and validate a template without resolving any name (to lint it, or ask what it needs).

    Args:
        source: A ``Path`` to read, or the document's text.
        origin: What error messages call the document (default: the path, or ``<template>``).
        syntax: ``"yaml"`` or ``"json"`` (default: by file suffix, or by the text's first character).
    """
    read = read_document(source, origin=origin, syntax=syntax)
    if isinstance(read, Failure):
        return read
    document = read.unwrap()
    return parse_document(document.data, source=document.source, lines=document.lines)


def load_template(
    source: str | Path,
    *,
    registry: TemplateRegistry,
    operations: HandlerRegistry | None = None,
    origin: str | None = None,
    syntax: Syntax | None = None,
) -> Result[Workflow[object, object, SpineError], ValidationError | ConfigError | WorkflowError]:
    """The workflow a YAML/JSON template describes.

    Args:
        source: A ``Path`` to read, or the document's text.
        registry: The functions and conditions the template may name.
        operations: The handlers its ``operation`` steps may name (required if it has any).
        origin: What error messages call the document (default: the path, or ``<template>``).
        syntax: ``"yaml"`` or ``"json"`` (default: by file suffix, or by the text's first character).

    Returns:
        The workflow; or a ``ValidationError`` (the document does not fit the format), a
        ``ConfigError`` (it names something not registered, or the file cannot be read) or
        a ``WorkflowError`` (its steps do not form a workflow). Each message names the
        file, the path in the document and, for YAML, the line.
    """
    spec = parse_template(source, origin=origin, syntax=syntax)
    if isinstance(spec, Failure):
        return spec
    return build_workflow(spec.unwrap(), registry=registry, operations=operations)
