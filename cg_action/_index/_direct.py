"""Project-page GETs over the standard library's ``http.client``: the fast path of ``get_projects``.

Measured on 2 cores against an index with 50 ms latency, 1000 pages at 50 in flight cost
~1.1 s of CPU through httpx on asyncio (httpx, httpcore, anyio and the event loop each take a
share of every request) and ~0.25 s through ``http.client`` in 50 worker threads, each
keeping one keep-alive connection per origin. The protocol code is the standard library's;
this module only opens connections, applies the time limits, bounds the body and names each
failure. The caller (``_client``) follows redirects, sends credentials, retries and decides
what an answer means, as on the httpx path.

The client uses this path only for plain ``http`` indexes (a repository manager on a private
network, a local mirror) with no proxy variable in the environment (httpx honours those).
``https`` indexes, such as Chainguard's, go through httpx, which speaks HTTP/2 where the server
offers it: one multiplexed connection instead of one TLS handshake per worker. Every file
request goes through httpx too. The TLS code below (CA bundle chosen as httpx chooses it:
``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else certifi's) serves an ``http`` index that
redirects to ``https``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # imported where used: a run answered from the cache opens no connection
    import http.client
    import ssl

_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy"})
_DISCARD_LIMIT = 64 * 1024  # an error body larger than this closes the connection instead
_CHUNK = 256 * 1024


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
    """The connection ended before the ``Content-Length`` the server announced."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RawResponse:
    """A whole response: status, reason phrase, lower-case headers and the body read."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes


class DirectTransport:
    """Keep-alive connections per worker thread and origin (see the module docstring)."""

    def __init__(self, *, connect_timeout: float, user_agent: str) -> None:

        self.connect_timeout = connect_timeout
        self.user_agent = user_agent
        self._local = threading.local()
        self._lock = threading.Lock()
        self._ssl_context: ssl.SSLContext | None = None
        self._open: set[http.client.HTTPConnection] = set()

    def close(self) -> None:
        """Close every connection still open."""
        with self._lock:
            connections, self._open = self._open, set()
        for connection in connections:
            connection.close()

    def _context(self) -> ssl.SSLContext:
        import ssl

        with self._lock:
            if self._ssl_context is None:  # the CA bundle httpx would choose
                if os.environ.get("SSL_CERT_FILE"):
                    context = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
                elif os.environ.get("SSL_CERT_DIR"):
                    context = ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
                else:
                    import certifi

                    context = ssl.create_default_context(cafile=certifi.where())
                self._ssl_context = context
            return self._ssl_context

    def _connection(self, scheme: str, host: str, port: int | None) -> http.client.HTTPConnection:
        import http.client

        pool: dict[tuple[str, str, int | None], http.client.HTTPConnection] = (
            self._local.__dict__.setdefault("pool", {})
        )
        key = (scheme, host, port)
        connection = pool.get(key)
        if connection is None:
            if scheme == "https":
                connection = http.client.HTTPSConnection(
                    host, port, timeout=self.connect_timeout, context=self._context()
                )
            else:
                connection = http.client.HTTPConnection(host, port, timeout=self.connect_timeout)
            pool[key] = connection
            with self._lock:
                self._open.add(connection)
        return connection

    def _drop(self, scheme: str, host: str, port: int | None) -> None:
        pool = self._local.__dict__.get("pool", {})
        connection = pool.pop((scheme, host, port), None)
        if connection is not None:
            connection.close()
            with self._lock:
                self._open.discard(connection)

    def get(
        self, url: str, headers: Mapping[str, str], *, timeout: float, limit: int
    ) -> RawResponse:
        """One GET of ``url`` (no redirect followed); the body of a 200 is read whole.

        Raises ``TransportFailure`` (no response), ``BodyTooLarge`` or ``TruncatedBody``.
        """
        import http.client

        parts = urlsplit(url)
        scheme, host, port = parts.scheme, parts.hostname or "", parts.port
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for fresh_try in (False, True):
            connection = self._connection(scheme, host, port)
            reused = connection.sock is not None
            try:
                return self._exchange(connection, target, headers, timeout, limit)
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as exc:
                self._drop(scheme, host, port)
                if reused and not fresh_try:  # the server closed an idle connection: reopen
                    continue
                raise TransportFailure(f"connection broken: {exc or 'closed'}") from exc
            except TransportFailure:
                self._drop(scheme, host, port)
                raise
            except (BodyTooLarge, TruncatedBody):
                self._drop(scheme, host, port)
                raise
            except TimeoutError as exc:
                self._drop(scheme, host, port)
                raise TransportFailure("read timeout", is_timeout=True) from exc
            except http.client.HTTPException as exc:
                self._drop(scheme, host, port)
                detail = str(exc) or type(exc).__name__
                raise TransportFailure(f"connection broken: {detail}") from exc
            except OSError as exc:
                self._drop(scheme, host, port)
                raise TransportFailure(f"transport error: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        target: str,
        headers: Mapping[str, str],
        timeout: float,
        limit: int,
    ) -> RawResponse:
        import socket

        if connection.sock is None:
            try:
                connection.connect()
            except TimeoutError as exc:
                raise TransportFailure("connect timeout", is_timeout=True) from exc
            except OSError as exc:
                reason = getattr(exc, "strerror", None) or str(exc) or "refused"
                raise TransportFailure(f"connection failed: {reason}") from exc
        sock = connection.sock
        if isinstance(sock, socket.socket):
            sock.settimeout(max(timeout, 0.001))
        connection.request("GET", target, headers={"User-Agent": self.user_agent, **headers})
        response = connection.getresponse()
        try:
            return self._read_response(connection, response, limit)
        except BaseException:
            response.close()  # let go of the socket before the connection is dropped
            raise

    def _read_response(
        self,
        connection: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        limit: int,
    ) -> RawResponse:
        status = response.status
        declared = response.getheader("content-length")
        if status == 200:
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(f"page larger than {limit} bytes (Content-Length {declared})")
            body = _read_bounded(response, limit)
            # read(amt) returns what came before the connection ended: compare with the promise
            is_short = declared is not None and declared.isdigit() and len(body) != int(declared)
            if is_short and not response.chunked:
                raise TruncatedBody(f"truncated body: {len(body)} of {declared} bytes")
        elif declared is not None and declared.isdigit() and int(declared) <= _DISCARD_LIMIT:
            body = _read_bounded(response, _DISCARD_LIMIT)
        else:  # an unknown or large error body: not worth reading, close after it
            body = b""
            response.close()
            connection.close()
        result = RawResponse(
            status=status,
            reason=response.reason or "",
            headers={k.lower(): v for k, v in response.getheaders()},
            body=body,
        )
        if response.will_close:
            connection.close()
        return result


def _read_bounded(response: http.client.HTTPResponse, limit: int) -> bytes:
    import http.client

    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            chunk = response.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(f"page larger than {limit} bytes")
            chunks.append(chunk)
    except http.client.IncompleteRead as exc:
        expected = size + len(exc.partial) + (exc.expected or 0)
        raise TruncatedBody(
            f"truncated body: {size + len(exc.partial)} of {expected} bytes"
        ) from exc
    return b"".join(chunks)
