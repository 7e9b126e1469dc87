"""Stable bucketing: which targets a percentage rollout reaches.

# Theory of operation
# -------------------
# A target (a user id, a tenant, a host) falls in one of ``BUCKETS`` = 10 000 buckets, chosen
# by BLAKE2b over (salt, target). A rollout of ``p`` percent reaches the buckets below
# ``round(p * 100)``: p has a resolution of 0.01 % (rounding, so that 0.07 * 100 =
# 7.000000000000001 means 7 buckets, not 8), and:
#   - the answer is the same in every process, on every machine, in every Python version:
#     BLAKE2b is specified, while ``hash()`` of a str is salted per process (PYTHONHASHSEED);
#   - raising p only adds targets (monotonic): nobody who had the feature loses it;
#   - each flag's salt is its name by default, so two flags at 10 % reach different 10 %s;
#     flags that share a salt reach nested sets (the 5 % of one inside the 10 % of the other).
# The digest is 64 bits, so the modulo bias is below 10 000 / 2**64. Changing this function
# reshuffles every rollout in production: the golden values in the tests pin it.
"""

from __future__ import annotations

import hashlib
import math
from typing import Final

__all__ = ["BUCKETS", "bucket", "check_percentage", "in_rollout"]

BUCKETS: Final = 10_000
"""How many buckets targets are spread over (a rollout's resolution is 100 / BUCKETS %)."""


def bucket(salt: str, target: str, /) -> int:
    """The bucket, in ``0 .. BUCKETS - 1``, of ``target`` for a flag salted with ``salt``.

    The salt is length-prefixed, so ("ab", "c") and ("a", "bc") hash different bytes. Text
    that is not valid Unicode (lone surrogates) still has a bucket.

    >>> bucket("new_checkout", "user-42")
    4263
    >>> bucket("new_checkout", "user-42") == bucket("new_checkout", "user-42")
    True
    """
    payload = f"{len(salt)}:{salt}{target}".encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(payload, digest_size=8, person=b"spine.flags").digest()
    return int.from_bytes(digest, "big") % BUCKETS


def in_rollout(percentage: float, salt: str, target: str, /) -> bool:
    """Whether a rollout of ``percentage`` (0..100, to 0.01 %) reaches ``target``.

    >>> in_rollout(100.0, "new_checkout", "anyone"), in_rollout(0.0, "new_checkout", "anyone")
    (True, False)
    """
    return bucket(salt, target) < round(percentage * (BUCKETS // 100))


def check_percentage(percentage: object, /) -> float:
    """``percentage`` as a float, or a ``ValueError`` if it is not a number in 0..100.

    >>> check_percentage(25)
    25.0
    """
    if isinstance(percentage, bool) or not isinstance(percentage, int | float):
        msg = f"a rollout percentage is a number, not {percentage!r}"
        raise TypeError(msg)
    if not (math.isfinite(percentage) and 0 <= percentage <= 100):
        msg = f"a rollout percentage is between 0 and 100, got {percentage!r}"
        raise ValueError(msg)
    return float(percentage)
