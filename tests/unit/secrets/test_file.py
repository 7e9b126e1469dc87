"""``FileSecrets``: files inside one directory only, whatever the name or the links say."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Success

from spine.core.errors import (
    AuthError,
    ConfigError,
    InternalError,
    NotFoundError,
    SpineError,
    ValidationError,
)
from spine.secrets import FileSecrets, SecretRef, SecretScheme, parse_ref
from spine.secrets.backends import file as file_backend

INSIDE = {"plain-value", "nested-value", "deep-value"}
OUTSIDE = "OUTSIDE-VALUE"
SIBLING = "SIBLING-VALUE"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """root/ with files, links in and out, a FIFO; outside/ and root-evil/ next to it."""
    base = tmp_path_factory.mktemp("secrets")
    root, outside, sibling = base / "root", base / "outside", base / "root-evil"
    for directory in (root / "sub" / "deeper", outside, sibling):
        directory.mkdir(parents=True)
    (root / "plain").write_text("plain-value\n")
    (root / "sub" / "nested").write_text("nested-value")
    (root / "sub" / "deeper" / "deep").write_text("deep-value")
    (outside / "secret").write_text(OUTSIDE)
    (sibling / "secret").write_text(SIBLING)
    (root / "link_in").symlink_to("plain")
    (root / "sub" / "link_up").symlink_to("../plain")
    (root / "dir_in").symlink_to("sub")
    (root / "link_out").symlink_to("../outside/secret")
    (root / "link_abs").symlink_to(outside / "secret")
    (root / "dir_out").symlink_to("../outside")
    (root / "sibling").symlink_to("../root-evil/secret")
    (root / "sub" / "escape").symlink_to("../../outside/secret")
    (root / "self").symlink_to(".")
    (root / "loop").symlink_to("loop")
    (root / "dangling_out").symlink_to("../outside/missing")
    os.mkfifo(root / "fifo")
    (root / "big").write_bytes(b"x" * 70_000)
    (root / "binary").write_bytes(b"\xff\xfe\x00")
    (root / "crlf").write_bytes(b"windows\r\n")
    (root / "two_newlines").write_text("v\n\n")
    return root


def _read(root: Path, name: str, **options: int | bool) -> object:
    result = FileSecrets(root, **options).read(SecretRef(scheme=SecretScheme.FILE, name=name))  # type: ignore[arg-type]
    return result.unwrap().reveal() if isinstance(result, Success) else result.failure()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("plain", "plain-value"),
        ("sub/nested", "nested-value"),
        ("sub/deeper/deep", "deep-value"),
        ("link_in", "plain-value"),
        ("sub/link_up", "plain-value"),
        ("dir_in/nested", "nested-value"),
        ("crlf", "windows"),
        ("two_newlines", "v\n"),
    ],
)
def test_reads_files_and_links_that_stay_inside(root: Path, name: str, value: str) -> None:
    assert _read(root, name) == value


@pytest.mark.parametrize(
    ("name", "constraint"),
    [
        ("../outside/secret", "no empty, '.' or '..' segments"),
        ("sub/../../outside/secret", "no empty, '.' or '..' segments"),
        ("./plain", "no empty, '.' or '..' segments"),
        ("sub//nested", "no empty, '.' or '..' segments"),
        ("", "a plain relative path"),
        ("pl\x00ain", "a plain relative path"),
        ("/etc/passwd", "a relative path"),
        ("link_out", "inside the directory"),
        ("link_abs", "inside the directory"),
        ("dir_out/secret", "inside the directory"),
        ("sibling", "inside the directory"),
        ("sub/escape", "inside the directory"),
        ("dangling_out", "inside the directory"),
        ("self", "inside the directory"),
        ("sub", "a regular file"),
        ("fifo", "a regular file"),
        ("big", "at most 65536 bytes"),
        ("binary", "UTF-8 text"),
        ("loop", "no links out of the directory"),
    ],
)
def test_refuses_names_and_links_that_leave_or_are_not_files(root: Path, name: str, constraint: str) -> None:
    error = _read(root, name)
    assert isinstance(error, ValidationError), error
    assert error.constraint == constraint
    assert OUTSIDE not in error.message


def test_limits_and_newline_handling_are_options(root: Path) -> None:
    assert _read(root, "big", max_bytes=100_000) == "x" * 70_000
    assert _read(root, "plain", strip_newline=False) == "plain-value\n"


def test_missing_files_and_directories(root: Path, tmp_path: Path) -> None:
    missing = _read(root, "nope")
    assert isinstance(missing, NotFoundError)
    assert missing.key == "secret://file/nope"
    assert isinstance(_read(root, "plain/below"), NotFoundError)
    no_root = _read(tmp_path / "not-there", "plain")
    assert isinstance(no_root, ConfigError)
    assert no_root.key == "secrets_dir"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (errno.ENOENT, NotFoundError),
        (errno.ENOTDIR, NotFoundError),
        (errno.EACCES, AuthError),
        (errno.EPERM, AuthError),
        (errno.ELOOP, ValidationError),
        (errno.ENAMETOOLONG, ValidationError),
        (errno.EIO, InternalError),
    ],
)
def test_os_errors_become_typed_errors(code: int, kind: type[SpineError]) -> None:
    # Root (as CI runs) reads a mode-000 file anyway, so EACCES is built rather than provoked.
    ref = SecretRef(scheme=SecretScheme.FILE, name="a")
    error = file_backend._os_error(ref, OSError(code, os.strerror(code), "/run/secrets/a"))
    assert type(error) is kind
    assert "secret://file/a" in error.message
    assert not error.retryable


def test_a_link_swapped_in_after_the_check_is_not_followed(root: Path) -> None:
    """The open walks the checked path with O_NOFOLLOW: a link found there now (a race) is refused.

    A link as the last segment fails with ELOOP (refused as a link); a link as a directory
    segment with ENOTDIR (not found). Either way nothing behind the link is read.
    """
    ref = SecretRef(scheme=SecretScheme.FILE, name="link_out")
    backend = FileSecrets(root)
    for parts, code, kind in (
        (("link_out",), errno.ELOOP, ValidationError),
        (("dir_out", "secret"), errno.ENOTDIR, NotFoundError),
    ):
        with pytest.raises(OSError, match=os.strerror(code)) as raised:
            backend._read(root, parts, ref)
        assert raised.value.errno == code
        assert isinstance(file_backend._os_error(ref, raised.value), kind)


def test_refuses_references_of_another_scheme(root: Path) -> None:
    wrong = FileSecrets(root).read(SecretRef(scheme=SecretScheme.ENV, name="plain"))
    assert isinstance(wrong.failure(), ValidationError)


# --- whatever the name, nothing outside the directory is read ----------------------------

tokens = st.sampled_from(
    [
        "..",
        ".",
        "",
        "/",
        "//",
        "\x00",
        "\\",
        "~",
        "%2e%2e",
        "plain",
        "sub",
        "nested",
        "link_in",
        "link_out",
        "link_abs",
        "dir_out",
        "dir_in",
        "sibling",
        "escape",
        "self",
        "secret",
        "outside",
        "root-evil",
        "loop",
    ]
)
names = st.one_of(
    st.lists(tokens, max_size=6).map("/".join),
    st.lists(tokens, max_size=6).map("".join),
    st.text(max_size=30),
)


@given(names)
def test_no_name_reads_anything_outside(root: Path, name: str) -> None:
    got = _read(root, name)
    if isinstance(got, str):
        assert got in INSIDE
    else:
        assert OUTSIDE not in str(got)
        assert SIBLING not in str(got)
    parsed = parse_ref(f"secret://file/{name}")
    if isinstance(parsed, Success):
        via_ref = FileSecrets(root).read(parsed.unwrap())
        assert not isinstance(via_ref, Success) or via_ref.unwrap().reveal() in INSIDE
