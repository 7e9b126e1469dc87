"""Finding a user's workflow (``MODULE:ATTR``) and decoding its input from JSON."""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from pathlib import Path

import msgspec

from spine.cli.common import CliError
from spine.core.codec import dec_hook
from spine.core.errors import SpineError
from spine.orchestration.durable_codec import input_type
from spine.orchestration.workflow import Workflow

__all__ = ["decode_input", "import_attribute", "load_workflow"]


def import_attribute(ref: str, *, what: str = "NAME", example: str = "package.module:name") -> object:
    """What ``module:attribute`` names (the current directory is importable), or a ``CliError``."""
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        msg = f"{ref!r}: expected MODULE:{what}, e.g. {example}"
        raise CliError(msg)
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
    except (ImportError, TypeError) as exc:  # TypeError: a relative name such as '.x'
        msg = f"{ref}: cannot import {module_name!r}: {exc}"
        raise CliError(msg) from None
    if not hasattr(module, attr):
        msg = f"{ref}: module {module_name!r} has no attribute {attr!r}"
        raise CliError(msg)
    found: object = getattr(module, attr)
    return found


def load_workflow(ref: str) -> Workflow[object, object, SpineError]:
    """The ``Workflow`` at ``module:attribute`` (the current directory is importable).

    The attribute is a ``Workflow``, or a function without parameters that returns one
    (called once). Anything else, a function that needs arguments included, is a
    ``CliError``: the command line calls nothing it cannot call safely.
    """
    found = import_attribute(ref, what="WORKFLOW", example="pipelines.daily:flow")
    attr = ref.partition(":")[2]
    if not isinstance(found, Workflow) and inspect.isfunction(found):
        try:
            inspect.signature(found).bind()
        except TypeError:
            msg = f"{ref}: {attr!r} is a function that takes arguments, not a Workflow or a factory of one"
            raise CliError(msg) from None
        found = found()  # a factory of the workflow
    if not isinstance(found, Workflow):
        msg = f"{ref}: {attr!r} is not a spine Workflow (got {type(found).__name__})"
        raise CliError(msg)
    return found  # pyright: ignore[reportUnknownVariableType]


def decode_input(workflow: Workflow[object, object, SpineError], text: str | None) -> object:
    """``--input`` (JSON text, or ``@file.json``) as the workflow's input type."""
    if text is None:
        return None
    where = "--input"
    if text.startswith("@"):
        where = text[1:]
        try:
            text = Path(where).read_text()
        except OSError as exc:
            msg = f"{where}: {exc.strerror}"
            raise CliError(msg) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{where}: not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise CliError(msg) from None
    kind = input_type(workflow.plan)
    try:
        return msgspec.convert(raw, kind, dec_hook=dec_hook, strict=False)
    except msgspec.ValidationError as exc:
        msg = f"{where}: does not fit the workflow's input type {getattr(kind, '__name__', kind)}: {exc}"
        raise CliError(msg) from None
