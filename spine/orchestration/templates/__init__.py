"""Workflow templates: workflows written as YAML or JSON, loaded into the same immutable IR.

A template names its behaviour: functions and conditions registered in a
``TemplateRegistry``, operations registered in the execution layer's ``HandlerRegistry``.
pydantic validates the document at the boundary (``model.py``, ``document.py``); past it
everything is frozen Structs (``spec.py``) and the workflow IR. Any unknown field, step
kind, name or step reference is an error naming the file, the path and (YAML) the line.

The format::

    name: etl                       # the workflow's name
    version: 1                      # the format's version
    steps:
      - name: extract               # unique; a letter or _, then letters, digits, _ or -
        operation: fetch_rows       # kind: exactly one of function, operation, map,
        retry: {max_attempts: 3}    #   choice, wait, join, merge, pass
        timeout_s: 30               # policies (function, operation, map): retry,
        on_error: fail              #   timeout_s, on_error (fail | continue | compensate),
      - name: clean                 #   fallback (with continue), compensate (a function)
        function: drop_nulls        # input: the step before, unless `input:` names one
      - name: route                 #   (or $input); a choice's targets read the choice
        choice:
          - {when: is_large, goto: big}
        default: small
      - {name: big, function: summarise}
      - {name: small, pass: {}}
      - {name: done, merge: [big, small]}
      - {name: nap, wait: {seconds: 60}}         # or {until: 2026-01-01T00:00:00Z}
      - {name: each, map: {function: enrich, concurrency: 4, tolerated_failures: 1}}
      - {name: both, join: [done, each]}         # the tuple of its inputs' outputs
    output: both                    # default: the last step

``template_schema()`` exports the JSON Schema of the format; ``BUILTIN_TEMPLATES`` are the
shipped ones (``load_builtin``).
"""

from spine.orchestration.templates.build import build_workflow
from spine.orchestration.templates.builtins import (
    BUILTIN_TEMPLATES,
    builtin_source,
    builtin_spec,
    load_builtin,
)
from spine.orchestration.templates.document import parse_document
from spine.orchestration.templates.load import load_template, parse_template
from spine.orchestration.templates.registry import TemplateRegistry, standard_registry
from spine.orchestration.templates.schema import template_schema
from spine.orchestration.templates.source import Syntax
from spine.orchestration.templates.spec import (
    Branch,
    ChoiceStep,
    FunctionStep,
    JoinStep,
    MapStep,
    MergeStep,
    OperationStep,
    Options,
    PassStep,
    Requirements,
    StepSpec,
    TemplateSpec,
    WaitStep,
)

__all__ = [
    "BUILTIN_TEMPLATES",
    "Branch",
    "ChoiceStep",
    "FunctionStep",
    "JoinStep",
    "MapStep",
    "MergeStep",
    "OperationStep",
    "Options",
    "PassStep",
    "Requirements",
    "StepSpec",
    "Syntax",
    "TemplateRegistry",
    "TemplateSpec",
    "WaitStep",
    "build_workflow",
    "builtin_source",
    "builtin_spec",
    "load_builtin",
    "load_template",
    "parse_document",
    "parse_template",
    "standard_registry",
    "template_schema",
]
