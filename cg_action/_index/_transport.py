"""Direct connections for the index client: an httpx transport on asyncio, HTTP/1.1 and HTTP/2.

Every request the client sends goes through httpx's ``Request``/``Response`` and one
``httpx.AsyncBaseTransport``: this one for direct connections, httpx's own when a proxy
variable is set (``_client``). It is written for what the client does: many small GETs to one
origin, answers read whole.

- ``https``: ALPN chooses the protocol on the first connection; other requests to the origin
  wait for it rather than open their own. HTTP/2 (``h2``, the library httpx uses): every
  request is a stream of that one connection (another is opened only when the server's stream
  limit is reached), with a 16 MiB window and frames up to 1 MiB, so a 7 MB page comes in a
  few frames without a wait for window updates. HTTP/1.1: kept-alive connections, one request
  each at a time.
- ``http``: HTTP/1.1 (h11) with kept-alive connections per origin.
- A kept-alive HTTP/1.1 connection the server closed while it sat idle, or an HTTP/2
  connection that went away before it took the request (``GOAWAY``), is replaced once without
  a failure: the request never reached the server.
- Timeouts come from the request (``extensions["timeout"]``, as httpx passes them): ``connect``
  bounds the connection and TLS handshake, ``read`` every wait for bytes. Failures are raised
  as httpx's exceptions (``ConnectError``, ``ReadTimeout``, ``RemoteProtocolError``, ...);
  a body shorter than announced is ``IncompleteBody``. A header that cannot be sent is a
  ``LocalProtocolError`` whose message does not quote it (it may hold a credential).
- A response body that is not read to its end closes its HTTP/1.1 connection (small ones are
  read to the end first, so the connection is kept) or resets its HTTP/2 stream.

Measured against httpx's default transport (httpcore on anyio) on 127.0.0.1, 50 requests in
flight, in ``benchmarks/``: see its README.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import ssl
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import h11
import httpx

_READ_PAUSE = 4 * 1024 * 1024  # unread bytes of an HTTP/1.1 connection that pause reading
_DRAIN_LIMIT = 64 * 1024  # an unread rest of a body up to this is read so the connection stays
_H2_WINDOW = 16 * 1024 * 1024
_H2_FRAME = 1024 * 1024
_HOP_HEADERS = frozenset(
    {b"host", b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"}
)

Origin = tuple[str, str, int]  # scheme, host, port


class IncompleteBody(httpx.ReadError):
    """The connection ended before the whole body the server announced."""


class _Stale(Exception):
    """The connection was gone before the request reached the server: ask on a new one."""


def _timeouts(request: httpx.Request) -> tuple[float | None, float | None]:
    timeout = request.extensions.get("timeout", {})
    return timeout.get("connect"), timeout.get("read")


def _content_of(request: httpx.Request) -> bytes:
    """The request's body (pages and files have none; a comment to post has one)."""
    stream = request.stream
    if isinstance(stream, httpx.ByteStream):
        return b"".join(stream)  # a body given as bytes: iterated without I/O
    raise httpx.LocalProtocolError("only a body given as bytes can be sent")


def _check_headers(headers: list[tuple[bytes, bytes]]) -> None:
    for name, value in headers:
        if b"\r" in value or b"\n" in value or b"\0" in value or not name.strip():
            raise httpx.LocalProtocolError("a header or the URL is invalid")


async def _wait(future: asyncio.Future[Any], timeout: float | None, what: str) -> Any:
    """``future``'s result within ``timeout`` seconds, else ``httpx.ReadTimeout``."""
    if timeout is None:
        return await future
    loop = asyncio.get_running_loop()
    timer = loop.call_later(timeout, _expire, future)
    try:
        return await future
    except _Expired:
        raise httpx.ReadTimeout(f"no {what} within {timeout:g} s") from None
    finally:
        timer.cancel()


class _Expired(Exception):
    pass


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(_Expired())


