"""The index client: the one place that sends HTTP requests, through one stack (httpx).

The API is synchronous; one ``get_projects`` call asks for every project concurrently (at most
``settings.concurrency`` at a time) and works the same from plain code, from a thread, or
under a running event loop. Every request (project pages, file probes, ranges, sizes; http and
https) is an ``httpx.Request`` sent on a private event loop in a background thread, through one
``httpx.AsyncBaseTransport``: ``_transport``'s direct connections (HTTP/2 where the server
offers it, else kept-alive HTTP/1.1), or httpx's own transports when a proxy variable is set
(httpx reads ``HTTP(S)_PROXY``, ``ALL_PROXY`` and ``NO_PROXY``): ``open_transport`` chooses, for
the REST calls too, and both verify servers with the run's TLS context (``_trust``). Redirects,
retries, credentials, the time limits, the size limits and what each failure is called are here,
once. An ``IndexClient`` is used by one thread at a time.

What an answer means (every answer is untrusted: it may come from a hostile server):
- 200 with a simple page (PEP 691 JSON or PEP 503 HTML) -> ``Found``; a 200 that does not prove
  it is this project's page (a maintenance or login page, a page cut short, another project's
  page: the rules are in ``_html`` and ``_json``) -> ``Unavailable``;
- a clean 404 or 410 from the index -> ``Absent``; but after a redirect out of the index (another
  host, or a path outside the index's, such as a login page), a 404 or a page listing no files
  -> ``Unavailable``: only the index itself can say a project is missing;
- 401 or 403 from the index's own origin -> ``IndexAuthError`` for the whole call (credentials
  or entitlement); from another origin (after a redirect, or a file host) -> that project or
  file alone fails;
- anything else, after retries (connect errors, timeouts, 429, 5xx, a body cut short) or at
  once (a certificate that is not trusted, oversized or malformed page, wrong content type,
  redirect loop) -> ``Unavailable`` with a short reason. Never ``Absent``.

Limits hold whatever a server sends: a wall-clock deadline per project or file
(``total_timeout``, retries included) and for everything the client asks (``time_limit``, from
its creation), which a server dripping one byte at a time meets like any other; a size limit on
every body read (pages: ``max_page_bytes``, once inflated too; a range: the bytes asked for; an
error body: 64 KiB). What runs out of either is ``Unavailable``.

Pages are read (parsed, stored, classified by the caller's ``on_answer``) on the calling
thread as they arrive, while the event loop keeps the other requests going. A page that comes
after the time limit has passed (the thread was busy reading others) is not read: reading one
page is not cut, but none starts once the time is up.

Credentials go with the first request and only to the index's own origin; no URL with
credentials is logged, stored or put into an exception or a reason. httpx is imported only
when a request is really needed: a run answered from a fresh cache never imports it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urljoin, urlsplit

from packaging.utils import NormalizedName

from cg_action import __version__
from cg_action._errors import IndexAuthError, IndexUnreachableError
from cg_action._index._auth import basic_auth_header, is_same_origin, resolve_credentials
from cg_action._index._cache import (
    STORED_TYPE,
    CachedPage,
    PageCache,
    asked_records,
    decode_project,
    decode_summary,
    encode_summary,
    stored_versions,
)
from cg_action._index._files import PageError
from cg_action._index._retry import RETRY_STATUSES, backoff_delay, retry_after_seconds
from cg_action._models import (
    Absent,
    ClientSettings,
    FileListing,
    FileProbe,
    Found,
    IndexConfig,
    IndexFile,
    ProjectAnswer,
    Unavailable,
)
from cg_action._urls import normalize_index_url, redact_text, redact_url

if TYPE_CHECKING:
    import asyncio

    import httpx

logger = logging.getLogger(__name__)

T = TypeVar("T")

ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
USER_AGENT = f"cg-action/{__version__}"
MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_JSON_TYPES = frozenset(
    {
        "application/vnd.pypi.simple.v1+json",
        "application/vnd.pypi.simple.latest+json",
        "application/json",
    }
)
_HTML_TYPES = frozenset(
    {
        "text/html",
        "application/vnd.pypi.simple.v1+html",
        "application/vnd.pypi.simple.latest+html",
        "application/xhtml+xml",
        "",
    }
)
_PROBE_BODY_LIMIT = 64 * 1024
# the most a range request without an end may bring (the archive reader never asks more than
# its 64 MiB central-directory limit)
MAX_RANGE_BYTES = 96 * 1024 * 1024
# pages may come compressed (and are inflated here, within the page limit); files never
_PAGE_ENCODINGS = "gzip, deflate"
_NO_ENCODING = {"Accept-Encoding": "identity"}
_PROBE_HEADERS = {"Range": "bytes=0-0", **_NO_ENCODING}
_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy"})
_PROGRESS_TICK = 0.2  # seconds between redraws of the progress counter
AUTH_HINT = (
    "check CHAINGUARD_PYTHON_IDENTITY_ID / CHAINGUARD_PYTHON_TOKEN (or the index credentials "
    "you pass); tokens expire after 30 days by default: "
    "`chainctl auth pull-token --repository=python`"
)
ENTITLEMENT_HINT = (
    "the credentials were accepted but grant no access to this index: check the "
    "organization's Chainguard Libraries entitlement"
)


def _import_httpx() -> None:
    """Import httpx without its command line: ``httpx`` imports ``httpx._main``, which loads
    click, rich and pygments when they are installed (about 50 ms), for a ``main`` this tool
    never calls."""
    if "httpx" in sys.modules:
        return
    blocked = "httpx._main" not in sys.modules
    if blocked:
        sys.modules["httpx._main"] = None  # type: ignore[assignment]  # ImportError on import
    try:
        import httpx  # noqa: F401 - imported for its place in sys.modules
    finally:
        if blocked and sys.modules.get("httpx._main") is None:
            del sys.modules["httpx._main"]  # whoever wants the command line may import it


def _has_h2() -> bool:
    """Whether the h2 library (httpx's ``http2`` extra) is there: HTTP/2 is offered then."""
    import importlib.util

    return importlib.util.find_spec("h2") is not None


def uses_proxy(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a proxy variable is set: then httpx's own transports carry the requests."""
    names = os.environ if environ is None else environ
    return any(key.lower() in _PROXY_VARIABLES for key in names)


class Sender(Protocol):
    """What requests are sent through (``open_transport``): one request at a time, answered
    with an open response whose body is read (and closed) by the caller."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response: ...

    async def aclose(self) -> None: ...


class _ThroughProxy:
    """httpx's client, which sends each request through the proxy its variables name (or
    directly, for a host ``NO_PROXY`` names), as a ``Sender``."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._client.send(request, stream=True)

    async def aclose(self) -> None:
        await self._client.aclose()


def open_transport(*, max_connections: int) -> Sender:
    """Where requests go out: httpx's client when a proxy variable is set (``uses_proxy``),
    else direct connections (``_transport``); both verify servers with the run's TLS context
    and offer HTTP/2 when h2 is installed. Follows no redirect, sends only the request's
    headers."""
    _import_httpx()
    import httpx

    from cg_action._index._trust import tls_context

    if uses_proxy():
        return _ThroughProxy(
            httpx.AsyncClient(
                verify=tls_context(),
                http2=_has_h2(),
                follow_redirects=False,
                limits=httpx.Limits(max_connections=max_connections),
            )
        )
    from cg_action._index._transport import Transport

    return Transport(ssl_context=tls_context, http2=_has_h2(), max_idle=max_connections)


class _Transient(Exception):
    """A failure worth another attempt."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _OutOfTime(Exception):
    """The project's total time ran out during an attempt."""


class _GaveUp(Exception):
    """No usable answer; ``reason`` says why (already free of credentials)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BodyTooLarge(Exception):
    """A body is larger than the limit the caller gave."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _StoredPage:
    """A stored page this client answered from: the files asked of it go beside it."""

    token: str
    fetched_at: float
    files: Sequence[IndexFile]  # the project's files (a FileListing)
    known: frozenset[str]  # the versions whose files were stored already
    changed: bool  # revalidated: the time to store is new


@dataclass(frozen=True, slots=True, kw_only=True)
class _PageResponse:
    """What one page request gave: a body (200/404) or a confirmation that the cache is current."""

    not_modified: bool = False
    status: int = 200
    body: bytes = b""
    content_type: str = ""
    page_url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    outside_index: bool = False  # a redirect led out of the index's host or path


def decode_page(
    *,
    status: int,
    body: bytes,
    content_type: str,
    page_url: str,
    name: NormalizedName,
    index_url: str,
) -> ProjectAnswer:
    """The answer a stored or received page gives (200 -> Found or Unavailable, 404 -> Absent)."""
    from cg_action._index._html import parse_html_page
    from cg_action._index._json import parse_json_page

    index_url = redact_url(index_url)
    if status in (404, 410):
        return Absent(name=name, index_url=index_url)
    mime, _, params = content_type.partition(";")
    mime = mime.strip().lower()
    try:
        if mime == STORED_TYPE:
            project = decode_project(body, name=name, index_url=index_url)
        elif mime in _JSON_TYPES:
            project = parse_json_page(body, page_url, name=name, index_url=index_url)
        elif mime in _HTML_TYPES:
            charset = "utf-8"
            for param in params.split(";"):
                key, _, value = param.partition("=")
                if key.strip().lower() == "charset" and value.strip():
                    charset = value.strip().strip('"')
            try:
                text = body.decode(charset, errors="replace")
            except LookupError:
                text = body.decode("utf-8", errors="replace")
            project = parse_html_page(text, page_url, name=name, index_url=index_url)
        else:
            return Unavailable(
                name=name,
                index_url=index_url,
                reason=f"unexpected content type {mime!r} for a project page",
            )
    except PageError as exc:
        return Unavailable(name=name, index_url=index_url, reason=redact_text(str(exc)))
    return Found(project=project)


class _LoopThread:
    """A private event loop running in a daemon thread."""

    def __init__(self) -> None:
        import asyncio  # here, not at the top: a run answered from the cache needs no event loop

        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="cg-action-index", daemon=True
        )
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """The coroutine's result (run on the loop; this thread waits)."""
        import asyncio  # here, not at the top: a run answered from the cache needs no event loop

        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def call(self, callback: Callable[..., object], *args: object) -> None:
        """Call ``callback(*args)`` on the loop's thread, soon."""
        self.loop.call_soon_threadsafe(callback, *args)

    def stop(self) -> None:
        self.run(self.loop.shutdown_asyncgens())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class _Progress:
    """A one-line counter on stderr, drawn only when a run lasts more than a second."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = total
        self.done = 0
        self.enabled = enabled and total > 0
        self._drawn = False
        self._started = time.monotonic()

    def draw(self) -> None:
        """Draw the counter if the run has lasted a second."""
        if self.enabled and time.monotonic() - self._started >= 1.0:
            sys.stderr.write(f"\rcg-action: asking the index {self.done}/{self.total}")
            sys.stderr.flush()
            self._drawn = True

    def clear(self) -> None:
        if self._drawn:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def _redirect_target(current: str, status: int, location: str | None, seen: set[str]) -> str:
    """Where a redirect leads, without user-info (credentials come from the configuration,
    never from a Location); a missing Location or a loop gives up."""
    if not location:
        raise _GaveUp(f"HTTP {status} redirect without a Location header")
    seen.add(current)
    try:
        target = redact_url(urljoin(current, location))
    except ValueError:
        raise _GaveUp(f"HTTP {status} redirect to a Location that is not a URL") from None
    if target in seen:
        raise _GaveUp(f"redirect loop at {target}")
    return target


def _page_request(
    index: IndexConfig, name: NormalizedName, entry: CachedPage | None
) -> tuple[str, dict[str, str]]:
    """The URL and headers that ask for a project page (conditionally, when it is cached)."""
    headers = {"Accept": ACCEPT, "Accept-Encoding": _PAGE_ENCODINGS}
    if entry is not None and entry.status == 200:
        if entry.etag:
            headers["If-None-Match"] = entry.etag
        if entry.last_modified:
            headers["If-Modified-Since"] = entry.last_modified
    return f"{index.url.rstrip('/')}/{name}/", headers


class _Batch:
    """The page jobs of one ``get_projects`` call, on the event loop; each outcome (a
    ``_PageResponse``, an ``Unavailable`` or an exception to raise) goes to ``outcomes``."""

    def __init__(
        self,
        client: IndexClient,
        index: IndexConfig,
        index_url: str,
        outcomes: queue.SimpleQueue[tuple[NormalizedName, CachedPage | None, object]],
    ) -> None:
        import asyncio  # here, not at the top: a run answered from the cache needs no event loop

        self.client = client
        self.index = index
        self.index_url = index_url
        self.outcomes = outcomes
        self.slots = asyncio.Semaphore(max(1, client.settings.concurrency))
        self.tasks: set[asyncio.Task[None]] = set()

    def start(self, name: NormalizedName, entry: CachedPage | None) -> None:
        """Start the job of one project (on the loop's thread)."""
        import asyncio  # here, not at the top: a run answered from the cache needs no event loop

        task = asyncio.get_running_loop().create_task(self._run(name, entry))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, name: NormalizedName, entry: CachedPage | None) -> None:
        import asyncio  # here, not at the top: a run answered from the cache needs no event loop

        outcome: object
        try:
            outcome = await self.client._page_job(
                self.index, self.index_url, name, entry, self.slots
            )
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the calling thread, raised there
            outcome = exc
        self.outcomes.put((name, entry, outcome))

    async def cancel(self) -> None:
        """Stop the jobs still running (an answer failed the call)."""
        import asyncio  # here, not at the top: a run answered from the cache needs no event loop

        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class IndexClient:
    """Asks simple indexes about projects and files (see the module docstring)."""

    def __init__(self, settings: ClientSettings) -> None:
        self.settings = settings
        self._cache = (
            PageCache(settings.cache_dir, background=True)
            if settings.cache_dir is not None
            else None
        )
        self._runner: _LoopThread | None = None
        self._transport: Sender | None = None
        self._auth_headers: dict[str, str | None] = {}
        self.requests_sent = 0  # every HTTP request, retries and redirects included
        # nothing this client asks outlasts this (time.monotonic()), whatever a server sends
        self._time_limit_at = time.monotonic() + settings.time_limit
        # the stored pages answered from, for the files asked of them (written at ``close``)
        self._stored: dict[tuple[str, NormalizedName], _StoredPage] = {}

    def __enter__(self) -> IndexClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Keep the files asked of the stored pages; close the connections and stop the loop."""
        self._store_asked_files()
        if self._cache is not None:
            self._cache.flush()
        if self._runner is not None:
            if self._transport is not None:
                self._runner.run(self._transport.aclose())
            self._transport = None
            self._runner.stop()
            self._runner = None

    @property
    def connections_opened(self) -> int:
        """Connections the direct transport opened (behind a proxy: not counted)."""
        return getattr(self._transport, "connections_opened", 0)

    # -- the synchronous API -----------------------------------------------------------------

    def get_projects(
        self,
        index: IndexConfig,
        names: Iterable[NormalizedName],
        *,
        meanwhile: Callable[[], None] | None = None,
        on_answer: Callable[[NormalizedName, ProjectAnswer], None] | None = None,
    ) -> dict[NormalizedName, ProjectAnswer]:
        """One answer per distinct project: one request each (none for a fresh cache entry).

        ``meanwhile`` is work the caller would do next anyway (imports, reading files): it is
        run while the requests are in flight, at most once, and not at all when nothing is
        asked; it must not raise. ``on_answer`` is called with each answer as soon as it is
        known (on this thread); what it raises ends the call.
        """
        index_url = normalize_index_url(redact_url(index.url))
        unique = list(dict.fromkeys(names))
        answers: dict[NormalizedName, ProjectAnswer] = {}
        if self._cache is not None:
            self._cache.flush()  # what an earlier call stored is read back whole

        def deliver(name: NormalizedName, answer: ProjectAnswer) -> None:
            answers[name] = answer
            if on_answer is not None:
                on_answer(name, answer)

        outcomes: queue.SimpleQueue[tuple[NormalizedName, CachedPage | None, object]]
        outcomes = queue.SimpleQueue()
        batch: _Batch | None = None
        asked = 0
        try:
            # The cache is read as the requests go out: the first ones leave after one look-up.
            for name in unique:
                entry = self._cache.load(index_url, name) if self._cache is not None else None
                if self.settings.offline:
                    if entry is None:
                        reason = "offline: not in the cache"
                        deliver(name, Unavailable(name=name, index_url=index_url, reason=reason))
                    else:
                        deliver(name, self._decode_entry(entry, name, index_url))
                    continue
                if entry is not None and entry.is_fresh(self.settings.cache_ttl):
                    answer = self._decode_entry(entry, name, index_url)
                    if not isinstance(answer, Unavailable):
                        deliver(name, answer)
                        continue
                    entry = None  # unreadable: fetch it again
                if batch is None:
                    batch = self._new_batch(index, index_url, outcomes)
                self._loop().call(batch.start, name, entry)
                asked += 1
            if asked and meanwhile is not None:
                meanwhile()
            self._collect(outcomes, asked, index_url, deliver)
        finally:
            if batch is not None and batch.tasks:
                self._loop().run(batch.cancel())
        return {name: answers[name] for name in unique}  # in the order asked

    def _collect(
        self,
        outcomes: queue.SimpleQueue[tuple[NormalizedName, CachedPage | None, object]],
        count: int,
        index_url: str,
        deliver: Callable[[NormalizedName, ProjectAnswer], None],
    ) -> None:
        """Read each page as its answer comes, and hand it on."""
        progress = _Progress(count, enabled=self.settings.show_progress)
        try:
            for _ in range(count):
                while True:
                    try:
                        name, entry, outcome = outcomes.get(
                            timeout=_PROGRESS_TICK if progress.enabled else None
                        )
                        break
                    except queue.Empty:
                        progress.draw()
                progress.done += 1
                if isinstance(outcome, BaseException):
                    raise outcome
                if isinstance(outcome, _PageResponse) and self._past_time_limit(outcome):
                    # reading a hostile page may take many seconds of CPU: none is started
                    # once the run's time is up
                    reason = (
                        f"the page came but was not read: the time limit of "
                        f"{self.settings.time_limit:g} s had passed"
                    )
                    deliver(name, Unavailable(name=name, index_url=index_url, reason=reason))
                elif isinstance(outcome, _PageResponse):
                    answer, page = self._answer(outcome, entry, name, index_url)
                    deliver(name, answer)  # the caller asks for the files it needs...
                    if page is not None:
                        self._store(index_url, name, page, answer)  # ...and they are kept
                elif isinstance(outcome, Unavailable):
                    deliver(name, outcome)
        finally:
            progress.clear()

    def probe_files(self, index: IndexConfig, urls: Iterable[str]) -> dict[str, FileProbe]:
        """Ask for each file without downloading it or following its redirect."""
        unique = list(dict.fromkeys(urls))
        if not unique:
            return {}
        if self.settings.offline:
            return {
                url: FileProbe(url=redact_url(url), status_code=None, message="offline")
                for url in unique
            }
        return self._run(self._probe_all(index, unique))

    def fetch_range(self, index: IndexConfig, url: str, start: int, end: int | None) -> bytes:
        """Bytes ``start``..``end`` (inclusive) of a file; ``end`` None: to the end of the file.

        A negative ``start`` with ``end`` None asks for the last ``-start`` bytes (a suffix
        range). Redirects are followed; credentials never leave the index's origin.
        """
        if self.settings.offline:
            raise IndexUnreachableError(f"offline: cannot read {redact_url(url)}")
        if start < 0:
            if end is not None:
                raise ValueError("a suffix range (negative start) takes no end")
            byte_range = f"bytes={start}"
        else:
            byte_range = f"bytes={start}-" + ("" if end is None else str(end))
        limit = None if end is None or start < 0 else end - start + 1
        return self._run(self._fetch_range(index, url, byte_range, start, limit))

    def file_size(self, index: IndexConfig, url: str) -> int | None:
        """The file's size in bytes from a HEAD (or a one-byte range request); None if unknown."""
        if self.settings.offline:
            return None
        return self._run(self._file_size(index, url))

    # -- machinery -----------------------------------------------------------------------------

    def _loop(self) -> _LoopThread:
        if self._runner is None:
            self._runner = _LoopThread()
        return self._runner

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._loop().run(coroutine)

    def _new_batch(
        self,
        index: IndexConfig,
        index_url: str,
        outcomes: queue.SimpleQueue[tuple[NormalizedName, CachedPage | None, object]],
    ) -> _Batch:
        async def make() -> _Batch:
            return _Batch(self, index, index_url, outcomes)

        return self._run(make())

    async def _open(
        self, method: str, url: str, headers: Mapping[str, str], *, read_timeout: float
    ) -> httpx.Response:
        """Send one request (no redirect followed); the response is open, its body unread.

        Through the direct transport, or httpx's own behind a proxy. Raises httpx's transport
        errors, and ``_GaveUp`` for a URL httpx cannot send.
        """
        _import_httpx()
        import httpx

        settings = self.settings
        timeout = {
            "connect": settings.connect_timeout,
            "read": read_timeout,
            "write": read_timeout,
            "pool": settings.total_timeout,
        }
        try:
            request = httpx.Request(
                method,
                url,
                headers={"User-Agent": USER_AGENT, **headers},
                extensions={"timeout": timeout},
            )
        except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
            raise _GaveUp(f"cannot ask {redact_url(url)}: {redact_text(str(exc))}") from None
        self.requests_sent += 1
        if self._transport is None:
            self._transport = open_transport(max_connections=max(1, settings.concurrency))
        return await self._transport.handle_async_request(request)

    def _deadline(self) -> float:
        """When work starting now must end: its own bound or the client's, the sooner."""
        return min(time.monotonic() + self.settings.total_timeout, self._time_limit_at)

    def _past_time_limit(self, response: _PageResponse) -> bool:
        """Whether a page that came (not a 304: those are read from the cache's summary) is
        too late to be read."""
        return not response.not_modified and time.monotonic() >= self._time_limit_at

    def _out_of_time(self, tries: int) -> _GaveUp:
        """Why work stopped at its deadline: the run's time limit, or its own bound."""
        if time.monotonic() >= self._time_limit_at:
            return _GaveUp(f"no answer before the time limit of {self.settings.time_limit:g} s")
        attempts = f"{tries} attempt{'s' if tries > 1 else ''}"
        return _GaveUp(f"no answer within {self.settings.total_timeout:g} s ({attempts})")

    def _auth_header(self, index: IndexConfig) -> str | None:
        key = f"{index.url}\0{index.netrc_path}\0{index.use_netrc}\0{id(index.credentials)}"
        if key not in self._auth_headers:
            credentials = resolve_credentials(index)
            self._auth_headers[key] = basic_auth_header(credentials) if credentials else None
        return self._auth_headers[key]

    def _after_failure(
        self, failure: _Transient, tries: int, deadline: float
    ) -> tuple[_GaveUp | None, float]:
        """The reason to stop, or None and how long to wait before the next attempt."""
        summary = f"{failure.reason} ({tries} attempt{'s' if tries > 1 else ''})"
        if tries > self.settings.max_retries:
            return _GaveUp(summary), 0.0
        delay = failure.retry_after if failure.retry_after is not None else backoff_delay(tries - 1)
        if time.monotonic() + delay >= deadline:
            return _GaveUp(f"{summary}; no time left to retry"), 0.0
        logger.debug("retrying in %.2f s: %s", delay, failure.reason)
        return None, delay

    async def _with_retries(self, attempt: Callable[[], Awaitable[T]], deadline: float) -> T:
        """Run ``attempt`` until it succeeds, retrying ``_Transient`` failures within bounds;
        each attempt, every byte of it, within the deadline."""
        import asyncio  # here, not at the top: a run answered from the cache needs no event loop

        tries = 0
        while True:
            tries += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._out_of_time(tries - 1 or 1)
            try:
                return await asyncio.wait_for(attempt(), timeout=remaining)
            except (asyncio.TimeoutError, _OutOfTime):
                raise self._out_of_time(tries) from None
            except _Transient as failure:
                gave_up, delay = self._after_failure(failure, tries, deadline)
                if gave_up is not None:
                    raise gave_up from None
                await asyncio.sleep(delay)

    async def _send(
        self,
        index: IndexConfig,
        url: str,
        headers: Mapping[str, str],
        handle: Callable[[httpx.Response, str], Awaitable[T]],
        *,
        method: str = "GET",
        follow_redirects: bool = True,
        deadline: float | None = None,
    ) -> T:
        """One attempt at a request, following redirects by hand; ``handle`` reads the open
        response (with the URL it came from). Credentials go only to the index's origin; a
        401 or 403 from there is ``IndexAuthError``, from elsewhere that request's failure."""
        _import_httpx()
        import httpx

        auth = self._auth_header(index)
        current = redact_url(url)
        seen: set[str] = set()
        read_timeout = self.settings.read_timeout
        for _hop in range(MAX_REDIRECTS + 1):
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _OutOfTime
                read_timeout = min(self.settings.read_timeout, remaining)
            request_headers = dict(headers)
            if auth is not None and is_same_origin(current, index.url):
                request_headers["Authorization"] = auth
            try:
                response = await self._open(
                    method, current, request_headers, read_timeout=read_timeout
                )
            except httpx.TransportError as exc:
                untrusted = certificate_failure(exc)
                if untrusted is not None:  # another attempt would meet the same certificate
                    raise _GaveUp(untrusted) from None
                raise _Transient(_failure_of(exc)) from exc
            try:
                status = response.status_code
                if follow_redirects and status in _REDIRECTS:
                    current = _redirect_target(
                        current, status, response.headers.get("location"), seen
                    )
                    continue
                _refuse_elsewhere(status, current, index)
                _raise_for_auth(status, index, auth)
                return await handle(response, current)
            except httpx.TransportError as exc:
                raise _Transient(_failure_of(exc)) from exc
            finally:
                await response.aclose()
        raise _GaveUp(f"too many redirects (more than {MAX_REDIRECTS})")

    def _decode_entry(
        self, entry: CachedPage, name: NormalizedName, index_url: str, *, revalidated: bool = False
    ) -> ProjectAnswer:
        """The answer a cached entry gives: from its summary and asked files when it has them
        (the page itself is read only for a version not asked before), else from its body."""
        if not entry.summary or entry.status != 200:
            return decode_page(
                status=entry.status,
                body=entry.body,
                content_type=entry.content_type,
                page_url=entry.page_url,
                name=name,
                index_url=index_url,
            )
        try:
            project = decode_summary(
                entry.summary,
                entry.asked,
                name=name,
                index_url=index_url,
                read_page=lambda: self._stored_page_files(entry, name, index_url),
            )
        except PageError as exc:
            return Unavailable(name=name, index_url=index_url, reason=redact_text(str(exc)))
        self._stored[(index_url, name)] = _StoredPage(
            token=entry.token,
            fetched_at=entry.fetched_at,
            files=project.files,
            known=stored_versions(project.files),
            changed=revalidated,
        )
        return Found(project=project)

    def _stored_page_files(
        self, entry: CachedPage, name: NormalizedName, index_url: str
    ) -> FileListing:
        """The files of the page a summary stands for, read from the cache (the entry's own
        page, or the page stored since by another run)."""
        cache = self._cache
        if cache is not None:
            body = cache.read_body(entry)
            page = dataclasses.replace(entry, body=body) if body is not None else None
            if page is None:
                logger.info("the cached page of %s changed since it was read", name)
                page = cache.reload(index_url, name)
            if page is not None:
                answer = decode_page(
                    status=page.status,
                    body=page.body,
                    content_type=page.content_type,
                    page_url=page.page_url,
                    name=name,
                    index_url=index_url,
                )
                if isinstance(answer, Found) and isinstance(answer.project.files, FileListing):
                    return answer.project.files
        raise IndexUnreachableError(
            f"the cached page of {name} from {index_url} was removed or damaged while this run "
            "read it: run again"
        )

    def _store_asked_files(self) -> None:
        """Write, beside each stored page answered from, the files of the versions asked."""
        cache = self._cache
        if cache is None:
            return
        for (index_url, name), stored in self._stored.items():
            if not isinstance(stored.files, FileListing):
                continue
            records = asked_records(stored.files)
            if records is None or (not stored.changed and stored.known.issuperset(records)):
                continue
            cache.store_files(
                index_url, name, token=stored.token, fetched_at=stored.fetched_at, files=records
            )
        self._stored.clear()

    # -- project pages -------------------------------------------------------------------------

    async def _page_job(
        self,
        index: IndexConfig,
        index_url: str,
        name: NormalizedName,
        entry: CachedPage | None,
        slots: asyncio.Semaphore,
    ) -> _PageResponse | Unavailable:
        """One project page, with retries, holding one of the ``concurrency`` places from the
        first request to the last byte (backoffs included); the page is read by the caller."""
        page_url, headers = _page_request(index, name, entry)
        async with slots:
            deadline = self._deadline()

            async def attempt() -> _PageResponse:
                return await self._send(
                    index,
                    page_url,
                    headers,
                    lambda response, url: _read_page(response, url, index, entry, limit),
                    deadline=deadline,
                )

            limit = self.settings.max_page_bytes
            try:
                return await self._with_retries(attempt, deadline)
            except _GaveUp as failure:
                logger.info("%s%s/: %s", index_url, name, failure.reason)
                return Unavailable(
                    name=name, index_url=index_url, reason=redact_text(failure.reason)
                )

    def _answer(
        self,
        result: _PageResponse,
        entry: CachedPage | None,
        name: NormalizedName,
        index_url: str,
    ) -> tuple[ProjectAnswer, CachedPage | None]:
        """The answer a page response gives, and the page to store once it was handed on
        (None: nothing to store)."""
        if result.not_modified and entry is not None:
            page = dataclasses.replace(entry, fetched_at=time.time())
            answer = self._decode_entry(page, name, index_url, revalidated=True)
            if not entry.summary and isinstance(answer, Found):
                return answer, page  # an entry of the first format: stored anew
            return answer, None  # the time of the revalidation is kept at ``close``
        page = CachedPage(
            status=result.status,
            body=result.body,
            content_type=result.content_type,
            page_url=result.page_url,
            etag=result.etag,
            last_modified=result.last_modified,
            fetched_at=time.time(),
        )
        answer = self._decode_entry(page, name, index_url)
        if result.outside_index and (
            isinstance(answer, Absent) or (isinstance(answer, Found) and not answer.project.files)
        ):
            # a login or error page elsewhere says nothing about the project
            said = "HTTP 404" if isinstance(answer, Absent) else "a page without files"
            answer = Unavailable(
                name=name,
                index_url=index_url,
                reason=f"redirected outside the index to {result.page_url}, which answered {said}",
            )
        return answer, (page if not isinstance(answer, Unavailable) else None)

    def _store(
        self, index_url: str, name: NormalizedName, page: CachedPage, answer: ProjectAnswer
    ) -> None:
        """Store a page read from the index: with its summary and the files asked of it so far
        when it lists files (those asked later go beside it at ``close``)."""
        cache = self._cache
        if cache is None:
            return
        if not isinstance(answer, Found) or not isinstance(answer.project.files, FileListing):
            cache.store(index_url, name, page)
            return
        files = answer.project.files
        records = asked_records(files) or {}
        token = cache.store(index_url, name, page, summary=encode_summary(answer.project, records))
        self._stored[(index_url, name)] = _StoredPage(
            token=token,
            fetched_at=page.fetched_at,
            files=files,
            known=frozenset(records),
            changed=False,
        )

    # -- files -----------------------------------------------------------------------------------

    async def _probe_all(self, index: IndexConfig, urls: list[str]) -> dict[str, FileProbe]:
        import asyncio  # here, not at the top: a run answered from the cache needs no event loop

        slots = asyncio.Semaphore(max(1, self.settings.concurrency))

        async def probe(url: str) -> FileProbe:
            async with slots:
                return await self._probe(index, url)

        results = await asyncio.gather(*(probe(url) for url in urls))
        return dict(zip(urls, results, strict=True))

    async def _probe(self, index: IndexConfig, url: str) -> FileProbe:
        shown = redact_url(url)

        async def handle(response: httpx.Response, _url: str) -> FileProbe:
            status = response.status_code
            if status in RETRY_STATUSES:
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
                raise _Transient(f"HTTP {status} {response.reason_phrase}".strip(), retry_after)
            if status in (200, 206, 301, 302, 303, 307, 308, 404):
                return FileProbe(url=shown, status_code=status)
            body = await _read_raw(response, _PROBE_BODY_LIMIT, cut=True)
            reason, message = _error_body(body)
            if message is None:
                message = f"HTTP {status} {response.reason_phrase}".strip()
            return FileProbe(url=shown, status_code=status, blocked_reason=reason, message=message)

        deadline = self._deadline()
        try:
            return await self._with_retries(
                lambda: self._send(index, url, _PROBE_HEADERS, handle, follow_redirects=False),
                deadline,
            )
        except _GaveUp as failure:
            return FileProbe(url=shown, status_code=None, message=redact_text(failure.reason))

    async def _fetch_range(
        self, index: IndexConfig, url: str, byte_range: str, start: int, limit: int | None
    ) -> bytes:
        # what a 206 may hold: the length asked for (a suffix range: its length), never more
        asked = -start if start < 0 else (limit if limit is not None else MAX_RANGE_BYTES)

        async def handle(response: httpx.Response, _url: str) -> bytes:
            status = response.status_code
            if status in RETRY_STATUSES:
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
                raise _Transient(f"HTTP {status} {response.reason_phrase}".strip(), retry_after)
            encoding = response.headers.get("content-encoding", "identity").strip().lower()
            if status in (200, 206) and encoding != "identity":
                raise _GaveUp(f"the file came with Content-Encoding {encoding!r}, not as it is")
            if status == 206:
                try:
                    return await _read_raw(response, asked)
                except BodyTooLarge:
                    reason = f"the server sent more than the {asked} bytes asked for"
                    raise _GaveUp(reason) from None
            if status == 200:
                if start < 0 or limit is None:
                    raise _GaveUp("the server does not answer range requests")
                return await _read_window(response, start, limit)
            raise _GaveUp(f"HTTP {status} {response.reason_phrase}".strip())

        deadline = self._deadline()
        try:
            return await self._with_retries(
                lambda: self._send(index, url, {"Range": byte_range, **_NO_ENCODING}, handle),
                deadline,
            )
        except _GaveUp as failure:
            raise IndexUnreachableError(
                f"cannot read {redact_url(url)}: {redact_text(failure.reason)}"
            ) from None

    async def _file_size(self, index: IndexConfig, url: str) -> int | None:
        async def handle_head(response: httpx.Response, _url: str) -> int | None:
            status = response.status_code
            if status in RETRY_STATUSES:
                raise _Transient(f"HTTP {status}")
            length = response.headers.get("content-length")
            if status == 200 and length is not None and length.isdigit() and int(length) > 0:
                return int(length)  # 0 is what some servers send for HEAD: not a size
            return None

        async def handle_range(response: httpx.Response, _url: str) -> int | None:
            status = response.status_code
            if status in RETRY_STATUSES:
                raise _Transient(f"HTTP {status}")
            total = response.headers.get("content-range", "").rpartition("/")[2].strip()
            if status == 206 and total.isdigit():
                return int(total)
            return None

        deadline = self._deadline()
        try:
            size = await self._with_retries(
                lambda: self._send(index, url, _NO_ENCODING, handle_head, method="HEAD"), deadline
            )
            if size is None:
                size = await self._with_retries(
                    lambda: self._send(index, url, _PROBE_HEADERS, handle_range),
                    deadline,
                )
        except _GaveUp as failure:
            logger.info("no size for %s: %s", redact_url(url), failure.reason)
            return None
        return size


