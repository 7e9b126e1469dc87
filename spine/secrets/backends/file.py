"""``FileSecrets``: ``secret://file/NAME`` from files inside one configured directory.

# Theory of operation
# -------------------
# A name is a relative path of plain segments: empty, ``.`` and ``..`` segments, absolute
# paths, NUL and control characters are refused before the disk is touched. The name is
# then resolved with every symlink followed (``realpath``); a result outside the directory's
# own real path is refused, so a link inside the directory may point elsewhere inside it,
# never out. The file is opened by walking that resolved, link-free path from a descriptor
# of the directory with ``O_NOFOLLOW`` at every step: a link swapped in between the check
# and the open makes the open fail (``ELOOP``) instead of following it. Only regular files
# are read (a FIFO or a device is refused; ``O_NONBLOCK`` keeps the open of a FIFO from
# hanging), at most ``max_bytes``, as UTF-8, with one trailing newline removed (what
# ``echo value > file`` leaves). POSIX only: it relies on ``dir_fd`` and ``O_NOFOLLOW``.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Final, final

from returns.result import Failure, Result, Success

from spine.core.errors import (
    AuthError,
    ConfigError,
    InternalError,
    NotFoundError,
    SpineError,
    ValidationError,
)
from spine.secrets.reference import SecretRef, SecretScheme
from spine.secrets.secret import Secret

__all__ = ["FileSecrets"]

_DIR_FLAGS: Final = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS: Final = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
_MISSING: Final = frozenset({errno.ENOENT, errno.ENOTDIR})
_DENIED: Final = frozenset({errno.EACCES, errno.EPERM})


@final
class FileSecrets:
    """Reads secrets from files under ``root``; nothing outside it is ever opened.

    Args:
        root: The secrets directory (say ``/run/secrets``). It may appear after the
            backend is built (a volume mounted later); a read before then is a ``ConfigError``.
        max_bytes: Files larger than this are refused.
        strip_newline: Remove one trailing newline (LF or CRLF) from the value.
    """

    __slots__ = ("_max_bytes", "_root", "_strip_newline")

    def __init__(
        self, root: str | os.PathLike[str], /, *, max_bytes: int = 64 * 1024, strip_newline: bool = True
    ) -> None:
        self._root = os.fspath(root)
        self._max_bytes = max_bytes
        self._strip_newline = strip_newline

    @property
    def scheme(self) -> SecretScheme:
        """``file``."""
        return SecretScheme.FILE

    @property
    def root(self) -> Path:
        """The secrets directory, as configured."""
        return Path(self._root)

    def read(self, ref: SecretRef, /) -> Result[Secret, SpineError]:
        """The contents of the file ``ref.name`` inside the directory."""
        refused = _check_name(ref)
        if refused is not None:
            return Failure(refused)
        # os.path.realpath, not Path.resolve: on a link loop it stops instead of raising
        # RuntimeError, and the open below then fails with ELOOP.
        root = Path(os.path.realpath(self._root))
        if not root.is_dir():
            msg = f"cannot read {ref}: the secrets directory {self._root!r} does not exist"
            return Failure(ConfigError(msg, key="secrets_dir"))
        target = Path(os.path.realpath(root.joinpath(*ref.name.split("/"))))
        if target == root or not target.is_relative_to(root):
            return Failure(_refused(ref, "resolves outside the secrets directory", "inside the directory"))
        try:
            data = self._read(root, target.relative_to(root).parts, ref)
        except OSError as exc:
            return Failure(_os_error(ref, exc))
        if isinstance(data, SpineError):
            return Failure(data)
        return _decode(ref, data, strip_newline=self._strip_newline)

    def _read(self, root: Path, parts: tuple[str, ...], ref: SecretRef) -> bytes | SpineError:
        directory = os.open(root, _DIR_FLAGS)
        try:
            for part in parts[:-1]:
                inner = os.open(part, _DIR_FLAGS, dir_fd=directory)
                os.close(directory)
                directory = inner
            fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=directory)
        finally:
            os.close(directory)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return _refused(ref, "is not a regular file", "a regular file")
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(self._max_bytes + 1)
        if len(data) > self._max_bytes:
            return _refused(
                ref, f"is larger than {self._max_bytes} bytes", f"at most {self._max_bytes} bytes"
            )
        return data


def _decode(ref: SecretRef, data: bytes, *, strip_newline: bool) -> Result[Secret, SpineError]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Failure(_refused(ref, "is not UTF-8 text", "UTF-8 text"))
    if strip_newline:
        text = text.removesuffix("\r\n") if text.endswith("\r\n") else text.removesuffix("\n")
    return Success(Secret(text))


def _check_name(ref: SecretRef) -> ValidationError | None:
    """Why ``ref`` cannot name a file inside the directory, before the disk is touched."""
    name = ref.name
    if ref.scheme is not SecretScheme.FILE or ref.key is not None:
        return _refused(ref, "is not a file reference", "secret://file/NAME")
    if not name or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return _refused(ref, "has an empty name or control characters", "a plain relative path")
    if name.startswith("/"):
        return _refused(ref, "is an absolute path", "a relative path")
    if any(part in {"", ".", ".."} for part in name.split("/")):
        return _refused(ref, "has an empty, '.' or '..' segment", "no empty, '.' or '..' segments")
    return None


def _refused(ref: SecretRef, why: str, constraint: str) -> ValidationError:
    return ValidationError(f"secret {ref} {why}", field="secret_ref", value=str(ref), constraint=constraint)


def _os_error(ref: SecretRef, exc: OSError) -> SpineError:
    code = exc.errno
    reason = os.strerror(code) if code is not None else type(exc).__name__
    if code in _MISSING:
        return NotFoundError(f"secret {ref} not found: no such file", resource="secret", key=str(ref))
    if code in _DENIED:
        return AuthError(f"cannot read secret {ref}: {reason}")
    if code == errno.ENAMETOOLONG:
        return _refused(ref, "has a name too long for the file system", "a shorter name")
    if code == errno.ELOOP:
        return _refused(
            ref, "went through a symbolic link while being opened", "no links out of the directory"
        )
    return InternalError(f"cannot read secret {ref}: {reason}", exception_type=type(exc).__qualname__)
