from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spine.orchestration.templates.problems import Problem, describe, known, line_of, path_text, suggest

_parts = st.lists(st.one_of(st.integers(0, 20), st.text(min_size=1, max_size=8)), max_size=6)


def test_paths_read_like_the_document() -> None:
    assert path_text(()) == ""
    assert path_text(("steps", 0, "retry", "base_s")) == "steps[0].retry.base_s"
    assert path_text(("$schema",)) == "$schema"
    assert path_text(("steps", 1, "has.dot")) == "steps[1]['has.dot']"


@given(_parts, _parts)
def test_a_path_takes_the_line_of_its_nearest_recorded_ancestor(
    head: list[str | int], tail: list[str | int]
) -> None:
    lines = {path_text(head): 42}
    assert line_of(lines, path_text(head + tail)) in {42, None}
    assert line_of(lines, path_text(head)) == 42
    assert line_of({"": 1}, path_text(head + tail)) == 1
    assert line_of({}, path_text(head + tail)) is None


def test_suggestions_and_known_names() -> None:
    assert suggest("fucntion", ["function", "operation"]) == "; did you mean 'function'?"
    assert suggest("zzz", ["function"]) == ""
    many = [f"n{i:02}" for i in range(25)]
    assert known(many).endswith(", n19, ... 5 more)")


def test_describe_puts_file_line_and_path_on_every_problem() -> None:
    text, context = describe(
        "etl.yaml",
        [("", 1), ("steps[2]", 9), ("steps[2].choice[0].when", 12)],
        [
            Problem("steps[2].choice[0].when", "unknown condition 'x'"),
            Problem("steps[2].retry", "bad"),
            Problem("", "whole"),
        ],
    )
    assert text.splitlines() == [
        "etl.yaml:12: steps[2].choice[0].when: unknown condition 'x'",
        "etl.yaml:9: steps[2].retry: bad",
        "etl.yaml:1: whole",
    ]
    assert context == {"source": "etl.yaml", "problems": text.splitlines()}
    assert describe("t.json", [], [Problem("name", "bad")])[0] == "t.json: name: bad"
