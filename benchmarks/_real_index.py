"""A local index on 127.0.0.1 serving the real pages of ``data/real-pages.json.xz``.

What it serves, every answer after ``--latency`` seconds (per request, 50 ms by default):

- ``/simple/<project>/`` of each captured project: its PEP 691 JSON page byte for byte as the
  index sent it, except that the file URLs (``https://files.pythonhosted.org/...``) point at
  this server (``<origin>/files/...``); or, when the ``Accept`` header prefers HTML, the
  PEP 503 form of the same page, generated from the JSON (hashes, ``data-requires-python``,
  ``data-yanked``, ``data-core-metadata``/``data-dist-info-metadata``).
- ``/simple/bench-<i>/``: the one-file synthetic pages of ``_latency_index.py`` (HTML), for
  ``--synthetic`` projects, with their wheels and ``.metadata`` files.
- ``<file URL>.metadata``: the PEP 658 metadata files captured with the pages (only for the
  pinned releases); the distributions themselves are not stored (404).
- ``/simple/``: the project list (JSON or HTML).

Every page answer carries an ``ETag`` (per form and encoding) and ``Last-Modified`` (the
capture time); ``If-None-Match``, or ``If-Modified-Since`` without it, gets 304.
``Accept-Encoding: gzip`` is honoured only with ``--gzip`` (the index captured from answered
uncompressed). ``/_stats`` (no latency) counts the answers by kind and status and the
connections by protocol (each at its first request), and gives the server's CPU time so far;
``/_stats?reset`` also sets the counters to zero.

It listens on plain http and on https (a throw-away certificate authority made by trustme,
written to ``--ca-file``; HTTP/2 offered by ALPN unless ``--no-http2``, HTTP/1.1 with
keep-alive otherwise), one asyncio loop for both. Run::

    python benchmarks/_real_index.py [--latency 0.05] [--synthetic 1000] [--ca-file ca.pem]

It prints one JSON line: ``{"http": "http://127.0.0.1:<port>/simple/", "https": ...,
"ca": ...}``, then serves until killed. The tests use ``serve_in_thread`` (plain http).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import email.utils
import gzip
import hashlib
import html
import json
import lzma
import re
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import _latency_index
from packaging.utils import canonicalize_name

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "data" / "real-pages.json.xz"
FILES_ORIGIN = b"https://files.pythonhosted.org/"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPES = ("application/vnd.pypi.simple.v1+html", "text/html")
_SYNTHETIC = re.compile(r"^bench-(\d+)$")
_REASONS = {
    200: "OK",
    301: "Moved Permanently",
    304: "Not Modified",
    404: "Not Found",
    406: "Not Acceptable",
}


@dataclass(frozen=True)
class RealProject:
    """One captured project: its page as the index sent it, its pin and metadata files."""

    name: str
    pin: str
    page: bytes
    metadata: Mapping[str, bytes]
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Fixture:
    """The captured pages, in the order of the capture (the large pages first)."""

    captured: str
    index: str
    projects: Mapping[str, RealProject]

    def pins(self, count: int | None = None) -> list[tuple[str, str]]:
        """(name, version) of the first ``count`` projects (all by default)."""
        chosen = list(self.projects.values())[:count]
        return [(p.name, p.pin) for p in chosen]


def load_fixture(path: Path = FIXTURE) -> Fixture:
    """Read the fixture written by ``capture_pages.py``."""
    document = json.loads(lzma.decompress(path.read_bytes()))
    if document.get("format") != 1:
        raise ValueError(f"{path}: unknown fixture format {document.get('format')!r}")
    projects = {}
    for entry in document["projects"]:
        project = RealProject(
            name=entry["name"],
            pin=entry["pin"],
            page=entry["page"].encode("utf-8"),
            metadata={k: v.encode("utf-8") for k, v in entry["metadata"].items()},
            headers=entry["headers"],
        )
        projects[project.name] = project
    return Fixture(document["captured"], document["index"], projects)


def html_page(json_page: bytes) -> bytes:
    """The PEP 503 form of a PEP 691 JSON project page (PEP 592, 658/714 attributes too)."""
    page = json.loads(json_page)
    esc = html.escape
    name = esc(page["name"])
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{esc(page["meta"]["api-version"])}">',
        f"    <title>Links for {name}</title>",
        "  </head>",
        "  <body>",
        f"    <h1>Links for {name}</h1>",
    ]
    for entry in page["files"]:
        href = entry["url"]
        hashes = entry.get("hashes") or {}
        if hashes:
            algorithm = "sha256" if "sha256" in hashes else sorted(hashes)[0]
            href += f"#{algorithm}={hashes[algorithm]}"
        attributes = [f'href="{esc(href)}"']
        if entry.get("requires-python"):
            attributes.append(f'data-requires-python="{esc(entry["requires-python"])}"')
        for key in ("data-dist-info-metadata", "core-metadata"):
            value = entry.get(key)
            if isinstance(value, dict) and value:
                algorithm = "sha256" if "sha256" in value else sorted(value)[0]
                text = f"{algorithm}={value[algorithm]}"
            elif value is True:
                text = "true"
            else:
                continue
            attribute = "data-core-metadata" if key == "core-metadata" else key
            attributes.append(f'{attribute}="{esc(text)}"')
        yanked = entry.get("yanked")
        if isinstance(yanked, str):
            attributes.append(f'data-yanked="{esc(yanked)}"')
        elif yanked:
            attributes.append('data-yanked=""')
        lines.append(f"    <a {' '.join(attributes)}>{esc(entry['filename'])}</a><br />")
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines).encode("utf-8")


def choose_form(accept: str | None) -> str | None:
    """The content type to answer an ``Accept`` header with: JSON, an HTML type, or None.

    The highest quality wins; between equals, the one named first. No header means HTML, as
    PyPI answers; ``*/*`` or ``text/*`` alone means ``text/html``.
    """
    if accept is None or not accept.strip():
        return "text/html"
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(accept.split(",")):
        media, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        if media in (JSON_TYPE, "application/vnd.pypi.simple.latest+json"):
            form = JSON_TYPE
        elif media in (
            "application/vnd.pypi.simple.v1+html",
            "application/vnd.pypi.simple.latest+html",
        ):
            form = "application/vnd.pypi.simple.v1+html"
        elif media in ("text/html", "text/*", "*/*"):
            form = "text/html"
        else:
            continue
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, position, form)
    return None if best is None else best[2]


