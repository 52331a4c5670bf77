"""Index servers on 127.0.0.1 that answer with hostile bytes: dripping or endless responses.

Each server is a raw socket server (what it sends is exactly what a test says, byte by byte),
over plain http or over TLS with a certificate from a throw-away certificate authority
(trustme). It records every request it reads and counts the bytes it manages to send; it stops,
and lets go of every connection, when its context ends.

Answers (``mode``):

=============  ===========================================================================
``headers``    the response head, one byte every ``DRIP_SECONDS``, never finished
``body``       a complete head announcing a 1 MB ``Content-Length``, then one body byte at a
               time
``chunked``    a complete chunked head, then one one-byte chunk at a time
``range``      a complete 206 head for 64 KiB, then one byte of them at a time
``endless``    a 206 (or another ``status``) head without a length, then bytes as fast as the
               client takes them, for ever
``page``       a correct PEP 503 page listing ``PAGE_WHEEL``, for any path (a recording proxy)
``gzipbomb``   a 200 page head with ``Content-Encoding: gzip`` and a body of ``BOMB_BYTES``
               zero bytes compressed to about a thousandth of that
=============  ===========================================================================
"""

from __future__ import annotations

import contextlib
import functools
import socket
import socketserver
import ssl
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import trustme

from tests._servers import serving

DRIP_SECONDS = 0.05  # far below every read timeout: only a total limit stops a drip
BOMB_BYTES = 512 * 1024 * 1024
PAGE_WHEEL = "flask-3.0.2-py3-none-any.whl"


@functools.cache
def gzip_bomb() -> bytes:
    """``BOMB_BYTES`` zero bytes, gzip-compressed (about 500 KB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(BOMB_BYTES // len(block))]
    return b"".join(parts) + compressor.flush()


@dataclass
class HostileServer:
    """A running server: its base URL, what it was asked and what it sent."""

    url: str
    mode: str
    status: int = 206
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    bytes_sent: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, sent: int) -> None:
        with self.lock:
            self.bytes_sent += sent


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        state = self.server.state
        sock: socket.socket = self.request
        sock.settimeout(5.0)
        with contextlib.ExitStack() as stack, contextlib.suppress(OSError, ssl.SSLError):
            if self.server.tls is not None:
                sock = self.server.tls.wrap_socket(sock, server_side=True)
                stack.callback(sock.close)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                head += chunk
            lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            state.requests.append((parts[1] if len(parts) > 1 else "/", headers))
            self._answer(sock, state)

    def _answer(self, sock: socket.socket, state: HostileServer) -> None:
        def send(data: bytes) -> None:
            sock.sendall(data)
            state.count(len(data))

        if state.mode == "headers":
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Drip: "
            for byte in head:
                send(bytes([byte]))
                if state.stopping.wait(DRIP_SECONDS):
                    return
            while not state.stopping.wait(DRIP_SECONDS):
                send(b"a")
        elif state.mode == "body":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
            send(b"Content-Length: 1000000\r\n\r\n")  # under every page limit
            while not state.stopping.wait(DRIP_SECONDS):
                send(b"<")
        elif state.mode == "chunked":
            send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
            send(b"Transfer-Encoding: chunked\r\n\r\n")
            while not state.stopping.wait(DRIP_SECONDS):
                send(b"1\r\n<\r\n")
        elif state.mode == "range":
            send(b"HTTP/1.1 206 Partial Content\r\nContent-Type: application/octet-stream\r\n")
            send(b"Content-Range: bytes 0-65535/65536\r\nContent-Length: 65536\r\n\r\n")
            while not state.stopping.wait(DRIP_SECONDS):
                send(b"P")
        elif state.mode == "endless":
            reason = {200: "OK", 206: "Partial Content"}.get(state.status, "Whatever")
            send(
                f"HTTP/1.1 {state.status} {reason}\r\nContent-Type: application/octet-stream\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            block = b"PK\x05\x06" * 16384  # 64 KiB
            sock.settimeout(2.0)
            while not state.stopping.is_set():
                send(block)
        elif state.mode == "page":
            body = f'<html><body><a href="/files/{PAGE_WHEEL}">{PAGE_WHEEL}</a></body></html>'
            send(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n{body}".encode()
            )
        elif state.mode == "gzipbomb":
            bomb = gzip_bomb()
            send(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.pypi.simple.v1+json\r\n"
                b"Content-Encoding: gzip\r\n"
                + f"Content-Length: {len(bomb)}\r\nConnection: close\r\n\r\n".encode()
            )
            send(bomb)
        else:  # pragma: no cover - a test asked for a mode that does not exist
            raise ValueError(state.mode)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    state: HostileServer
    tls: ssl.SSLContext | None = None


@contextlib.contextmanager
def hostile_server(
    mode: str, *, tls: ssl.SSLContext | None = None, status: int = 206
) -> Iterator[HostileServer]:
    """Run a hostile server (see the module docstring) until the context ends."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.tls = tls
    port = server.server_address[1]
    scheme = "https" if tls is not None else "http"
    server.state = HostileServer(url=f"{scheme}://127.0.0.1:{port}", mode=mode, status=status)
    with serving(server):
        try:
            yield server.state
        finally:
            server.state.stopping.set()  # every dripping answer ends before the server stops


def trusted_tls(
    authority: trustme.CA, bundle: str, monkeypatch: pytest.MonkeyPatch
) -> ssl.SSLContext:
    """A server TLS context for 127.0.0.1 from ``authority``, whose CA the client trusts
    through ``SSL_CERT_FILE`` (written to ``bundle``) as a user would set it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    authority.cert_pem.write_to_path(bundle)
    monkeypatch.setenv("SSL_CERT_FILE", bundle)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return context