class Transport(httpx.AsyncBaseTransport):
    """Direct HTTP/1.1 and HTTP/2 connections (see the module docstring)."""

    def __init__(
        self,
        *,
        ssl_context: Callable[[], ssl.SSLContext],
        http2: bool = True,
        max_idle: int = 64,
    ) -> None:
        self._ssl_context_factory = ssl_context
        self._ssl_context: ssl.SSLContext | None = None
        self._http2 = http2
        self._max_idle = max_idle
        self._origins: dict[Origin, _Origin] = {}
        self.live: set[asyncio.Transport] = set()  # every open connection, idle or not
        self.connections_opened = 0

    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            context = self._ssl_context_factory()
            context.set_alpn_protocols(["h2", "http/1.1"] if self._http2 else ["http/1.1"])
            self._ssl_context = context
        return self._ssl_context

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme
        if scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"the URL scheme {scheme!r} is not supported")
        host = url.raw_host.decode("ascii")  # an IDNA name in its ASCII form
        port = url.port or (443 if scheme == "https" else 80)
        origin = self._origins.get((scheme, host, port))
        if origin is None:
            origin = self._origins[(scheme, host, port)] = _Origin(self, scheme, host, port)
        headers = [(name, value) for name, value in request.headers.raw]
        _check_headers(headers)
        connect_timeout, read_timeout = _timeouts(request)
        fresh = False
        for _attempt in range(2):
            connection = await origin.connection(connect_timeout, fresh=fresh)
            try:
                return await connection.send(request, headers, read_timeout)
            except _Stale:
                fresh = True  # the request never reached the server: once on a new connection
        raise httpx.RemoteProtocolError("the server closed two connections without an answer")

    async def aclose(self) -> None:
        for origin in self._origins.values():
            origin.close()
        self._origins.clear()
        for connection in list(self.live):
            connection.abort()
        self.live.clear()
        for _ in range(3):  # the sockets close in callbacks of the next loop iterations
            await asyncio.sleep(0)


class _Origin:
    """The connections to one origin: HTTP/2 ones shared, HTTP/1.1 idle ones kept."""

    def __init__(self, transport: Transport, scheme: str, host: str, port: int) -> None:
        self.transport = transport
        self.scheme = scheme
        self.host = host
        self.port = port
        self.idle: list[_H1] = []
        self.shared: list[_H2] = []
        self.h2: bool | None = None if scheme == "https" else False  # None: not known yet
        self._first: asyncio.Future[None] | None = (
            None  # the first connection, while ALPN is unknown
        )
        self._addresses: list[tuple[int, Any]] | None = None

    async def connection(self, timeout: float | None, *, fresh: bool) -> _H1 | _H2:
        """A connection to send a request on (kept-alive, shared or new)."""
        while self.h2 is None and self._first is not None:  # another request is finding out
            with contextlib.suppress(Exception):
                await asyncio.shield(self._first)
        if self.h2:
            for shared in self.shared:
                if shared.has_room():
                    return shared
        elif not fresh:
            while self.idle:
                kept = self.idle.pop()
                if kept.is_usable():
                    return kept
                kept.close()
        if self.h2 is None:
            self._first = asyncio.get_running_loop().create_future()
            try:
                made = await self._open(timeout)
            finally:
                first, self._first = self._first, None
                if first is not None and not first.done():
                    first.set_result(None)
            return made
        return await self._open(timeout)

    async def _open(self, timeout: float | None) -> _H1 | _H2:
        loop = asyncio.get_running_loop()
        https = self.scheme == "https"
        context = self.transport.ssl_context() if https else None
        try:
            made = await asyncio.wait_for(self._connect(loop, context), timeout)
        except asyncio.TimeoutError:
            raise httpx.ConnectTimeout(f"no connection within {timeout:g} s") from None
        except ssl.SSLError as exc:
            raise httpx.ConnectError(f"TLS handshake failed: {exc.reason or exc}") from None
        except OSError as exc:
            raise httpx.ConnectError(exc.strerror or str(exc) or "refused") from None
        self.transport.connections_opened += 1
        if self.h2 is None:
            self.h2 = isinstance(made, _H2)
        if isinstance(made, _H2):
            self.shared.append(made)
        return made

    async def _connect(
        self, loop: asyncio.AbstractEventLoop, context: ssl.SSLContext | None
    ) -> _H1 | _H2:
        if self._addresses is None:
            # resolved once per origin (an IP address is not looked up at all)
            found = await loop.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
            self._addresses = [(family, address) for family, _t, _p, _c, address in found]
        error: OSError | None = None
        for family, address in self._addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                await loop.sock_connect(sock, address)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            except BaseException:  # cancelled: by the deadline, say
                sock.close()
                raise
            try:
                if context is None:
                    _, protocol = await loop.create_connection(lambda: _H1(self), sock=sock)
                    return protocol
                switch = _Switch(self)
                await loop.create_connection(
                    functools.partial(_same, switch),
                    sock=sock,
                    ssl=context,
                    server_hostname=self.host,
                )
            except BaseException:
                sock.close()  # asyncio closed its transport, if it made one
                raise
            if switch.target is None:  # pragma: no cover - set by the finished handshake
                raise httpx.ConnectError("the TLS connection was not made")
            return switch.target
        raise error or OSError("no address")

    def keep(self, connection: _H1) -> None:
        if len(self.idle) < self.transport._max_idle and connection.is_usable():
            self.idle.append(connection)
        else:
            connection.close()

    def forget(self, connection: _H2) -> None:
        with contextlib.suppress(ValueError):
            self.shared.remove(connection)

    def close(self) -> None:
        for kept in self.idle:
            kept.close()
        for shared in self.shared:
            shared.close()
        self.idle.clear()
        self.shared.clear()


