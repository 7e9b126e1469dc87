"""FlagTable transitions: pure, checked, and undoable."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Success

from spine.core.errors import ConfigError, ValidationError
from spine.flags import Flag, FlagTable
from spine.flags.table import with_flag, with_override, without_override, without_overrides

LIMIT = Flag.int("limit", default=5)
TABLE = with_flag(FlagTable(), LIMIT).unwrap()


def test_with_flag_refuses_a_second_definition() -> None:
    error = with_flag(TABLE, Flag.bool("limit")).failure()
    assert isinstance(error, ConfigError)
    assert TABLE.flags == {"limit": LIMIT}


@given(st.integers(), st.none() | st.text(max_size=5))
def test_an_override_is_undone_by_clearing_it(value: int, target: str | None) -> None:
    changed = with_override(TABLE, LIMIT, value, target=target)
    assert isinstance(changed, Success)
    assert changed.unwrap() != TABLE
    assert without_override(changed.unwrap(), LIMIT, target=target) == TABLE
    assert without_overrides(changed.unwrap(), LIMIT) == TABLE
    assert without_overrides(changed.unwrap()) == TABLE


@given(st.integers(), st.integers())
def test_transitions_leave_the_old_table_alone(first: int, second: int) -> None:
    one = with_override(TABLE, LIMIT, first, target="t").unwrap()
    two = with_override(one, LIMIT, second, target="u").unwrap()
    assert one.target_overrides == {"limit": {"t": first}}
    assert two.target_overrides == {"limit": {"t": first, "u": second}}
    assert without_override(two, LIMIT, target="t").target_overrides == {"limit": {"u": second}}


def test_a_refused_override_changes_nothing() -> None:
    error = with_override(TABLE, LIMIT, "5").failure()
    assert isinstance(error, ValidationError)
    assert error.field == "limit"
    assert with_override(TABLE, LIMIT, "5", target="t").failure().context["target"] == "t"
