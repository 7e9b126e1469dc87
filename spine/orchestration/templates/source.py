"""Reading a template: a file or text, YAML or JSON, into plain data and a line map.

This is an edge module: it reads files. YAML needs PyYAML (the ``yaml`` extra), imported
only when a YAML document is read, so JSON templates work without it. The YAML reader
keeps every key's line (``steps[2].retry`` → 14) for error messages, and refuses what a
plain YAML load would let through silently: a key given twice, a key that is not text
(``on:`` or ``yes:`` read as a boolean), a scalar its resolver accepts but cannot build
(``2025-02-30``, ``!!int ''``, a 5000-digit number): each is a ``ValidationError`` naming
the file and line, never an exception. A document is at most ``MAX_DOCUMENT_BYTES`` of
UTF-8 and ``MAX_VALUES`` YAML nodes (keys and values): the pure-Python YAML composer spends
20-40 µs a node, so a huge document is refused before it costs more than a few seconds.

Which syntax: ``syntax=`` when given; else a ``.json`` file is JSON and any other file
YAML; text is JSON when it starts with ``{``, YAML otherwise.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import msgspec
from returns.result import Failure, Result, Success

from spine.core.errors import ConfigError, ValidationError
from spine.orchestration.templates.document import MAX_VALUES, invalid
from spine.orchestration.templates.problems import Problem, path_text

if TYPE_CHECKING:
    import yaml

__all__ = ["MAX_DOCUMENT_BYTES", "Document", "Syntax", "read_document"]

type Syntax = Literal["yaml", "json"]

MAX_DOCUMENT_BYTES: Final = 1 << 20
"""The largest template (its UTF-8 text) that is read at all: 1 MiB."""

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_UNBUILDABLE: Final = (ValueError, LookupError, AttributeError, TypeError, OverflowError)
"""What PyYAML's scalar constructors raise on a value their resolver let through."""


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
            with source.open("rb") as file:
                raw = file.read(MAX_DOCUMENT_BYTES + 1)  # never more: it may be /dev/zero
        except OSError as exc:
            return Failure(ConfigError(f"{name}: cannot read the template: {exc.strerror or exc}", key=name))
        if len(raw) > MAX_DOCUMENT_BYTES:
            return Failure(_too_large(name))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return Failure(invalid(name, (), [Problem("", f"the file is not UTF-8 text: {exc.reason}")]))
        chosen: Syntax = syntax or ("json" if source.suffix.lower() == ".json" else "yaml")
    else:
        name, text = origin or "<template>", source
        if len(text) > MAX_DOCUMENT_BYTES // 4 and _utf8_size(text) > MAX_DOCUMENT_BYTES:
            return Failure(_too_large(name))
        bare = text.strip()
        if "\n" not in bare and bare.lower().endswith((".yaml", ".yml", ".json")):
            hint = f"{bare!r} looks like a file name: pass pathlib.Path({bare!r}) to read the file"
            return Failure(invalid(name, (), [Problem("", hint)]))
        chosen = syntax or ("json" if text.lstrip().startswith("{") else "yaml")
    return _read_json(text, name) if chosen == "json" else _read_yaml(text, name)


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _too_large(name: str) -> ValidationError:
    return invalid(name, (), [Problem("", f"the document is larger than {MAX_DOCUMENT_BYTES} bytes")])


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


def _integer(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:  # longer than sys.get_int_max_str_digits()
        msg = f"a number of {len(digits.lstrip('-'))} digits is too long"
        raise _Refused(msg) from None


def _read_json(text: str, name: str) -> Result[Document, ValidationError | ConfigError]:
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant, parse_int=_integer)
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
    except _Unbuildable as exc:
        return Failure(invalid(name, [(exc.path, exc.line)], [Problem(exc.path, f"invalid YAML: {exc}")]))
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
    loader = _loader()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Success(Document(data=None, source=name))
        lines, problems = _walk(node)
        if problems:
            return Failure(invalid(name, lines, problems))
        try:
            data: object = loader.construct_document(node)  # pyright: ignore[reportUnknownMemberType]  # untyped in the stubs
        except _Unbuildable as exc:
            exc.path = _path_to(node, exc.node)
            raise
    finally:
        loader.dispose()
    return Success(Document(data=data, source=name, lines=tuple(lines)))


class _Unbuildable(Exception):
    """A scalar the YAML resolver accepted that its constructor then failed on."""

    def __init__(self, node: yaml.Node, cause: Exception) -> None:
        value = str(node.value)
        shown = repr(value if len(value) <= 40 else value[:40] + "...")
        kind = node.tag.rsplit(":", 1)[-1]
        detail = str(cause).split(";", 1)[0] if isinstance(cause, ValueError) else ""
        detail = "" if detail.startswith("invalid literal") else detail  # says no more than the above
        super().__init__(f"{shown} is not a valid {kind}" + (f" ({detail})" if detail else ""))
        self.node, self.line, self.path = node, node.start_mark.line + 1, ""


@functools.cache
def _loader() -> type[yaml.SafeLoader]:
    """PyYAML's safe loader, counting nodes as it composes and naming scalars it cannot build."""
    import yaml  # noqa: PLC0415 - optional dependency, already imported by the caller
    from yaml.composer import ComposerError  # noqa: PLC0415

    class Loader(yaml.SafeLoader):
        nodes = 0

        def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:  # pyright: ignore[reportIncompatibleMethodOverride]  # the stubs type index as Node
            self.nodes += 1
            if self.nodes > MAX_VALUES:  # keys too: composing costs the same per node
                problem = f"the document is too large (more than {MAX_VALUES} keys and values)"
                raise ComposerError(None, None, problem, None if parent is None else parent.start_mark)
            return super().compose_node(parent, index)  # type: ignore[arg-type]  # the stubs type index as Node

        def construct_object(self, node: yaml.Node, deep: bool = False) -> object:  # noqa: FBT001, FBT002 - PyYAML's signature
            try:
                return super().construct_object(node, deep)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]  # untyped in the stubs
            except _UNBUILDABLE as exc:
                raise _Unbuildable(node, exc) from exc

    return Loader


def _path_to(root: yaml.Node, target: yaml.Node) -> str:
    """Where ``target`` sits under ``root`` (``""`` when not found); only on the error path."""
    import yaml  # noqa: PLC0415 - optional dependency, already imported by the caller

    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path_text(path)
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, k)) for k, item in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend((item, (*path, str(key.value))) for key, item in node.value)
    return ""


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
