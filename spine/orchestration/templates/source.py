"""Reading a template: a file or text, YAML or JSON, into plain data and a line map.

This is an edge module: it reads files. YAML needs PyYAML (the ``yaml`` extra), imported
only when a YAML document is read, so JSON templates work without it. The YAML reader
keeps every key's line (``steps[2].retry`` → 14) for error messages, and refuses what a
plain YAML load would let through silently: a key given twice, a key that is not text
(``on:`` or ``yes:`` read as a boolean).

Which syntax: ``syntax=`` when given; else a ``.json`` file is JSON and any other file
YAML; text is JSON when it starts with ``{``, YAML otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError, ValidationError
from spine.orchestration.templates.document import invalid
from spine.orchestration.templates.problems import Problem, path_text

if TYPE_CHECKING:
    import yaml

__all__ = ["Document", "Syntax", "read_document"]

type Syntax = Literal["yaml", "json"]

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class Document(msgspec.Struct, frozen=True, kw_only=True):
    """Parsed data, where it came from, and ``(path, line)`` pairs when the syntax has lines."""

    data: object
    source: str
    lines: tuple[tuple[str, int], ...] = ()


def read_document(
    source: str | Path, *, origin: str | None = None, syntax: Syntax | None = None
) -> Result[Document, ValidationError | ConfigError]:
    """Parse a template: a ``Path`` is a file to read, a ``str`` is the document's text.

    Args:
        source: The file, or the text.
        origin: What error messages call the document (default: the path, or ``<template>``).
        syntax: ``"yaml"`` or ``"json"`` (default: by file suffix, or by the text's first character).
    """
    if isinstance(source, Path):
        name = origin or str(source)
        try:
            text = source.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            return Failure(invalid(name, (), [Problem("", f"the file is not UTF-8 text: {exc.reason}")]))
        except OSError as exc:
            return Failure(ConfigError(f"{name}: cannot read the template: {exc.strerror or exc}", key=name))
        chosen: Syntax = syntax or ("json" if source.suffix.lower() == ".json" else "yaml")
    else:
        name, text = origin or "<template>", source
        bare = text.strip()
        if "\n" not in bare and bare.lower().endswith((".yaml", ".yml", ".json")):
            hint = f"{bare!r} looks like a file name: pass pathlib.Path({bare!r}) to read the file"
            return Failure(invalid(name, (), [Problem("", hint)]))
        chosen = syntax or ("json" if text.lstrip().startswith("{") else "yaml")
    return _read_json(text, name) if chosen == "json" else _read_yaml(text, name)


class _Refused(ValueError):
    """A JSON construct the template format does not accept."""


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            msg = f"duplicate key {key!r}"
            raise _Refused(msg)
        out[key] = value
    return out


def _constant(name: str) -> object:
    msg = f"{name} is not a JSON number"
    raise _Refused(msg)


def _read_json(text: str, name: str) -> Result[Document, ValidationError | ConfigError]:
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        return Failure(
            invalid(name, [("", exc.lineno)], [Problem("", f"invalid JSON: {exc.msg} (column {exc.colno})")])
        )
    except _Refused as exc:
        return Failure(invalid(name, (), [Problem("", f"invalid JSON: {exc}")]))
    except RecursionError:
        return Failure(invalid(name, (), [Problem("", "invalid JSON: nested too deeply")]))
    return Success(Document(data=data, source=name))


def _read_yaml(text: str, name: str) -> Result[Document, ValidationError | ConfigError]:
    try:
        import yaml  # noqa: PLC0415 - optional dependency, only for YAML documents
    except ImportError:
        msg = f"{name}: reading a YAML template needs PyYAML: install spine-core[yaml] (or use JSON)"
        return Failure(ConfigError(msg, key="yaml"))
    try:
        return _parse_yaml(text, name)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = () if mark is None else [("", mark.line + 1)]
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        return Failure(invalid(name, where, [Problem("", f"invalid YAML: {what}")]))
    except yaml.YAMLError as exc:
        return Failure(invalid(name, (), [Problem("", f"invalid YAML: {exc}")]))
    except RecursionError:
        return Failure(invalid(name, (), [Problem("", "invalid YAML: nested too deeply")]))


def _parse_yaml(text: str, name: str) -> Result[Document, ValidationError | ConfigError]:
    """Compose the node tree (it has the lines), check it, then build plain data from it."""
    import yaml  # noqa: PLC0415 - optional dependency, already imported by the caller

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Success(Document(data=None, source=name))
        lines, problems = _walk(node)
        if problems:
            return Failure(invalid(name, lines, problems))
        data: object = loader.construct_document(node)  # pyright: ignore[reportUnknownMemberType]  # untyped in the stubs
    finally:
        loader.dispose()
    return Success(Document(data=data, source=name, lines=tuple(lines)))


def _walk(root: yaml.Node) -> tuple[list[tuple[str, int]], list[Problem]]:
    """Each path's line; duplicate and non-text keys. An aliased node is walked once."""
    import yaml  # noqa: PLC0415 - optional dependency, already imported by the caller

    lines: list[tuple[str, int]] = [("", root.start_mark.line + 1)]
    problems: list[Problem] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            for k, item in enumerate(node.value):
                lines.append((path_text((*path, k)), item.start_mark.line + 1))
                stack.append((item, (*path, k)))
        elif isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, item in node.value:
                line = key.start_mark.line + 1
                if key.tag == _MERGE_TAG:
                    continue
                if not isinstance(key, yaml.ScalarNode) or key.tag != _STR_TAG:
                    shown = str(key.value) if isinstance(key, yaml.ScalarNode) else f"a {key.id}"
                    here = path_text((*path, shown))
                    lines.append((here, line))
                    kind = key.tag.rsplit(":", 1)[-1]
                    problems.append(
                        Problem(here, f"a key must be text, YAML reads {shown!r} as {kind}: quote it")
                    )
                    continue
                here = path_text((*path, key.value))
                if key.value in first:
                    problems.append(
                        Problem(here, f"duplicate key {key.value!r} (first on line {first[key.value]})")
                    )
                    continue
                first[key.value] = line
                lines.append((here, line))
                stack.append((item, (*path, key.value)))
    return sorted(lines, key=lambda pair: (pair[1], pair[0])), problems
