"""An index on 127.0.0.1 that behaves like Chainguard Libraries for Python, for the tests.

What it copies from the real index (as Chainguard documents it):

- ``/python/simple/<name>/`` answers PEP 691 JSON or PEP 503 HTML by the ``Accept`` header
  (``form`` forces one of them); links carry ``#sha256=`` and ``data-requires-python``;
- files the index "built" are linked as ``/files/<name>/<file>``; files it only passes through
  from upstream as ``/python-upstream/simple/<name>/<version>/<file>``;
- a file request answers 302 to a pre-signed URL on another host: a second local server,
  ``StorageHost``, stands for that host and serves the bytes (with ``Range`` support);
- a file withheld by policy answers 409 with Chainguard's JSON error body;
- with ``auth``, every request needs HTTP basic auth (the username may contain ``/``).

Both servers record every request (method, path, headers) and count the body bytes they send,
so tests can prove what was (not) asked and (not) downloaded. Both are started and stopped by
the ``chainguard_like`` context manager.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import re
import secrets
import threading
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.utils import (
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "text/html"
BLOCKLIST = "POLICY_ORG_BLOCKLIST"


@dataclass(frozen=True)
class Recorded:
    """One request a server received."""

    method: str
    path: str
    headers: Mapping[str, str]  # names in lower case


@dataclass
class _Log:
    requests: list[Recorded] = field(default_factory=list)
    body_bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, handler: BaseHTTPRequestHandler) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self.lock:
            self.requests.append(Recorded(handler.command, handler.path, headers))

    def sent(self, count: int) -> None:
        with self.lock:
            self.body_bytes += count


@dataclass(frozen=True)
class ServedFile:
    """A distribution the index lists: where its bytes are and how the index treats it."""

    path: Path
    upstream: bool = False  # listed under /python-upstream/ (not built by Chainguard)
    blocked: str | None = None  # a 409 reason such as POLICY_ORG_BLOCKLIST

    @property
    def name(self) -> str:
        """The normalized project name, from the file name."""
        return str(_name_and_version(self.path.name)[0])

    @property
    def version(self) -> str:
        """The version, from the file name."""
        return _name_and_version(self.path.name)[1]

    @property
    def sha256(self) -> str:
        """The hex sha256 of the file."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    @property
    def link(self) -> str:
        """The file's root-relative URL as the index lists it."""
        if self.upstream:
            return f"/python-upstream/simple/{self.name}/{self.version}/{self.path.name}"
        return f"/files/{self.name}/{self.path.name}"

    @property
    def requires_python(self) -> str | None:
        """``Requires-Python`` of a wheel's METADATA (sdists: None)."""
        if not self.path.name.endswith(".whl"):
            return None
        with zipfile.ZipFile(self.path) as archive:
            for member in archive.namelist():
                if member.endswith(".dist-info/METADATA"):
                    text = archive.read(member).decode()
                    found = re.search(r"^Requires-Python: (.+)$", text, re.MULTILINE)
                    return found.group(1).strip() if found else None
        return None


def _name_and_version(filename: str) -> tuple[str, str]:
    if filename.endswith(".whl"):
        name, version, _, _ = parse_wheel_filename(filename)
    else:
        name, version = parse_sdist_filename(filename)
    return str(name), str(version)


