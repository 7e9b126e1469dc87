"""The template format, as pydantic models: the boundary, and the source of the JSON Schema.

Every model forbids unknown fields and validates strictly (a ``"3"`` is not a ``3``, a
``yes`` is not a string). A step is told apart by the one *kind* key it holds
(``function``, ``operation``, ``map``, ``choice``, ``wait``, ``join``, ``merge`` or
``pass``); none, or two, is an error. Each model converts itself to the frozen Struct of
``spec.py`` (``.to_spec()``): nothing past this module sees a ``BaseModel``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    StringConstraints,
    Tag,
    model_validator,
)

from spine.orchestration.policy import OnError
from spine.orchestration.templates.fields import (
    STRICT,
    BranchModel,
    EmptyModel,
    MapModel,
    Positive,
    Registered,
    RetryModel,
    StepName,
    StepRef,
    WaitModel,
)
from spine.orchestration.templates.spec import (
    Branch,
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

__all__ = ["KINDS", "KIND_MESSAGE", "NESTED", "STEP_MODELS", "DocumentModel", "kind_of"]


class _Step(BaseModel):
    model_config = STRICT
    name: StepName
    """Unique in the template; a letter or _, then letters, digits, _ or -."""
    description: str = ""


class _Wired(_Step):
    input: StepRef | None = None
    """The step whose output this one reads (``$input``: the workflow's input)."""


class _Policied(_Wired):
    retry: RetryModel | None = None
    timeout_s: Positive | None = None
    """An attempt running longer fails (retryably) with OperationTimeoutError."""
    on_error: Literal["fail", "continue", "compensate"] | None = None
    """After the last attempt: stop the run, carry on with ``fallback``, or undo and stop."""
    fallback: JsonValue = None
    """The output of the step when it failed and ``on_error`` is continue."""
    compensate: Registered | None = None
    """A registered function undoing this step (it gets the step's output)."""

    @model_validator(mode="after")
    def _fallback_continues(self) -> Self:
        if "fallback" in self.model_fields_set and self.on_error != "continue":
            msg = "a fallback is the output of a failed step that carries on: it needs on_error: continue"
            raise ValueError(msg)
        return self

    def options(self) -> Options:
        return Options(
            retry=None if self.retry is None else self.retry.policy(),
            timeout_s=self.timeout_s,
            on_error=None if self.on_error is None else OnError(self.on_error),
            fallback=self.fallback,
            compensate=self.compensate,
        )


class FunctionStepModel(_Policied):
    """Calls a registered function."""

    function: Registered
    """A function registered in the TemplateRegistry."""

    def to_spec(self) -> StepSpec:
        return FunctionStep(name=self.name, input=self.input, function=self.function, options=self.options())


class OperationStepModel(_Policied):
    """Runs a registered handler; the input is its parameters."""

    operation: Registered
    """A handler registered in the HandlerRegistry; the step's input is its parameters."""

    def to_spec(self) -> StepSpec:
        return OperationStep(
            name=self.name, input=self.input, operation=self.operation, options=self.options()
        )


class MapStepModel(_Policied):
    """Applies a function or operation to each element of a sequence."""

    map: MapModel

    def to_spec(self) -> StepSpec:
        m = self.map
        item = Options(retry=None if m.retry is None else m.retry.policy(), timeout_s=m.timeout_s)
        return MapStep(
            name=self.name,
            input=self.input,
            function=m.function,
            operation=m.operation,
            concurrency=m.concurrency,
            tolerated_failures=m.tolerated_failures,
            item=item,
            options=self.options(),
        )


class ChoiceStepModel(_Wired):
    """The first branch whose condition holds, else ``default``."""

    choice: Annotated[list[BranchModel], Field(min_length=1)]
    default: StepName
    """The step to run when no branch's condition holds."""

    def to_spec(self) -> StepSpec:
        branches = tuple(Branch(when=b.when, goto=b.goto) for b in self.choice)
        return ChoiceStep(name=self.name, input=self.input, branches=branches, default=self.default)


class WaitStepModel(_Wired):
    """A durable timer."""

    wait: WaitModel

    def to_spec(self) -> StepSpec:
        return WaitStep(name=self.name, input=self.input, seconds=self.wait.seconds, until=self.wait.until)


class JoinStepModel(_Step):
    """Fan-in of parallel branches: the tuple of their outputs."""

    join: Annotated[list[StepRef], Field(min_length=1)]
    """The steps (or $input) whose outputs make the tuple, in order."""

    def to_spec(self) -> StepSpec:
        return JoinStep(name=self.name, inputs=tuple(self.join))


class MergeStepModel(_Step):
    """The end of a choice: the output of the branch that ran."""

    merge: Annotated[list[StepRef], Field(min_length=1)]
    """The ends of a choice's branches."""

    def to_spec(self) -> StepSpec:
        return MergeStep(name=self.name, inputs=tuple(self.merge))


class PassStepModel(_Wired):
    """Passes its input on (``pass: {}`` or an empty ``pass:``)."""

    pass_: EmptyModel | None = Field(alias="pass")

    def to_spec(self) -> StepSpec:
        return PassStep(name=self.name, input=self.input)


type StepModel = (
    FunctionStepModel
    | OperationStepModel
    | MapStepModel
    | ChoiceStepModel
    | WaitStepModel
    | JoinStepModel
    | MergeStepModel
    | PassStepModel
)

STEP_MODELS: Mapping[str, type[StepModel]] = {
    "function": FunctionStepModel,
    "operation": OperationStepModel,
    "map": MapStepModel,
    "choice": ChoiceStepModel,
    "wait": WaitStepModel,
    "join": JoinStepModel,
    "merge": MergeStepModel,
    "pass": PassStepModel,
}
"""Kind key → the model of a step of that kind."""

KINDS: tuple[str, ...] = tuple(STEP_MODELS)
"""The kind keys, one of which every step holds."""

NESTED: Mapping[str, type[BaseModel]] = {
    "retry": RetryModel,
    "map": MapModel,
    "choice": BranchModel,
    "wait": WaitModel,
    "pass": EmptyModel,
}
"""Field name → the model of its value (for error messages)."""

_TAG_OF: dict[type, str] = {model: kind for kind, model in STEP_MODELS.items()}

KIND_MESSAGE = f"a step needs exactly one kind key: {', '.join(KINDS)}"


def kind_of(value: object) -> str | None:
    """The kind of a step: its one kind key (``None`` when it has none, or several).

    >>> kind_of({"name": "a", "function": "f"}), kind_of({"function": "f", "map": {}})
    ('function', None)
    """
    if isinstance(value, Mapping):
        present = [k for k in KINDS if k in value]
        return present[0] if len(present) == 1 else None
    return _TAG_OF.get(type(value))  # a model, when serialising


_Steps = Annotated[
    Annotated[FunctionStepModel, Tag("function")]
    | Annotated[OperationStepModel, Tag("operation")]
    | Annotated[MapStepModel, Tag("map")]
    | Annotated[ChoiceStepModel, Tag("choice")]
    | Annotated[WaitStepModel, Tag("wait")]
    | Annotated[JoinStepModel, Tag("join")]
    | Annotated[MergeStepModel, Tag("merge")]
    | Annotated[PassStepModel, Tag("pass")],
    Discriminator(kind_of, custom_error_type="step_kind", custom_error_message=KIND_MESSAGE),
]


class DocumentModel(BaseModel):
    """A workflow template: its name, the format version, its steps and its output."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, title="spine workflow template")
    schema_: str | None = Field(default=None, alias="$schema")
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    version: Literal[1]
    """The version of the template format."""
    description: str = ""
    steps: Annotated[list[_Steps], Field(min_length=1)]
    output: StepName | None = None
    """The step whose value is the workflow's result (default: the last step)."""

    def to_spec(self, *, source: str, lines: tuple[tuple[str, int], ...] = ()) -> TemplateSpec:
        """The validated template as frozen Structs."""
        return TemplateSpec(
            name=self.name,
            source=source,
            description=self.description,
            steps=tuple(s.to_spec() for s in self.steps),
            output=self.output,
            lines=lines,
        )
