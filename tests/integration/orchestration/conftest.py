"""Fixtures shared by the durable-run tests: one migrated database per live backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.orchestration.flows import Live, migrated, reset
from tests.integration.storage.isolated import BACKEND_PARAMS


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One migrated database per backend and test module; each test names its own workflows."""
    backend: str = request.param
    with migrated(backend, tmp_path_factory.mktemp("durable")) as (db, url):
        yield db, url, backend


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    reset()
