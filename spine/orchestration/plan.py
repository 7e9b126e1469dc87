"""A validated ``Graph`` compiled for running: integer indexes instead of names.

Compiling is done once per workflow (``Workflow`` keeps its plan); runners and the
playground walk plans. A plan whose nodes are plain function calls with default policies,
each reading the one before, is *linear*: the engine runs it in a tight loop.
"""

from __future__ import annotations

from typing import final

from spine.orchestration.graph import INPUT, Graph, Node, NodeKind, StepFn

__all__ = ["Plan"]


@final
class Plan:
    """Index-based view of a graph (nodes in topological order)."""

    __slots__ = (
        "bodies",
        "graph",
        "index",
        "inputs",
        "linear",
        "nodes",
        "output",
        "pending",
        "roots",
        "users",
    )

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.nodes: tuple[Node, ...] = graph.nodes
        self.index: dict[str, int] = {n.name: i for i, n in enumerate(graph.nodes)}
        index = self.index
        self.inputs: tuple[tuple[int, ...], ...] = tuple(
            tuple(-1 if ref == INPUT else index[ref] for ref in n.inputs) for n in graph.nodes
        )
        users: list[list[int]] = [[] for _ in graph.nodes]
        for i, ins in enumerate(self.inputs):
            for j in dict.fromkeys(ins):
                if j >= 0:
                    users[j].append(i)
        self.users: tuple[tuple[int, ...], ...] = tuple(tuple(u) for u in users)
        self.pending: tuple[int, ...] = tuple(len({j for j in ins if j >= 0}) for ins in self.inputs)
        """Per node, how many distinct nodes it waits for."""
        self.roots: tuple[int, ...] = tuple(i for i, count in enumerate(self.pending) if count == 0)
        self.output: int = index[graph.output]
        self.bodies: dict[int, Plan] = {
            i: Plan(n.body) for i, n in enumerate(graph.nodes) if n.body is not None
        }
        self.linear: tuple[StepFn, ...] | None = _linear(graph.nodes, self.inputs, self.output)

    def __len__(self) -> int:
        return len(self.nodes)


def _linear(
    nodes: tuple[Node, ...], inputs: tuple[tuple[int, ...], ...], output: int
) -> tuple[StepFn, ...] | None:
    calls: list[StepFn] = []
    for i, node in enumerate(nodes):
        if (
            node.kind is not NodeKind.CALL
            or node.call is None
            or not node.policy.is_default
            or node.compensate is not None
            or inputs[i] != (i - 1,)
        ):
            return None
        calls.append(node.call)
    return tuple(calls) if calls and output == len(nodes) - 1 else None
