"""Stable bucketing: pinned values, the same in every process, monotonic, and roughly uniform."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.flags.bucketing import BUCKETS, bucket, check_percentage, in_rollout

percentages = st.floats(min_value=0, max_value=100)
KEYS = [f"user-{i}" for i in range(20_000)]

# Changing bucket() would move every target of every rollout in production: pin it.
GOLDEN = {
    ("new_checkout", "user-42"): 4263,
    ("new_ui", "user-1"): 1573,
    ("new_ui", ""): 1349,
    ("", "tenant-7"): 1942,
    ("a", "bc"): 6148,
    ("ab", "c"): 8858,
    ("ünïcode", "用户"): 7764,
}


def test_golden_buckets() -> None:
    assert {key: bucket(*key) for key in GOLDEN} == GOLDEN


def test_the_spec_in_a_few_lines() -> None:
    import hashlib  # noqa: PLC0415 - the whole specification, restated independently

    def spec(salt: str, target: str) -> int:
        data = f"{len(salt)}:{salt}{target}".encode()
        digest = hashlib.blake2b(data, digest_size=8, person=b"spine.flags").digest()
        return int.from_bytes(digest, "big") % 10_000

    assert all(bucket(salt, target) == spec(salt, target) for salt, target in GOLDEN)


_CHILD = """
import json, sys
from spine.flags.bucketing import bucket
from spine.flags import Flag, FlagRegistry, FeatureFlags
pairs = json.loads(sys.argv[1])
flag = Flag.bool("new_checkout", rollout=37.5)
flags = FeatureFlags(FlagRegistry([flag]))
print(json.dumps([[bucket(s, t), flags.is_enabled(flag, t), hash(t)] for s, t in pairs]))
"""


@pytest.mark.parametrize("hash_seed", ["1", "4242"])
def test_same_answer_in_another_process(hash_seed: str) -> None:
    pairs = [["new_checkout", f"user-{i}"] for i in range(200)] + [[s, t] for s, t in GOLDEN]
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(pairs)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    child = json.loads(done.stdout)
    assert [b for b, _, _ in child] == [bucket(s, t) for s, t in pairs]
    assert [on for _, on, _ in child[:200]] == [in_rollout(37.5, "new_checkout", t) for _, t in pairs[:200]]
    # The child really hashed str differently: Python's hash() would not have been stable.
    assert [h for _, _, h in child[:200]] != [hash(t) for _, t in pairs[:200]]


@given(st.text(), st.text())
def test_bucket_is_in_range_and_deterministic(salt: str, target: str) -> None:
    b = bucket(salt, target)
    assert 0 <= b < BUCKETS
    assert bucket(salt, target) == b


def test_lone_surrogates_have_a_bucket() -> None:
    assert 0 <= bucket("flag", "\ud800") < BUCKETS


@given(st.text(max_size=20), percentages, percentages)
def test_rollout_is_monotonic(target: str, p: float, q: float) -> None:
    low, high = sorted((p, q))
    if in_rollout(low, "flag", target):
        assert in_rollout(high, "flag", target)


@given(st.text(max_size=20))
def test_zero_reaches_nobody_and_hundred_everybody(target: str) -> None:
    assert not in_rollout(0.0, "flag", target)
    assert in_rollout(100.0, "flag", target)


@given(st.text(max_size=20), st.integers(min_value=0, max_value=10_000))
def test_percentage_has_a_resolution_of_a_hundredth(target: str, hundredths: int) -> None:
    # 0.07 * 100 == 7.000000000000001: the threshold is rounded, not floored or ceiled.
    assert in_rollout(hundredths / 100, "flag", target) == (bucket("flag", target) < hundredths)


def test_buckets_are_roughly_uniform() -> None:
    counts = Counter(bucket("new_checkout", key) * 20 // BUCKETS for key in KEYS)
    expected = len(KEYS) / 20
    chi_square = sum((counts[i] - expected) ** 2 / expected for i in range(20))
    # 19 degrees of freedom: P(chi2 > 43.8) = 0.001. The keys are fixed, so this cannot flake.
    assert chi_square < 43.8, chi_square


@pytest.mark.parametrize("percentage", [1.0, 10.0, 25.0, 50.0, 90.0])
def test_rollout_reaches_about_its_share(percentage: float) -> None:
    share = sum(in_rollout(percentage, "new_checkout", key) for key in KEYS) / len(KEYS)
    # Binomial sd at 20 000 keys is at most 0.35 %; 1.5 points is over four sd.
    assert abs(share - percentage / 100) < 0.015


def test_flags_with_different_salts_reach_different_targets() -> None:
    a = {key for key in KEYS if in_rollout(10.0, "flag_a", key)}
    b = {key for key in KEYS if in_rollout(10.0, "flag_b", key)}
    # Independent 10 % samples overlap in about 1 % of keys, not 10 %.
    assert len(a & b) / len(KEYS) < 0.02
    smaller = {key for key in KEYS if in_rollout(5.0, "flag_a", key)}
    assert smaller <= a


@pytest.mark.parametrize("bad", [-0.01, 100.01, float("nan"), float("inf")])
def test_percentages_outside_0_100_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        check_percentage(bad)


@pytest.mark.parametrize("bad", [True, "50", None])
def test_percentages_are_numbers(bad: object) -> None:
    with pytest.raises(TypeError, match="a number"):
        check_percentage(bad)
