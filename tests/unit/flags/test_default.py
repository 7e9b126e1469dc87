"""The process-wide default: one per process, over os.environ, logging what it passes over."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest

from spine.flags import FeatureFlags, Flag, FlagRegistry
from spine.flags.default import default_flags, default_registry

# Names no other test registers in the process-wide registry.
ENV_READ = Flag.int("default_module_env_read", default=1)


def test_one_default_per_process() -> None:
    with ThreadPoolExecutor(8) as pool:
        seen = set(map(id, pool.map(lambda _: default_flags(), range(32))))
    assert len(seen) == 1
    assert isinstance(default_flags(), FeatureFlags)
    assert isinstance(default_registry(), FlagRegistry)
    assert default_registry() is default_registry()


def test_reads_the_live_process_environment_and_logs_bad_values(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if ENV_READ.name not in {f.name for f in default_registry().flags()}:
        default_registry().register(ENV_READ)
    flags = default_flags()
    monkeypatch.setenv(ENV_READ.env_var, "42")
    assert flags.get(ENV_READ) == 42
    monkeypatch.setenv(ENV_READ.env_var, "forty-two")
    with caplog.at_level(logging.WARNING, logger="spine.flags"):
        assert flags.get(ENV_READ) == 1
    assert [r.name for r in caplog.records] == ["spine.flags"]
    assert "SPINE_FF_DEFAULT_MODULE_ENV_READ='forty-two'" in caplog.records[0].getMessage()
    monkeypatch.delenv(ENV_READ.env_var)
    assert flags.get(ENV_READ) == 1
