"""Typed steps: ``Step[In, Out, E]`` is a piece of workflow from ``In`` to ``Result[Out, E]``.

A ``Step`` is immutable and holds a fragment of the workflow IR (``graph.Graph``) whose
input is ``INPUT``. Leaf steps are ``Task``s, the only kind that takes a policy (retries,
timeout, error policy, compensation): composites built by ``chain``/``parallel``/
``conditional`` are plain ``Step``s, so a policy on one is a type error.

Variance: a step consumes ``In`` (contravariant), its output type is exact (invariant, so
branches and stages must agree on it), and its error type is covariant: a
``Step[A, B, ParseError]`` is a ``Step[A, B, SpineError]``; composition unions the errors.
``E`` defaults to ``SpineError``, so ``Step[A, B]`` means any spine error.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic, Never, cast, final, overload

import msgspec
from returns.result import Result
from typing_extensions import TypeVar

from spine.core.errors import SpineError, StepError
from spine.core.fast_ok import ok
from spine.execution.retry import RetryPolicy
from spine.orchestration.graph import INPUT, Graph, Node, NodeKind, StepFn, WaitSpec
from spine.orchestration.policy import OnError, StepPolicy

__all__ = ["Fragment", "Step", "Task", "lift", "map_each", "operation", "step", "wait"]

# Classes cannot use PEP 695 syntax here: a type parameter default needs Python 3.13.
In_contra = TypeVar("In_contra", contravariant=True)
Out = TypeVar("Out")
Err_co = TypeVar("Err_co", bound=SpineError, covariant=True, default=SpineError)
Undone = TypeVar("Undone")
UndoErr = TypeVar("UndoErr", bound=SpineError)


class Fragment:
    """A piece of workflow IR, untyped (``Step`` adds the types)."""

    __slots__ = ("graph",)

    def __init__(self, graph: Graph, /) -> None:
        self.graph = graph

    def untyped(self) -> Step[object, object, SpineError]:
        """This fragment as a step of unknown types (for untyped callers)."""
        return Step(self.graph)


class Step(Fragment, Generic[In_contra, Out, Err_co]):
    """A typed workflow fragment from ``I`` to ``Result[O, E]`` (compose with ``chain`` & co)."""

    __slots__ = ()

    @property
    def name(self) -> str:
        """The name of the step whose value is this fragment's output."""
        return self.graph.output

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, steps={len(self.graph.nodes)})"


@final
class Task(Step[In_contra, Out, Err_co]):
    """A leaf step: one function, operation, map or wait. Only a ``Task`` takes a policy."""

    __slots__ = ()

    @property
    def node(self) -> Node:
        """The single node of this task."""
        return self.graph.nodes[0]

    @property
    def policy(self) -> StepPolicy:
        """Its retries, timeout and error policy."""
        return self.node.policy

    def _with(self, **changes: object) -> Task[In_contra, Out, Err_co]:
        return Task(Graph((msgspec.structs.replace(self.node, **changes),), self.graph.output))

    def named(self, name: str) -> Task[In_contra, Out, Err_co]:
        """The same task under another name."""
        return Task(Graph((msgspec.structs.replace(self.node, name=name),), name))

    def with_policy(self, policy: StepPolicy) -> Task[In_contra, Out, Err_co]:
        """The same task with ``policy``."""
        return self._with(policy=policy)

    def retry(self, policy: RetryPolicy) -> Task[In_contra, Out, Err_co]:
        """Retry failed attempts by ``policy`` (honouring ``retryable`` and ``retry_after_s``)."""
        return self._with(policy=msgspec.structs.replace(self.policy, retry=policy))

    def timeout(self, seconds: float) -> Task[In_contra, Out, Err_co]:
        """Fail an attempt that runs longer than ``seconds`` with ``OperationTimeoutError``."""
        current = self.policy
        return self._with(
            policy=StepPolicy(retry=current.retry, timeout_s=seconds, on_error=current.on_error)
        )

    def recover(self, fallback: Out) -> Task[In_contra, Out, Err_co]:
        """On failure, record the error and carry on with ``fallback`` as the output."""
        policy = msgspec.structs.replace(self.policy, on_error=OnError.CONTINUE)
        return self._with(policy=policy, fallback=fallback)

    def compensating(self) -> Task[In_contra, Out, Err_co]:
        """On failure, undo every finished step that has a compensation, newest first."""
        return self._with(policy=msgspec.structs.replace(self.policy, on_error=OnError.COMPENSATE))

    def compensate_with(self, undo: Step[Out, Undone, UndoErr]) -> Task[In_contra, Out, Err_co]:
        """What undoes this step; it receives this step's output."""
        return self._with(compensate=undo.graph)


def _call_node(name: str, fn: StepFn, policy: StepPolicy, result_type: object = object) -> Graph:
    node = Node(
        name=name, kind=NodeKind.CALL, inputs=(INPUT,), call=fn, policy=policy, result_type=result_type
    )
    return Graph((node,), name)


def _hints(fn: object) -> dict[str, object]:
    """The function's resolved annotations; none when they cannot be resolved."""
    try:
        return typing.get_type_hints(inspect.unwrap(cast("Callable[..., object]", fn)))
    except Exception:  # noqa: BLE001 - unresolvable forward references: the type stays unknown
        return {}


