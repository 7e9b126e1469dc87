"""Hypothesis strategies for workflow graphs: random valid DAGs of plain nodes."""

from __future__ import annotations

from hypothesis import strategies as st
from returns.result import Result, Success

from spine.core.errors import SpineError
from spine.orchestration.graph import INPUT, Graph, Node, NodeKind, StepFn

PRIME = 1_000_003


def mixer(k: int) -> StepFn:
    """A step function that mixes its input with ``k`` (distinct per node, so wiring shows)."""

    def call(value: object) -> Result[object, SpineError]:
        assert isinstance(value, int)
        return Success((value * 31 + k) % PRIME)

    return call


def join_value(k: int, values: tuple[object, ...]) -> int:
    """What a JOIN's tuple is reduced to by the next CALL (see ``dags``)."""
    total = k
    for v in values:
        assert isinstance(v, int)
        total = (total * 7 + v) % PRIME
    return total


def reduce_join(k: int) -> StepFn:
    """A step function that folds a JOIN's tuple into an int."""

    def call(value: object) -> Result[object, SpineError]:
        assert isinstance(value, tuple)
        return Success(join_value(k, value))

    return call


@st.composite
def dags(draw: st.DrawFn, *, max_nodes: int = 12, shuffle: bool = True) -> Graph:
    """A valid DAG: CALL nodes mix one int; a JOIN of several is always followed by its reducer.

    Nodes may read the workflow input or any earlier node; the list is shuffled, so a graph's
    order is not yet topological (``validate`` sorts it).
    """
    count = draw(st.integers(1, max_nodes))
    nodes: list[Node] = []
    ints: list[str] = [INPUT]
    for k in range(count):
        name = f"n{k}"
        if draw(st.booleans()) and len(ints) > 1:
            picks = draw(st.lists(st.sampled_from(ints), min_size=1, max_size=3))
            nodes.append(Node(name=f"{name}j", kind=NodeKind.JOIN, inputs=tuple(picks)))
            nodes.append(Node(name=name, kind=NodeKind.CALL, inputs=(f"{name}j",), call=reduce_join(k)))
        else:
            source = draw(st.sampled_from(ints))
            nodes.append(Node(name=name, kind=NodeKind.CALL, inputs=(source,), call=mixer(k)))
        ints.append(name)
    output = draw(st.sampled_from(ints[1:]))
    if shuffle:
        nodes = draw(st.permutations(nodes))
    return Graph(tuple(nodes), output)


def evaluate(graph: Graph, value: int) -> int:
    """A naive recursive interpreter of a ``dags`` graph (memoised by node name)."""
    by_name = {n.name: n for n in graph.nodes}
    memo: dict[str, object] = {INPUT: value}

    def of(name: str) -> object:
        if name not in memo:
            node = by_name[name]
            if node.kind is NodeKind.JOIN:
                memo[name] = tuple(of(i) for i in node.inputs)
            else:
                assert node.call is not None
                memo[name] = node.call(of(node.inputs[0])).unwrap()
        return memo[name]

    out = of(graph.output)
    assert isinstance(out, int)
    return out
