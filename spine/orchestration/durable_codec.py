"""How a durable run stores values: each step's value as msgpack, read back as the step's type.

# Theory of operation
# -------------------
# A checkpoint holds one node's value, msgpack-encoded (with spine's ``enc_hook``). Reading
# it back needs the value's type, and the plan knows it: a CALL or OPERATION node's
# ``result_type`` (inferred from annotations), a pass-through node's input type (PASS,
# CHOICE, WAIT; a MERGE takes the first of its inputs' types that is known), a JOIN's
# ``tuple`` of its inputs' types, a MAP's ``tuple[body output, ...]``. The workflow input's
# type is the annotated parameter of the first function that reads it. Unknown is
# ``object``: the value then comes back in msgpack's shape (a tuple as a list, a Struct as a
# dict), so annotate the steps whose values must round-trip exactly.
#
# Two kinds store more than their value, because resuming needs it: a CHOICE stores
# ``[value, chosen]`` (the same branches are skipped again) and a WAIT ``[value, wake_at]``
# (its deadline survives the process). The workflow input travels as JSON-ready builtins
# inside the run's spec, where an operator can read it, and is converted back the same way.
# ``fingerprint`` names the plan's shape, so a run is never resumed by a different workflow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Final, cast, final

import msgspec
from returns.result import Failure, Result, Success

from spine.core.codec import dec_hook, enc_hook
from spine.core.errors import ValidationError, from_record
from spine.execution.ledger_hash import canonical_json
from spine.orchestration.checkpoints import Checkpoint
from spine.orchestration.engine import Outcome
from spine.orchestration.graph import NodeKind
from spine.orchestration.plan import Plan
from spine.orchestration.report import StepStatus
from spine.orchestration.step import accepted_type

__all__ = ["PlanCodec", "Restored", "fingerprint", "input_type", "restore", "value_types"]

_ENCODER: Final = msgspec.msgpack.Encoder(enc_hook=enc_hook)
_ENCODE_ERRORS: Final = (TypeError, ValueError, OverflowError, NotImplementedError)
_PASS_THROUGH: Final = frozenset({NodeKind.PASS, NodeKind.CHOICE, NodeKind.WAIT})
_DONE: Final = frozenset({StepStatus.COMPLETED, StepStatus.CONTINUED})
_KEPT: Final = _DONE | {StepStatus.WAITING}


def _usable(kind: object) -> object:
    """``kind`` if msgspec can decode into it, else ``object``."""
    try:
        msgspec.msgpack.Decoder(kind, dec_hook=dec_hook)
    except (TypeError, ValueError):
        return object
    return kind


def input_type(plan: Plan) -> object:
    """The type of a plan's input: the annotated parameter of the first function reading it.

    Pass-through nodes (PASS, CHOICE, WAIT, MERGE) hand the input on, so their readers count.

    >>> from returns.result import Result
    >>> from spine.orchestration.step import lift
    >>> def parse(text: str) -> int: ...
    >>> input_type(Plan(lift(parse).graph)), input_type(Plan(lift(len).graph))
    (<class 'str'>, <class 'object'>)
    """
    seen: set[int] = set()
    todo = [i for i, ins in enumerate(plan.inputs) if -1 in ins]
    while todo:
        i = todo.pop(0)
        if i in seen:
            continue
        seen.add(i)
        node = plan.nodes[i]
        if node.kind is NodeKind.CALL and node.call is not None:
            found = _usable(accepted_type(node.call))
            if found is not object:
                return found
        elif node.kind in _PASS_THROUGH or node.kind is NodeKind.MERGE:
            todo.extend(plan.users[i])
    return object


def value_types(plan: Plan, given: object = object) -> tuple[object, ...]:
    """Per node, the type of its value (``given``: the plan's input type).

    >>> from spine.orchestration.compose import parallel
    >>> from spine.orchestration.step import lift
    >>> def count(text: str) -> int: ...
    >>> def shout(text: str) -> str: ...
    >>> value_types(Plan(parallel(lift(count), lift(shout)).graph), str)
    (<class 'int'>, <class 'str'>, tuple[int, str])
    """
    types: list[object] = []

    def of(j: int) -> object:
        return given if j < 0 else types[j]

    for i, node in enumerate(plan.nodes):
        ins = plan.inputs[i]
        kind = node.kind
        found: object
        if kind in (NodeKind.CALL, NodeKind.OPERATION):
            found = node.result_type
        elif kind is NodeKind.JOIN:
            found = tuple[tuple(of(j) for j in ins)]  # type: ignore[misc]  # a tuple type built at run time
        elif kind is NodeKind.MERGE:
            found = next((of(j) for j in ins if of(j) is not object), object)
        elif kind is NodeKind.MAP:
            body = plan.bodies[i]
            found = tuple[value_types(body)[body.output], ...]  # type: ignore[misc]  # built at run time
        else:
            found = of(ins[0])
        types.append(_usable(found))
    return tuple(types)


def fingerprint(plan: Plan) -> str:
    """A short digest of the plan's shape: its nodes' names, kinds and inputs, in order.

    >>> from spine.orchestration.step import lift
    >>> len(fingerprint(Plan(lift(len).graph)))
    16
    """
    lines = "\n".join(f"{n.name}\t{n.kind.value}\t{','.join(n.inputs)}" for n in plan.nodes)
    return hashlib.sha256(lines.encode()).hexdigest()[:16]


def _refused(what: str, error: Exception) -> ValidationError:
    return ValidationError(f"{what} cannot be stored: {error}", constraint="msgpack-encodable")


@final
class PlanCodec:
    """Encoders and decoders for one plan's checkpoints, its input and its result."""

    __slots__ = ("_decoders", "_kinds", "_names", "fingerprint", "input_type", "plan", "types")

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.input_type = input_type(plan)
        self.types = value_types(plan, self.input_type)
        self.fingerprint = fingerprint(plan)
        self._kinds = tuple(n.kind for n in plan.nodes)
        shared: dict[object, msgspec.msgpack.Decoder[object]] = {}
        self._decoders = tuple(
            _decoder(_stored_type(kind, t), shared) for kind, t in zip(self._kinds, self.types, strict=True)
        )
        self._names: list[str | bool | None] = [False] * len(plan.nodes)

    def name_json(self, i: int) -> str | None:
        """Node ``i``'s name as canonical JSON text (``None``: it cannot be a ledger string)."""
        known = self._names[i]
        if known is False:
            text = canonical_json(self.plan.nodes[i].name)
            known = self._names[i] = text.unwrap() if isinstance(text, Success) else None
        return known if isinstance(known, str) else None

    def encode(
        self, i: int, value: object, *, chosen: str | None = None, wake_at: datetime | None = None
    ) -> bytes | ValidationError:
        """The checkpoint bytes of node ``i``'s outcome (see the theory of operation)."""
        kind = self._kinds[i]
        stored: object = value
        if kind is NodeKind.CHOICE:
            stored = (value, chosen)
        elif kind is NodeKind.WAIT:
            stored = (value, wake_at)
        try:
            return _ENCODER.encode(stored)
        except _ENCODE_ERRORS as error:
            return _refused(f"the value of step {self.plan.nodes[i].name!r}", error)

    def decode(self, i: int, data: bytes) -> tuple[object, str | None, datetime | None] | ValidationError:
        """Node ``i``'s ``(value, chosen, wake_at)`` from its checkpoint bytes."""
        try:
            decoded = self._decoders[i].decode(data)
        except msgspec.DecodeError as error:
            name = self.plan.nodes[i].name
            msg = f"the checkpoint of step {name!r} does not decode as {self.types[i]!r}: {error}"
            return ValidationError(msg, field=name, constraint="checkpoint")
        kind = self._kinds[i]
        if kind is NodeKind.CHOICE:
            value, chosen = cast("tuple[object, str | None]", decoded)
            return value, chosen, None
        if kind is NodeKind.WAIT:
            value, wake_at = cast("tuple[object, datetime | None]", decoded)
            return value, None, wake_at
        return decoded, None, None

    def decode_result(self, data: bytes) -> object | ValidationError:
        """The run's result, stored as its output node's checkpoint."""
        decoded = self.decode(self.plan.output, data)
        return decoded if isinstance(decoded, ValidationError) else decoded[0]

    def encode_input(self, value: object) -> object | ValidationError:
        """The workflow input as JSON-ready builtins (what the run's spec stores).

        >>> from spine.orchestration.step import lift
        >>> PlanCodec(Plan(lift(len).graph)).encode_input((1, b"x"))
        (1, 'eA==')
        """
        try:
            builtins: object = msgspec.to_builtins(value, enc_hook=enc_hook)
        except _ENCODE_ERRORS as error:
            return _refused("the workflow input", error)
        return builtins

    def decode_input(self, raw: object) -> object | ValidationError:
        """The workflow input back from the spec, as the input type."""
        try:
            value: object = msgspec.convert(raw, self.input_type, dec_hook=dec_hook)
        except msgspec.ValidationError as error:
            msg = f"the stored workflow input does not fit {self.input_type!r}: {error}"
            return ValidationError(msg, field="input", constraint="input type")
        return value


def _decoder(
    kind: object, shared: dict[object, msgspec.msgpack.Decoder[object]]
) -> msgspec.msgpack.Decoder[object]:
    """One decoder per distinct type (building one costs far more than a look-up)."""
    try:
        found = shared.get(kind)
    except TypeError:  # an unhashable type: its own decoder
        return msgspec.msgpack.Decoder(kind, dec_hook=dec_hook)
    if found is None:
        found = shared[kind] = msgspec.msgpack.Decoder(kind, dec_hook=dec_hook)
    return found


def _stored_type(kind: NodeKind, value: object) -> object:
    if kind is NodeKind.CHOICE:
        return tuple[value, str | None]  # type: ignore[valid-type]  # built at run time
    if kind is NodeKind.WAIT:
        return tuple[value, datetime | None]  # type: ignore[valid-type]  # built at run time
    return value


class Restored(msgspec.Struct, frozen=True, kw_only=True):
    """What a run's checkpoints give back to the engine when it goes on."""

    outcomes: dict[str, Outcome]
    """Finished steps (and timers still waiting), by name: applied, never run again."""
    result: bytes | None = None
    """The output node's checkpoint, when it finished."""


def restore(codec: PlanCodec, rows: Sequence[Checkpoint], /) -> Result[Restored, ValidationError]:
    """The outcomes stored in ``rows`` (checkpoints of steps the plan no longer has are ignored).

    >>> from spine.orchestration.step import lift
    >>> restore(PlanCodec(Plan(lift(len).graph)), []).unwrap().outcomes
    {}
    """
    plan = codec.plan
    outcomes: dict[str, Outcome] = {}
    result: bytes | None = None
    for row in rows:
        i = plan.index.get(row.step_name)
        if i is None:
            continue
        if row.status not in _KEPT:
            continue
        decoded = codec.decode(i, row.output or b"")
        if isinstance(decoded, ValidationError):
            return Failure(decoded.with_context(run_id=row.run_id))
        value, chosen, wake_at = decoded
        error = None if row.error is None else from_record(row.error)
        outcomes[row.step_name] = Outcome(
            row.status, value, error=error, attempts=row.attempt, chosen=chosen, wake_at=wake_at
        )
        if i == plan.output and row.status in _DONE:
            result = row.output
    return Success(Restored(outcomes=outcomes, result=result))
