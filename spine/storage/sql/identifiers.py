"""Identifiers: what a table, column or index may be called, and how generated names are made.

**Rule.** A spine identifier matches ``[a-z][a-z0-9_]{0,62}``: lower case, starts with a
letter, at most 63 characters (PostgreSQL silently truncates longer names). Anything else
is a ``ValidationError``: never an injection vector, never a case-folding surprise.

**Quoting.** The compiler quotes *every* identifier, in the case the target folds unquoted
names to: ``"users"`` on PostgreSQL and SQLite, ```users``` on MySQL, ``"USERS"`` on Oracle
and Db2. Because spine names are lower case, this is lossless: a DBA typing ``SELECT * FROM
users`` finds the same table, and reserved words (``order``, ``user``, ``level``, ``size``)
need no per-version reserved-word lists (sqlglot's Oracle generator has none).

**Generated names** (primary keys, uniques, indexes, checks) must fit the smallest limit
among the targets, Oracle 12.1's 30 bytes. :func:`generated_name` keeps short names readable
and shortens long ones deterministically with a hash of the full name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Final

from spine.core.errors import ValidationError

__all__ = [
    "IDENTIFIER_PATTERN",
    "MAX_GENERATED_LENGTH",
    "MAX_IDENTIFIER_LENGTH",
    "generated_name",
    "identifier",
]

MAX_IDENTIFIER_LENGTH: Final = 63
"""PostgreSQL's limit (NAMEDATALEN - 1); longer names would be truncated without a word."""
MAX_GENERATED_LENGTH: Final = 30
"""Oracle 12.1's limit, the smallest of all targets."""
IDENTIFIER_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]{0,62}")
"""What :func:`identifier` accepts (matched in full)."""

_HASH_CHARS: Final = 8


def identifier(name: str, /, *, field: str = "identifier") -> str:
    """``name`` itself when it is a valid spine identifier, else a ``ValidationError``.

    >>> identifier("order_lines")
    'order_lines'
    >>> identifier('users"; DROP TABLE x; --')
    Traceback (most recent call last):
    ...
    spine.core.errors.ValidationError: 'users"; DROP TABLE x; --' is not a valid identifier: ...
    """
    if type(name) is not str or IDENTIFIER_PATTERN.fullmatch(name) is None:
        msg = (
            f"{name!r} is not a valid identifier: use lower-case letters, digits and '_', "
            f"starting with a letter, at most {MAX_IDENTIFIER_LENGTH} characters"
        )
        raise ValidationError(msg, field=field, value=name, constraint=IDENTIFIER_PATTERN.pattern)
    return name


def generated_name(prefix: str, table: str, columns: Sequence[str] = ()) -> str:
    """A deterministic constraint or index name of at most 30 characters.

    ``prefix_table_col1_col2`` when it fits; otherwise its first 21 characters, ``_`` and
    8 hex digits of the full name's SHA-256, so two long names that share a prefix differ.

    >>> generated_name("ix", "users", ["email"])
    'ix_users_email'
    >>> generated_name("uq", "workflow_run_events", ["run_id", "sequence_number"])
    'uq_workflow_run_event_9235001c'
    >>> len(_)
    30
    """
    full = "_".join([prefix, table, *columns])
    if len(full) <= MAX_GENERATED_LENGTH:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:_HASH_CHARS]
    head = full[: MAX_GENERATED_LENGTH - _HASH_CHARS - 1]
    return f"{head}_{digest}"
