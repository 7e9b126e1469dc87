"""The workflow templates spine ships, as YAML files (package data; see ``builtins.py``)."""

__all__: list[str] = []
