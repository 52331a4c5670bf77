"""Project-page GETs on one thread: non-blocking sockets, ``selectors`` and h11.

The fast path of ``get_projects`` for plain ``http`` indexes (a repository manager on a private
network, a local mirror) with no proxy variable in the environment (httpx honours those).
``https`` indexes, such as Chainguard's, go through httpx, which speaks HTTP/2 where the server
offers it: one multiplexed connection instead of a TLS handshake per connection.

Measured on 2 cores against an index with 50 ms latency and 50 pages in flight: httpx on
asyncio spent about 1.1 ms of CPU per page, ``http.client`` in 50 worker threads about 0.25 ms
(and starting the threads took some 30 ms of a 50 ms round trip), a bare loop of this shape
about 0.1 ms. The rest of a page's cost is reading it (parser, cache, verdict), which runs here
between requests while the next answers travel.

The protocol code (request framing, status line, headers, ``Content-Length``, chunked and
close-delimited bodies) is h11's, the HTTP/1.1 library under httpx; this module only moves
bytes between sockets and h11, keeps idle keep-alive connections per origin, applies the time
limits, bounds the body and names each failure.

Each project is a generator that yields what it needs, ``Get`` or ``Sleep``, and is resumed with
the ``RawResponse`` (or has ``TransportFailure``, ``BodyTooLarge`` or ``TruncatedBody`` thrown
in), so the client's logic (redirects, credentials, retries, what an answer means) reads as
straight-line code and stays in ``_client``. At most ``concurrency`` generators are under way at
a time; one sleeping before a retry keeps its place, as a waiting worker would.
"""

from __future__ import annotations

import contextlib
import errno
import heapq
import math
import os
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import h11

K = TypeVar("K")
R = TypeVar("R")

_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy"})
_DISCARD_LIMIT = 64 * 1024  # an error body larger than this closes the connection instead
_RECV = 256 * 1024
_TICK = 0.2  # seconds between calls of the progress callback
# what a non-blocking connect_ex answers while the connection is being made
_CONNECTING = frozenset({0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN})