def _etag(body: bytes, variant: str) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:24] + variant + '"'


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [part.strip() for part in header.split(",")]
    plain = etag.removeprefix("W/")
    return "*" in candidates or any(c.removeprefix("W/") == plain for c in candidates)


@dataclass
class Answer:
    """What to send: status, headers (lower-case names) and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    kind: str  # what the stats count it as


@dataclass
class Stats:
    """Answers by kind and status, connections by protocol (shared by both listeners)."""

    answers: Counter[str] = field(default_factory=Counter)
    connections: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, counter: Counter[str], key: str) -> None:
        with self.lock:
            counter[key] += 1

    def snapshot(self, *, reset: bool = False) -> dict[str, dict[str, int]]:
        with self.lock:
            data = {
                "answers": dict(self.answers),
                "connections": dict(self.connections),
                "cpu": {"server ms": round(time.process_time() * 1000)},
            }
            if reset:
                self.answers.clear()
                self.connections.clear()
        return data


class Site:
    """The answers of one origin (``http://127.0.0.1:<port>``): pages point back at it."""

    def __init__(
        self,
        fixture: Fixture,
        origin: str,
        *,
        synthetic: int = 0,
        gzip_pages: bool = False,
        stats: Stats | None = None,
    ) -> None:
        self.fixture = fixture
        self.origin = origin.rstrip("/")
        self.synthetic = synthetic
        self.gzip_pages = gzip_pages
        self.stats = stats or Stats()
        self.last_modified = email.utils.format_datetime(
            datetime.datetime.fromisoformat(fixture.captured.replace("Z", "+00:00")),
            usegmt=True,
        )
        self._files = (self.origin + "/files/").encode()
        self._bodies: dict[tuple[str, str, bool], tuple[bytes, str]] = {}
        self._owners = {f: p.name for p in fixture.projects.values() for f in p.metadata}
        self._metadata_paths: dict[str, dict[str, bytes]] = {}
        self._lock = threading.Lock()

    def json_page(self, name: str) -> bytes:
        """The page of ``name`` as served: the captured bytes with the file URLs here."""
        return self._body(name, JSON_TYPE, compressed=False)[0]

    def prepare(self, *, html_too: bool = True) -> None:
        """Build every answer now, so that no request pays for it (the command line does)."""
        for name in self.fixture.projects:
            forms = [JSON_TYPE, "text/html"] if html_too else [JSON_TYPE]
            for form in forms:
                self._body(name, form, compressed=False)
                if self.gzip_pages:
                    self._body(name, form, compressed=True)
            for filename in self.fixture.projects[name].metadata:
                self.metadata_file(f"/{filename}.metadata")

    def _body(self, name: str, form: str, *, compressed: bool) -> tuple[bytes, str]:
        html_form = form != JSON_TYPE
        key = (name, "html" if html_form else "json", compressed)
        with self._lock:
            if key in self._bodies:
                return self._bodies[key]
        if compressed:
            plain, _ = self._body(name, form, compressed=False)
            body = gzip.compress(plain, compresslevel=6, mtime=0)
        elif html_form:
            body = html_page(self._body(name, JSON_TYPE, compressed=False)[0])
        else:
            body = self.fixture.projects[name].page.replace(FILES_ORIGIN, self._files)
        entry = (
            body,
            _etag(body, ("-html" if html_form else "-json") + ("-gz" if compressed else "")),
        )
        with self._lock:
            self._bodies[key] = entry
        return entry

    def metadata_file(self, path: str) -> bytes | None:
        """The ``.metadata`` file served at ``path``, if the fixture holds it."""
        filename = path.rsplit("/", 1)[-1].removesuffix(".metadata")
        name = self._owners.get(filename)
        if name is None:
            return None
        with self._lock:
            paths = self._metadata_paths.get(name)
        if paths is None:
            paths = {}
            prefix = self.origin + "/files/"
            metadata = self.fixture.projects[name].metadata
            for entry in json.loads(self.json_page(name))["files"]:
                data = metadata.get(entry["filename"])
                if data is not None and entry["url"].startswith(prefix):
                    paths["/files/" + entry["url"][len(prefix) :] + ".metadata"] = data
            with self._lock:
                self._metadata_paths[name] = paths
        return paths.get(path)

    def answer(self, method: str, target: str, headers: Mapping[str, str]) -> Answer:
        """The answer to one request (``headers`` with lower-case names)."""
        path, _, query = target.partition("?")
        if path == "/_stats":
            body = json.dumps(self.stats.snapshot(reset="reset" in query)).encode()
            return Answer(200, [("content-type", "application/json")], body, "stats")
        result = self._route(path, headers)
        self.stats.count(self.stats.answers, f"{result.kind} {result.status}")
        result.headers.append(("content-length", str(len(result.body))))
        if method == "HEAD":
            result.body = b""
        return result

    def _route(self, path: str, headers: Mapping[str, str]) -> Answer:
        parts = [p for p in path.split("/") if p]
        if parts and parts[0] == "simple" and len(parts) <= 2:
            if not path.endswith("/"):
                return Answer(301, [("location", path + "/")], b"", "redirect")
            if len(parts) == 1:
                return self._project_list(headers)
            return self._project(parts[1], headers)
        if parts and parts[0] == "files":
            if path.endswith(".metadata"):
                data = self.metadata_file(path)
                if data is not None:
                    return Answer(
                        200, [("content-type", "application/octet-stream")], data, "metadata"
                    )
            if len(parts) == 2 and parts[1].startswith("bench_"):
                status, body, content_type = _latency_index.route(path, self.synthetic)
                return Answer(status, [("content-type", content_type)], body, "synthetic-file")
            return Answer(404, [("content-type", "text/plain")], b"not stored", "file")
        return Answer(404, [("content-type", "text/plain")], b"not found", "other")

    def _project(self, requested: str, headers: Mapping[str, str]) -> Answer:
        name = canonicalize_name(requested)
        if name != requested and (name in self.fixture.projects or _SYNTHETIC.match(name)):
            return Answer(301, [("location", f"/simple/{name}/")], b"", "redirect")
        synthetic = _SYNTHETIC.match(name)
        if synthetic and int(synthetic.group(1)) < self.synthetic:
            body = _latency_index.page(int(synthetic.group(1)))
            return self._page(body, _etag(body, "-bench"), "text/html", headers, "synthetic-page")
        if name not in self.fixture.projects:
            return Answer(404, [("content-type", "text/plain")], b"no such project", "page")
        form = choose_form(headers.get("accept"))
        if form is None:
            return Answer(406, [("content-type", "text/plain")], b"not acceptable", "page")
        compressed = self.gzip_pages and "gzip" in headers.get("accept-encoding", "")
        body, etag = self._body(name, form, compressed=compressed)
        answer = self._page(
            body, etag, form, headers, "page-json" if form == JSON_TYPE else "page-html"
        )
        answer.headers.append(("vary", "Accept, Accept-Encoding"))
        if compressed:
            answer.headers.append(("content-encoding", "gzip"))
        return answer

    def _page(
        self, body: bytes, etag: str, content_type: str, headers: Mapping[str, str], kind: str
    ) -> Answer:
        common = [
            ("etag", etag),
            ("last-modified", self.last_modified),
            ("cache-control", "max-age=600, public"),
        ]
        if_none_match = headers.get("if-none-match")
        if if_none_match is not None:
            fresh = _etag_matches(if_none_match, etag)
        else:
            fresh = self._not_modified_since(headers.get("if-modified-since"))
        if fresh:
            return Answer(304, common, b"", kind)
        return Answer(200, [("content-type", content_type), *common], body, kind)

    def _not_modified_since(self, header: str | None) -> bool:
        if header is None:
            return False
        try:
            since = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return False
        return email.utils.parsedate_to_datetime(self.last_modified) <= since

    def _project_list(self, headers: Mapping[str, str]) -> Answer:
        names = list(self.fixture.projects)
        names += [f"bench-{i}" for i in range(self.synthetic)]
        form = choose_form(headers.get("accept"))
        if form == JSON_TYPE:
            document = {"meta": {"api-version": "1.1"}, "projects": [{"name": n} for n in names]}
            body = json.dumps(document).encode()
        else:
            links = "".join(f'<a href="/simple/{n}/">{n}</a><br />\n' for n in names)
            body = f"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n".encode()
        return Answer(200, [("content-type", form or "text/html")], body, "list")


class Server:
    """Both listeners on one asyncio loop; answers every request after ``latency`` seconds."""

    def __init__(self, sites: Mapping[str, Site], latency: float) -> None:
        self.sites = sites
        self.latency = latency
        self.writers: set[asyncio.StreamWriter] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection (HTTP/2 when ALPN chose it, else HTTP/1.1)."""
        ssl_object = writer.get_extra_info("ssl_object")
        scheme = "https" if ssl_object is not None else "http"
        site = self.sites[scheme]
        protocol = ssl_object.selected_alpn_protocol() if ssl_object is not None else None
        label = f"{scheme} {'h2' if protocol == 'h2' else 'http/1.1'}"
        counted = False

        def asked(target: str) -> bool:
            """Count the connection at its first request but /_stats; False for /_stats."""
            nonlocal counted
            if target.partition("?")[0] == "/_stats":
                return False
            if not counted:
                counted = True
                site.stats.count(site.stats.connections, label)
            return True

        self.writers.add(writer)
        try:
            if protocol == "h2":
                await self._serve_h2(site, reader, writer, asked)
            else:
                await self._serve_h1(site, reader, writer, asked)
        except (
            asyncio.IncompleteReadError,
            ConnectionError,
            asyncio.LimitOverrunError,
            ssl.SSLError,
        ):
            pass
        finally:
            self.writers.discard(writer)
            with contextlib.suppress(ConnectionError, ssl.SSLError, RuntimeError):
                writer.close()
                await writer.wait_closed()

    async def _serve_h1(
        self,
        site: Site,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        asked: Callable[[str], bool],
    ) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = [*lines[0].split(" "), "", ""][:3]
            headers: dict[str, str] = {}
            for line in lines[1:]:
                key, _, value = line.partition(":")
                if key:
                    headers[key.strip().lower()] = value.strip()
            if asked(target):  # not /_stats: answered after the latency
                await asyncio.sleep(self.latency)
            answer = site.answer(method, target, headers)
            head_lines = [f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Unknown')}"]
            head_lines += [f"{k}: {v}" for k, v in answer.headers]
            writer.write(("\r\n".join(head_lines) + "\r\n\r\n").encode("latin-1") + answer.body)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                return

    async def _serve_h2(
        self,
        site: Site,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        asked: Callable[[str], bool],
    ) -> None:
        from h2.config import H2Configuration
        from h2.connection import H2Connection
        from h2.events import ConnectionTerminated, RequestReceived, StreamReset
        from h2.exceptions import ProtocolError, StreamClosedError

        connection = H2Connection(H2Configuration(client_side=False, header_encoding="utf-8"))
        connection.initiate_connection()
        writer.write(connection.data_to_send())
        pending: dict[int, memoryview] = {}
        tasks: set[asyncio.Task[None]] = set()

        def flush() -> None:
            for stream in list(pending):
                view = pending[stream]
                try:
                    while view:
                        size = min(
                            connection.local_flow_control_window(stream),
                            connection.max_outbound_frame_size,
                            len(view),
                        )
                        if size <= 0:
                            break
                        connection.send_data(
                            stream, bytes(view[:size]), end_stream=size == len(view)
                        )
                        view = view[size:]
                except (StreamClosedError, ProtocolError):
                    view = view[:0]
                if view:
                    pending[stream] = view
                else:
                    del pending[stream]
            data = connection.data_to_send()
            if data:
                writer.write(data)

        async def respond(stream: int, request: list[tuple[str, str]]) -> None:
            headers = {k.lower(): v for k, v in request if not k.startswith(":")}
            pseudo = {k: v for k, v in request if k.startswith(":")}
            target = pseudo.get(":path", "/")
            if asked(target):  # not /_stats: answered after the latency
                await asyncio.sleep(self.latency)
            answer = site.answer(pseudo.get(":method", "GET"), target, headers)
            try:
                connection.send_headers(
                    stream,
                    [(":status", str(answer.status)), *answer.headers],
                    end_stream=not answer.body,
                )
            except (StreamClosedError, ProtocolError):
                return
            if answer.body:
                pending[stream] = memoryview(answer.body)
            flush()

        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                try:
                    events = connection.receive_data(data)
                except ProtocolError:
                    return
                for event in events:
                    if isinstance(event, RequestReceived) and event.stream_id is not None:
                        headers = [(str(k), str(v)) for k, v in event.headers or []]
                        task = asyncio.create_task(respond(event.stream_id, headers))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    elif isinstance(event, StreamReset) and event.stream_id is not None:
                        pending.pop(event.stream_id, None)
                    elif isinstance(event, ConnectionTerminated):
                        flush()
                        return
                flush()
                await writer.drain()
        finally:
            for task in tasks:
                task.cancel()


def _tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """A server context with a certificate for 127.0.0.1 from a new throw-away authority."""
    import trustme

    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    if ca_file is not None:
        authority.cert_pem.write_to_path(str(ca_file))
    return context


async def serve(options: argparse.Namespace) -> None:
    """Start both listeners, print their URLs, serve until killed."""
    fixture = load_fixture(options.fixture)
    stats = Stats()
    context = _tls_context(options.ca_file)
    context.set_alpn_protocols(["http/1.1"] if options.no_http2 else ["h2", "http/1.1"])
    sites: dict[str, Site] = {}
    server = Server(sites, options.latency)
    plain = await asyncio.start_server(server.handle, options.host, 0, backlog=1024)
    secure = await asyncio.start_server(server.handle, options.host, 0, ssl=context, backlog=1024)
    for scheme, listener in (("http", plain), ("https", secure)):
        port = listener.sockets[0].getsockname()[1]
        sites[scheme] = Site(
            fixture,
            f"{scheme}://{options.host}:{port}",
            synthetic=options.synthetic,
            gzip_pages=options.gzip,
            stats=stats,
        )
        sites[scheme].prepare(html_too=not options.json_only)
    urls = {scheme: f"{site.origin}/simple/" for scheme, site in sites.items()}
    ca = str(options.ca_file) if options.ca_file else None
    print(json.dumps({**urls, "ca": ca}), flush=True)
    async with plain, secure:
        await asyncio.gather(plain.serve_forever(), secure.serve_forever())


@contextlib.contextmanager
def serve_in_thread(
    fixture: Fixture, *, latency: float = 0.0, synthetic: int = 0
) -> Iterator[Site]:
    """A plain-http server on 127.0.0.1 on a thread of its own, until the context ends."""
    loop = asyncio.new_event_loop()
    sites: dict[str, Site] = {}
    server = Server(sites, latency)

    async def start() -> asyncio.Server:
        listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        sites["http"] = Site(fixture, f"http://127.0.0.1:{port}", synthetic=synthetic)
        return listener

    async def stop(listener: asyncio.Server) -> None:
        listener.close()
        for writer in list(server.writers):
            writer.close()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await listener.wait_closed()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        listener = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
        try:
            yield sites["http"]
        finally:
            asyncio.run_coroutine_threadsafe(stop(listener), loop).result(timeout=10)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the options and serve."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--synthetic", type=int, default=1000, help="one-file projects bench-<i>")
    parser.add_argument("--fixture", type=Path, default=FIXTURE)
    parser.add_argument("--ca-file", type=Path, help="write the CA certificate (PEM) here")
    parser.add_argument("--no-http2", action="store_true", help="https speaks HTTP/1.1 only")
    parser.add_argument("--gzip", action="store_true", help="compress pages for gzip clients")
    parser.add_argument("--json-only", action="store_true", help="do not prepare HTML pages")
    options = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(options))


if __name__ == "__main__":
    main()
