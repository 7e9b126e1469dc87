"""Every package's ``__all__`` is sorted, complete, importable, and free of ``Any``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from types import ModuleType

import pytest

import spine

_ANY = re.compile(r"\bAny\b")


def _modules() -> Iterator[ModuleType]:
    yield spine
    for info in pkgutil.walk_packages(spine.__path__, prefix="spine."):
        if info.name.endswith("__main__"):
            continue
        yield importlib.import_module(info.name)


MODULES = sorted(_modules(), key=lambda m: m.__name__)
PACKAGES = [m for m in MODULES if hasattr(m, "__path__")]


def _isort_key(name: str) -> tuple[int, list[int | str]]:
    """ruff's RUF022 order: CONSTANTS, then Classes, then everything else; natural sort."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_all_is_sorted_unique_and_importable(module: ModuleType) -> None:
    names: list[str] = list(getattr(module, "__all__", []))
    assert names == sorted(names, key=_isort_key), f"{module.__name__}.__all__ is not sorted"
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(module, name), f"{module.__name__}.__all__ names missing {name!r}"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda m: m.__name__)
def test_package_exports_every_public_name_it_binds(package: ModuleType) -> None:
    assert hasattr(package, "__all__"), f"{package.__name__} has no __all__"
    bound = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and getattr(value, "__module__", "").startswith("spine")
    }
    assert bound <= set(package.__all__), f"not in __all__: {sorted(bound - set(package.__all__))}"


def _signatures(obj: object) -> Iterator[tuple[str, str]]:
    if not getattr(obj, "__module__", "").startswith("spine"):
        return  # re-exported from a dependency (e.g. python-ulid's ULID): not ours to type
    if inspect.isclass(obj):
        for name, member in vars(obj).items():
            if name.startswith("_") and name != "__init__":
                continue
            target = member.__func__ if isinstance(member, classmethod | staticmethod) else member
            if isinstance(target, property) and target.fget is not None:
                target = target.fget
            if inspect.isfunction(target):
                yield from _signatures(target)
    elif inspect.isfunction(obj):
        for key, annotation in obj.__annotations__.items():
            yield f"{obj.__qualname__}:{key}", str(annotation)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda m: m.__name__)
def test_no_any_in_public_signatures(package: ModuleType) -> None:
    offenders = [
        where
        for name in package.__all__
        for where, annotation in _signatures(getattr(package, name))
        if _ANY.search(annotation)
    ]
    assert offenders == []
