"""The workflow IR: an immutable DAG of named nodes that reference each other by name.

Every way of building a workflow ends here: the typed combinators (``compose.py``), the
templates (``templates/``) and ``merge_workflows``. Runners only ever see a validated
``Graph``.

Value flow: a node reads the outputs of the nodes named in ``inputs`` (``INPUT`` is the
workflow's input). One input: the node gets that value. ``JOIN`` gets a tuple of all its
inputs in order (parallel branches); ``MERGE`` gets the one input that was not skipped
(the end of whichever conditional branch ran).

Choice: a ``CHOICE`` node passes its input through unchanged to exactly one of its targets
(the first branch whose predicate holds, else the default). Its targets are the nodes whose
only input is the choice; the targets not chosen are skipped, and so is everything that
depends on a skipped node, except a ``MERGE`` while one of its inputs ran.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from enum import StrEnum

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import SpineError, WorkflowError
from spine.orchestration.policy import DEFAULT_POLICY, StepPolicy

__all__ = [
    "INPUT",
    "Branch",
    "Graph",
    "Node",
    "NodeKind",
    "Predicate",
    "StepFn",
    "WaitSpec",
    "absorb",
    "fresh_name",
    "validate",
]

INPUT = "$input"
"""The reference to a workflow's (or fragment's) input value."""

type StepFn = Callable[[object], Result[object, SpineError]]
type Predicate = Callable[[object], bool]


class NodeKind(StrEnum):
    """What a node does."""

    CALL = "call"
    OPERATION = "operation"
    CHOICE = "choice"
    WAIT = "wait"
    MAP = "map"
    JOIN = "join"
    MERGE = "merge"
    PASS = "pass"  # noqa: S105 - a node kind, not a password


_SINGLE_INPUT = frozenset(
    {NodeKind.CALL, NodeKind.OPERATION, NodeKind.CHOICE, NodeKind.WAIT, NodeKind.MAP, NodeKind.PASS}
)


class Branch(msgspec.Struct, frozen=True):
    """A choice branch: go to ``target`` when ``predicate(value)`` holds."""

    predicate: Predicate
    target: str
    label: str = ""


class WaitSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A durable timer: a duration from when the step is reached, or an absolute deadline."""

    duration_s: float | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if (self.duration_s is None) == (self.until is None):
            msg = "a wait needs exactly one of duration_s and until"
            raise ValueError(msg)
        if self.duration_s is not None and not self.duration_s >= 0:
            msg = f"a wait's duration_s must be >= 0, got {self.duration_s}"
            raise ValueError(msg)
        if self.until is not None and self.until.utcoffset() is None:
            msg = "a wait's deadline must be timezone-aware"
            raise ValueError(msg)


class Node(msgspec.Struct, frozen=True, kw_only=True):
    """One step of the DAG (which fields matter depends on ``kind``)."""

    name: str
    kind: NodeKind
    inputs: tuple[str, ...]
    call: StepFn | None = None
    """CALL: the step function."""
    operation: str | None = None
    """OPERATION: the registered handler's name."""
    result_type: object = object
    """The type of the value (operation results and checkpoints are decoded into it)."""
    branches: tuple[Branch, ...] = ()
    default: str | None = None
    """CHOICE: the target when no branch predicate holds."""
    wait: WaitSpec | None = None
    body: Graph | None = None
    """MAP: the fragment applied to each element."""
    concurrency: int = 1
    tolerated_failures: int = 0
    policy: StepPolicy = DEFAULT_POLICY
    fallback: object = None
    """The output of a failed step whose policy says CONTINUE."""
    compensate: Graph | None = None
    """Undoes this step (it receives the step's output) when a later step compensates."""

    def targets(self) -> tuple[str, ...]:
        """A choice's targets, branches first then the default."""
        found = tuple(b.target for b in self.branches)
        return found if self.default is None else (*found, self.default)


