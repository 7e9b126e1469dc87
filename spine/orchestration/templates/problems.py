"""Problems found in a template, and how they are told: ``file:line: path: what is wrong``.

Every error a template produces — syntax, a field that does not fit, an unknown name, a
workflow that does not hold together — is a list of ``Problem``s rendered here, one per
line, so each names the file, the path inside the document and, when the format records
lines, the line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence

import msgspec

from spine.core.json_types import JsonValue

__all__ = ["Problem", "describe", "known", "line_of", "path_text", "suggest"]

_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")
_MAX_LISTED = 20


class Problem(msgspec.Struct, frozen=True):
    """What is wrong (``message``) and where in the document (``path``; empty: the whole of it)."""

    path: str
    message: str


def path_text(parts: Iterable[str | int]) -> str:
    """A path inside a document, written the way a reader looks for it.

    >>> path_text(("steps", 2, "choice", 0, "when"))
    'steps[2].choice[0].when'
    >>> path_text(("steps", 0, "a key"))
    "steps[0]['a key']"
    """
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.fullmatch(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{part!r}]")
    return "".join(out)


def line_of(lines: Mapping[str, int], path: str) -> int | None:
    """The line of ``path``, or of its nearest ancestor that has one.

    >>> line_of({"steps[1]": 7}, "steps[1].retry.base_s"), line_of({"": 1}, "steps"), line_of({}, "a.b")
    (7, 1, None)
    """
    while path not in lines:
        if not path:
            return None
        cut = path.rfind("[") if path.endswith("]") else path.rfind(".")
        path = path[: max(cut, 0)]
    return lines[path]


def suggest(name: str, candidates: Iterable[str]) -> str:
    """A "did you mean" hint for a misspelt ``name`` (empty when nothing is close).

    >>> suggest("is_larg", ["is_large", "is_small"])
    "; did you mean 'is_large'?"
    """
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def known(names: Iterable[str], what: str = "registered") -> str:
    """The names one could have used, for an error message.

    >>> known(["b", "a"]), known([])
    ('(registered: a, b)', '(none registered)')
    """
    listed = sorted(set(names))
    if not listed:
        return f"(none {what})"
    more = f", ... {len(listed) - _MAX_LISTED} more" if len(listed) > _MAX_LISTED else ""
    return f"({what}: {', '.join(listed[:_MAX_LISTED])}{more})"


def describe(
    source: str, lines: Sequence[tuple[str, int]], problems: Sequence[Problem]
) -> tuple[str, dict[str, JsonValue]]:
    """One message with a line per problem, and the error context that lists them.

    >>> text, context = describe("etl.yaml", [("steps[0]", 3)], [Problem("steps[0].when", "unknown")])
    >>> text
    'etl.yaml:3: steps[0].when: unknown'
    """
    where = dict(lines)
    rendered: list[JsonValue] = []
    for p in problems:
        line = line_of(where, p.path)
        place = source if line is None else f"{source}:{line}"
        rendered.append(f"{place}: {p.path}: {p.message}" if p.path else f"{place}: {p.message}")
    text = "\n".join(str(r) for r in rendered)
    return text, {"source": source, "problems": rendered}
