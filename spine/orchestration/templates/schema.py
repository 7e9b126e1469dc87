"""The JSON Schema of the template format, generated from the boundary models.

Point an editor at it (``"$schema"`` in a JSON template, or the YAML language server's
``# yaml-language-server: $schema=...`` comment) for completion and checking as you type.
The loader stays the authority: the schema cannot express every rule (exactly one of a
map's ``function`` and ``operation``, step references that exist, registered names).
"""

from __future__ import annotations

from spine.orchestration.templates.model import DocumentModel

__all__ = ["SCHEMA_DIALECT", "template_schema"]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def template_schema() -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of a workflow template document.

    >>> schema = template_schema()
    >>> schema["title"], schema["required"]
    ('spine workflow template', ['name', 'version', 'steps'])
    """
    schema: dict[str, object] = {"$schema": SCHEMA_DIALECT}
    schema.update(DocumentModel.model_json_schema(by_alias=True, mode="validation"))
    return schema
