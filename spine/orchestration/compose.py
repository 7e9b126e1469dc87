"""Railway composition: ``chain``, ``parallel``, ``conditional``, ``choice``, ``chain_all``.

Each combinator joins the fragments of its steps into one graph. A name that is already
taken in the result is renamed (``inc``, ``inc_2``, ...) and every reference to it is
rewritten, so a step may be used more than once. The types do the checking: mis-wiring
``Step[A, B]`` into ``Step[C, D]`` with ``B`` not a ``C`` is a mypy error, the error types
are unioned, and the branches of a choice must agree on their output type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import cast, overload

from spine.core.errors import SpineError
from spine.orchestration.graph import INPUT, Branch, Graph, Node, NodeKind, Predicate, absorb, fresh_name
from spine.orchestration.step import Fragment, Step

__all__ = ["chain", "chain_all", "choice", "conditional", "parallel", "sequence_graphs"]


def sequence_graphs(graphs: Iterable[Graph]) -> Graph:
    """One graph running ``graphs`` one after the other (each reads the previous output)."""
    taken: set[str] = set()
    suffixes: dict[str, int] = {}
    nodes: list[Node] = []
    previous = INPUT
    for g in graphs:
        placed = absorb(g, taken, previous, suffixes=suffixes)
        nodes.extend(placed.nodes)
        previous = placed.output
    if not nodes:
        msg = "nothing to chain: give at least one step"
        raise ValueError(msg)
    return Graph(tuple(nodes), previous)


@overload
def chain[A, B, E1: SpineError, C, E2: SpineError](
    a: Step[A, B, E1], b: Step[B, C, E2], /
) -> Step[A, C, E1 | E2]: ...
@overload
def chain[A, B, E1: SpineError, C, E2: SpineError, D, E3: SpineError](
    a: Step[A, B, E1], b: Step[B, C, E2], c: Step[C, D, E3], /
) -> Step[A, D, E1 | E2 | E3]: ...
@overload
def chain[A, B, E1: SpineError, C, E2: SpineError, D, E3: SpineError, G, E4: SpineError](
    a: Step[A, B, E1], b: Step[B, C, E2], c: Step[C, D, E3], d: Step[D, G, E4], /
) -> Step[A, G, E1 | E2 | E3 | E4]: ...
@overload
def chain[A, B, E1: SpineError, C, E2: SpineError, D, E3: SpineError, G, E4: SpineError, H, E5: SpineError](
    a: Step[A, B, E1], b: Step[B, C, E2], c: Step[C, D, E3], d: Step[D, G, E4], e: Step[G, H, E5], /
) -> Step[A, H, E1 | E2 | E3 | E4 | E5]: ...
@overload
def chain[
    A,
    B,
    E1: SpineError,
    C,
    E2: SpineError,
    D,
    E3: SpineError,
    G,
    E4: SpineError,
    H,
    E5: SpineError,
    J,
    E6: SpineError,
](
    a: Step[A, B, E1],
    b: Step[B, C, E2],
    c: Step[C, D, E3],
    d: Step[D, G, E4],
    e: Step[G, H, E5],
    f: Step[H, J, E6],
    /,
) -> Step[A, J, E1 | E2 | E3 | E4 | E5 | E6]: ...
def chain(*steps: Fragment) -> Fragment:
    """Run steps one after the other; each gets the previous one's output.

    >>> from spine.orchestration.step import lift
    >>> inc = lift(lambda x: x + 1, name="inc")
    >>> [n.name for n in chain(inc, inc, inc).graph.nodes]
    ['inc', 'inc_2', 'inc_3']
    """
    return Fragment(sequence_graphs(s.graph for s in steps)).untyped()


def chain_all[A, E: SpineError](steps: Iterable[Step[A, A, E]], /) -> Step[A, A, E]:
    """Chain any number of steps of one type (``chain`` has typed overloads up to six).

    >>> from spine.orchestration.step import lift
    >>> len(chain_all([lift(lambda x: x + 1, name="inc")] * 1000).graph.nodes)
    1000
    """
    return Step(sequence_graphs(s.graph for s in steps))


@overload
def parallel[A, B, E1: SpineError, C, E2: SpineError](
    a: Step[A, B, E1], b: Step[A, C, E2], /, *, name: str = ...
) -> Step[A, tuple[B, C], E1 | E2]: ...
@overload
def parallel[A, B, E1: SpineError, C, E2: SpineError, D, E3: SpineError](
    a: Step[A, B, E1], b: Step[A, C, E2], c: Step[A, D, E3], /, *, name: str = ...
) -> Step[A, tuple[B, C, D], E1 | E2 | E3]: ...
@overload
def parallel[A, B, E1: SpineError, C, E2: SpineError, D, E3: SpineError, G, E4: SpineError](
    a: Step[A, B, E1], b: Step[A, C, E2], c: Step[A, D, E3], d: Step[A, G, E4], /, *, name: str = ...
) -> Step[A, tuple[B, C, D, G], E1 | E2 | E3 | E4]: ...
@overload
def parallel[
    A,
    B,
    E1: SpineError,
    C,
    E2: SpineError,
    D,
    E3: SpineError,
    G,
    E4: SpineError,
    H,
    E5: SpineError,
](
    a: Step[A, B, E1],
    b: Step[A, C, E2],
    c: Step[A, D, E3],
    d: Step[A, G, E4],
    e: Step[A, H, E5],
    /,
    *,
    name: str = ...,
) -> Step[A, tuple[B, C, D, G, H], E1 | E2 | E3 | E4 | E5]: ...
def parallel(*steps: Fragment, name: str = "parallel") -> Fragment:
    """Run branches on the same input, concurrently; the output is the tuple of their outputs.

    >>> from spine.orchestration.step import lift
    >>> both = parallel(lift(str, name="text"), lift(float, name="number"))
    >>> [(n.name, n.inputs) for n in both.graph.nodes]
    [('text', ('$input',)), ('number', ('$input',)), ('parallel', ('text', 'number'))]
    """
    taken: set[str] = set()
    placed = [absorb(s.graph, taken) for s in steps]
    join = Node(name=fresh_name(name, taken), kind=NodeKind.JOIN, inputs=tuple(g.output for g in placed))
    return Fragment(Graph((*(n for g in placed for n in g.nodes), join), join.name)).untyped()


def choice[A, O, E: SpineError](
    *branches: tuple[Callable[[A], bool], Step[A, O, E]], default: Step[A, O, E], name: str = "choice"
) -> Step[A, O, E]:
    """Exactly one branch runs: the first whose predicate holds, else ``default``.

    >>> from spine.orchestration.step import lift
    >>> neg, other = lift(lambda x: "negative", name="neg"), lift(lambda x: "other", name="other")
    >>> sign = choice((lambda x: x < 0, neg), default=other)
    >>> [n.kind.value for n in sign.graph.nodes]
    ['choice', 'pass', 'call', 'pass', 'call', 'merge']
    """
    taken: set[str] = {name}
    nodes: list[Node] = []
    picks: list[Branch] = []
    ends: list[str] = []
    arms: list[tuple[Predicate | None, Step[A, O, E], str]] = [
        (_erase(pred), s, f"{name}_{k}") for k, (pred, s) in enumerate(branches, start=1)
    ]
    arms.append((None, default, f"{name}_default"))
    default_target = ""
    for pred, s, arm_name in arms:
        gate = Node(name=fresh_name(arm_name, taken), kind=NodeKind.PASS, inputs=(name,))
        placed = absorb(s.graph, taken, gate.name)
        nodes.extend((gate, *placed.nodes))
        ends.append(placed.output)
        if pred is None:
            default_target = gate.name
        else:
            picks.append(Branch(pred, gate.name))
    head = Node(
        name=name, kind=NodeKind.CHOICE, inputs=(INPUT,), branches=tuple(picks), default=default_target
    )
    merge = Node(name=fresh_name(f"{name}_end", taken), kind=NodeKind.MERGE, inputs=tuple(ends))
    return Step(Graph((head, *nodes, merge), merge.name))


def conditional[A, O, E: SpineError](
    predicate: Callable[[A], bool], then: Step[A, O, E], else_: Step[A, O, E], /, *, name: str = "if"
) -> Step[A, O, E]:
    """``then`` when ``predicate(value)`` holds, else ``else_``; exactly one of them runs."""
    return choice((predicate, then), default=else_, name=name)


def _erase[X](predicate: Callable[[X], bool]) -> Predicate:
    """The graph forgets types (the Step signatures checked them)."""
    return cast("Predicate", predicate)
