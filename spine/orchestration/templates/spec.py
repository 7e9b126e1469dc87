"""A validated workflow template: frozen Structs, past the pydantic boundary.

``model.py`` turns a user's YAML/JSON document into a ``TemplateSpec``; ``build.py`` turns
a spec and the registries into a ``Workflow``. Names in a spec (functions, conditions,
operations, step references) are still unresolved text: a spec says what a template
needs (``requirements``) without any registry at hand.

``lines`` maps a path inside the document (``steps[2].choice[0].when``) to its line in the
file, when the source format tells (YAML does, JSON does not), so later errors can point
at the line.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from spine.execution.retry import RetryPolicy
from spine.orchestration.policy import OnError

__all__ = [
    "Branch",
    "ChoiceStep",
    "FunctionStep",
    "JoinStep",
    "MapStep",
    "MergeStep",
    "OperationStep",
    "Options",
    "PassStep",
    "Requirements",
    "StepSpec",
    "TemplateSpec",
    "WaitStep",
]


class Options(msgspec.Struct, frozen=True, kw_only=True):
    """A step's policy fields as written; ``None`` means "not given" (a registered task's stands)."""

    retry: RetryPolicy | None = None
    timeout_s: float | None = None
    on_error: OnError | None = None
    fallback: object = None
    """The output of a failed step whose ``on_error`` is CONTINUE."""
    compensate: str | None = None
    """The registered function that undoes the step (it receives the step's output)."""


class FunctionStep(msgspec.Struct, frozen=True, kw_only=True, tag="function"):
    """Calls the function registered as ``function``."""

    name: str
    input: str | None = None
    function: str
    options: Options = Options()


class OperationStep(msgspec.Struct, frozen=True, kw_only=True, tag="operation"):
    """Runs the handler registered as ``operation`` (its input is the handler's parameters)."""

    name: str
    input: str | None = None
    operation: str
    options: Options = Options()


class MapStep(msgspec.Struct, frozen=True, kw_only=True, tag="map"):
    """Applies one function or operation to each element of its input.

    ``item`` holds the per-element retry and timeout; ``options`` apply to the whole step.
    """

    name: str
    input: str | None = None
    function: str | None = None
    operation: str | None = None
    concurrency: int = 1
    tolerated_failures: int = 0
    item: Options = Options()
    options: Options = Options()


class Branch(msgspec.Struct, frozen=True, kw_only=True):
    """Go to step ``goto`` when the condition registered as ``when`` holds."""

    when: str
    goto: str


class ChoiceStep(msgspec.Struct, frozen=True, kw_only=True, tag="choice"):
    """Passes its input to the first branch whose condition holds, else to ``default``."""

    name: str
    input: str | None = None
    branches: tuple[Branch, ...]
    default: str


class WaitStep(msgspec.Struct, frozen=True, kw_only=True, tag="wait"):
    """A durable timer: ``seconds`` from when it is reached, or until ``until``."""

    name: str
    input: str | None = None
    seconds: float | None = None
    until: datetime | None = None


class JoinStep(msgspec.Struct, frozen=True, kw_only=True, tag="join"):
    """Fan-in: the tuple of its inputs' outputs, in order."""

    name: str
    inputs: tuple[str, ...]


class MergeStep(msgspec.Struct, frozen=True, kw_only=True, tag="merge"):
    """The end of a choice: the output of whichever of its inputs ran."""

    name: str
    inputs: tuple[str, ...]


class PassStep(msgspec.Struct, frozen=True, kw_only=True, tag="pass"):
    """Passes its input on unchanged (an empty branch of a choice)."""

    name: str
    input: str | None = None


type StepSpec = (
    FunctionStep | OperationStep | MapStep | ChoiceStep | WaitStep | JoinStep | MergeStep | PassStep
)


class Requirements(msgspec.Struct, frozen=True, kw_only=True):
    """The names a template needs registered, each sorted."""

    functions: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()


class TemplateSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A whole template document, validated.

    >>> spec = TemplateSpec(
    ...     name="t", source="t.yaml", steps=(FunctionStep(name="a", function="f"),)
    ... )
    >>> spec.requirements().functions, spec.output_step
    (('f',), 'a')
    """

    name: str
    source: str
    """Where the document came from (a file name), for error messages."""
    steps: tuple[StepSpec, ...]
    output: str | None = None
    description: str = ""
    lines: tuple[tuple[str, int], ...] = ()
    """``(path, line)`` pairs, when the source format records lines."""

    @property
    def output_step(self) -> str:
        """The step whose value is the result (the last one unless ``output`` says)."""
        return self.output if self.output is not None else self.steps[-1].name

    def requirements(self) -> Requirements:
        """Every function, condition and operation name the template refers to."""
        functions: set[str] = set()
        conditions: set[str] = set()
        operations: set[str] = set()
        for s in self.steps:
            if isinstance(s, FunctionStep):
                functions.add(s.function)
            elif isinstance(s, OperationStep):
                operations.add(s.operation)
            elif isinstance(s, MapStep):
                functions.update(n for n in (s.function,) if n is not None)
                operations.update(n for n in (s.operation,) if n is not None)
            elif isinstance(s, ChoiceStep):
                conditions.update(b.when for b in s.branches)
            if isinstance(s, FunctionStep | OperationStep | MapStep) and s.options.compensate is not None:
                functions.add(s.options.compensate)
        return Requirements(
            functions=tuple(sorted(functions)),
            conditions=tuple(sorted(conditions)),
            operations=tuple(sorted(operations)),
        )
