"""Hypothesis strategies for template documents: garbage, and garbage made of the format's words."""

from __future__ import annotations

from hypothesis import strategies as st

from spine.orchestration.templates.model import KINDS

__all__ = ["documents", "valid_documents"]

_WORDS = (
    *KINDS,
    *("name", "version", "steps", "output", "input", "default", "when", "goto", "retry", "timeout_s"),
    *("on_error", "fallback", "compensate", "seconds", "until", "concurrency", "tolerated_failures"),
    *("max_attempts", "base_s", "description", "inc", "a", "b", "$input", "is_large", "continue"),
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.sampled_from(_WORDS),
    st.text(max_size=6),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(_WORDS), st.text(max_size=4)), inner, max_size=5),
    ),
    max_leaves=25,
)
_step_like = st.dictionaries(st.sampled_from(_WORDS), _values, max_size=5)
documents = st.one_of(
    _values,
    st.fixed_dictionaries(
        {"name": st.sampled_from(["t", "", 3]), "version": st.sampled_from([1, 2, "1"])},
        optional={"steps": st.lists(st.one_of(_step_like, _values), max_size=5), "output": _values},
    ),
)
"""Any JSON-like data; often a document-shaped mapping whose steps use the format's keys."""


def _merged(*parts: st.SearchStrategy[dict[str, object]]) -> st.SearchStrategy[dict[str, object]]:
    def merge(dicts: tuple[dict[str, object], ...]) -> dict[str, object]:
        out: dict[str, object] = {}
        for d in dicts:
            out.update(d)
        return out

    return st.tuples(*parts).map(merge)


_names = st.from_regex(r"[a-z_][a-z0-9_-]{0,5}", fullmatch=True)
_registered = st.sampled_from(["inc", "double", "etl.load", "x"])
_seconds = st.floats(0, 1e6, allow_nan=False)
_retry = st.fixed_dictionaries(
    {},
    optional={
        "max_attempts": st.integers(1, 9),
        "backoff": st.sampled_from(["constant", "linear", "exponential"]),
        "base_s": st.floats(0, 10),
        "factor": st.floats(1, 4),
        "jitter": st.sampled_from(["none", "full", "equal", "decorrelated"]),
        "deadline_s": _seconds,
    },
)
_policy = st.fixed_dictionaries(
    {},
    optional={
        "retry": _retry,
        "timeout_s": st.floats(0.001, 1e4),
        "on_error": st.sampled_from(["fail", "compensate"]),
        "compensate": _registered,
        "description": st.text(max_size=8),
        "input": st.one_of(_names, st.just("$input")),
    },
)
_kinds: st.SearchStrategy[dict[str, object]] = st.one_of(
    _merged(_policy, st.fixed_dictionaries({"function": _registered})),
    _merged(_policy, st.fixed_dictionaries({"operation": _registered})),
    _merged(
        _policy,
        st.fixed_dictionaries(
            {
                "map": st.fixed_dictionaries(
                    {"function": _registered},
                    optional={
                        "concurrency": st.integers(1, 16),
                        "tolerated_failures": st.integers(0, 3),
                        "retry": _retry,
                        "timeout_s": st.floats(0.001, 10),
                    },
                )
            }
        ),
    ),
    st.fixed_dictionaries(
        {
            "choice": st.lists(
                st.fixed_dictionaries({"when": _registered, "goto": _names}), min_size=1, max_size=3
            ),
            "default": _names,
        }
    ),
    st.fixed_dictionaries(
        {
            "wait": st.one_of(
                st.fixed_dictionaries({"seconds": _seconds}), st.just({"until": "2030-01-01T00:00:00Z"})
            )
        }
    ),
    st.fixed_dictionaries({"join": st.lists(st.one_of(_names, st.just("$input")), min_size=1, max_size=3)}),
    st.fixed_dictionaries({"merge": st.lists(_names, min_size=1, max_size=3)}),
    st.fixed_dictionaries({"pass": st.one_of(st.none(), st.just({}))}),
)
_steps = _merged(st.fixed_dictionaries({"name": _names}), _kinds)

valid_documents: st.SearchStrategy[dict[str, object]] = st.fixed_dictionaries(
    {
        "name": st.text(min_size=1, max_size=10),
        "version": st.just(1),
        "steps": st.lists(_steps, min_size=1, max_size=6),
    },
    optional={"output": _names, "description": st.text(max_size=10)},
)
"""Documents that fit the format (their names need not resolve, nor their steps wire up)."""
