"""FeatureFlags: typed reads, and ill-fitting values reported once, never silently dropped."""

from __future__ import annotations

from returns.result import Failure, Success

from spine.core.errors import ValidationError
from spine.flags import (
    FeatureFlags,
    Flag,
    FlagContext,
    FlagRegistry,
    MappingEnvironment,
    Reason,
)

NEW_UI = Flag.bool("new_ui", rollout=50.0, targets={"beta": True})
LIMIT = Flag.int("limit", default=5)
RATIO = Flag.float("ratio", default=0.5)


def _flags(env: dict[str, str]) -> tuple[FeatureFlags, list[ValidationError]]:
    heard: list[ValidationError] = []
    registry = FlagRegistry([NEW_UI, LIMIT, RATIO], environment=MappingEnvironment(env))
    return FeatureFlags(registry, on_invalid=heard.append), heard


def test_typed_reads() -> None:
    flags, heard = _flags({"SPINE_FF_RATIO": "0.75"})
    assert flags.get(RATIO) == 0.75
    assert flags.get(LIMIT, "anyone") == 5
    assert flags.is_enabled(NEW_UI, "beta")
    assert not flags.is_enabled(NEW_UI)
    users = [f"user-{i}" for i in range(400)]
    share = sum(flags.is_enabled(NEW_UI, u) for u in users) / len(users)
    assert 0.4 < share < 0.6
    assert flags.explain(NEW_UI, "beta").reason is Reason.TARGET
    assert heard == []
    assert flags.check() == Success(None)


def test_a_bad_environment_value_is_passed_over_and_reported_once() -> None:
    env = {"SPINE_FF_LIMIT": "ten"}
    flags, heard = _flags(env)
    assert flags.get(LIMIT) == 5
    assert flags.get(LIMIT) == 5
    assert [e.field for e in heard] == ["SPINE_FF_LIMIT"]
    assert [e.value for e in flags.problems()] == ["ten"]
    env["SPINE_FF_LIMIT"] = "eleven"  # a different problem is news
    assert flags.get(LIMIT) == 5
    assert [e.value for e in heard] == ["ten", "eleven"]
    assert len(flags.problems()) == 1
    env["SPINE_FF_LIMIT"] = "11"  # fixed: the problem goes away
    assert flags.get(LIMIT) == 11
    assert flags.problems() == ()


def test_evaluate_is_strict_and_check_finds_every_problem() -> None:
    flags, heard = _flags({"SPINE_FF_LIMIT": "ten", "SPINE_FF_NEW_UI": "maybe", "SPINE_FF_RATIO": "0.1"})
    error = flags.evaluate(LIMIT).failure()
    assert (error.field, error.value) == ("SPINE_FF_LIMIT", "ten")
    assert flags.evaluate(RATIO) == Success(0.1)
    checked = flags.check()
    assert isinstance(checked, Failure)
    assert sorted(e.field or "" for e in checked.failure()) == ["SPINE_FF_LIMIT", "SPINE_FF_NEW_UI"]
    assert len(heard) == 2


def test_without_a_callback_problems_are_still_kept() -> None:
    flags = FeatureFlags(FlagRegistry([LIMIT], environment=MappingEnvironment({"SPINE_FF_LIMIT": "x"})))
    assert flags.get(LIMIT) == 5
    assert [e.field for e in flags.problems()] == ["SPINE_FF_LIMIT"]


class FixedSource:
    """A FlagSource that is not a registry: any object with flags() and context() will do."""

    def __init__(self, context: FlagContext) -> None:
        self._context = context

    def flags(self) -> tuple[Flag[object], ...]:
        return (LIMIT,)

    def context(self, flag: Flag[object], target: str | None = None, /) -> FlagContext:
        del flag
        return FlagContext(
            target=target,
            overrides=self._context.overrides,
            target_overrides=self._context.target_overrides,
            environment=self._context.environment,
        )


def test_any_flag_source_will_do_and_its_bad_overrides_are_reported() -> None:
    source = FixedSource(FlagContext(overrides={"limit": True}, target_overrides={"limit": {"t": 3}}))
    heard: list[ValidationError] = []
    flags = FeatureFlags(source, on_invalid=heard.append)
    assert flags.get(LIMIT, "t") == 3
    assert flags.get(LIMIT) == 5
    assert [(e.field, e.value) for e in heard] == [("limit", True)]
    assert flags.get(LIMIT, "t") == 3  # a clean read of the flag clears its problems
    assert flags.problems() == ()
