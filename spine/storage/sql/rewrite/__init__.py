"""The AST rewrites spine owns, one concern per module, applied in :mod:`..compiler` order."""

from spine.storage.sql.rewrite.booleans import lower_booleans
from spine.storage.sql.rewrite.ddl import add_type_checks, default_first, guard_existence, identity_columns
from spine.storage.sql.rewrite.json import json_functions
from spine.storage.sql.rewrite.markers import type_select_markers
from spine.storage.sql.rewrite.nulls import natural_null_ordering
from spine.storage.sql.rewrite.returning import rewrite_returning
from spine.storage.sql.rewrite.shape import add_dummy_table, fold_identifiers, paging
from spine.storage.sql.rewrite.strings import refuse_empty_strings
from spine.storage.sql.rewrite.upsert import rewrite_upsert

__all__ = [
    "add_dummy_table",
    "add_type_checks",
    "default_first",
    "fold_identifiers",
    "guard_existence",
    "identity_columns",
    "json_functions",
    "lower_booleans",
    "natural_null_ordering",
    "paging",
    "refuse_empty_strings",
    "rewrite_returning",
    "rewrite_upsert",
    "type_select_markers",
]
