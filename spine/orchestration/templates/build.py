"""From a validated ``TemplateSpec`` to the workflow IR: names resolved, inputs wired.

Wiring: a step reads the step before it (the first step reads the workflow's input),
unless it says ``input:`` (a step name, or ``$input`` for the workflow's input). A step
that a choice names (``goto`` or ``default``) reads that choice. ``join`` and ``merge``
list their inputs.

Every problem is collected, not just the first, and each names the file, the path inside
the document and the line when known. A name the registries do not have is a
``ConfigError``; steps that do not form a valid workflow (unknown or duplicate steps, a
cycle, a mis-wired choice) are a ``WorkflowError`` — the graph checks of
``graph.validate`` included, mapped back to the step they are about.
"""

from __future__ import annotations

import re
from typing import assert_never, final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError, SpineError, WorkflowError
from spine.execution.registry import HandlerRegistry
from spine.orchestration.graph import INPUT, Branch, Graph, Node, NodeKind, Predicate, WaitSpec
from spine.orchestration.policy import StepPolicy
from spine.orchestration.templates.problems import Problem, describe, known, suggest
from spine.orchestration.templates.registry import TemplateRegistry
from spine.orchestration.templates.spec import (
    ChoiceStep,
    FunctionStep,
    JoinStep,
    MapStep,
    MergeStep,
    OperationStep,
    Options,
    PassStep,
    StepSpec,
    TemplateSpec,
    WaitStep,
)
from spine.orchestration.workflow import Workflow

__all__ = ["build_workflow"]

_QUOTED = re.compile(r"'([^']*)'")


def build_workflow(
    spec: TemplateSpec, *, registry: TemplateRegistry, operations: HandlerRegistry | None = None
) -> Result[Workflow[object, object, SpineError], ConfigError | WorkflowError]:
    """The workflow a template describes, or every problem found in one error.

    >>> from spine.orchestration.templates.spec import FunctionStep
    >>> spec = TemplateSpec(name="t", source="t.yaml", steps=(FunctionStep(name="a", function="f"),))
    >>> print(build_workflow(spec, registry=TemplateRegistry()).failure().message)
    t.yaml: steps[0].function: unknown function 'f' (none registered)
    """
    builder = _Builder(spec, registry, operations)
    nodes = [builder.node(i, s) for i, s in enumerate(spec.steps)]
    output = builder.ref("output", spec.output_step)
    if builder.problems:
        return Failure(builder.error())
    built = Workflow.from_graph(spec.name, Graph(tuple(nodes), output))
    if isinstance(built, Success):
        return built
    builder.problems.extend(_located(spec, builder.index, built.failure().message))
    builder.structural = True
    return Failure(builder.error())


def _located(spec: TemplateSpec, index: dict[str, int], message: str) -> list[Problem]:
    """``graph.validate``'s problems, each placed at the first step it names."""
    prefix = f"workflow {spec.name!r} is invalid: "
    text = message.removeprefix(prefix)
    found: list[Problem] = []
    for part in text.split("; "):
        steps = [index[n] for n in _QUOTED.findall(part) if n in index]
        found.append(Problem(f"steps[{steps[0]}]" if steps else "steps", part))
    return found


