"""Several simple indexes on one 127.0.0.1 origin, for the tests: ``/<prefix>/simple/<name>/``.

Chainguard serves its indexes side by side on one host (``/python/simple/``,
``/cu128/simple/``, ...), and a PyTorch-like index lives at ``/whl/cu128/``. This server
stands for such a host: each prefix lists its own files, as PEP 691 JSON (with PEP 700
``upload-time`` when given) or PEP 503 HTML by the ``Accept`` header, and serves their bytes
at ``/<prefix>/files/<file>``. With ``auth``, every request needs that HTTP basic auth. Every
request is recorded (path, and whether it carried an ``Authorization`` header).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True)
class Listed:
    """A distribution an index lists, with the upload time its JSON page gives (if any)."""

    path: Path
    upload_time: str | None = None  # PEP 700 text, e.g. 2026-08-18T09:00:00.000000Z

    @property
    def name(self) -> str:
        """The normalized project name, from the file name."""
        if self.path.name.endswith(".whl"):
            return str(parse_wheel_filename(self.path.name)[0])
        return str(parse_sdist_filename(self.path.name)[0])

    @property
    def sha256(self) -> str:
        """The hex sha256 of the file."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@dataclass
class MultiIndex:
    """The running server: ``url(prefix)`` is the simple URL of one of its indexes."""

    origin: str
    indexes: dict[str, list[Listed]]
    requests: list[tuple[str, bool]] = field(default_factory=list)  # (path, had Authorization)

    def url(self, prefix: str) -> str:
        """``http://127.0.0.1:PORT/<prefix>/simple/``."""
        return f"{self.origin}/{prefix}/simple/"

    def asked(self, prefix: str) -> list[str]:
        """The paths of the requests made to one index's pages."""
        return [p for p, _ in self.requests if p.startswith(f"/{prefix}/simple/")]


def _json_page(prefix: str, name: str, files: Sequence[Listed]) -> bytes:
    entries = []
    for f in files:
        entry: dict[str, object] = {
            "filename": f.path.name,
            "url": f"/{prefix}/files/{f.path.name}",
            "hashes": {"sha256": f.sha256},
        }
        if f.upload_time is not None:
            entry["upload-time"] = f.upload_time
        entries.append(entry)
    return json.dumps({"meta": {"api-version": "1.1"}, "name": name, "files": entries}).encode()


def _html_page(prefix: str, name: str, files: Sequence[Listed]) -> bytes:
    links = "".join(
        f'<a href="/{prefix}/files/{html.escape(f.path.name)}#sha256={f.sha256}">'
        f"{html.escape(f.path.name)}</a><br/>\n"
        for f in files
    )
    return f"<!DOCTYPE html><html><body><h1>Links for {name}</h1>\n{links}</body></html>".encode()


@contextlib.contextmanager
def multi_index(
    indexes: Mapping[str, Sequence[Listed]], *, auth: tuple[str, str] | None = None
) -> Iterator[MultiIndex]:
    """Serve ``indexes`` (prefix -> files) on 127.0.0.1 until the context ends."""
    expected = (
        "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() if auth else None
    )
    state = MultiIndex(origin="", indexes={k: list(v) for k, v in indexes.items()})
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        with_body = True

        def do_HEAD(self) -> None:
            self.with_body = False
            self.do_GET()

        def do_GET(self) -> None:
            header = self.headers.get("Authorization")
            path = unquote(urlsplit(self.path).path)
            with lock:
                state.requests.append((path, header is not None))
            if expected is not None and header != expected:
                self._send(401, b"", "text/plain", {"WWW-Authenticate": 'Basic realm="x"'})
                return
            prefix, _, rest = path.strip("/").partition("/")
            files = state.indexes.get(prefix)
            if files is None:
                self._send(404, b"no such index", "text/plain")
            elif rest.startswith("files/"):
                wanted = rest[len("files/") :]
                found = [f for f in files if f.path.name == wanted]
                if found:
                    self._send(200, found[0].path.read_bytes(), "application/octet-stream")
                else:
                    self._send(404, b"no such file", "text/plain")
            elif rest.startswith("simple/"):
                name = canonicalize_name(rest[len("simple/") :].strip("/"))
                listed = [f for f in files if f.name == name]
                if not listed:
                    self._send(404, b"no such project", "text/plain")
                elif JSON_TYPE in self.headers.get("Accept", ""):
                    self._send(200, _json_page(prefix, name, listed), JSON_TYPE)
                else:
                    self._send(200, _html_page(prefix, name, listed), "text/html")
            else:
                self._send(404, b"not found", "text/plain")

        def _send(
            self, status: int, body: bytes, content_type: str, headers: Mapping[str, str] = {}
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if self.with_body:
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
