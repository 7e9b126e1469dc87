from __future__ import annotations

import sys
from pathlib import Path

import pytest
from returns.result import Failure, Success

from spine.core.errors import ConfigError, ValidationError
from spine.orchestration.templates import parse_template
from spine.orchestration.templates.document import MAX_VALUES
from spine.orchestration.templates.source import MAX_DOCUMENT_BYTES, read_document
from tests.unit.orchestration.templates.support import doc, load, message

VALID = doc("steps:\n  - {name: a, function: inc}")
VALID_JSON = '{"name": "t", "version": 1, "steps": [{"name": "a", "function": "inc"}]}'


def test_a_path_is_read_and_its_suffix_picks_the_syntax(tmp_path: Path) -> None:
    (tmp_path / "flow.yaml").write_text(VALID)
    (tmp_path / "flow.json").write_text(VALID_JSON)
    (tmp_path / "flow.txt").write_text(VALID)
    for name in ("flow.yaml", "flow.json", "flow.txt"):
        spec = parse_template(tmp_path / name).unwrap()
        assert spec.source == str(tmp_path / name)
        assert [s.name for s in spec.steps] == ["a"]
    assert parse_template(tmp_path / "flow.yaml", origin="nice.yaml").unwrap().source == "nice.yaml"


def test_text_is_json_when_it_starts_with_a_brace_else_yaml() -> None:
    assert read_document(VALID_JSON).unwrap().lines == ()  # JSON has no line map
    assert dict(read_document(VALID).unwrap().lines)["steps[0].function"] == 4
    assert isinstance(parse_template("  " + VALID_JSON, syntax="yaml"), Success)  # YAML reads JSON too


def test_a_file_name_given_as_text_gets_a_hint() -> None:
    assert message(load("a/etl.yaml")) == (
        "t.yaml: 'a/etl.yaml' looks like a file name: pass pathlib.Path('a/etl.yaml') to read the file"
    )


def test_a_missing_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    result = parse_template(tmp_path / "nope.yaml")
    assert isinstance(result, Failure)
    assert isinstance(result.failure(), ConfigError)
    assert f"{tmp_path / 'nope.yaml'}: cannot read the template" in message(result)


def test_a_file_that_is_not_utf8_is_invalid(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"name: \xff\xfe\n")
    assert "bad.yaml: the file is not UTF-8 text" in message(parse_template(tmp_path / "bad.yaml"))


def test_a_yaml_syntax_error_names_the_file_and_line() -> None:
    result = load("name: t\nversion: 1\nsteps:\n  - name: a\n    function: [inc\n", origin="broken.yaml")
    assert isinstance(result.failure(), ValidationError)
    text = message(result)
    assert text.startswith("broken.yaml:6: invalid YAML:"), text


def test_a_json_syntax_error_names_the_file_and_line() -> None:
    text = message(load('{"name": "t",\n "version": 1,,\n}', origin="t.json"))
    assert text.startswith("t.json:2: invalid JSON: Expecting property name"), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            doc("steps:\n  - {name: a, function: inc, function: double}"),
            "t.yaml:4: steps[0].function: duplicate key 'function' (first on line 4)",
        ),
        ('{"name": "t", "name": "u"}', "t.yaml: invalid JSON: duplicate key 'name'"),
        ('{"name": NaN}', "t.yaml: invalid JSON: NaN is not a JSON number"),
        (
            doc("steps:\n  - name: a\n    on: inc"),
            "t.yaml:5: steps[0].on: a key must be text, YAML reads 'on' as bool: quote it",
        ),
        (
            doc("steps:\n  - name: a\n    1: inc"),
            "t.yaml:5: steps[0]['1']: a key must be text, YAML reads '1' as int: quote it",
        ),
        ("name: t\n---\nname: u\n", "t.yaml:2: invalid YAML: expected a single document"),
        ("a: !!python/object:os.system x\n", "t.yaml:1: invalid YAML: could not determine a constructor"),
        ("", "t.yaml: the document must be a mapping with name, version and steps, got null"),
        ("- a\n- b\n", "t.yaml:1: the document must be a mapping with name, version and steps, got list"),
        ("[" * 1500, "t.yaml: invalid YAML: nested too deeply"),
        ('{"a": ' * 100_000, "t.yaml: invalid JSON: nested too deeply"),
    ],
)
def test_what_a_plain_load_lets_through_is_refused(text: str, expected: str) -> None:
    assert message(load(text)).startswith(expected)


