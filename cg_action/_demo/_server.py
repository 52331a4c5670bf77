"""A small PEP 503/691 index on 127.0.0.1, serving the SAMPLE data of the demo.

``/python/simple/<name>/`` plays the Chainguard index and ``/pypi/simple/<name>/`` the
fallback. Files under the upstream-fallback path (``/python-upstream/``) are listed for
entries marked ``upstream:``. Digests are derived from the index and file name, so the same
file has different digests on the two indexes, as Chainguard's rebuilt files do. Files are
listed, never served.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

JSON_TYPE = "application/vnd.pypi.simple.v1+json"


def sample_digest(index: str, filename: str) -> str:
    """The made-up sha256 of a sample file on a sample index."""
    return hashlib.sha256(f"cg-action-demo:{index}:{filename}".encode()).hexdigest()


def load_sample() -> dict[str, dict[str, dict[str, list[str]]]]:
    """The sample indexes: index -> project -> version -> file names."""
    raw = resources.files("cg_action._demo").joinpath("sample_index.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    indexes: dict[str, dict[str, dict[str, list[str]]]] = data["indexes"]
    return indexes


class _Handler(BaseHTTPRequestHandler):
    server: _SampleServer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the demo's output is the report."""

    def do_GET(self) -> None:
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        if len(parts) == 3 and parts[1] == "simple" and parts[0] in self.server.sample:
            index, name = parts[0], parts[2]
            project = self.server.sample[index].get(name)
            if project is not None:
                self._page(index, name, project)
                return
        self.send_error(404, "Not Found")

    def _page(self, index: str, name: str, project: dict[str, list[str]]) -> None:
        files: list[tuple[str, str, str]] = []  # (file name, URL, sha256)
        for version, entries in project.items():
            for entry in entries:
                upstream = entry.startswith("upstream:")
                filename = entry.removeprefix("upstream:")
                prefix = "python-upstream" if upstream else f"files/{index}"
                url = f"/{prefix}/{name}/{version}/{filename}"
                files.append((filename, url, sample_digest(index, filename)))
        if JSON_TYPE in (self.headers.get("Accept") or ""):
            listed = [
                {"filename": filename, "url": url, "hashes": {"sha256": digest}}
                for filename, url, digest in files
            ]
            page = {"meta": {"api-version": "1.1"}, "name": name, "files": listed}
            page["versions"] = list(project)
            body = json.dumps(page).encode()
            content_type = JSON_TYPE
        else:
            links = "".join(
                f'<a href="{html.escape(url)}#sha256={digest}">{html.escape(filename)}</a><br>\n'
                for filename, url, digest in files
            )
            body = (
                "<!DOCTYPE html><html><head><title>SAMPLE index: links for "
                f"{html.escape(name)}</title></head><body>\n{links}</body></html>\n"
            ).encode()
            content_type = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _SampleServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sample: dict[str, dict[str, dict[str, list[str]]]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sample = sample


@contextmanager
def sample_index() -> Iterator[str]:
    """Serve the sample on 127.0.0.1 until the context ends; yields the base URL."""
    server = _SampleServer(load_sample())
    thread = threading.Thread(target=server.serve_forever, name="cg-action-demo", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
