"""Single requests to a REST API (GitHub's, for the pull-request comment) on the one HTTP stack.

The comment takes a handful of requests at the end of a run. They go out the way the index
requests do (``_client.open_transport``: direct connections, or httpx's own behind a proxy),
verified with the same TLS context (``_trust``: --cert, SSL_CERT_FILE / SSL_CERT_DIR, the
system's trust store, certifi), so there is one HTTP client in the tool.
A request here follows no redirect and sends only the headers it is given: the caller decides
where its token may go. httpx is imported on the first request, not before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from cg_action._index._client import Sender

MAX_BODY = 16 * 1024 * 1024  # no answer of the REST API a comment needs comes near this


@dataclass(frozen=True, slots=True, kw_only=True)
class RestAnswer:
    """A whole response: status, reason phrase, headers (lower-case names) and body."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes


class RestFailure(Exception):
    """No answer: the API could not be reached, or answered beyond the limits; ``reason``
    says why in a few words (free of credentials)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def rest_request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: bytes | None = None,
    timeout: float = 30.0,
) -> RestAnswer:
    """Send one request and read its answer whole (``RestFailure`` when there is none)."""
    from cg_action._index._client import _LoopThread

    runner = _LoopThread()
    try:
        return runner.run(_send(method, url, dict(headers), body, timeout))
    finally:
        runner.stop()


async def _send(
    method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float
) -> RestAnswer:
    import asyncio

    from cg_action._index._client import _failure_of, _import_httpx, open_transport

    _import_httpx()
    import httpx

    timeouts = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
    try:
        request = httpx.Request(
            method, url, headers=headers, content=body, extensions={"timeout": timeouts}
        )
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        raise RestFailure(f"not a URL that can be asked: {exc}") from None
    transport = open_transport(max_connections=4)
    try:
        response = await asyncio.wait_for(_exchange(transport, request), timeout)
    except asyncio.TimeoutError:
        raise RestFailure(f"no answer within {timeout:g} s") from None
    except httpx.TransportError as exc:
        raise RestFailure(_failure_of(exc)) from None
    finally:
        await transport.aclose()
    return response


async def _exchange(transport: Sender, request: httpx.Request) -> RestAnswer:
    response = await transport.handle_async_request(request)
    try:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_BODY:
                raise RestFailure(f"an answer larger than {MAX_BODY} bytes")
            chunks.append(chunk)
    finally:
        await response.aclose()
    return RestAnswer(
        status=response.status_code,
        reason=response.reason_phrase,
        headers={key.lower(): value for key, value in response.headers.items()},
        body=b"".join(chunks),
    )
