"""spine: strictly typed, functional-core data pipelines and durable workflows.

Layers, each importing only the ones below it: :mod:`spine.core` (types),
``spine.storage`` (portable SQL), ``spine.execution`` (dispatch and resilience),
``spine.orchestration`` (workflows and runners), and the cross-cutting packages.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