@final
class _Builder:
    __slots__ = ("chooser", "index", "operations", "problems", "registry", "spec", "structural")

    def __init__(
        self, spec: TemplateSpec, registry: TemplateRegistry, operations: HandlerRegistry | None
    ) -> None:
        self.spec, self.registry, self.operations = spec, registry, operations
        self.problems: list[Problem] = []
        self.structural = False
        self.index: dict[str, int] = {}
        for i, s in enumerate(spec.steps):
            if s.name in self.index:
                self._wiring(
                    f"steps[{i}].name", f"duplicate step name {s.name!r} (see steps[{self.index[s.name]}])"
                )
            else:
                self.index[s.name] = i
        self.chooser: dict[str, str] = {}
        for s in spec.steps:
            if isinstance(s, ChoiceStep):
                for target in (*(b.goto for b in s.branches), s.default):
                    self.chooser.setdefault(target, s.name)

    def error(self) -> ConfigError | WorkflowError:
        text, context = describe(self.spec.source, self.spec.lines, self.problems)
        if self.structural:
            return WorkflowError(text, workflow=self.spec.name, context=context)
        return ConfigError(text, key=self.problems[0].path, context=context)

    def _wiring(self, path: str, message: str) -> None:
        self.structural = True
        self.problems.append(Problem(path, message))

    def _missing(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    # --- references -------------------------------------------------------------------

    def ref(self, path: str, name: str) -> str:
        if name != INPUT and name not in self.index:
            self._wiring(
                path, f"unknown step {name!r}{suggest(name, self.index)} {known(self.index, 'steps')}"
            )
        return name

    def inputs(self, i: int, s: StepSpec) -> tuple[str, ...]:
        if isinstance(s, JoinStep | MergeStep):
            key = "join" if isinstance(s, JoinStep) else "merge"
            return tuple(self.ref(f"steps[{i}].{key}[{k}]", n) for k, n in enumerate(s.inputs))
        if s.input is not None:
            chooser = self.chooser.get(s.name)
            if chooser is not None and s.input != chooser:
                self._wiring(
                    f"steps[{i}].input",
                    f"a branch of choice {chooser!r} reads that choice, not {s.input!r}: remove its input",
                )
            return (self.ref(f"steps[{i}].input", s.input),)
        if s.name in self.chooser:
            return (self.chooser[s.name],)
        if i == 0:
            return (INPUT,)
        before = self.spec.steps[i - 1]
        if isinstance(before, ChoiceStep):
            self._wiring(
                f"steps[{i}]",
                f"follows choice {before.name!r} but is not one of its branches: name it in the "
                "choice (goto or default) or give it an input",
            )
        return (before.name,)

    def function(self, path: str, name: str) -> Node | None:
        found = self.registry.get_function(name)
        task = found.value_or(None)
        if task is None:
            self._missing(path, found.failure().message)
            return None
        return task.node

    def condition(self, path: str, name: str) -> Predicate:
        found = self.registry.get_condition(name)
        predicate = found.value_or(None)
        if predicate is None:
            self._missing(path, found.failure().message)
            return _never
        return predicate

    def operation(self, path: str, name: str) -> str:
        if self.operations is None:
            self._missing(path, f"operation {name!r} needs a handler registry: pass operations=")
            return name
        names = self.operations.names()
        if name not in names:
            self._missing(path, f"unknown operation {name!r}{suggest(name, names)} {known(names)}")
        return name

    # --- nodes ------------------------------------------------------------------------

    def node(self, i: int, s: StepSpec) -> Node:
        at = f"steps[{i}]"
        inputs = self.inputs(i, s)
        node = Node(name=s.name, kind=NodeKind.PASS, inputs=inputs)
        match s:
            case FunctionStep():
                found = self.function(f"{at}.function", s.function)
                if found is not None:
                    node = msgspec.structs.replace(found, name=s.name, inputs=inputs)
                node = self.options(at, node, s.options)
            case OperationStep():
                operation = self.operation(f"{at}.operation", s.operation)
                node = Node(name=s.name, kind=NodeKind.OPERATION, inputs=inputs, operation=operation)
                node = self.options(at, node, s.options)
            case MapStep():
                node = Node(
                    name=s.name,
                    kind=NodeKind.MAP,
                    inputs=inputs,
                    body=self.body(f"{at}.map", s),
                    concurrency=s.concurrency,
                    tolerated_failures=s.tolerated_failures,
                )
                node = self.options(at, node, s.options)
            case ChoiceStep():
                branches = tuple(
                    Branch(
                        self.condition(f"{at}.choice[{k}].when", b.when),
                        self.ref(f"{at}.choice[{k}].goto", b.goto),
                        b.when,
                    )
                    for k, b in enumerate(s.branches)
                )
                default = self.ref(f"{at}.default", s.default)
                node = Node(
                    name=s.name, kind=NodeKind.CHOICE, inputs=inputs, branches=branches, default=default
                )
            case WaitStep():
                timer = WaitSpec(duration_s=s.seconds, until=s.until)
                node = Node(name=s.name, kind=NodeKind.WAIT, inputs=inputs, wait=timer)
            case JoinStep():
                node = Node(name=s.name, kind=NodeKind.JOIN, inputs=inputs)
            case MergeStep():
                node = Node(name=s.name, kind=NodeKind.MERGE, inputs=inputs)
            case PassStep():
                pass
            case _:
                assert_never(s)
        return node

    def body(self, at: str, s: MapStep) -> Graph:
        if s.function is not None:
            found = self.function(f"{at}.function", s.function)
            proto = found or Node(name=s.function, kind=NodeKind.PASS, inputs=(INPUT,))
            node = msgspec.structs.replace(proto, name=s.function, inputs=(INPUT,))
        else:
            name = self.operation(f"{at}.operation", s.operation or "")
            node = Node(name=name, kind=NodeKind.OPERATION, inputs=(INPUT,), operation=name)
        node = self.options(at, node, s.item)
        return Graph((node,), node.name)

    def options(self, at: str, node: Node, given: Options) -> Node:
        """``node`` with the policy fields the template gives replacing the node's own."""
        if given == _NONE_GIVEN:
            return node
        base = node.policy
        policy = StepPolicy(
            retry=base.retry if given.retry is None else given.retry,
            timeout_s=base.timeout_s if given.timeout_s is None else given.timeout_s,
            on_error=base.on_error if given.on_error is None else given.on_error,
        )
        fallback = node.fallback if given.on_error is None else given.fallback
        compensate = node.compensate
        if given.compensate is not None:
            undo = self.function(f"{at}.compensate", given.compensate)
            if undo is not None:
                undo = msgspec.structs.replace(undo, name="compensate", inputs=(INPUT,))
                compensate = Graph((undo,), undo.name)
        return msgspec.structs.replace(node, policy=policy, fallback=fallback, compensate=compensate)


_NONE_GIVEN = Options()


def _never(value: object) -> bool:
    """Stands in for an unknown condition (the build fails before anything runs)."""
    del value
    return False