def certificate_failure(exc: BaseException) -> str | None:
    """What to say when ``exc`` comes from a server certificate that failed verification (the
    verifier's words, and what to do); None for any other error."""
    import ssl

    from cg_action._index._trust import CERT_HINT, NOT_TRUSTED

    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:  # the transports wrap the ssl error
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLCertVerificationError):
            words = cause.verify_message or cause.reason or "certificate verify failed"
            return f"{NOT_TRUSTED}: {words}; {CERT_HINT}"
        cause = cause.__cause__ or cause.__context__
    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return f"{NOT_TRUSTED}; {CERT_HINT}"
    return None


def _failure_of(exc: httpx.TransportError) -> str:
    """What an httpx transport error means, in a few words free of credentials."""
    import httpx

    from cg_action._index._transport import IncompleteBody

    untrusted = certificate_failure(exc)
    if untrusted is not None:
        return redact_text(untrusted)
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, httpx.ReadTimeout):
        return "read timeout"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {redact_text(str(exc)) or 'refused'}"
    if isinstance(exc, IncompleteBody):
        return redact_text(str(exc))
    if isinstance(exc, httpx.LocalProtocolError):  # its own words may quote a header
        return "cannot send the request: a header or the URL is invalid"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return f"connection broken: {redact_text(str(exc)) or 'protocol error'}"
    return f"transport error: {redact_text(str(exc)) or type(exc).__name__}"