def _same(protocol: asyncio.Protocol) -> asyncio.Protocol:
    return protocol


class _Switch(asyncio.Protocol):
    """The protocol of a new TLS connection until its handshake is done (which is when
    ``connection_made`` is called): then HTTP/2 or HTTP/1.1 by ALPN takes the transport."""

    def __init__(self, origin: _Origin) -> None:
        self.origin = origin
        self.target: _H1 | _H2 | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        ssl_object = transport.get_extra_info("ssl_object")
        chosen = ssl_object.selected_alpn_protocol() if ssl_object is not None else None
        target: _H1 | _H2 = _H2(self.origin) if chosen == "h2" else _H1(self.origin)
        self.target = target
        transport.set_protocol(target)
        target.connection_made(transport)


# -- HTTP/1.1 -----------------------------------------------------------------------------------


class _H1(asyncio.Protocol):
    """One HTTP/1.1 connection (h11), one exchange at a time."""

    def __init__(self, origin: _Origin) -> None:
        self.origin = origin
        self.http = h11.Connection(h11.CLIENT)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.eof = False
        self.uses = 0  # exchanges completed
        self.received = 0  # bytes of the current exchange so far
        self.unread = 0  # bytes given to h11 and not yet taken out
        self.paused = False
        self._waiter: asyncio.Future[None] | None = None

    # protocol callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.origin.transport.live.add(self.transport)  # type: ignore[arg-type]

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        self.unread += len(data)
        self.http.receive_data(data)
        if self.unread > _READ_PAUSE and self.transport is not None and not self.paused:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool | None:
        self._end()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.origin.transport.live.discard(self.transport)
        self._end()

    def _end(self) -> None:
        if not self.eof:
            self.eof = True
            with contextlib.suppress(RuntimeError):  # h11 already saw the end
                self.http.receive_data(b"")
        self._wake()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # the exchange
    def is_usable(self) -> bool:
        return not self.closed and not self.eof and self.http.our_state is h11.IDLE

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()  # no goodbye owed: the socket closes at once

    async def next_event(self, timeout: float | None) -> Any:
        while True:
            event = self.http.next_event()
            if event is not h11.NEED_DATA:
                if isinstance(event, h11.Data):
                    self.unread -= len(event.data)
                return event
            if self.paused and self.transport is not None:
                self.paused = False
                self.unread = 0
                self.transport.resume_reading()
            self._waiter = asyncio.get_running_loop().create_future()
            await _wait(self._waiter, timeout, "answer")

    async def send(
        self, request: httpx.Request, headers: list[tuple[bytes, bytes]], timeout: float | None
    ) -> httpx.Response:
        url = request.url
        reused = self.uses > 0
        self.received = 0
        host = url.netloc.rpartition(b"@")[2]
        lines = [(b"Host", host), *[(n, v) for n, v in headers if n.lower() != b"host"]]
        content = _content_of(request)
        try:
            data = self.http.send(
                h11.Request(method=request.method, target=url.raw_path, headers=lines)
            )
            if content:
                data += self.http.send(h11.Data(data=content)) or b""
            data += self.http.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError:  # its message quotes the header: it may be a secret
            self.close()
            raise httpx.LocalProtocolError("a header or the URL is invalid") from None
        if self.transport is None or self.closed or self.eof:
            self.close()
            if reused:
                raise _Stale
            raise httpx.RemoteProtocolError("closed")
        self.transport.write(data or b"")
        try:
            while True:
                try:
                    event = await self.next_event(timeout)
                except h11.RemoteProtocolError as exc:
                    if reused and self.received == 0:
                        raise _Stale from None
                    detail = (
                        "the answer is not HTTP" if self.received else "closed without an answer"
                    )
                    raise httpx.RemoteProtocolError(
                        detail if self.received == 0 else str(exc) or detail
                    ) from None
                if isinstance(event, h11.Response):
                    break
                if isinstance(event, h11.ConnectionClosed):
                    if reused and self.received == 0:
                        raise _Stale
                    raise httpx.RemoteProtocolError("closed without an answer")
                # an InformationalResponse (1xx): the real one follows
        except BaseException:
            self.close()
            raise
        body = _H1Body(self, timeout, _content_length(event.headers))
        return httpx.Response(
            status_code=event.status_code,
            headers=event.headers,
            stream=body,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": event.reason},
            request=request,
        )

    def finished(self, complete: bool) -> None:
        """The response was read (``complete``) or abandoned: keep or close the connection."""
        if complete and self.http.our_state is h11.DONE and self.http.their_state is h11.DONE:
            self.http.start_next_cycle()
            self.uses += 1
            self.origin.keep(self)
        else:
            self.close()


