"""A PyPI-like index on 127.0.0.1 that serves PEP 691 JSON with PEP 700 fields, for the tests.

pypiserver serves HTML only, so locks made against it carry no ``size`` or ``upload-time``;
PyPI's JSON pages give both, and uv, pdm and pylock writers record them. This index serves a
folder of distributions (read again on every request, so a test can swap its files):

- ``<prefix><name>/`` answers PEP 691 JSON (api-version 1.1: ``size``, ``upload-time``,
  ``versions``) or PEP 503 HTML (links with ``#sha256=`` and ``data-requires-python``) by the
  ``Accept`` header, or always one of them with ``form``;
- files are served at ``/files/<file name>`` with their bytes (HEAD answers the length).

``upload_time`` gives each file its upload time (a fixed time by default), so that the index
can say a file was uploaded at another time than the one a lock recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
DEFAULT_UPLOAD_TIME = "2025-01-02T03:04:05.678901Z"


def _project_of(filename: str) -> tuple[str, str] | None:
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except ValueError:
        return None
    return str(name), str(version)


def _requires_python(path: Path) -> str | None:
    if not path.name.endswith(".whl"):
        return None
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".dist-info/METADATA"):
                found = re.search(
                    r"^Requires-Python: (.+)$", archive.read(member).decode(), re.MULTILINE
                )
                return found.group(1).strip() if found else None
    return None


@dataclass
class JsonIndex:
    """A running index: ``url`` is its simple URL, ``root`` the folder it serves."""

    url: str
    root: Path
    requests: list[str]


@contextlib.contextmanager
def json_index(
    root: Path,
    *,
    prefix: str = "/simple/",
    form: str | None = None,
    upload_time: Callable[[str], str] = lambda filename: DEFAULT_UPLOAD_TIME,
) -> Iterator[JsonIndex]:
    """Serve ``root`` on 127.0.0.1 until the context ends."""
    requests: list[str] = []

    def files_of(name: str) -> list[Path]:
        return sorted(
            p
            for p in root.iterdir()
            if (found := _project_of(p.name)) is not None and found[0] == name
        )

    def json_page(name: str, files: list[Path]) -> bytes:
        entries = []
        for path in files:
            data = path.read_bytes()
            entry: dict[str, object] = {
                "filename": path.name,
                "url": f"/files/{path.name}",
                "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
                "size": len(data),
                "upload-time": upload_time(path.name),
            }
            requires = _requires_python(path)
            if requires:
                entry["requires-python"] = requires
            entries.append(entry)
        versions = sorted({v for p in files if (f := _project_of(p.name)) for v in [f[1]]})
        document: dict[str, object] = {"meta": {"api-version": "1.1"}, "name": name}
        document.update(versions=versions, files=entries)
        return json.dumps(document).encode()

    def html_page(name: str, files: list[Path]) -> bytes:
        rows = []
        for path in files:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            requires = _requires_python(path)
            extra = f' data-requires-python="{html.escape(requires)}"' if requires else ""
            rows.append(f'<a href="/files/{path.name}#sha256={digest}"{extra}>{path.name}</a><br/>')
        body = f"<!DOCTYPE html><html><body><h1>Links for {name}</h1>\n" + "\n".join(rows)
        return (body + "\n</body></html>\n").encode()

    class Handler(BaseHTTPRequestHandler):
        with_body = True
        disable_nagle_algorithm = True  # headers and body go in two writes

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_HEAD(self) -> None:
            self.with_body = False
            self.do_GET()

        def do_GET(self) -> None:
            requests.append(f"{self.command} {self.path}")
            path = unquote(urlsplit(self.path).path)
            if path.startswith("/files/"):
                target = root / path[len("/files/") :]
                if "/" in path[len("/files/") :] or not target.is_file():
                    self._send(404, b"not found", "text/plain")
                    return
                self._send(200, target.read_bytes(), "application/octet-stream")
            elif path.startswith(prefix):
                name = canonicalize_name(path[len(prefix) :].strip("/"))
                files = files_of(name)
                if not files:
                    self._send(404, b"not found", "text/plain")
                elif form == "json" or (form is None and "json" in self.headers.get("Accept", "")):
                    self._send(200, json_page(name, files), JSON_TYPE)
                else:
                    self._send(200, html_page(name, files), "text/html; charset=utf-8")
            else:
                self._send(404, b"not found", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.with_body:
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
    server.daemon_threads = True
    server.request_queue_size = 128  # clients open many connections at once
    server.server_bind()
    server.server_activate()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        port = server.server_address[1]
        yield JsonIndex(url=f"http://127.0.0.1:{port}{prefix}", root=root, requests=requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
