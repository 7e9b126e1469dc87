"""``UnsupportedSqlError``: a statement asks for something the target dialect cannot do.

The compiler never drops a construct silently (sqlglot's default is to log a warning and
carry on: ``FOR UPDATE SKIP LOCKED`` simply vanishes on SQLite). Whatever the target cannot
express raises this error, naming the construct and the dialect. It is a
``ValidationError``: the statement, not the database, is wrong, and retrying cannot help.
Statements are compiled when a repository is built, so the error surfaces at start-up.
"""

from __future__ import annotations

from typing import Unpack, cast, final

from spine.core.errors import ErrorOptions, ValidationError

__all__ = ["UnsupportedSqlError"]


@final
class UnsupportedSqlError(ValidationError):
    """A construct the target dialect (at this version) cannot express.

    >>> e = UnsupportedSqlError(construct="UPDATE ... RETURNING", dialect="mysql/8.0")
    >>> (e.construct, e.dialect, e.retryable)
    ('UPDATE ... RETURNING', 'mysql/8.0', False)
    >>> str(e)
    'UPDATE ... RETURNING is not supported by mysql/8.0'
    """

    code = "validation.unsupported_sql"

    def __init__(
        self, *, construct: str, dialect: str, reason: str = "", **options: Unpack[ErrorOptions]
    ) -> None:
        message = f"{construct} is not supported by {dialect}" + (f": {reason}" if reason else "")
        super().__init__(
            message, field=construct, value=dialect, constraint="supported by the target", **options
        )

    @property
    def construct(self) -> str:
        """The SQL construct that cannot be rendered."""
        return cast("str", self.details.get("field"))

    @property
    def dialect(self) -> str:
        """The target, as ``name/version``."""
        return cast("str", self.details.get("value"))
