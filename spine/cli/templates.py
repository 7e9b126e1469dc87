"""``spine template validate FILE`` and ``spine template schema``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from returns.result import Failure

from spine.cli.common import EXIT_OK, CliError, Output, Subcommands
from spine.cli.loading import import_attribute
from spine.execution.registry import HandlerRegistry
from spine.orchestration.templates import TemplateRegistry, load_template, parse_template, template_schema

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    """Add ``spine template``."""
    template = commands.add_parser("template", help="workflow templates (YAML/JSON)").add_subparsers(
        dest="template_command", metavar="ACTION"
    )
    validate = template.add_parser(
        "validate", help="check a template (and resolve its names with --registry)"
    )
    validate.add_argument("file", type=Path)
    validate.add_argument(
        "--registry",
        metavar="MODULE:ATTR",
        help="a TemplateRegistry to resolve function/condition names against",
    )
    validate.add_argument("--operations", metavar="MODULE:ATTR", help="a HandlerRegistry for operation names")
    validate.set_defaults(handler=_validate)
    schema = template.add_parser("schema", help="print the JSON Schema of the template format")
    schema.set_defaults(handler=_schema)


def _attribute[T](ref: str, kind: type[T]) -> T:
    found = import_attribute(ref, what=kind.__name__.upper(), example="pipelines.registry:templates")
    if not isinstance(found, kind):
        msg = f"{ref}: not a {kind.__name__} (got {type(found).__name__})"
        raise CliError(msg)
    return found


def _validate(args: argparse.Namespace, out: Output) -> int:
    spec = parse_template(args.file)
    if isinstance(spec, Failure):
        raise CliError(spec.failure().message)
    needs = spec.unwrap().requirements()
    if args.registry:
        registry = _attribute(args.registry, TemplateRegistry)
        operations = _attribute(args.operations, HandlerRegistry) if args.operations else None
        loaded = load_template(args.file, registry=registry, operations=operations)
        if isinstance(loaded, Failure):
            raise CliError(loaded.failure().message)
    summary = {
        "file": str(args.file),
        "name": spec.unwrap().name,
        "steps": len(spec.unwrap().steps),
        "resolved": bool(args.registry),
        "functions": list(needs.functions),
        "conditions": list(needs.conditions),
        "operations": list(needs.operations),
    }
    if out.json:
        out.emit(summary)
        return EXIT_OK
    out.line(f"{args.file}: valid template {summary['name']!r}, {summary['steps']} steps")
    for kind in ("functions", "conditions", "operations"):
        names = summary[kind]
        if isinstance(names, list) and names:
            out.line(f"  {kind}: {', '.join(str(n) for n in names)}")
    if not args.registry:
        out.line("  (names not resolved: pass --registry MODULE:ATTR to check them)")
    return EXIT_OK


def _schema(_args: argparse.Namespace, out: Output) -> int:
    out.line(json.dumps(template_schema(), indent=2, sort_keys=True))
    return EXIT_OK
