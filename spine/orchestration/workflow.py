"""``Workflow``: a named, validated, immutable DAG with a typed input and output.

Build one from a step (``workflow("etl", chain(...))``: a structural problem there is a bug
in the code, so it raises), from a graph (``Workflow.from_graph``: templates and other
untyped sources get a ``Result``), or by merging workflows (``merge_workflows``).
"""

from __future__ import annotations

from typing import Generic, final, overload

from returns.result import Failure, Result, Success
from typing_extensions import TypeVar

from spine.core.errors import SpineError, WorkflowError
from spine.orchestration.compose import sequence_graphs
from spine.orchestration.graph import Graph, validate
from spine.orchestration.plan import Plan
from spine.orchestration.step import Fragment, Step

__all__ = ["Workflow", "merge_workflows", "workflow"]

In_contra = TypeVar("In_contra", contravariant=True)
Out = TypeVar("Out")
Err_co = TypeVar("Err_co", bound=SpineError, covariant=True, default=SpineError)


@final
class Workflow(Fragment, Generic[In_contra, Out, Err_co]):
    """A validated workflow; runners take it with an input of type ``I``."""

    __slots__ = ("_plan", "name")

    def __init__(self, name: str, graph: Graph, /, *, _validated: bool = False) -> None:
        if not _validated:
            checked = validate(graph, workflow=name)
            if not isinstance(checked, Success):
                # A step built by the typed combinators cannot be malformed: this is a bug.
                raise checked.failure()
            graph = checked.unwrap()
        super().__init__(graph)
        self.name = name
        self._plan: Plan | None = None

    @staticmethod
    def from_graph(name: str, graph: Graph) -> Result[Workflow[object, object, SpineError], WorkflowError]:
        """A workflow from an untyped graph, or every structural problem in one error."""
        checked = validate(graph, workflow=name)
        if isinstance(checked, Success):
            return Success(Workflow(name, checked.unwrap(), _validated=True))
        return Failure(checked.failure())

    @property
    def plan(self) -> Plan:
        """The compiled plan (built once)."""
        if self._plan is None:
            self._plan = Plan(self.graph)
        return self._plan

    @property
    def step_names(self) -> tuple[str, ...]:
        """Every step's name, in the order steps can run."""
        return tuple(n.name for n in self.graph.nodes)

    def as_step(self) -> Step[In_contra, Out, Err_co]:
        """The workflow as a step, to compose into a bigger one."""
        return Step(self.graph)

    def __repr__(self) -> str:
        return f"Workflow({self.name!r}, steps={len(self.graph.nodes)})"


def workflow[I, O, E: SpineError](name: str, step: Step[I, O, E], /) -> Workflow[I, O, E]:
    """A workflow from a composed step (a structural problem raises ``WorkflowError``).

    >>> from spine.orchestration.step import lift
    >>> workflow("shout", lift(str.upper, name="upper"))
    Workflow('shout', steps=1)
    """
    return Workflow(name, step.graph)


@overload
def merge_workflows[A, B, E1: SpineError, C, E2: SpineError](
    name: str, a: Workflow[A, B, E1], b: Workflow[B, C, E2], /
) -> Workflow[A, C, E1 | E2]: ...
@overload
def merge_workflows[A, B, E1: SpineError, C, E2: SpineError, D, E3: SpineError](
    name: str, a: Workflow[A, B, E1], b: Workflow[B, C, E2], c: Workflow[C, D, E3], /
) -> Workflow[A, D, E1 | E2 | E3]: ...
@overload
def merge_workflows[A, B, E1: SpineError, C, E2: SpineError, D, E3: SpineError, G, E4: SpineError](
    name: str, a: Workflow[A, B, E1], b: Workflow[B, C, E2], c: Workflow[C, D, E3], d: Workflow[D, G, E4], /
) -> Workflow[A, G, E1 | E2 | E3 | E4]: ...
def merge_workflows(name: str, *workflows: Fragment) -> Fragment:
    """One workflow running ``workflows`` in order, each fed the previous one's output.

    Step names that clash are renamed (``load`` → ``load_2``) and every reference to them
    — inputs, choice targets, the output — is rewritten.

    >>> from spine.orchestration.step import lift
    >>> one = workflow("one", lift(str.strip, name="clean"))
    >>> merged = merge_workflows("both", one, one)
    >>> merged.step_names, merged.graph.nodes[1].inputs
    (('clean', 'clean_2'), ('clean',))
    """
    merged: Workflow[object, object, SpineError] = Workflow(name, sequence_graphs(w.graph for w in workflows))
    return merged
