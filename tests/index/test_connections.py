"""The client's connections (``_transport``) against a scripted HTTP/1.1 server on 127.0.0.1.

The server reads each request off a real socket and answers with bytes the test writes, so the
corners a library server smooths over are exercised: keep-alive reuse, a kept-alive connection
the server closed while it sat idle, chunked and close-delimited bodies, informational answers
before the real one, and a redirect from ``http`` to ``https`` (followed by the same stack;
``test_tls`` follows one to a live https server).
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from cg_action._index import IndexClient
from cg_action._index._cache import PageCache
from cg_action._models import ClientSettings, Found, IndexConfig, ProjectAnswer, Unavailable
from tests._servers import serving

SHA = "cd" * 32
SETTINGS = ClientSettings(
    concurrency=4, connect_timeout=2.0, read_timeout=2.0, total_timeout=10.0, max_retries=1
)


def page(name: str) -> bytes:
    filename = f"{name}-1.0-py3-none-any.whl"
    return f'<html><body><a href="/f/{filename}#sha256={SHA}">{filename}</a></body></html>'.encode()


def answer(body: bytes, *, extra: str = "", close: bool = False) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n"
    return (head + extra + ("Connection: close\r\n" if close else "") + "\r\n").encode() + body


# What the server sends for one request: (project name, how many requests this connection has
# answered before) -> bytes to send, or None to close the connection without an answer.
Script = Callable[[str, int], bytes | None]


@dataclass
class Scripted:
    url: str
    connections: int = 0
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextlib.contextmanager
def scripted_server(script: Script) -> Iterator[Scripted]:
    state = Scripted(url="")

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock: socket.socket = self.request
            sock.settimeout(5.0)
            with state.lock:
                state.connections += 1
            buffer = b""
            answered = 0
            with contextlib.suppress(OSError):
                while True:
                    while b"\r\n\r\n" not in buffer:
                        chunk = sock.recv(65536)
                        if not chunk:
                            return
                        buffer += chunk
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    path = head.split(b" ")[1].decode()
                    name = path.rstrip("/").rpartition("/")[2]
                    with state.lock:
                        state.requests.append(name)
                    data = script(name, answered)
                    if data is None:
                        return
                    sock.sendall(data)
                    answered += 1
                    if b"Connection: close" in data.split(b"\r\n\r\n", 1)[0]:
                        return

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 64

    server = Server(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/simple/"
    with serving(server):
        yield state


def ask(url: str, *names: str, settings: ClientSettings = SETTINGS) -> dict[str, ProjectAnswer]:
    with IndexClient(settings) as client:
        answers = client.get_projects(
            IndexConfig(url=url, use_netrc=False), [canonicalize_name(n) for n in names]
        )
    return {str(k): v for k, v in answers.items()}


def assert_found(found: ProjectAnswer, name: str) -> None:
    assert isinstance(found, Found), found
    (wheel,) = found.project.files
    assert wheel.filename == f"{name}-1.0-py3-none-any.whl"
    assert wheel.hashes[0].value == SHA


def test_kept_alive_connections_are_reused_within_the_bound() -> None:
    names = [f"p{n}" for n in range(40)]
    with scripted_server(lambda name, _: answer(page(name))) as server:
        answers = ask(server.url, *names)
    for name in names:
        assert_found(answers[name], name)
    assert sorted(server.requests) == sorted(names)
    assert server.connections <= SETTINGS.concurrency


def test_an_idle_connection_the_server_closed_is_replaced_without_a_failure() -> None:
    # every connection answers once with keep-alive, then closes when asked again: the client
    # finds out only when it reuses the connection, and must not count that as an attempt
    def script(name: str, answered: int) -> bytes | None:
        return answer(page(name)) if answered == 0 else None

    settings = ClientSettings(concurrency=1, max_retries=0, read_timeout=2.0)
    with scripted_server(script) as server:
        answers = ask(server.url, "a", "b", "c", settings=settings)
    for name in ("a", "b", "c"):
        assert_found(answers[name], name)
    assert server.requests == ["a", "b", "b", "c", "c"]  # b and c: once on the dead connection
    assert server.connections == 3


def test_chunked_and_close_delimited_bodies_are_read_whole() -> None:
    def script(name: str, _answered: int) -> bytes:
        body = page(name)
        if name == "chunked":
            half = len(body) // 2
            chunks = b"".join(
                b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:half], body[half:])
            )
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n"
            return head + b"\r\n" + chunks + b"0\r\n\r\n"
        # HTTP/1.0 with no Content-Length: the body ends when the server closes
        return b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n" + body

    with scripted_server(script) as server:
        answers = ask(server.url, "chunked", "closed")
    assert_found(answers["chunked"], "chunked")
    assert_found(answers["closed"], "closed")


def test_informational_answers_before_the_page_are_skipped() -> None:
    def script(name: str, _answered: int) -> bytes:
        hints = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        return hints + answer(page(name))

    with scripted_server(script) as server:
        answers = ask(server.url, "hinted")
    assert_found(answers["hinted"], "hinted")


def test_a_body_cut_short_is_unavailable_not_missing() -> None:
    def script(name: str, _answered: int) -> bytes:
        body = page(name)
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body) + 50}"
        return (head + "\r\nConnection: close\r\n\r\n").encode() + body

    with scripted_server(script) as server:
        answers = ask(server.url, "cut")
    cut = answers["cut"]
    assert isinstance(cut, Unavailable)
    assert cut.reason.startswith("truncated body")
    assert server.requests == ["cut", "cut"]  # retried once (max_retries=1)


def test_a_redirect_to_https_is_followed_by_the_same_stack() -> None:
    # nothing listens on the https port: the failure to connect there shows it was followed
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    def script(name: str, _answered: int) -> bytes:
        location = f"https://127.0.0.1:{closed_port}/simple/{name}/"
        return f"HTTP/1.1 301 Moved\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()

    settings = ClientSettings(max_retries=0, connect_timeout=1.0, total_timeout=5.0)
    with scripted_server(script) as server:
        answers = ask(server.url, "moved", settings=settings)
    moved = answers["moved"]
    assert isinstance(moved, Unavailable)
    assert moved.reason.startswith("connection failed"), moved.reason
    assert server.requests == ["moved"]  # asked once: the redirect is followed, not asked again


def test_a_refused_connection_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = ClientSettings(max_retries=0, connect_timeout=1.0)
    answers = ask(f"http://127.0.0.1:{closed_port}/simple/", "nobody", settings=settings)
    refused = answers["nobody"]
    assert isinstance(refused, Unavailable)
    assert refused.reason.startswith("connection failed"), refused.reason


@pytest.mark.parametrize("concurrency", [1, 3])
def test_a_retried_project_and_the_others_all_finish(concurrency: int) -> None:
    # a 503 with Retry-After: the project sleeps in its place, then is asked again
    def script(name: str, _answered: int) -> bytes:
        if name == "busy" and server.requests.count("busy") == 1:
            head = "HTTP/1.1 503 Busy\r\nRetry-After: 0\r\nContent-Length: 4\r\n\r\n"
            return head.encode() + b"busy"
        return answer(page(name))

    settings = ClientSettings(concurrency=concurrency, max_retries=2, total_timeout=10.0)
    with scripted_server(script) as server:
        answers = ask(server.url, "busy", "x", "y", settings=settings)
    for name in ("busy", "x", "y"):
        assert_found(answers[name], name)
    assert server.requests.count("busy") == 2


def test_meanwhile_runs_once_while_the_requests_wait(tmp_path: Path) -> None:
    calls = 0
    release = threading.Event()

    def script(name: str, _answered: int) -> bytes:
        release.wait(5.0)  # no answer until meanwhile has run: it must not wait for answers
        return answer(page(name))

    def meanwhile() -> None:
        nonlocal calls
        calls += 1
        release.set()

    settings = ClientSettings(concurrency=4, cache_dir=tmp_path, read_timeout=10.0)
    names = [canonicalize_name(n) for n in ("a", "b", "c", "d", "e", "f")]
    with scripted_server(script) as server, IndexClient(settings) as client:
        index = IndexConfig(url=server.url, use_netrc=False)
        started = time.monotonic()
        answers = client.get_projects(index, names, meanwhile=meanwhile)
        elapsed = time.monotonic() - started
        # answered from the fresh cache: nothing is asked, so nothing runs meanwhile
        client.get_projects(index, names, meanwhile=meanwhile)
    assert all(isinstance(a, Found) for a in answers.values())
    assert calls == 1
    assert elapsed < 4.0  # the server answered when meanwhile released it, not after 5 s


def test_a_header_that_cannot_be_sent_is_unknown_and_not_quoted(tmp_path: Path) -> None:
    # a cached ETag with a line break (a damaged cache, say) must not reach the wire or a reason
    with scripted_server(lambda name, _: answer(page(name))) as server:
        settings = ClientSettings(cache_dir=tmp_path, cache_ttl=0.0, max_retries=1)
        ask(server.url, "x", settings=settings)  # stores the page
        cache = PageCache(tmp_path)
        stored = cache.load(IndexConfig(url=server.url).url, canonicalize_name("x"))
        assert stored is not None
        full = cache.reload(server.url, canonicalize_name("x"))
        assert full is not None
        damaged = dataclasses.replace(full, etag='W/"secret-etag\r\nX-Evil: 1"')
        cache.store(server.url, canonicalize_name("x"), damaged, summary=full.summary)
        answers = ask(server.url, "x", settings=settings)
    failed = answers["x"]
    assert isinstance(failed, Unavailable)
    assert failed.reason.startswith("cannot send the request"), failed.reason
    assert "secret" not in failed.reason
    assert server.requests == ["x"]  # the damaged request never reached the server