def can_fetch_directly(url: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``url`` may be fetched here rather than through httpx (see the docstring)."""
    if urlsplit(url).scheme != "http":  # https: httpx, for HTTP/2
        return False
    names = os.environ if environ is None else environ
    return not any(k.lower() in _PROXY_VARIABLES for k in names)


class TransportFailure(Exception):
    """No response: ``reason`` says why; ``is_timeout`` when a time limit ran out."""

    def __init__(self, reason: str, *, is_timeout: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.is_timeout = is_timeout


class BodyTooLarge(Exception):
    """The body is larger than the limit the caller gave."""


class TruncatedBody(Exception):
    """The connection ended before the end of the body the server announced."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RawResponse:
    """A whole response: status, reason phrase, lower-case headers and the body read."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Get:
    """Ask for ``url`` (no redirect followed); the body of a 200 is read whole, up to ``limit``.

    ``timeout`` bounds every wait for bytes; the loop's ``connect_timeout`` bounds a connect;
    ``deadline`` (a ``time.monotonic()`` value) bounds the whole exchange, whatever the server
    sends and however slowly: a server dripping a byte at a time meets it all the same.
    """

    url: str
    headers: Mapping[str, str]
    timeout: float
    limit: int
    deadline: float = math.inf


TIME_LIMIT_REASON = "the time limit ran out"


@dataclass(frozen=True, slots=True)
class Sleep:
    """Resume after ``seconds`` (a backoff before the next attempt)."""

    seconds: float


Step = Get | Sleep
Job = Generator[Step, RawResponse | None, R]

_Origin = tuple[str, int]


class _Helper:
    """Runs a function on a daemon thread; ``join`` waits for it and gives what it raised."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._work = work
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="cg-action-meanwhile", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # handed to the caller by join()
            self._error = exc

    def join(self) -> BaseException | None:
        self._thread.join()
        return self._error


class _Connection:
    """One socket to an origin and the h11 state of the exchange on it."""

    __slots__ = ("http", "origin", "sock", "uses")

    def __init__(self, origin: _Origin, sock: socket.socket, http: h11.Connection) -> None:
        self.origin = origin
        self.sock = sock
        self.http = http
        self.uses = 0  # exchanges completed on it


@dataclass(slots=True, eq=False)
class _Task(Generic[K, R]):
    """One job, and what its current request has tried."""

    key: K
    job: Job[R]
    address_index: int = 0  # which of the origin's addresses the next connect uses
    fresh_try: bool = False  # already retried once on a new connection after a stale one


@dataclass(slots=True, eq=False)
class _Exchange(Generic[K, R]):
    """A request on a connection and the response read so far."""

    task: _Task[K, R]
    get: Get
    conn: _Connection
    connecting: bool
    outgoing: bytes
    deadline: float
    status: int = 0
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0
    body_limit: int = 0
    got_bytes: bool = False


class DirectLoop(Generic[K, R]):
    """Runs jobs (see the module docstring) until each has returned; ``run`` once per call."""

    def __init__(
        self,
        *,
        concurrency: int,
        connect_timeout: float,
        user_agent: str,
        tick: Callable[[], None] | None = None,
    ) -> None:
        import h11  # imported only when a request is really sent

        self._h11 = h11
        self.concurrency = max(1, concurrency)
        self.connect_timeout = connect_timeout
        self.user_agent = user_agent
        self._tick = tick
        self._selector = selectors.DefaultSelector()
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._addresses: dict[_Origin, list[tuple[socket.AddressFamily, Any]]] = {}
        self._waiting: set[_Exchange[K, R]] = set()  # on a socket, with a deadline
        self._sleeping: list[tuple[float, int, _Task[K, R]]] = []
        self._ready: deque[tuple[_Task[K, R], RawResponse | None, Exception | None]] = deque()
        self._blocked: deque[tuple[_Task[K, R], Get]] = deque()  # a request waiting for room
        self._order = 0
        self._results: dict[K, R] = {}

    # -- the loop ---------------------------------------------------------------------------------

    def run(
        self, jobs: Iterable[tuple[K, Job[R]]], *, meanwhile: Callable[[], None] | None = None
    ) -> dict[K, R]:
        """Each job's return value, by key; an exception from a job ends the run and is raised.

        A finished exchange frees its place at once and the next request goes out before the
        response is handed to its job, so reading pages never keeps the network idle.
        ``meanwhile`` runs once, on a thread of its own, from when the first requests have been
        sent; ``run`` returns after it has finished.
        """
        queue = iter(jobs)  # taken one at a time, as places free up
        waiting_job: tuple[K, Job[R]] | None = next(queue, None)
        next_tick = time.monotonic() + _TICK
        helper: _Helper | None = None
        polled = False
        try:
            while waiting_job or self._waiting or self._sleeping or self._ready or self._blocked:
                while self._has_room() and (self._blocked or waiting_job):
                    if self._blocked:
                        self._start(*self._blocked.popleft())
                    elif waiting_job is not None:
                        key, job = waiting_job
                        waiting_job = next(queue, None)
                        self._advance(_Task(key=key, job=job), None)
                if self._ready:
                    self._poll(0.0)
                    self._advance(*self._ready.popleft())
                    continue
                if meanwhile is not None and helper is None and polled:
                    helper = _Helper(meanwhile)  # once the first requests have been sent
                now = time.monotonic()
                wait = min((x.deadline for x in self._waiting), default=now + 3600.0) - now
                if self._sleeping:
                    wait = min(wait, self._sleeping[0][0] - now)
                if self._tick is not None:
                    wait = min(wait, next_tick - now)
                self._poll(max(wait, 0.0))
                polled = True
                now = time.monotonic()
                while self._sleeping and self._sleeping[0][0] <= now:
                    self._ready.append((heapq.heappop(self._sleeping)[2], None, None))
                if self._tick is not None and now >= next_tick:
                    self._tick()
                    next_tick = now + _TICK
        finally:
            self._abandon()
            # waited for on every way out; what it raised counts only if the loop did not raise
            failed = helper.join() if helper is not None else None
        if failed is not None:
            raise failed
        return self._results

    def close(self) -> None:
        """Close the idle connections."""
        for connections in self._idle.values():
            for conn in connections:
                conn.sock.close()
        self._idle.clear()
        self._selector.close()

    def _has_room(self) -> bool:
        return len(self._waiting) + len(self._sleeping) < self.concurrency

    def _poll(self, wait: float) -> None:
        """Handle the sockets that are ready within ``wait`` seconds, then the time limits."""
        if self._waiting:
            for selected, _mask in self._selector.select(wait):
                # an event of this batch may be for an exchange an earlier one ended
                if selected.data in self._waiting:
                    self._on_ready(selected.data)
            now = time.monotonic()
            for exchange in [x for x in self._waiting if x.deadline <= now]:
                if now >= exchange.get.deadline:
                    reason = TIME_LIMIT_REASON
                else:
                    reason = "connect timeout" if exchange.connecting else "read timeout"
                self._fail(exchange, TransportFailure(reason, is_timeout=True))
        elif wait > 0:
            time.sleep(wait)

    def _abandon(self) -> None:
        """After an error, close what is in flight and let the generators go."""
        for exchange in list(self._waiting):
            self._unwatch(exchange)
            exchange.conn.sock.close()
            exchange.task.job.close()
        for _when, _order, task in self._sleeping:
            task.job.close()
        self._sleeping.clear()
        for task, _value, _error in self._ready:
            task.job.close()
        self._ready.clear()
        for task, _get in self._blocked:
            task.job.close()
        self._blocked.clear()

    def _advance(
        self, task: _Task[K, R], value: RawResponse | None, error: Exception | None = None
    ) -> None:
        """Resume the job with ``value`` (or ``error``) and start what it asks for next."""
        try:
            step = task.job.send(value) if error is None else task.job.throw(error)
        except StopIteration as stop:
            self._results[task.key] = stop.value
            return
        if isinstance(step, Sleep):
            self._order += 1
            heapq.heappush(self._sleeping, (time.monotonic() + step.seconds, self._order, task))
            return
        task.fresh_try = False
        task.address_index = 0
        if self._has_room():
            self._start(task, step)
        else:
            self._blocked.append((task, step))

    # -- one exchange -----------------------------------------------------------------------------

    def _start(self, task: _Task[K, R], get: Get, *, fresh: bool = False) -> None:
        """Send ``get`` on an idle connection to its origin or (``fresh``) a new one."""
        parts = urlsplit(get.url)
        if parts.scheme != "http":
            raise ValueError(f"not a plain-http URL: {parts.scheme}")  # the caller checks
        origin = (parts.hostname or "", parts.port or 80)
        idle = None if fresh else self._idle.get(origin)
        if idle:
            conn, connecting = idle.pop(), False
        else:
            try:
                conn, connecting = self._connect(origin, task), True
            except TransportFailure as failure:
                self._ready.append((task, None, failure))
                return
        h11 = self._h11
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = [
            ("Host", parts.netloc.rpartition("@")[2]),
            ("User-Agent", self.user_agent),
            *get.headers.items(),
        ]
        try:
            outgoing = conn.http.send(h11.Request(method="GET", target=target, headers=headers))
            outgoing += conn.http.send(h11.EndOfMessage())
        except h11.LocalProtocolError:  # h11's message quotes the header: it may be a secret
            conn.sock.close()
            reason = "cannot send the request: a header or the URL is invalid"
            self._ready.append((task, None, TransportFailure(reason)))
            return
        limit = self.connect_timeout if connecting else get.timeout
        exchange = _Exchange(
            task=task,
            get=get,
            conn=conn,
            connecting=connecting,
            outgoing=outgoing,
            deadline=min(time.monotonic() + limit, get.deadline),
        )
        self._selector.register(conn.sock, selectors.EVENT_WRITE, exchange)
        self._waiting.add(exchange)

    def _connect(self, origin: _Origin, task: _Task[K, R]) -> _Connection:
        addresses = self._addresses.get(origin)
        if addresses is None:
            host, port = origin
            # bytes for an ASCII name: a str host makes the socket module load the IDNA codec
            name = host.encode("ascii") if host.isascii() else host.encode("idna")
            try:
                found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
            except OSError as exc:
                reason = getattr(exc, "strerror", None) or str(exc)
                raise TransportFailure(f"connection failed: {reason}") from exc
            addresses = [(family, address) for family, _t, _p, _c, address in found]
            self._addresses[origin] = addresses
        family, address = addresses[task.address_index % len(addresses)]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        code = sock.connect_ex(address)
        if code not in _CONNECTING:
            sock.close()
            raise TransportFailure(f"connection failed: {os.strerror(code)}")
        return _Connection(origin, sock, self._h11.Connection(self._h11.CLIENT))

    def _unwatch(self, exchange: _Exchange[K, R]) -> None:
        self._waiting.discard(exchange)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(exchange.conn.sock)

    def _on_ready(self, exchange: _Exchange[K, R]) -> None:
        sock, timeout = exchange.conn.sock, exchange.get.timeout
        try:
            if exchange.connecting:
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    self._connect_failed(exchange, os.strerror(code))
                    return
                exchange.connecting = False
                exchange.deadline = min(time.monotonic() + timeout, exchange.get.deadline)
            if exchange.outgoing:
                sent = sock.send(exchange.outgoing)
                exchange.outgoing = exchange.outgoing[sent:]
                if not exchange.outgoing:
                    self._selector.modify(sock, selectors.EVENT_READ, exchange)
                    exchange.deadline = min(time.monotonic() + timeout, exchange.get.deadline)
                return
            data = sock.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._broken(exchange, exc.strerror or str(exc) or "closed")
            return
        # each byte earns another ``timeout``, never past the exchange's deadline
        exchange.deadline = min(time.monotonic() + timeout, exchange.get.deadline)
        self._receive(exchange, data)

    def _receive(self, exchange: _Exchange[K, R], data: bytes) -> None:
        h11 = self._h11
        http = exchange.conn.http
        if data:
            exchange.got_bytes = True
        http.receive_data(data)
        while True:
            try:
                event = http.next_event()
            except h11.RemoteProtocolError as exc:
                if exchange.status and not data:  # the server closed inside the body
                    self._fail(exchange, TruncatedBody(f"truncated body: {exc}"))
                elif not exchange.got_bytes:
                    self._broken(exchange, "closed without an answer")
                elif not exchange.status:
                    self._broken(exchange, "the answer is not HTTP")
                else:
                    self._broken(exchange, str(exc) or "protocol error")
                return
            if event is h11.NEED_DATA:
                if not data:  # closed before a whole response
                    self._broken(exchange, "closed")
                return
            if isinstance(event, h11.Response):
                if not self._on_head(exchange, event):
                    return
            elif isinstance(event, h11.Data):
                exchange.size += len(event.data)
                if exchange.size > exchange.body_limit:
                    if exchange.status == 200:
                        limit = exchange.get.limit
                        self._fail(exchange, BodyTooLarge(f"page larger than {limit} bytes"))
                    else:  # an error body too large to be worth reading
                        self._finish(exchange, keep=False)
                    return
                if exchange.status == 200:
                    exchange.chunks.append(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self._finish(exchange, keep=True)
                return
            elif isinstance(event, h11.ConnectionClosed):
                self._broken(exchange, "closed")
                return
            # InformationalResponse (1xx): wait for the real one

    def _on_head(self, exchange: _Exchange[K, R], event: h11.Response) -> bool:
        """Read the status and headers; False when the exchange ended here."""
        limit = exchange.get.limit
        exchange.status = event.status_code
        exchange.reason = event.reason.decode("latin-1")
        headers: dict[str, str] = {}
        for name, value in event.headers:
            key, text = name.decode("latin-1"), value.decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        exchange.headers = headers
        declared = headers.get("content-length")
        if exchange.status == 200:
            exchange.body_limit = limit
            if declared is not None and declared.isdigit() and int(declared) > limit:
                error = BodyTooLarge(f"page larger than {limit} bytes (Content-Length {declared})")
                self._fail(exchange, error)
                return False
        elif declared is not None and declared.isdigit() and int(declared) <= _DISCARD_LIMIT:
            exchange.body_limit = _DISCARD_LIMIT
        else:  # an unknown or large error body: not worth reading, close after the head
            self._finish(exchange, keep=False)
            return False
        return True

    def _finish(self, exchange: _Exchange[K, R], *, keep: bool) -> None:
        """The response is complete: hand the connection back (or close it), queue the job."""
        self._unwatch(exchange)
        conn, done = exchange.conn, self._h11.DONE
        if keep and conn.http.our_state is done and conn.http.their_state is done:
            conn.http.start_next_cycle()
            conn.uses += 1
            self._idle.setdefault(conn.origin, []).append(conn)
        else:
            conn.sock.close()
        response = RawResponse(
            status=exchange.status,
            reason=exchange.reason,
            headers=exchange.headers,
            body=b"".join(exchange.chunks) if exchange.status == 200 else b"",
        )
        self._ready.append((exchange.task, response, None))

    def _fail(self, exchange: _Exchange[K, R], error: Exception) -> None:
        """End the exchange with ``error`` for the job; the connection is closed."""
        self._unwatch(exchange)
        exchange.conn.sock.close()
        self._ready.append((exchange.task, None, error))

    def _broken(self, exchange: _Exchange[K, R], detail: str) -> None:
        """The connection failed; a kept-alive one the server had closed is replaced once."""
        task = exchange.task
        stale = exchange.conn.uses > 0 and not exchange.got_bytes and not exchange.connecting
        if stale and not task.fresh_try:
            self._unwatch(exchange)
            exchange.conn.sock.close()
            task.fresh_try = True
            self._start(task, exchange.get, fresh=True)
            return
        self._fail(exchange, TransportFailure(f"connection broken: {detail}"))

    def _connect_failed(self, exchange: _Exchange[K, R], reason: str) -> None:
        """The connect failed: try the origin's next address, else report it."""
        task = exchange.task
        self._unwatch(exchange)
        exchange.conn.sock.close()
        if task.address_index + 1 < len(self._addresses.get(exchange.conn.origin, ())):
            task.address_index += 1
            self._start(task, exchange.get, fresh=True)
            return
        self._ready.append((task, None, TransportFailure(f"connection failed: {reason}")))