def _server(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, threading.Thread]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="cg-like", daemon=True)
    thread.start()
    return server, thread


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) of a single ``bytes=`` range, or None for the whole file."""
    if not header or not header.startswith("bytes="):
        return None
    first, _, last = header[len("bytes=") :].partition("-")
    if not first:
        length = int(last)
        return max(0, size - length), size - 1
    return int(first), min(size - 1, int(last)) if last else size - 1


class StorageHost:
    """The pre-signed storage host: serves blobs by key, records what it is asked."""

    def __init__(self) -> None:
        self.log = _Log()
        self._blobs: dict[str, Path] = {}
        storage = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_HEAD(self) -> None:
                self._answer(with_body=False)

            def do_GET(self) -> None:
                self._answer(with_body=True)

            def _answer(self, *, with_body: bool) -> None:
                storage.log.record(self)
                key = urlsplit(self.path).path.lstrip("/")
                blob = storage._blobs.get(key)
                if blob is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = blob.read_bytes()
                wanted = _byte_range(self.headers.get("Range"), len(data))
                if wanted is None:
                    self.send_response(200)
                    body = data
                else:
                    start, end = wanted
                    body = data[start : end + 1]
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if with_body:
                    self.wfile.write(body)
                    storage.log.sent(len(body))

        self._server, self._thread = _server(Handler)
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"

    def presign(self, path: Path) -> str:
        """A fresh pre-signed-looking URL for ``path`` on this host."""
        key = f"r2/{secrets.token_hex(8)}/{path.name}"
        self._blobs[key] = path
        return f"{self.origin}/{key}?X-Amz-Expires=300&X-Amz-Signature=fake-signature"

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _accepts_json(accept: str) -> bool:
    """Whether the ``Accept`` header prefers PEP 691 JSON over HTML (q-values honoured)."""
    best: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best[media.lower()] = max(q, best.get(media.lower(), 0.0))
    json_q = max(best.get(JSON_TYPE, 0.0), best.get("application/vnd.pypi.simple.latest+json", 0.0))
    html_q = max(
        best.get("application/vnd.pypi.simple.v1+html", 0.0),
        best.get(HTML_TYPE, 0.0),
        best.get("*/*", 0.0),
    )
    return json_q > 0 and json_q >= html_q


class ChainguardLike:
    """The index server; ``url`` is its simple URL (``.../python/simple/``)."""

    def __init__(
        self,
        files: Iterable[ServedFile],
        *,
        storage: StorageHost,
        form: str | None = None,
        auth: tuple[str, str] | None = None,
    ) -> None:
        if form not in (None, "json", "html"):
            raise ValueError(f"form must be json, html or None, not {form!r}")
        self.log = _Log()
        self.storage = storage
        self.form = form
        self._files = list(files)
        self._by_link = {f.link: f for f in self._files}
        self._expected_auth = (
            "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() if auth else None
        )
        index = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            with_body = True

            def do_HEAD(self) -> None:
                self.with_body = False  # uv asks HEAD of files to learn about range requests
                self.do_GET()

            def do_GET(self) -> None:
                index.log.record(self)
                if index._expected_auth and self.headers.get("Authorization") != (
                    index._expected_auth
                ):
                    self._send(401, b"", "text/plain", {"WWW-Authenticate": 'Basic realm="cg"'})
                    return
                path = unquote(urlsplit(self.path).path)
                if path.startswith(("/files/", "/python-upstream/")):
                    self._file(path)
                elif path.startswith("/python/simple/"):
                    self._page(path[len("/python/simple/") :].strip("/"))
                else:
                    self._send(404, b"not found", "text/plain")

            def _send(
                self,
                status: int,
                body: bytes,
                content_type: str,
                headers: Mapping[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                if self.with_body:
                    self.wfile.write(body)

            def _file(self, path: str) -> None:
                served = index._by_link.get(path)
                if served is None:
                    self._send(404, b"not found", "text/plain")
                elif served.blocked:
                    body = json.dumps(
                        {
                            "error": "file withheld by policy: policy",
                            "reason": served.blocked,
                            "message": f"{served.path.name} is blocked by your organization",
                        }
                    ).encode()
                    self._send(409, body, "application/json")
                else:
                    target = index.storage.presign(served.path)
                    self._send(302, b"", "text/plain", {"Location": target})

            def _page(self, raw_name: str) -> None:
                if not raw_name:
                    names = sorted({f.name for f in index._files})
                    links = "".join(f'<a href="{n}/">{n}</a>\n' for n in names)
                    self._send(200, f"<html><body>{links}</body></html>".encode(), HTML_TYPE)
                    return
                name = canonicalize_name(raw_name)
                files = [f for f in index._files if f.name == name]
                if not files:
                    self._send(404, b"not found", "text/plain")
                    return
                use_json = (
                    index.form == "json"
                    if index.form
                    else _accepts_json(self.headers.get("Accept", ""))
                )
                if use_json:
                    self._send(200, _json_page(name, files), JSON_TYPE)
                else:
                    self._send(200, _html_page(name, files), f"{HTML_TYPE}; charset=utf-8")

        self._server, self._thread = _server(Handler)
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.url = f"{self.origin}/python/simple/"

    @property
    def file_requests(self) -> list[Recorded]:
        """Requests for files (built or upstream), in order."""
        return [r for r in self.log.requests if r.path.startswith(("/files/", "/python-upstream/"))]

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _html_page(name: str, files: list[ServedFile]) -> bytes:
    rows = []
    for f in files:
        requires = (
            f' data-requires-python="{html.escape(f.requires_python)}"' if f.requires_python else ""
        )
        rows.append(f'<a href="{f.link}#sha256={f.sha256}"{requires}>{f.path.name}</a><br/>')
    text = (
        '<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0">'
        f"<title>Links for {name}</title></head><body><h1>Links for {name}</h1>\n"
        + "\n".join(rows)
        + "\n</body></html>\n"
    )
    return text.encode()


def _json_page(name: str, files: list[ServedFile]) -> bytes:
    document = {
        "meta": {"api-version": "1.1"},
        "name": name,
        "versions": sorted({f.version for f in files}),
        "files": [
            {
                "filename": f.path.name,
                "url": f.link,
                "hashes": {"sha256": f.sha256},
                **({"requires-python": f.requires_python} if f.requires_python else {}),
            }
            for f in files
        ],
    }
    return json.dumps(document).encode()


@contextlib.contextmanager
def chainguard_like(
    files: Iterable[ServedFile],
    *,
    form: str | None = None,
    auth: tuple[str, str] | None = None,
) -> Iterator[ChainguardLike]:
    """Run the index and its storage host on 127.0.0.1 until the context ends."""
    storage = StorageHost()
    try:
        index = ChainguardLike(files, storage=storage, form=form, auth=auth)
        try:
            yield index
        finally:
            index.stop()
    finally:
        storage.stop()


def served(
    folder: Path, *, upstream: bool = False, blocked: Mapping[str, str] | None = None
) -> list[ServedFile]:
    """Every distribution in ``folder``; ``blocked`` maps file names to 409 reasons."""
    return [
        ServedFile(path=p, upstream=upstream, blocked=(blocked or {}).get(p.name))
        for p in sorted(folder.iterdir())
        if p.name.endswith((".whl", ".tar.gz", ".zip"))
    ]
