"""Flag definitions: typed constructors, strict validation at definition time, value semantics."""

from __future__ import annotations

from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spine.core.errors import ValidationError
from spine.flags import ENV_PREFIX, Flag, FlagKind, Rollout

names = st.from_regex(r"[a-z][a-z0-9]{0,8}(_[a-z0-9]{1,5}){0,3}", fullmatch=True)


class Mode(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


@given(names)
def test_valid_names_map_one_to_one_onto_env_vars(name: str) -> None:
    flag = Flag.bool(name)
    assert flag.env_var == ENV_PREFIX + name.upper()
    assert flag.env_var.removeprefix(ENV_PREFIX).lower() == name
    assert flag.env_var.isidentifier()


@pytest.mark.parametrize(
    "name", ["", "New_ui", "new-ui", "new ui", "_new", "new_", "new__ui", "1st", "ü", "x" * 65, "newUi"]
)
def test_names_are_lower_snake_case(name: str) -> None:
    with pytest.raises(ValueError, match="lower_snake_case"):
        Flag.bool(name)


def test_typed_constructors() -> None:
    assert Flag.bool("a").default is False
    assert Flag.int("b", default=3).kind is FlagKind.INT
    ratio = Flag.float("c", default=1)
    assert ratio.default == 1.0
    assert type(ratio.default) is float
    assert Flag.str("d", default="x", description="greeting").description == "greeting"
    mode = Flag.enum("e", Mode, default=Mode.CSV, targets={"t": Mode.PARQUET})
    assert (mode.kind, mode.value_type, mode.targets["t"]) == (FlagKind.ENUM, Mode, Mode.PARQUET)


def test_a_bool_rollout_gives_the_opposite_of_the_default() -> None:
    assert Flag.bool("a", rollout=10).rollout == Rollout(percentage=10.0, value=True)
    assert Flag.bool("a", default=True, rollout=10).rollout == Rollout(percentage=10.0, value=False)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Flag.int("a", default=True),
        lambda: Flag.int("a", default=1, targets={"t": True}),
        lambda: Flag.int("a", default=1, rollout=Rollout(percentage=5, value="2")),  # type: ignore[arg-type]
        lambda: Flag.enum("a", Mode, default="csv"),  # type: ignore[type-var]
        lambda: Flag.float("a", default=float("nan")),
        lambda: Flag(name="a", value_type=bool, default=0),
    ],
)
def test_values_of_the_wrong_type_are_refused_at_definition(build: object) -> None:
    assert callable(build)
    with pytest.raises(ValidationError):
        build()


def test_other_definition_bugs_raise() -> None:
    with pytest.raises(TypeError, match="Enum subclass"):
        Flag(name="a", value_type=list, default=[])
    with pytest.raises(ValueError, match="between 0 and 100"):
        Flag.bool("a", rollout=150)
    with pytest.raises(ValueError, match="salt"):
        Flag.bool("a", salt="")
    with pytest.raises(TypeError, match="target keys are str"):
        Flag(name="a", value_type=int, default=1, targets={1: 2})  # type: ignore[dict-item]


def test_targets_are_read_only_copies() -> None:
    source = {"t": 1}
    flag = Flag.int("a", default=0, targets=source)
    source["t"] = 2
    assert flag.targets["t"] == 1
    with pytest.raises(TypeError):
        flag.targets["t"] = 3  # type: ignore[index]


def test_flags_are_frozen_values() -> None:
    a = Flag.int("a", default=1, targets={"x": 1, "y": 2}, rollout=Rollout(percentage=5, value=2))
    b = Flag.int("a", default=1, targets={"y": 2, "x": 1}, rollout=Rollout(percentage=5.0, value=2))
    assert a == b
    assert hash(a) == hash(b)
    assert a != Flag.int("a", default=2)
    assert len({a, b, Flag.bool("a")}) == 2
    with pytest.raises(AttributeError):
        a.default = 2  # type: ignore[misc]


def test_salt_defaults_to_the_name() -> None:
    assert Flag.bool("a").bucket_salt == "a"
    assert Flag.bool("a", salt="shared").bucket_salt == "shared"


def test_coerce_and_parse_name_the_flag_or_the_field() -> None:
    flag = Flag.int("limit", default=1)
    assert flag.coerce("1").failure().field == "limit"
    assert flag.parse("x").failure().field == "limit"
    assert flag.parse("x", field=flag.env_var).failure().field == "SPINE_FF_LIMIT"