def _content_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            return int(value) if value.strip().isdigit() else None
    return None


class _H1Body(httpx.AsyncByteStream):
    def __init__(self, connection: _H1, timeout: float | None, length: int | None) -> None:
        self.connection = connection
        self.timeout = timeout
        self.length = length
        self.read = 0
        self.complete = False
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self.connection
        while not self.complete:
            try:
                event = await connection.next_event(self.timeout)
            except h11.RemoteProtocolError as exc:
                connection.close()
                if self.length is not None and self.read < self.length:
                    raise IncompleteBody(
                        f"truncated body: {self.read} of {self.length} bytes"
                    ) from None
                raise httpx.RemoteProtocolError(str(exc) or "protocol error") from None
            except BaseException:
                connection.close()
                raise
            if isinstance(event, h11.Data):
                self.read += len(event.data)
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self.complete = True
            elif isinstance(event, h11.ConnectionClosed):
                connection.close()
                raise IncompleteBody(f"truncated body: {self.read} bytes, then the end")

    async def aclose(self) -> None:
        if self.closed:
            return
        self.closed = True
        if (
            not self.complete
            and self.length is not None
            and self.length - self.read <= _DRAIN_LIMIT
        ):
            # a small rest (an error page, say): read it, so the connection can be kept
            with contextlib.suppress(Exception):
                async for _ in self:
                    pass
        self.connection.finished(self.complete)


# -- HTTP/2 -------------------------------------------------------------------------------------


class _Stream:
    __slots__ = ("chunks", "ended", "error", "head", "waiter")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.head: asyncio.Future[tuple[int, list[tuple[bytes, bytes]]]] = loop.create_future()
        self.chunks: deque[tuple[bytes, int]] = deque()  # (data, flow-controlled length)
        self.ended = False
        self.error: Exception | None = None
        self.waiter: asyncio.Future[None] | None = None

    def wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


@functools.cache
def _cheap_data_frame_repr() -> None:
    """h2 formats every frame it receives (``repr``) for a trace log that is off, and a DATA
    frame's ``repr`` hex-encodes a copy of its whole payload: some 5 ms of CPU per MiB read,
    a third of what reading a large page costs. The payload's length is shown instead."""
    from hyperframe.frame import DataFrame

    if "_body_repr" in vars(DataFrame) or not hasattr(DataFrame, "_body_repr"):
        return  # a hyperframe whose DATA frames format themselves: leave it be

    def body_repr(frame: DataFrame) -> str:
        return f"data=<{len(frame.data)} bytes>"

    setattr(DataFrame, "_body_repr", body_repr)  # noqa: B010 - a method set on a library class


