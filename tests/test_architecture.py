"""Every module is classified pure or edge, and the import contracts hold."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import spine

ROOT = Path(__file__).resolve().parent.parent

# Modules allowed to touch the world (clock, entropy, environment, drivers, logging).
# Everything else under a layer's package must be listed as pure in the forbidden contract.
EDGE_MODULES = frozenset(
    {
        "spine.cache.memory",
        "spine.cache.redis_cache",
        "spine.core.system",
        "spine.execution.breaker_notices",
        "spine.execution.breaker_shell",
        "spine.execution.celery.app",
        "spine.execution.celery.executor",
        "spine.execution.celery.flights",
        "spine.execution.celery.stored",
        "spine.execution.celery.worker",
        "spine.execution.executors",
        "spine.execution.limiter_shell",
        "spine.execution.random_source",
        "spine.execution.redis_errors",
        "spine.execution.redis_limiter",
        "spine.execution.retry_shell",
        "spine.flags.default",
        "spine.flags.registry",
        "spine.orchestration.runner",
        "spine.orchestration.templates.builtins",
        "spine.orchestration.templates.document",
        "spine.orchestration.templates.fields",
        "spine.orchestration.templates.load",
        "spine.orchestration.templates.model",
        "spine.orchestration.templates.schema",
        "spine.orchestration.templates.source",
        "spine.orchestration.tracked",
        "spine.secrets.backends.env",
        "spine.secrets.backends.file",
        "spine.secrets.backends.vault",
        "spine.storage.connect",
        "spine.storage.drivers.db2",
        "spine.storage.drivers.mysql",
        "spine.storage.drivers.oracle",
        "spine.storage.drivers.postgres",
        "spine.storage.drivers.sqlite",
    }
)
SHELL_PACKAGES = ("spine.testing", "spine.cli", "spine.__main__")


def _pure_modules() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (pure,) = [c for c in contracts if c["type"] == "forbidden" and "time" in c["forbidden_modules"]]
    return set(pure["source_modules"])


def test_every_module_is_either_pure_or_edge() -> None:
    pure = _pure_modules()
    modules = {
        info.name
        for info in pkgutil.walk_packages(spine.__path__, prefix="spine.")
        if not info.ispkg and not info.name.startswith(SHELL_PACKAGES)
    }
    unclassified = modules - pure - EDGE_MODULES
    assert unclassified == set(), "add each to the pure contract in pyproject.toml or to EDGE_MODULES"
    assert pure <= modules, f"the contract names modules that do not exist: {sorted(pure - modules)}"
    assert not pure & EDGE_MODULES


def test_import_contracts_are_kept() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe is not None, "import-linter is not installed in this environment"
    done = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