def returned_type(fn: object, *, result: bool) -> object:
    """The type a step function's value has (``object`` when not annotated).

    Durable runners decode checkpoints into it, so a restored value has its exact type.

    >>> def parse(text: str) -> Result[int, SpineError]: ...
    >>> returned_type(parse, result=True), returned_type(len, result=False)
    (<class 'int'>, <class 'object'>)
    """
    annotation = _hints(fn).get("return", object)
    if result:
        args = typing.get_args(annotation)
        return args[0] if len(args) == 2 else object
    return annotation


def accepted_type(fn: object) -> object:
    """The annotated type of a step function's one parameter (``object`` when there is none)."""
    hints = _hints(fn)
    hints.pop("return", None)
    return next(iter(hints.values()), object)


def _name_of(fn: object) -> str:
    name = getattr(fn, "__name__", "step")
    return "step" if not isinstance(name, str) or name == "<lambda>" else name


@overload
def step[I, O, E: SpineError](fn: Callable[[I], Result[O, E]], /) -> Task[I, O, E]: ...
@overload
def step[I, O, E: SpineError](
    *, name: str | None = None, retry: RetryPolicy | None = None, timeout_s: float | None = None
) -> Callable[[Callable[[I], Result[O, E]]], Task[I, O, E]]: ...
def step[I, O, E: SpineError](
    fn: Callable[[I], Result[O, E]] | None = None,
    /,
    *,
    name: str | None = None,
    retry: RetryPolicy | None = None,
    timeout_s: float | None = None,
) -> Task[I, O, E] | Callable[[Callable[[I], Result[O, E]]], Task[I, O, E]]:
    """A task from a function returning ``Result`` (use bare, or with options).

    >>> from returns.result import Success
    >>> @step
    ... def double(x: int) -> Result[int, SpineError]:
    ...     return Success(x * 2)
    >>> double
    Task('double', steps=1)
    """
    policy = StepPolicy(retry=retry, timeout_s=timeout_s)

    def make(f: Callable[[I], Result[O, E]]) -> Task[I, O, E]:
        return Task(_call_node(name or _name_of(f), cast("StepFn", f), policy, returned_type(f, result=True)))

    return make if fn is None else make(fn)


def lift[I, O](fn: Callable[[I], O], /, *, name: str | None = None) -> Task[I, O, Never]:
    """A task from a plain function (it cannot fail except by raising, which is a bug).

    >>> lift(str.upper, name="shout")
    Task('shout', steps=1)
    """

    def call(value: object) -> Result[object, SpineError]:
        return ok(cast("Callable[[object], object]", fn)(value))

    call.__wrapped__ = fn  # type: ignore[attr-defined]  # so accepted_type() sees fn's annotations
    return Task(_call_node(name or _name_of(fn), call, StepPolicy(), returned_type(fn, result=False)))


def operation[P, R](
    name: str, /, *, params: type[P], result: type[R], step_name: str | None = None
) -> Task[P, R, SpineError]:
    """A task that runs the handler registered as ``name`` through the execution layer.

    Its input is the handler's parameter Struct; its output the handler's value decoded as
    ``result``.
    """
    del params  # the type is the point: the runner encodes the input value as the handler's params
    node = Node(
        name=step_name or name, kind=NodeKind.OPERATION, inputs=(INPUT,), operation=name, result_type=result
    )
    return Task(Graph((node,), node.name))


def wait[T](
    of: type[T], /, *, seconds: float | None = None, until: datetime | None = None, name: str = "wait"
) -> Task[T, T, Never]:
    """A durable timer: passes its input on once ``seconds`` have passed or ``until`` is reached.

    ``of`` is the type of the value passing through (mypy cannot infer it in a chain).

    >>> wait(int, seconds=60).node.wait
    WaitSpec(duration_s=60, until=None)
    """
    del of
    node = Node(
        name=name, kind=NodeKind.WAIT, inputs=(INPUT,), wait=WaitSpec(duration_s=seconds, until=until)
    )
    return Task(Graph((node,), name))


def map_each[T, U, F: SpineError](
    body: Step[T, U, F], /, *, concurrency: int = 1, tolerated_failures: int = 0, name: str = "map"
) -> Task[Sequence[T], tuple[U, ...], F | StepError]:
    """Apply ``body`` to each element (at most ``concurrency`` at once); results in input order.

    With ``tolerated_failures=0`` the first item's error is the step's error; otherwise up
    to that many items may fail (they are left out of the output) before the step fails
    with a ``StepError``.
    """
    if concurrency < 1 or tolerated_failures < 0:
        got = f"concurrency={concurrency}, tolerated_failures={tolerated_failures}"
        msg = f"map_each needs concurrency >= 1 and tolerated_failures >= 0, got {got}"
        raise ValueError(msg)
    node = Node(
        name=name,
        kind=NodeKind.MAP,
        inputs=(INPUT,),
        body=body.graph,
        concurrency=concurrency,
        tolerated_failures=tolerated_failures,
    )
    return Task(Graph((node,), name))