async def _read_page(
    response: httpx.Response,
    url: str,
    index: IndexConfig,
    entry: CachedPage | None,
    limit: int,
) -> _PageResponse:
    """What a project page's final response says (its body read within ``limit``, inflated)."""
    status = response.status_code
    body = b""
    if status == 200:
        try:
            body = inflate(
                response.headers.get("content-encoding"),
                await _read_limited(response, limit),
                limit,
            )
        except BodyTooLarge as exc:
            raise _GaveUp(str(exc)) from exc
    result = _page_result(status, response.reason_phrase, response.headers, body, url, entry)
    if not is_within_index(url, index.url):
        result = dataclasses.replace(result, outside_index=True)
    return result


async def _read_limited(response: httpx.Response, limit: int) -> bytes:
    """The body of a 200 as sent (still compressed), at most ``limit`` bytes (``BodyTooLarge``),
    all that was announced (else ``_Transient``)."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"page larger than {limit} bytes (Content-Length {declared})")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"page larger than {limit} bytes")
        chunks.append(chunk)
    if declared is not None and declared.isdigit() and size != int(declared):
        raise _Transient(f"truncated body: {size} of {declared} bytes")
    return b"".join(chunks)


async def _read_raw(response: httpx.Response, limit: int, *, cut: bool = False) -> bytes:
    """The body as sent, at most ``limit`` bytes: past them ``BodyTooLarge``, or (``cut``) the
    first ``limit`` bytes; the connection is closed rather than read further either way."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            if cut:
                break
            raise BodyTooLarge(f"more than {limit} bytes")
    return b"".join(chunks)[:limit]


