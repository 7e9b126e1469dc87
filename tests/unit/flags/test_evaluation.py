"""Pure evaluation: precedence against a naive model, and no ill-fitting value lost silently."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from spine.flags import Evaluation, Flag, FlagContext, Reason, Rollout, evaluate, resolve
from spine.flags.bucketing import bucket

TARGETS = ["t0", "t1", "t2", "t3"]
ints = st.integers(-1000, 1000)
# A source's value: a fitting int, or something that does not fit an int flag.
raw_values = st.one_of(ints, st.sampled_from([True, "7", 1.5, None]))
env_texts = st.one_of(ints.map(str), st.sampled_from(["ten", "", "1.5", "true"]))


@dataclass(frozen=True)
class Case:
    flag: Flag[int]
    context: FlagContext


@st.composite
def cases(draw: st.DrawFn) -> Case:
    targets = draw(st.dictionaries(st.sampled_from(TARGETS), ints, max_size=2))
    rollout = draw(st.none() | st.builds(Rollout[int], percentage=st.floats(0, 100), value=ints))
    flag = Flag.int("limit", default=draw(ints), targets=targets, rollout=rollout)
    overrides = draw(st.none() | raw_values)
    per_target = draw(st.dictionaries(st.sampled_from(TARGETS), raw_values, max_size=2))
    env = draw(st.none() | env_texts)
    context = FlagContext(
        target=draw(st.none() | st.sampled_from(TARGETS)),
        overrides={} if overrides is None else {"limit": overrides, "other": "x"},
        target_overrides={"limit": per_target, "other": {"t0": "x"}},
        environment={} if env is None else {"SPINE_FF_LIMIT": env, "SPINE_FF_OTHER": "x"},
    )
    return Case(flag, context)


def _fits(value: object) -> bool:
    return type(value) is int


def _model(flag: Flag[int], ctx: FlagContext) -> tuple[int, Reason, int]:
    """(value, reason, how many sources were skipped), written the plain way."""
    skipped = 0
    external: list[tuple[object, Reason]] = []
    if ctx.target is not None and ctx.target in ctx.target_overrides.get("limit", {}):
        external.append((ctx.target_overrides["limit"][ctx.target], Reason.TARGET_OVERRIDE))
    if "limit" in ctx.overrides:
        external.append((ctx.overrides["limit"], Reason.OVERRIDE))
    if "SPINE_FF_LIMIT" in ctx.environment:
        text = ctx.environment["SPINE_FF_LIMIT"]
        parsed: object = int(text) if text.strip().lstrip("-").isdigit() else None
        external.append((parsed, Reason.ENVIRONMENT))
    for value, reason in external:
        if _fits(value):
            assert isinstance(value, int)
            return value, reason, skipped
        skipped += 1
    if ctx.target is not None:
        if ctx.target in flag.targets:
            return flag.targets[ctx.target], Reason.TARGET, skipped
        r = flag.rollout
        if r is not None and bucket("limit", ctx.target) < round(r.percentage * 100):
            return r.value, Reason.ROLLOUT, skipped
    return flag.default, Reason.DEFAULT, skipped


@given(cases())
def test_resolve_matches_the_model(case: Case) -> None:
    found = resolve(case.flag, case.context)
    assert (found.value, found.reason, len(found.skipped)) == _model(case.flag, case.context)
    assert type(found.value) is int


@given(cases())
def test_evaluate_is_strict_resolve(case: Case) -> None:
    found = resolve(case.flag, case.context)
    result = evaluate(case.flag, case.context)
    if found.skipped:
        assert result == Failure(found.skipped[0])
    else:
        assert result == Success(found.value)


@given(cases())
def test_evaluation_is_deterministic(case: Case) -> None:
    assert resolve(case.flag, case.context) == resolve(case.flag, case.context)


def test_skipped_values_say_where_they_came_from() -> None:
    flag = Flag.int("limit", default=5)
    context = FlagContext(
        target="t1",
        target_overrides={"limit": {"t1": "9"}},
        overrides={"limit": True},
        environment={"SPINE_FF_LIMIT": "ten"},
    )
    found = resolve(flag, context)
    assert (found.value, found.reason) == (5, Reason.DEFAULT)
    target_error, override_error, env_error = found.skipped
    assert (target_error.field, target_error.context["target"], target_error.value) == ("limit", "t1", "9")
    assert (override_error.field, override_error.value) == ("limit", True)
    assert (env_error.field, env_error.value) == ("SPINE_FF_LIMIT", "ten")


def test_a_fitting_stronger_source_hides_a_weaker_bad_one() -> None:
    flag = Flag.int("limit", default=5)
    context = FlagContext(overrides={"limit": 8}, environment={"SPINE_FF_LIMIT": "ten"})
    assert resolve(flag, context) == Evaluation(value=8, reason=Reason.OVERRIDE)


def test_without_a_target_rollouts_and_targets_do_not_apply() -> None:
    flag = Flag.bool("new_ui", rollout=100.0, targets={"t1": True})
    assert resolve(flag, FlagContext()) == Evaluation(value=False, reason=Reason.DEFAULT)
    assert resolve(flag, FlagContext(target="t1")).reason is Reason.TARGET
    assert resolve(flag, FlagContext(target="t2")).reason is Reason.ROLLOUT
    off = Flag.bool("new_ui", rollout=0.0)
    assert resolve(off, FlagContext(target="t2")) == Evaluation(value=False, reason=Reason.DEFAULT)


def test_environment_text_is_parsed_for_the_flags_type() -> None:
    ratio = Flag.float("ratio", default=0.5)
    assert evaluate(ratio, FlagContext(environment={"SPINE_FF_RATIO": " 0.25 "})) == Success(0.25)
    greeting = Flag.str("greeting", default="hi")
    assert evaluate(greeting, FlagContext(environment={"SPINE_FF_GREETING": " hej "})) == Success(" hej ")


def test_overrides_are_normalised() -> None:
    ratio = Flag.float("ratio", default=0.5)
    value = evaluate(ratio, FlagContext(overrides={"ratio": 2})).unwrap()
    assert (value, type(value)) == (2.0, float)