class _H2(asyncio.Protocol):
    """One HTTP/2 connection (h2): requests are its streams."""

    def __init__(self, origin: _Origin) -> None:
        from h2.config import H2Configuration
        from h2.connection import H2Connection

        _cheap_data_frame_repr()

        self.origin = origin
        # outbound headers are checked by ``_check_headers`` and written lower-case here;
        # inbound ones (the server's) are checked by h2
        config = H2Configuration(
            client_side=True,
            header_encoding=None,
            validate_outbound_headers=False,
            normalize_outbound_headers=False,
        )
        self.http = H2Connection(config)
        self._flush_scheduled = False
        self._window_waiters: list[asyncio.Future[None]] = []  # request bodies waiting for room
        self.transport: asyncio.Transport | None = None
        self.streams: dict[int, _Stream] = {}
        self.closed = False
        self.going_away: int | None = None  # the last stream the server takes (GOAWAY)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        from h2.settings import SettingCodes

        self.transport = transport  # type: ignore[assignment]
        self.origin.transport.live.add(self.transport)  # type: ignore[arg-type]
        self.http.initiate_connection()
        self.http.update_settings(
            {
                SettingCodes.ENABLE_PUSH: 0,
                SettingCodes.INITIAL_WINDOW_SIZE: _H2_WINDOW,
                SettingCodes.MAX_FRAME_SIZE: _H2_FRAME,
            }
        )
        self.http.increment_flow_control_window(_H2_WINDOW - 65535)
        self._flush()

    def _flush(self) -> None:
        self._flush_scheduled = False
        data = self.http.data_to_send()
        if data and self.transport is not None and not self.closed:
            self.transport.write(data)

    def _flush_soon(self) -> None:
        """Send what h2 has to send at the end of this turn of the loop: the requests started
        in one turn leave in one write (one TLS record, one system call), not one each."""
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def data_received(self, data: bytes) -> None:
        from h2 import events
        from h2.exceptions import ProtocolError

        try:
            received = self.http.receive_data(data)
        except ProtocolError as exc:
            self._fail_all(httpx.RemoteProtocolError(f"HTTP/2: {exc}"))
            self.close()
            return
        for event in received:
            stream = self.streams.get(getattr(event, "stream_id", 0) or 0)
            if isinstance(event, events.ResponseReceived):
                if stream is not None and not stream.head.done():
                    status = 0
                    headers = []
                    for name, value in event.headers or ():
                        if name == b":status":
                            status = int(value)
                        elif not name.startswith(b":"):
                            headers.append((name, value))
                    stream.head.set_result((status, headers))
            elif isinstance(event, events.DataReceived):
                if stream is not None:
                    stream.chunks.append((event.data or b"", event.flow_controlled_length or 0))
                    stream.wake()
                elif event.stream_id:
                    self.http.acknowledge_received_data(
                        event.flow_controlled_length or 0, event.stream_id
                    )
            elif isinstance(event, events.StreamEnded):
                if stream is not None:
                    stream.ended = True
                    stream.wake()
            elif isinstance(event, events.StreamReset):
                if stream is not None:
                    self._fail(
                        stream, httpx.RemoteProtocolError(f"stream reset ({event.error_code})")
                    )
            elif isinstance(event, (events.WindowUpdated, events.RemoteSettingsChanged)):
                waiters, self._window_waiters = self._window_waiters, []
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(None)
            elif isinstance(event, events.ConnectionTerminated):
                self.going_away = event.last_stream_id or 0
                self.origin.forget(self)
                for stream_id, waiting in list(self.streams.items()):
                    if stream_id > self.going_away:
                        self._fail(waiting, _Stale())
        self._flush()

    def _fail(self, stream: _Stream, error: Exception) -> None:
        stream.error = error
        if not stream.head.done():
            stream.head.set_exception(error)
            stream.head.exception()  # retrieved: no "never retrieved" warning if nobody waits
        stream.wake()

    def _fail_all(self, error: Exception) -> None:
        for stream in self.streams.values():
            self._fail(stream, error)

    def eof_received(self) -> bool | None:
        self.connection_lost(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.origin.transport.live.discard(self.transport)
        if not self.closed:
            self.closed = True
            self.origin.forget(self)
        for stream in self.streams.values():
            if not stream.ended:
                # nothing came back on it: the request may be asked again on a new connection
                error: Exception = (
                    _Stale()
                    if not stream.head.done() and self.going_away is not None
                    else httpx.RemoteProtocolError("the connection closed")
                )
                self._fail(stream, error)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.origin.forget(self)
            with contextlib.suppress(Exception):
                self.http.close_connection()
                self._flush()
            if self.transport is not None:
                self.transport.abort()

    def has_room(self) -> bool:
        if self.closed or self.going_away is not None:
            return False
        limit = self.http.remote_settings.max_concurrent_streams
        return len(self.streams) < (limit if limit is not None else 100)

    async def send(
        self, request: httpx.Request, headers: list[tuple[bytes, bytes]], timeout: float | None
    ) -> httpx.Response:
        from h2.exceptions import H2Error

        if self.closed:
            raise _Stale
        url = request.url
        stream_id = self.http.get_next_available_stream_id()
        authority = url.netloc.rpartition(b"@")[2]
        lines = [
            (b":method", request.method.encode("ascii")),
            (b":authority", authority),
            (b":scheme", url.scheme.encode("ascii")),
            (b":path", url.raw_path),
            *[(n.lower(), v) for n, v in headers if n.lower() not in _HOP_HEADERS],
        ]
        content = _content_of(request)
        stream = self.streams[stream_id] = _Stream(asyncio.get_running_loop())
        try:
            self.http.send_headers(stream_id, lines, end_stream=not content)
        except H2Error:
            self.streams.pop(stream_id, None)
            raise httpx.LocalProtocolError("a header or the URL is invalid") from None
        self._flush_soon()
        try:
            if content:
                await self._send_body(stream_id, content, timeout)
            status, response_headers = await _wait(stream.head, timeout, "answer")
        except BaseException:
            self.release(stream_id, complete=False)
            raise
        return httpx.Response(
            status_code=status,
            headers=response_headers,
            stream=_H2Body(self, stream_id, stream, timeout),
            extensions={"http_version": b"HTTP/2"},
            request=request,
        )

    async def _send_body(self, stream_id: int, content: bytes, timeout: float | None) -> None:
        """A request body (a comment to post), as the server's flow-control windows allow."""
        view = memoryview(content)
        while view:
            stream = self.streams.get(stream_id)
            if stream is None or stream.error is not None or self.closed:
                raise httpx.WriteError("the stream closed before the request was sent")
            room = min(self.http.local_flow_control_window(stream_id), len(view))
            room = min(room, self.http.max_outbound_frame_size)
            if room <= 0:
                waiter = asyncio.get_running_loop().create_future()
                self._window_waiters.append(waiter)
                await _wait(waiter, timeout, "room to send")
                continue
            self.http.send_data(stream_id, bytes(view[:room]), end_stream=room == len(view))
            view = view[room:]
            self._flush()

    def consumed(self, stream_id: int, length: int) -> None:
        if length and not self.closed:
            with contextlib.suppress(Exception):
                self.http.acknowledge_received_data(length, stream_id)
                self._flush_soon()

    def release(self, stream_id: int, *, complete: bool) -> None:
        stream = self.streams.pop(stream_id, None)
        if stream is not None and not complete and not self.closed:
            from h2.errors import ErrorCodes

            with contextlib.suppress(Exception):
                self.http.reset_stream(stream_id, ErrorCodes.CANCEL)
                self._flush_soon()


class _H2Body(httpx.AsyncByteStream):
    def __init__(
        self, connection: _H2, stream_id: int, stream: _Stream, timeout: float | None
    ) -> None:
        self.connection = connection
        self.stream_id = stream_id
        self.stream = stream
        self.timeout = timeout
        self.complete = False
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        stream = self.stream
        while True:
            while stream.chunks:
                data, length = stream.chunks.popleft()
                self.connection.consumed(self.stream_id, length)
                if data:
                    yield data
            if stream.error is not None:
                error = stream.error
                raise (
                    error
                    if not isinstance(error, _Stale)
                    else httpx.RemoteProtocolError("the connection closed")
                )
            if stream.ended:
                self.complete = True
                return
            stream.waiter = asyncio.get_running_loop().create_future()
            await _wait(stream.waiter, self.timeout, "data")

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            self.connection.release(self.stream_id, complete=self.complete)


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)