async def _read_window(response: httpx.Response, start: int, length: int) -> bytes:
    """Bytes ``start`` to ``start + length`` of a whole-file answer: those before are read and
    dropped (memory holds ``length`` bytes at most), those after are not read at all."""
    chunks: list[bytes] = []
    position = 0  # offset in the file of the next chunk's first byte
    kept = 0
    async for chunk in response.aiter_raw():
        begin, end = max(start - position, 0), min(start + length - position, len(chunk))
        position += len(chunk)
        if begin < end:
            chunks.append(chunk[begin:end])
            kept += end - begin
        if kept >= length:
            break
    return b"".join(chunks)


def inflate(encoding: str | None, body: bytes, limit: int) -> bytes:
    """A page body as its ``Content-Encoding`` says, never more than ``limit`` bytes once
    inflated (``BodyTooLarge``: a small compressed answer can inflate a thousandfold)."""
    import zlib

    names = [n.strip().lower() for n in (encoding or "").split(",")]
    names = [n for n in names if n and n != "identity"]
    if not names:
        return body
    if len(names) > 1 or names[0] not in ("gzip", "x-gzip", "deflate"):
        raise _GaveUp(f"the page came with an unsupported Content-Encoding {encoding!r}")
    # 47: a gzip or zlib header, detected; raw deflate (an old server's "deflate"): -15
    inflater = zlib.decompressobj(47 if body[:1] in (b"\x1f", b"\x78") else -zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise _GaveUp(f"the page does not inflate ({names[0]}): {exc}") from exc
    if len(data) > limit:
        raise BodyTooLarge(f"page larger than {limit} bytes once inflated")
    return data


def is_within_index(url: str, index_url: str) -> bool:
    """Whether ``url`` is on the index's host, under the index's path (any scheme or port:
    an index moving from http to https stays itself)."""
    try:
        target, index = urlsplit(url), urlsplit(index_url)
        target_host, index_host = target.hostname, index.hostname
    except ValueError:
        return False
    if (target_host or "").lower() != (index_host or "").lower():
        return False
    prefix = index.path if index.path.endswith("/") else index.path + "/"
    return target.path.startswith(prefix)


def _refuse_elsewhere(status: int, url: str, index: IndexConfig) -> None:
    """A 401 or 403 from another origin (reached by a redirect, or a file host) is that
    answer's failure alone (``_GaveUp``); only the index's own refusal stops the run."""
    if status in (401, 403) and not is_same_origin(url, index.url):
        origin = urlsplit(url).netloc.rpartition("@")[2]
        raise _GaveUp(f"HTTP {status} from {origin}, another host than the index's")


def _raise_for_auth(status: int, index: IndexConfig, auth: str | None) -> None:
    """``IndexAuthError`` (with its hint) for a 401 or 403 answer."""
    if status == 401:
        error = IndexAuthError(
            f"{redact_url(index.url)} refused the credentials (HTTP 401)"
            if auth
            else f"{redact_url(index.url)} needs credentials (HTTP 401)"
        )
        error.hint = AUTH_HINT
        raise error
    if status == 403:
        error = IndexAuthError(f"{redact_url(index.url)} denied access (HTTP 403)")
        error.hint = ENTITLEMENT_HINT
        raise error


def _page_result(
    status: int,
    reason_phrase: str,
    headers: Mapping[str, str],
    body: bytes,
    url: str,
    entry: CachedPage | None,
) -> _PageResponse:
    """What a project-page response says (``headers`` looked up by lower-case name)."""
    if status == 304 and entry is not None:
        return _PageResponse(not_modified=True)
    if status in (200, 404, 410):
        return _PageResponse(
            status=200 if status == 200 else 404,
            body=body if status == 200 else b"",
            content_type=headers.get("content-type", ""),
            page_url=redact_url(url),
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
        )
    reason = f"HTTP {status} {reason_phrase}".strip()
    if status in RETRY_STATUSES:
        raise _Transient(reason, retry_after_seconds(headers.get("retry-after")))
    raise _GaveUp(reason)


def _error_body(body: bytes) -> tuple[str | None, str | None]:
    """(``reason``, ``message`` or ``error``) of a JSON error body such as a 409's."""
    import json

    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        text = body.decode("utf-8", errors="replace").strip()
        return None, (redact_text(text[:200]) or None)
    if not isinstance(document, dict):
        return None, None
    reason = document.get("reason")
    message = document.get("message") or document.get("error")
    return (
        reason if isinstance(reason, str) else None,
        redact_text(message) if isinstance(message, str) else None,
    )
