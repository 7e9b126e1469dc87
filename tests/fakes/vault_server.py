"""A local fake of HashiCorp Vault's HTTP API: the KV v2 subset hvac's ``read_secret_version`` uses.

There is no Vault server on the development or CI machines, so the Vault interpreter
(``spine.secrets.backends.vault``) is tested with the real hvac client against this
server instead. It speaks exactly what that client call needs, shaped like Vault 1.x:

- ``GET /v1/<mount>/data/<path>[?version=N]`` with an ``X-Vault-Token`` header:
  200 ``{"data": {"data": {...}, "metadata": {...}}, ...}`` for the latest (or the asked)
  version; 404 ``{"errors": []}`` when the path or version does not exist; 404 with the
  version's metadata (``deletion_time`` set) and ``data: null`` when it was deleted;
  403 ``{"errors": ["permission denied"]}`` for a missing or wrong token; 404 "no handler
  for route" for a mount that does not exist.
- ``sealed = True``: every request is 503 ``{"errors": ["Vault is sealed"]}``.
- ``delay_s``: wait that long before answering (client timeouts).

Everything else is 405/404. Responses are ``application/json`` (hvac reads error lists only
from that content type). Requests are recorded (method, path, headers) for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["FakeVault", "SeenRequest"]

_TIME = "2025-01-03T12:00:00.000000Z"


@dataclass(frozen=True)
class SeenRequest:
    """One request the fake received."""

    method: str
    path: str
    headers: Mapping[str, str]


@dataclass
class _Version:
    data: dict[str, object]
    deleted: bool = False


@dataclass
class _State:
    token: str
    mounts: set[str]
    secrets: dict[tuple[str, str], list[_Version]] = field(default_factory=dict)
    seen: list[SeenRequest] = field(default_factory=list)
    sealed: bool = False
    delay_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeVault:
    """A KV v2 Vault on ``127.0.0.1`` (a free port), served from a background thread.

    >>> with FakeVault(token="t") as vault:
    ...     vault.put("app/db", {"password": "pw"})
    ...     vault.url.startswith("http://127.0.0.1:")
    1
    True
    """

    def __init__(self, *, token: str = "fake-root-token", mounts: tuple[str, ...] = ("secret",)) -> None:
        self._state = _State(token=token, mounts=set(mounts))
        state = self._state

        class Handler(_Handler):
            shared = state

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL to give hvac."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def token(self) -> str:
        """The only token the fake accepts."""
        return self._state.token

    @property
    def requests(self) -> list[SeenRequest]:
        """Every request received so far, in order."""
        with self._state.lock:
            return list(self._state.seen)

    @property
    def sealed(self) -> bool:
        """Whether every request is answered 503 (Vault is sealed)."""
        return self._state.sealed

    @sealed.setter
    def sealed(self, sealed: bool) -> None:
        self._state.sealed = sealed

    @property
    def delay_s(self) -> float:
        """How long the fake waits before answering."""
        return self._state.delay_s

    @delay_s.setter
    def delay_s(self, delay_s: float) -> None:
        self._state.delay_s = delay_s

    def put(self, path: str, data: Mapping[str, object], *, mount: str = "secret") -> int:
        """Write a new version of the secret at ``path``; its version number."""
        with self._state.lock:
            self._state.mounts.add(mount)
            versions = self._state.secrets.setdefault((mount, path), [])
            versions.append(_Version(dict(data)))
            return len(versions)

    def delete_latest(self, path: str, *, mount: str = "secret") -> None:
        """Soft-delete the latest version (``vault kv delete``): reads of it become 404."""
        with self._state.lock:
            self._state.secrets[(mount, path)][-1].deleted = True

    def start(self) -> Self:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="fake-vault", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (idempotent)."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    shared: _State

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read ``FakeVault.requests`` instead of stderr."""

    def do_GET(self) -> None:
        state = self.shared
        with state.lock:
            state.seen.append(SeenRequest("GET", self.path, dict(self.headers.items())))
            delay, sealed = state.delay_s, state.sealed
        if delay:
            time.sleep(delay)
        if sealed:
            self._send(503, {"errors": ["Vault is sealed"]})
            return
        if self.headers.get("X-Vault-Token") != state.token:
            self._send(403, {"errors": ["permission denied"]})
            return
        parts = urlsplit(self.path)
        route = unquote(parts.path).removeprefix("/v1/")
        mount, marker, path = route.partition("/data/")
        with state.lock:
            known = mount in state.mounts
            versions = list(state.secrets.get((mount, path), ()))
        if not marker or not known:
            self._send(404, {"errors": [f'no handler for route "{route}". route entry not found.']})
            return
        asked = parse_qs(parts.query).get("version", ["0"])[0]
        number = int(asked) if asked.isdigit() and int(asked) > 0 else len(versions)
        if not versions or number > len(versions):
            self._send(404, {"errors": []})
            return
        version = versions[number - 1]
        metadata = {
            "created_time": _TIME,
            "custom_metadata": None,
            "deletion_time": _TIME if version.deleted else "",
            "destroyed": False,
            "version": number,
        }
        if version.deleted:
            self._send(404, {"data": {"data": None, "metadata": metadata}})
            return
        self._send(200, _envelope({"data": version.data, "metadata": metadata}))

    def do_POST(self) -> None:
        self._send(405, {"errors": ["the fake Vault only serves KV v2 reads"]})

    do_PUT = do_DELETE = do_PATCH = do_POST

    def _send(self, status: int, body: object) -> None:
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer


def _envelope(data: object) -> dict[str, object]:
    return {
        "request_id": "00000000-0000-0000-0000-000000000000",
        "lease_id": "",
        "renewable": False,
        "lease_duration": 0,
        "data": data,
        "wrap_info": None,
        "warnings": None,
        "auth": None,
        "mount_type": "kv",
    }
