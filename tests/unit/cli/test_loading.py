"""``MODULE:ATTR`` references: a workflow, or a factory without parameters; anything else a CliError."""

from __future__ import annotations

import importlib
import re
import textwrap
from pathlib import Path

import pytest

from examples.orders import flow
from spine.cli.common import CliError
from spine.cli.loading import load_workflow


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A module ``flows_<n>`` in the working directory with a factory and a function of one argument."""
    name = f"flows_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(
        textwrap.dedent("""
        from examples.orders import flow

        calls = []

        def make():
            calls.append("make")
            return flow

        def make_with_default(x=1):
            return flow

        def needs(x):
            calls.append("needs")
            return flow
        """)
    )
    monkeypatch.chdir(tmp_path)
    return name


def test_a_workflow_or_a_factory_without_parameters_loads(module: str) -> None:
    assert load_workflow("examples.orders:flow") is flow
    assert load_workflow(f"{module}:make") is flow
    assert load_workflow(f"{module}:make_with_default") is flow


@pytest.mark.parametrize(
    ("attr", "message"),
    [
        ("needs", "'needs' is a function that takes arguments, not a Workflow or a factory of one"),
        ("nope", "has no attribute 'nope'"),
        ("calls", "'calls' is not a spine Workflow (got list)"),
    ],
)
def test_anything_else_is_a_cli_error_and_nothing_is_called(module: str, attr: str, message: str) -> None:
    with pytest.raises(CliError, match=re.escape(message)):
        load_workflow(f"{module}:{attr}")
    assert getattr(importlib.import_module(module), "calls") == []  # noqa: B009 - a module made at run time


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("json:loads", "'loads' is a function that takes arguments"),
        ("json:JSONDecoder", "'JSONDecoder' is not a spine Workflow \\(got type\\)"),
        ("sys:exit", "'exit' is not a spine Workflow"),  # a builtin is never called
        (".x:y", "cannot import '.x'"),
        ("no_such_module_xyz:flow", "cannot import 'no_such_module_xyz'"),
        ("x", "expected MODULE:WORKFLOW"),
    ],
)
def test_references_outside_the_users_code_are_refused(ref: str, message: str) -> None:
    with pytest.raises(CliError, match=message):
        load_workflow(ref)
