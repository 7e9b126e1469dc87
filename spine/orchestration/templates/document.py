"""The boundary: parsed document data → ``TemplateSpec``, or a ``ValidationError`` that says where.

pydantic's errors are rewritten for the person who wrote the file: the path as they see
it (``steps[2].retry.base_s``, without pydantic's union tags), the line when known, and
what was expected — the fields a mapping allows, the kinds a step may have, a "did you
mean" for a misspelt key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, cast

import pydantic
from pydantic_core import ErrorDetails
from returns.result import Failure, Result, Success

from spine.core.errors import ValidationError
from spine.orchestration.templates.model import KINDS, NESTED, STEP_MODELS, DocumentModel
from spine.orchestration.templates.problems import Problem, describe, path_text, suggest
from spine.orchestration.templates.spec import TemplateSpec

__all__ = ["MAX_VALUES", "invalid", "parse_document"]

_MAX_DEPTH = 64
MAX_VALUES: Final = 100_000
"""The most values (scalars and collections, keys not counted) a template may hold."""
_COMMON = frozenset(
    {"name", "description", "input", "retry", "timeout_s", "on_error", "fallback", "compensate"}
)


def parse_document(
    data: object, *, source: str = "<template>", lines: Sequence[tuple[str, int]] = ()
) -> Result[TemplateSpec, ValidationError]:
    """Validate parsed YAML/JSON data (mappings, lists, scalars) as a template.

    >>> doc = {"name": "t", "version": 1, "steps": [{"name": "a", "function": "f", "retyr": {}}]}
    >>> print(parse_document(doc, source="t.yaml").failure().message)
    t.yaml: steps[0].retyr: unknown field 'retyr'; did you mean 'retry'? (allowed: name, ...)
    """
    shape = _shape_problems(data)
    if shape:
        return Failure(invalid(source, lines, shape))
    try:
        model = DocumentModel.model_validate(data)
    except pydantic.ValidationError as exc:
        return Failure(invalid(source, lines, [_problem(e) for e in exc.errors()]))
    return Success(model.to_spec(source=source, lines=tuple(lines)))


def invalid(source: str, lines: Sequence[tuple[str, int]], problems: Sequence[Problem]) -> ValidationError:
    """The ``ValidationError`` listing ``problems`` (``field`` is the first one's path)."""
    text, context = describe(source, lines, problems)
    return ValidationError(text, field=problems[0].path, constraint="workflow template", context=context)


def _shape_problems(data: object) -> list[Problem]:
    """Text keys only, no cycles, bounded depth and size (so validation cannot run away)."""
    stack: list[tuple[object, tuple[str | int, ...], frozenset[int]]] = [(data, (), frozenset())]
    seen = 0
    while stack:
        value, path, above = stack.pop()
        ident = id(value)
        seen += 1
        if seen > MAX_VALUES:
            return [Problem("", f"the document is too large (more than {MAX_VALUES} values)")]
        if not isinstance(value, Mapping | list | tuple):
            continue
        if ident in above:
            return [Problem(path_text(path), "the document refers to itself (a recursive alias)")]
        if len(path) >= _MAX_DEPTH:
            return [Problem(path_text(path), f"the document nests deeper than {_MAX_DEPTH} levels")]
        inner = above | {ident}
        if isinstance(value, Mapping):
            for key, item in cast("Mapping[object, object]", value).items():
                if not isinstance(key, str):
                    return [Problem(path_text(path), f"mapping keys must be text, got {key!r}")]
                stack.append((item, (*path, key), inner))
        else:
            items = cast("Sequence[object]", value)
            stack.extend((item, (*path, k), inner) for k, item in enumerate(items))
    return []


def _problem(error: ErrorDetails) -> Problem:  # noqa: PLR0911 - one flat table of error kinds
    loc = tuple(error["loc"])
    path = path_text(_without_tags(loc))
    kind, given = error["type"], error.get("input")
    if kind == "step_kind":
        return Problem(path, _kind_problem(given))
    if kind == "extra_forbidden":
        field = str(loc[-1])
        allowed = _allowed(loc)
        listed = f"(allowed: {', '.join(allowed)})" if allowed else ""
        return Problem(path, f"unknown field {field!r}{suggest(field, allowed)} {listed}".rstrip())
    if kind == "missing":
        return Problem(path, "required field missing")
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        what = "expected a mapping" if loc else "the document must be a mapping with name, version and steps"
        return Problem(path, f"{what}, got {_type(given)}")
    if kind == "list_type":
        return Problem(path, f"expected a list, got {_type(given)}")
    if kind == "value_error":
        return Problem(path, error["msg"].removeprefix("Value error, "))
    if kind == "string_pattern_mismatch":
        ref = "$input" in str(error.get("ctx", {}).get("pattern", ""))
        also = ", or $input for the workflow's input" if ref else ""
        return Problem(
            path,
            f"expected a step name (a letter or _, then letters, digits, _ or -){also}, got {_show(given)}",
        )
    message = error["msg"]
    return Problem(path, f"{message[:1].lower()}{message[1:]}, got {_show(given)}")


def _without_tags(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """``loc`` without pydantic's union tags (``steps[0].function.retry`` → ``steps[0].retry``)."""
    return tuple(
        part
        for k, part in enumerate(loc)
        if not (k >= 2 and part in STEP_MODELS and isinstance(loc[k - 1], int) and loc[k - 2] == "steps")
    )


def _allowed(loc: tuple[str | int, ...]) -> list[str]:
    """The fields allowed where ``loc`` points (its parent's model)."""
    parent = loc[:-1]
    if not parent:
        model: type[pydantic.BaseModel] | None = DocumentModel
    elif (
        len(parent) >= 3
        and isinstance(parent[-2], int)
        and parent[-3] == "steps"
        and parent[-1] in STEP_MODELS
    ):
        model = STEP_MODELS[str(parent[-1])]
    else:
        names = [p for p in parent if isinstance(p, str)]
        model = NESTED.get(names[-1]) if names else None
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _kind_problem(given: object) -> str:
    if not isinstance(given, Mapping):
        return f"a step must be a mapping, got {_type(given)}"
    keys = [str(k) for k in cast("Mapping[object, object]", given)]
    present = [k for k in KINDS if k in keys]
    if present:
        return f"a step has exactly one kind, this one has {len(present)}: {', '.join(present)}"
    strangers = [k for k in keys if k not in _COMMON]
    hint = suggest(strangers[0], KINDS) if strangers else ""
    unknown = f" (unknown: {', '.join(repr(k) for k in strangers)})" if strangers else ""
    return f"a step needs a kind: one of {', '.join(KINDS)}{unknown}{hint}"


def _type(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."
