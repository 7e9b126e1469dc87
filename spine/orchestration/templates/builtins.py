"""The templates spine ships: ETL, fan-out/fan-in, conditional branch, retry wrapper, scheduled batch.

Each is a YAML file in ``builtin/`` (package data) naming the functions, conditions and
operations it needs; its header comment and ``requirements()`` list them. Register your
implementations under those names and load it:

>>> builtin_spec("retry_wrapper").unwrap().requirements()
Requirements(functions=('retry.fallback', 'retry.target'), conditions=('is_none',), operations=())

This is an edge module: it reads the package's files.
"""

from __future__ import annotations

from importlib import resources

from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError, NotFoundError, SpineError, ValidationError, WorkflowError
from spine.execution.registry import HandlerRegistry
from spine.orchestration.templates.build import build_workflow
from spine.orchestration.templates.load import parse_template
from spine.orchestration.templates.problems import known, suggest
from spine.orchestration.templates.registry import TemplateRegistry
from spine.orchestration.templates.spec import TemplateSpec
from spine.orchestration.workflow import Workflow

__all__ = ["BUILTIN_TEMPLATES", "builtin_source", "builtin_spec", "load_builtin"]

BUILTIN_TEMPLATES: tuple[str, ...] = (
    "conditional_branch",
    "etl",
    "fan_out_fan_in",
    "retry_wrapper",
    "scheduled_batch",
)
"""The names of the shipped templates."""

_PACKAGE = "spine.orchestration.templates.builtin"


def builtin_source(name: str, /) -> Result[str, NotFoundError]:
    """The YAML text of the shipped template ``name`` (to read, copy or adapt)."""
    if name not in BUILTIN_TEMPLATES:
        hint = f"{suggest(name, BUILTIN_TEMPLATES)} {known(BUILTIN_TEMPLATES, 'shipped')}"
        msg = f"no builtin template {name!r}{hint}"
        return Failure(NotFoundError(msg, resource="template", key=name))
    return Success(resources.files(_PACKAGE).joinpath(f"{name}.yaml").read_text(encoding="utf-8"))


def builtin_spec(name: str, /) -> Result[TemplateSpec, NotFoundError | ValidationError | ConfigError]:
    """The shipped template ``name``, validated (ask it for its ``requirements()``)."""
    text = builtin_source(name)
    if isinstance(text, Failure):
        return text
    return parse_template(text.unwrap(), origin=f"builtin/{name}.yaml", syntax="yaml")


def load_builtin(
    name: str, /, *, registry: TemplateRegistry, operations: HandlerRegistry | None = None
) -> Result[
    Workflow[object, object, SpineError], NotFoundError | ValidationError | ConfigError | WorkflowError
]:
    """The workflow of the shipped template ``name``, its names resolved in the registries."""
    spec = builtin_spec(name)
    if isinstance(spec, Failure):
        return spec
    return build_workflow(spec.unwrap(), registry=registry, operations=operations)
