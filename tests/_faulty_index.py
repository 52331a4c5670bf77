"""A simple index on 127.0.0.1 that misbehaves on purpose, project by project.

The part of a project's name before the first ``-`` chooses the fault, so a test can ask for
``drop-3`` or ``trunc-17`` and know what the server will do:

=============  ==========================================================================
``ok``         200 with a correct page (JSON for even numbers, HTML for odd ones)
``slow``       a correct page after 0.2 s
``missing``    a clean 404
``flaky``      the first ``FLAKY_FAILURES`` requests answer 503 or drop, then a correct page
``throttled``  429 with ``Retry-After: 0`` once, then a correct page
``drop``       closes the connection without an answer
``stall``      answers nothing until the client gives up (at most ``STALL_SECONDS``)
``e500``       500, always; ``e503`` and ``e429`` likewise
``trunc``      promises 4000 bytes, sends 100, closes
``garbage``    bytes that are not HTTP at all
``badjson``    200 with the JSON content type and a body that is not JSON
``wrongtype``  200 as ``application/octet-stream``
``notpage``    200 ``text/html`` that is no simple page (no links, no document)
``big``        200 with a body larger than the client's page limit
=============  ==========================================================================

The correct page of project ``p`` lists one wheel, ``p-1.0-py3-none-any.whl``, whose
sha256 is ``expected_digest(p)``. Every request is counted per path.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import socketserver
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from tests._servers import serving

FLAKY_FAILURES = 2
STALL_SECONDS = 10.0
BIG_BYTES = 300_000


def expected_digest(name: str) -> str:
    """The sha256 the correct page lists for the project's one wheel."""
    return hashlib.sha256(name.encode()).hexdigest()


def _correct_page(name: str) -> tuple[bytes, str]:
    filename = f"{name.replace('-', '_')}-1.0-py3-none-any.whl"
    digest = expected_digest(name)
    number = name.rpartition("-")[2]
    if number.isdigit() and int(number) % 2:
        html = (
            "<!DOCTYPE html><html><body>"
            f'<a href="../../files/{filename}#sha256={digest}">{filename}</a>'
            "</body></html>"
        )
        return html.encode(), "text/html"
    page = {
        "meta": {"api-version": "1.0"},
        "name": name,
        "files": [
            {"filename": filename, "url": f"../../files/{filename}", "hashes": {"sha256": digest}}
        ],
    }
    return json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json"


def _response(status: str, body: bytes, content_type: str, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class FaultyIndex:
    """The running server: its simple URL and what it was asked."""

    url: str
    requests: Counter[str] = field(default_factory=Counter)
    stopping: threading.Event = field(default_factory=threading.Event)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(5.0)
        data = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                data += chunk
        if b"\r\n\r\n" not in data:
            return
        request_line = data.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split(" ")
        path = parts[1] if len(parts) > 1 else "/"
        state = self.server.state
        state.requests[path] += 1
        count = state.requests[path]
        name = path.rstrip("/").rpartition("/")[2]
        with contextlib.suppress(OSError):
            self._answer(sock, name, count)

    def _answer(self, sock: socket.socket, name: str, count: int) -> None:
        fault = name.split("-", 1)[0]
        state = self.server.state
        if not self.server.is_page_path(name):
            sock.sendall(_response("404 Not Found", b"not found", "text/plain"))
            return
        page, content_type = _correct_page(name)
        if fault in ("ok", "slow", "flaky", "throttled"):
            if fault == "slow":
                time.sleep(0.2)
            if fault == "flaky" and count <= FLAKY_FAILURES:
                if count % 2:
                    sock.sendall(_response("503 Service Unavailable", b"busy", "text/plain"))
                return  # even attempts: drop the connection
            if fault == "throttled" and count == 1:
                sock.sendall(
                    _response("429 Too Many Requests", b"", "text/plain", "Retry-After: 0\r\n")
                )
                return
            sock.sendall(_response("200 OK", page, content_type))
        elif fault == "missing":
            sock.sendall(_response("404 Not Found", b"no such project", "text/plain"))
        elif fault == "drop":
            return
        elif fault == "stall":
            state.stopping.wait(STALL_SECONDS)
        elif fault in ("e500", "e503", "e429"):
            status = {
                "e500": "500 Internal Server Error",
                "e503": "503 Service Unavailable",
                "e429": "429 Too Many Requests",
            }[fault]
            sock.sendall(_response(status, b"failure", "text/plain", "Retry-After: 0\r\n"))
        elif fault == "trunc":
            head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 4000\r\n\r\n"
            sock.sendall(head.encode() + page[:100])
        elif fault == "garbage":
            sock.sendall(b"\x00\xffSSH-2.0-not-http\r\n\x00\x01\x02" * 20)
        elif fault == "badjson":
            sock.sendall(_response("200 OK", b'{"files": [', "application/vnd.pypi.simple.v1+json"))
        elif fault == "wrongtype":
            sock.sendall(_response("200 OK", page, "application/octet-stream"))
        elif fault == "notpage":
            sock.sendall(_response("200 OK", b"Please log in to continue.", "text/html"))
        elif fault == "big":
            sock.sendall(_response("200 OK", page + b" " * BIG_BYTES, content_type))
        else:
            sock.sendall(_response("404 Not Found", b"unknown fault", "text/plain"))


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: FaultyIndex

    def is_page_path(self, name: str) -> bool:
        return bool(name) and "-" in name


@contextlib.contextmanager
def faulty_index() -> Iterator[FaultyIndex]:
    """Run the misbehaving index on 127.0.0.1 until the context ends."""
    server = _Server(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    server.state = FaultyIndex(url=f"http://127.0.0.1:{port}/simple/")
    with serving(server):
        try:
            yield server.state
        finally:
            server.state.stopping.set()  # let stalled answers go before the server stops
