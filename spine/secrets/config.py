"""Finding secret references in a nested config, and putting secrets in their place.

A config is what settings files and templates decode to: mappings, lists and tuples of
scalars, nested to any depth. Every string that starts with ``secret://`` is a reference;
any other value is left exactly as it is. Paths name where a value sits, the way a person
would write it: ``db.password``, ``sources[2].token``.
"""

from __future__ import annotations

from collections.abc import Mapping

from returns.result import Failure, Result, Success

from spine.core.errors import ValidationError
from spine.secrets.reference import SecretRef, is_ref, parse_ref
from spine.secrets.secret import Secret

__all__ = ["ConfigRef", "refs_in", "substitute"]

type ConfigRef = tuple[str, SecretRef]
"""Where a reference sits in a config (its key path) and what it names."""


def refs_in(config: Mapping[str, object], /) -> Result[tuple[ConfigRef, ...], ValidationError]:
    """Every reference in ``config``, in walk order; a malformed one is an error naming its path.

    >>> cfg = {"db": {"password": "secret://env/DB_PW", "host": "h"}, "keys": ["secret://env/K"]}
    >>> [(path, str(ref)) for path, ref in refs_in(cfg).unwrap()]
    [('db.password', 'secret://env/DB_PW'), ('keys[0]', 'secret://env/K')]
    >>> refs_in({"db": {"password": "secret://nope/x"}}).failure().field
    'db.password'
    """
    found: list[ConfigRef] = []
    for path, text in _strings(config, ""):
        parsed = parse_ref(text)
        if isinstance(parsed, Success):
            found.append((path, parsed.unwrap()))
            continue
        error = parsed.failure()
        msg = f"{path}: {error.message}"
        return Failure(ValidationError(msg, field=path, value=text, constraint=error.constraint))
    return Success(tuple(found))


def substitute(config: Mapping[str, object], secrets: Mapping[str, Secret], /) -> dict[str, object]:
    """A copy of ``config`` with each reference text found in ``secrets`` replaced by its secret.

    Mappings come back as dicts, lists as lists, tuples as tuples; everything else is the
    same object as before.

    >>> substitute({"a": ("secret://env/X", 1), "b": "plain"}, {"secret://env/X": Secret("v")})
    {'a': (Secret('***'), 1), 'b': 'plain'}
    """
    return {key: _replace(value, secrets) for key, value in config.items()}


def _replace(value: object, secrets: Mapping[str, Secret]) -> object:
    if isinstance(value, str):
        return secrets.get(value, value) if is_ref(value) else value
    if isinstance(value, Mapping):
        items: Mapping[object, object] = value  # pyright: ignore[reportUnknownVariableType]
        return {key: _replace(item, secrets) for key, item in items.items()}
    if isinstance(value, list | tuple):
        items_seq: list[object] | tuple[object, ...] = value  # pyright: ignore[reportUnknownVariableType]
        replaced = [_replace(item, secrets) for item in items_seq]
        return replaced if isinstance(value, list) else tuple(replaced)
    return value


def _strings(value: object, path: str) -> list[tuple[str, str]]:
    """(path, text) of every string that claims to be a reference, depth first."""
    if is_ref(value):
        return [(path, _text(value))]
    children: list[tuple[str, object]]
    if isinstance(value, Mapping):
        items: Mapping[object, object] = value  # pyright: ignore[reportUnknownVariableType]
        children = [(_key(path, key), item) for key, item in items.items()]
    elif isinstance(value, list | tuple):
        items_seq: list[object] | tuple[object, ...] = value  # pyright: ignore[reportUnknownVariableType]
        children = [(f"{path}[{index}]", item) for index, item in enumerate(items_seq)]
    else:
        return []
    return [found for child_path, child in children for found in _strings(child, child_path)]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _key(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)