def test_a_recursive_alias_is_refused() -> None:
    text = message(load("name: t\nversion: 1\nsteps: &s [*s]\n"))
    assert text == "t.yaml:3: steps[0]: the document refers to itself (a recursive alias)"


def test_aliases_and_merge_keys_work() -> None:
    text = doc("""
    steps:
      - name: a
        function: inc
        retry: &patient {max_attempts: 5, base_s: 1.0}
      - name: b
        function: inc
        retry: *patient
      - <<: {function: double}
        name: c
    """)
    spec = parse_template(text).unwrap()
    assert [type(s).__name__ for s in spec.steps] == ["FunctionStep", "FunctionStep", "FunctionStep"]


def test_yaml_needs_pyyaml_but_json_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml now raises ImportError
    result = load(VALID)
    assert isinstance(result.failure(), ConfigError)
    assert "t.yaml: reading a YAML template needs PyYAML: install spine-core[yaml]" in message(result)
    assert isinstance(load(VALID_JSON), Success)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            doc("steps:\n  - {name: w, wait: {until: 2025-02-30}}"),
            "t.yaml:4: steps[0].wait.until: invalid YAML: '2025-02-30' is not a valid timestamp"
            " (day is out of range for month)",
        ),
        ("name: t\nversion: 2025-13-01\n", "t.yaml:2: version: invalid YAML: '2025-13-01' is not a valid"),
        ("name: t\nversion: !!int ''\n", "t.yaml:2: version: invalid YAML: '' is not a valid int"),
        ("name: t\nversion: !!int 0x\n", "t.yaml:2: version: invalid YAML: '0x' is not a valid int"),
        ("name: t\nversion: !!float ''\n", "t.yaml:2: version: invalid YAML: '' is not a valid float"),
        ("name: t\nversion: !!bool maybe\n", "t.yaml:2: version: invalid YAML: 'maybe' is not a valid bool"),
        ("x: [1, !!timestamp soon]\n", "t.yaml:1: x[1]: invalid YAML: 'soon' is not a valid timestamp"),
        ("version: " + "9" * 5000, f"t.yaml:1: version: invalid YAML: '{'9' * 40}...' is not a valid int"),
        ('{"version": ' + "9" * 5000 + "}", "t.yaml: invalid JSON: a number of 5000 digits is too long"),
    ],
)
def test_a_scalar_the_resolver_accepts_but_cannot_build_is_invalid_with_its_line(
    text: str, expected: str
) -> None:
    result = load(text)
    assert isinstance(result.failure(), ValidationError)
    assert message(result).startswith(expected), message(result)


def test_a_document_over_one_mib_is_refused_unread(tmp_path: Path) -> None:
    big = "name: t\nversion: 1\ndescription: " + "x" * MAX_DOCUMENT_BYTES + "\n"
    (tmp_path / "big.yaml").write_text(big)
    wide = "é" * (MAX_DOCUMENT_BYTES // 2 + 1)  # fewer characters than the cap, more bytes
    for result in (parse_template(tmp_path / "big.yaml"), load(big), load(wide)):
        assert isinstance(result.failure(), ValidationError)
        assert message(result).endswith(f": the document is larger than {MAX_DOCUMENT_BYTES} bytes")
    assert isinstance(load(doc("steps:\n  - {name: a, function: inc}") + "#" * 100_000), Success)


def test_a_yaml_document_of_too_many_nodes_stops_composing() -> None:
    text = "name: t\nversion: 1\nx: [" + "1, " * (MAX_VALUES + 1) + "]\n"
    assert len(text) <= MAX_DOCUMENT_BYTES
    assert message(load(text)) == (
        f"t.yaml:3: invalid YAML: the document is too large (more than {MAX_VALUES} keys and values)"
    )
