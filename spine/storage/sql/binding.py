"""``bind``: named values to the driver's parameter sequence or mapping, with spine's policies.

A :class:`CompiledQuery` names its parameters (``param_names``); callers hold a mapping
``{name: value}``. :func:`bind` makes what the driver's ``execute`` wants, as a value:

* positional paramstyles (qmark, format, numeric): a tuple, one item per placeholder;
* named (oracledb ``:name``): a dict of exactly the statement's names.

Output binds (``query.out_binds``, the last entries of ``param_names``) are not values:
they are left out, for the interpreter to fill with ``cursor.var()`` objects.

**Oracle's empty string policy.** Oracle stores ``''`` as ``NULL``: a bound ``''`` would
silently become ``NULL`` (and fail ``NOT NULL`` with ORA-01400, or never match in a
``WHERE``). spine *refuses* it: binding ``''`` for an Oracle query is a
``ValidationError`` naming the parameter, the same policy the compiler applies to ``''``
literals. Callers that mean "no value" bind ``None``; callers that need to store an empty
string on every target choose their own sentinel. Refusing is the only policy that keeps
a round trip honest on all five targets without a hidden mapping.

Oracle also has no boolean before 23ai: ``True``/``False`` are bound as ``1``/``0``
(``NUMBER(1)`` columns; 23ai converts numbers to ``BOOLEAN`` implicitly).
"""

from __future__ import annotations

from collections.abc import Mapping

from returns.result import Failure, Result, Success

from spine.core.errors import ValidationError
from spine.storage.compiled import CompiledQuery, Paramstyle, SqlValue

__all__ = ["BoundParams", "bind"]

type BoundParams = tuple[SqlValue, ...] | dict[str, SqlValue]
"""What a DB-API ``execute`` takes as its second argument."""


def bind(query: CompiledQuery, params: Mapping[str, SqlValue], /) -> Result[BoundParams, ValidationError]:
    """The driver parameters for ``query`` from ``params`` (extra names are ignored).

    >>> from spine.storage.sql import compile, get_dialect, sql
    >>> stmt = sql("SELECT * FROM t WHERE a = :a AND b = :b")
    >>> bind(compile(stmt, get_dialect("sqlite")), {"a": 1, "b": "x", "c": 3})
    <Success: (1, 'x')>
    >>> bind(compile(stmt, get_dialect("oracle", paramstyle="named")), {"a": True, "b": "x"})
    <Success: {'a': 1, 'b': 'x'}>
    >>> bind(compile(stmt, get_dialect("oracle")), {"a": 1, "b": ""}).failure()
    ValidationError('parameter :b is an empty string, which Oracle stores as NULL; ...', field='b', ...)
    >>> bind(compile(stmt, get_dialect("postgres")), {"a": 1}).failure().field
    'b'
    """
    # RETURNING ... INTO ends the statement: the output binds are the last entries.
    names = query.param_names[: len(query.param_names) - len(query.out_binds)]
    missing = [name for name in names if name not in params]
    if missing:
        msg = f"no value for parameter :{missing[0]}"
        return Failure(ValidationError(msg, field=missing[0], constraint="a value for every parameter"))
    values = {name: params[name] for name in names}
    if query.dialect == "oracle":
        for name, value in values.items():
            if value == "" and isinstance(value, str):
                msg = (
                    f"parameter :{name} is an empty string, which Oracle stores as NULL; "
                    "bind None or a sentinel"
                )
                return Failure(
                    ValidationError(msg, field=name, value="", constraint="non-empty string on Oracle")
                )
            if isinstance(value, bool):
                values[name] = int(value)
    if query.paramstyle is Paramstyle.NAMED:
        return Success(values)
    return Success(tuple(values[name] for name in names))