class Graph(msgspec.Struct, frozen=True):
    """Nodes (in topological order once validated) and the node whose value is the result."""

    nodes: tuple[Node, ...]
    output: str

    def names(self) -> frozenset[str]:
        """Every node's name."""
        return frozenset(n.name for n in self.nodes)

    def node(self, name: str) -> Node:
        """The node called ``name`` (``KeyError`` when there is none)."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)


def fresh_name(name: str, taken: set[str], suffixes: dict[str, int] | None = None) -> str:
    """``name``, or ``name_2``, ``name_3``... whichever is not in ``taken``; it is added to it.

    ``suffixes`` remembers, per name, the next suffix to try: ``taken`` only grows, so every
    suffix below it is still taken, and chaining one step n times costs O(n), not O(n**2).

    >>> taken = {"inc", "inc_2"}
    >>> fresh_name("inc", taken), fresh_name("load", taken)
    ('inc_3', 'load')
    """
    new = name
    if name in taken:
        hints = {} if suffixes is None else suffixes
        n = hints.get(name, 2)
        while f"{name}_{n}" in taken:
            n += 1
        hints[name] = n + 1
        new = f"{name}_{n}"
    taken.add(new)
    return new


def absorb(
    graph: Graph, taken: set[str], input_ref: str = INPUT, *, suffixes: dict[str, int] | None = None
) -> Graph:
    """``graph`` with names clashing with ``taken`` renamed and every reference rewritten.

    ``INPUT`` references become ``input_ref`` (how a fragment is wired after another).
    The new names are added to ``taken``. A caller absorbing many fragments into one
    ``taken`` passes the same ``suffixes`` each time (the next suffix to try, per name).

    >>> a = Graph((Node(name="inc", kind=NodeKind.PASS, inputs=(INPUT,)),), output="inc")
    >>> taken = {"inc"}
    >>> b = absorb(a, taken, "inc")
    >>> b.output, b.nodes[0].inputs, sorted(taken)
    ('inc_2', ('inc',), ['inc', 'inc_2'])
    """
    mapping: dict[str, str] = {}
    hints = {} if suffixes is None else suffixes
    for node in graph.nodes:
        mapping[node.name] = fresh_name(node.name, taken, hints)
    return rename(graph, mapping, input_ref)


def rename(graph: Graph, mapping: Mapping[str, str], input_ref: str = INPUT) -> Graph:
    """Rename nodes by ``mapping`` and rewrite every reference (inputs, targets, output)."""

    def ref(name: str) -> str:
        return input_ref if name == INPUT else mapping.get(name, name)

    nodes = tuple(
        msgspec.structs.replace(
            n,
            name=ref(n.name),
            inputs=tuple(ref(i) for i in n.inputs),
            branches=tuple(Branch(b.predicate, ref(b.target), b.label) for b in n.branches),
            default=None if n.default is None else ref(n.default),
        )
        for n in graph.nodes
    )
    return Graph(nodes, ref(graph.output))


def validate(graph: Graph, *, workflow: str) -> Result[Graph, WorkflowError]:
    """The graph in topological order, or every structural problem found, in one error.

    Checks: unique, non-empty names; references to nodes that exist; input counts per kind;
    choice targets that exist and read only from their choice; no cycles; map bodies too.
    """
    problems: list[str] = []
    stack: list[tuple[str, Graph]] = [("", graph)]
    ordered: Graph | None = None
    while stack:
        where, g = stack.pop()
        checked = _check(g, where, problems)
        if ordered is None:
            ordered = checked
        stack.extend((f"{where}{n.name}.", n.body) for n in g.nodes if n.body is not None)
        stack.extend(
            (f"{where}{n.name}.compensate.", n.compensate) for n in g.nodes if n.compensate is not None
        )
    if problems or ordered is None:
        msg = f"workflow {workflow!r} is invalid: " + "; ".join(problems)
        return Failure(WorkflowError(msg, workflow=workflow))
    return Success(ordered)


def _check(graph: Graph, where: str, problems: list[str]) -> Graph:
    names: dict[str, Node] = {}
    for n in graph.nodes:
        if not n.name or n.name == INPUT:
            problems.append(f"{where}{n.name!r} is not a usable step name")
        elif n.name in names:
            problems.append(f"duplicate step name {where}{n.name!r}")
        names[n.name] = n
    if graph.output not in names:
        problems.append(f"the output {where}{graph.output!r} is not a step")
    for n in graph.nodes:
        _check_node(n, names, where, problems)
    return Graph(_toposort(graph.nodes, names, where, problems), graph.output)


def _check_node(  # noqa: PLR0912 - one flat list of independent rules
    n: Node, names: Mapping[str, Node], where: str, problems: list[str]
) -> None:
    label = f"step {where}{n.name!r}"
    for ref in n.inputs:
        if ref != INPUT and ref not in names:
            problems.append(f"{label} reads from unknown step {ref!r}")
    if n.kind in _SINGLE_INPUT and len(n.inputs) != 1:
        problems.append(f"{label} ({n.kind}) needs exactly one input, has {len(n.inputs)}")
    if n.kind in (NodeKind.JOIN, NodeKind.MERGE) and not n.inputs:
        problems.append(f"{label} ({n.kind}) needs at least one input")
    if n.kind is NodeKind.CALL and n.call is None:
        problems.append(f"{label} has no function")
    if n.kind is NodeKind.OPERATION and not n.operation:
        problems.append(f"{label} names no operation")
    if n.kind is NodeKind.WAIT and n.wait is None:
        problems.append(f"{label} has no timer")
    if n.kind is NodeKind.MAP and n.body is None:
        problems.append(f"{label} has no body")
    if n.kind is NodeKind.MAP and (n.concurrency < 1 or n.tolerated_failures < 0):
        problems.append(f"{label} needs concurrency >= 1 and tolerated_failures >= 0")
    if n.kind is NodeKind.CHOICE:
        if n.default is None:
            problems.append(f"{label} has no default branch")
        targets = n.targets()
        if len(set(targets)) != len(targets):
            problems.append(f"{label} names a target twice")
        for t in targets:
            target = names.get(t)
            if target is None:
                problems.append(f"{label} branches to unknown step {t!r}")
            elif target.inputs != (n.name,):
                problems.append(f"{label} branches to {t!r}, which must read only from {n.name!r}")
    for ref in n.inputs:
        source = names.get(ref)
        if source is not None and source.kind is NodeKind.CHOICE and n.name not in source.targets():
            problems.append(f"{label} reads from choice {ref!r} but is not one of its branches")


def _toposort(
    nodes: Iterable[Node], names: Mapping[str, Node], where: str, problems: list[str]
) -> tuple[Node, ...]:
    """Kahn's algorithm, stable (of the ready nodes, the earliest listed goes first)."""
    listed = list(nodes)
    pending = [len({i for i in n.inputs if i in names}) for n in listed]
    users: dict[str, list[int]] = {}
    for k, n in enumerate(listed):
        for i in set(n.inputs):
            if i in names:
                users.setdefault(i, []).append(k)
    ready = [k for k, count in enumerate(pending) if count == 0]
    heapq.heapify(ready)
    order: list[Node] = []
    while ready:
        k = heapq.heappop(ready)
        order.append(listed[k])
        for user in users.get(listed[k].name, ()):
            pending[user] -= 1
            if pending[user] == 0:
                heapq.heappush(ready, user)
    if len(order) < len(listed):
        problems.append(_cycle_problem(listed, pending, where))
        return tuple(listed)
    return tuple(order)


def _cycle_problem(listed: list[Node], pending: list[int], where: str) -> str:
    """Name the steps on a cycle apart from those that are only downstream of one."""
    stuck = {k for k, count in enumerate(pending) if count > 0}
    index = {listed[k].name: k for k in stuck}
    readers = dict.fromkeys(stuck, 0)
    for k in stuck:
        for j in {index[i] for i in listed[k].inputs if i in index}:
            readers[j] += 1
    # Peel off, readers first, the stuck steps that no other stuck step reads from.
    leaves = [k for k, count in readers.items() if count == 0]
    downstream: set[int] = set()
    while leaves:
        k = leaves.pop()
        downstream.add(k)
        for j in {index[i] for i in listed[k].inputs if i in index}:
            readers[j] -= 1
            if readers[j] == 0:
                leaves.append(j)
    cycle = sorted(listed[k].name for k in stuck - downstream)
    after = sorted(listed[k].name for k in downstream)
    tail = f" (and {where}{after} depend on it)" if after else ""
    return f"steps {where}{cycle} form a cycle{tail}"
