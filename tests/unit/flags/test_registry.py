"""FlagRegistry: registration, checked overrides, the environment port, and thread safety."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from enum import Enum, StrEnum

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from returns.result import Success

from spine.core.errors import ConfigError, ConflictError, NotFoundError, ValidationError
from spine.flags import FeatureFlags, Flag, FlagRegistry, MappingEnvironment, Reason


class Mode(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


class Other(Enum):
    CSV = "csv"


NEW_UI = Flag.bool("new_ui")
LIMIT = Flag.int("limit", default=5)
RATIO = Flag.float("ratio", default=0.5)
MODE = Flag.enum("export_mode", Mode, default=Mode.CSV)


def test_registers_and_lists_flags_by_name() -> None:
    registry = FlagRegistry([NEW_UI, LIMIT])
    assert registry.register(MODE) is MODE
    assert [f.name for f in registry.flags()] == ["export_mode", "limit", "new_ui"]
    assert registry.lookup("limit") == Success(LIMIT)
    missing = registry.lookup("nope").failure()
    assert isinstance(missing, NotFoundError)
    assert missing.key == "nope"


def test_a_duplicate_name_is_a_bug() -> None:
    registry = FlagRegistry([LIMIT])
    with pytest.raises(ConfigError, match="already registered"):
        registry.register(Flag.str("limit", default="x"))
    with pytest.raises(ConfigError):
        registry.register(LIMIT)
    with pytest.raises(ConfigError):
        FlagRegistry([NEW_UI, Flag.bool("new_ui", default=True)])
    assert registry.flags() == (LIMIT,)


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        (LIMIT, True),
        (LIMIT, 1.0),
        (LIMIT, "5"),
        (NEW_UI, 1),
        (RATIO, False),
        (MODE, "csv"),
        (MODE, Other.CSV),
    ],
)
def test_an_override_of_the_wrong_type_is_refused(flag: Flag[object], value: object) -> None:
    registry = FlagRegistry([NEW_UI, LIMIT, RATIO, MODE])
    result = registry.set_override(flag, value)  # type: ignore[call-overload]  # the run-time check is the point
    error = result.failure()
    assert isinstance(error, ValidationError)
    assert error.field == flag.name
    assert registry.snapshot().overrides == {}


def test_overrides_of_unregistered_or_redefined_flags_are_refused() -> None:
    registry = FlagRegistry([LIMIT])
    assert isinstance(registry.set_override(NEW_UI, True).failure(), NotFoundError)
    conflict = registry.set_override(Flag.int("limit", default=6), 1).failure()
    assert isinstance(conflict, ConflictError)


def test_overrides_global_and_per_target() -> None:
    registry = FlagRegistry([LIMIT, RATIO])
    flags = FeatureFlags(registry)
    assert registry.set_override(LIMIT, 9) == Success(None)
    assert registry.set_override(LIMIT, 1, target="t1") == Success(None)
    assert registry.set_override(RATIO, 2) == Success(None)
    assert (flags.get(LIMIT), flags.get(LIMIT, "t1"), flags.get(LIMIT, "t2")) == (9, 1, 9)
    assert type(flags.get(RATIO)) is float
    registry.clear_override(LIMIT)
    assert (flags.get(LIMIT), flags.get(LIMIT, "t1")) == (5, 1)
    registry.clear_override(LIMIT, target="t1")
    registry.clear_override(LIMIT, target="never-set")
    assert flags.get(LIMIT, "t1") == 5
    registry.clear_overrides()
    assert registry.snapshot().overrides == {}


def test_set_override_text_parses_like_the_environment() -> None:
    registry = FlagRegistry([MODE, LIMIT])
    assert registry.set_override_text(MODE, "PARQUET") == Success(None)
    assert registry.snapshot().overrides["export_mode"] is Mode.PARQUET
    error = registry.set_override_text(LIMIT, "ten", target="t1").failure()
    assert isinstance(error, ValidationError)
    assert registry.snapshot().target_overrides == {}


def test_environment_is_read_through_the_port_and_overrides_beat_it() -> None:
    env: dict[str, str] = {"SPINE_FF_LIMIT": "7"}
    registry = FlagRegistry([LIMIT], environment=MappingEnvironment(env))
    flags = FeatureFlags(registry)
    assert flags.explain(LIMIT).reason is Reason.ENVIRONMENT
    assert flags.get(LIMIT) == 7
    env["SPINE_FF_LIMIT"] = "8"  # read live, not cached
    assert flags.get(LIMIT) == 8
    registry.set_override(LIMIT, 9)
    assert flags.get(LIMIT) == 9
    del env["SPINE_FF_LIMIT"]
    registry.clear_override(LIMIT)
    assert flags.get(LIMIT) == 5


def test_the_default_environment_is_empty_not_the_process() -> None:
    registry = FlagRegistry([LIMIT])
    assert registry.environment.get("PATH") is None


def test_snapshots_do_not_change_afterwards() -> None:
    registry = FlagRegistry([LIMIT])
    before = registry.snapshot()
    registry.set_override(LIMIT, 9)
    assert before.overrides == {}
    assert registry.snapshot().overrides == {"limit": 9}


def test_concurrent_overrides_lose_nothing() -> None:
    flags = [Flag.int(f"flag_{i}", default=0) for i in range(40)]
    registry = FlagRegistry(flags)
    start = threading.Barrier(8)

    def work(worker: int) -> None:
        start.wait()
        for round_ in range(50):
            for flag in flags[worker::8]:
                assert isinstance(registry.set_override(flag, round_, target=f"w{worker}"), Success)
                assert isinstance(registry.set_override(flag, round_), Success)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    table = registry.snapshot()
    assert table.overrides == {f.name: 49 for f in flags}
    assert table.target_overrides == {f.name: {f"w{i % 8}": 49} for i, f in enumerate(flags)}


FLAGS = [NEW_UI, LIMIT, MODE]
VALUES: dict[str, list[object]] = {
    "new_ui": [True, False, 1],
    "limit": [0, 7, True, "7"],
    "export_mode": [Mode.CSV, Mode.PARQUET, "csv"],
}


class RegistryMachine(RuleBasedStateMachine):
    """Random set/clear sequences against two plain dicts."""

    def __init__(self) -> None:
        super().__init__()
        self.registry = FlagRegistry(FLAGS)
        self.flags = FeatureFlags(self.registry)
        self.overrides: dict[str, object] = {}
        self.per_target: dict[tuple[str, str], object] = {}

    @rule(data=st.data(), flag=st.sampled_from(FLAGS), key=st.none() | st.sampled_from(["a", "b"]))
    def set_override(self, data: st.DataObject, flag: Flag[object], key: str | None) -> None:
        value = data.draw(st.sampled_from(VALUES[flag.name]))
        result = self.registry.set_override(flag, value, target=key)  # type: ignore[call-overload]  # mixed values
        fits = type(value) is flag.value_type
        assert isinstance(result, Success) == fits
        if fits and key is None:
            self.overrides[flag.name] = value
        elif fits and key is not None:
            self.per_target[flag.name, key] = value

    @rule(flag=st.sampled_from(FLAGS), key=st.none() | st.sampled_from(["a", "b"]))
    def clear_override(self, flag: Flag[object], key: str | None) -> None:
        self.registry.clear_override(flag, target=key)
        if key is None:
            self.overrides.pop(flag.name, None)
        else:
            self.per_target.pop((flag.name, key), None)

    @rule(flag=st.none() | st.sampled_from(FLAGS))
    def clear_overrides(self, flag: Flag[object] | None) -> None:
        self.registry.clear_overrides(flag)
        self.overrides = {k: v for k, v in self.overrides.items() if flag is not None and k != flag.name}
        self.per_target = {k: v for k, v in self.per_target.items() if flag is not None and k[0] != flag.name}

    @invariant()
    def reads_agree_with_the_model(self) -> None:
        table = self.registry.snapshot()
        assert dict(table.overrides) == self.overrides
        flattened = {(n, t): v for n, per in table.target_overrides.items() for t, v in per.items()}
        assert flattened == self.per_target
        assert all(per for per in table.target_overrides.values()), "no empty per-target maps linger"
        for flag in FLAGS:
            for target in (None, "a", "b"):
                expected = self.per_target.get((flag.name, target or ""), self.overrides.get(flag.name))
                assert self.flags.get(flag, target) == (flag.default if expected is None else expected)


TestRegistryMachine = RegistryMachine.TestCase
TestRegistryMachine.settings = settings(max_examples=50, stateful_step_count=20, deadline=None)
