"""Every body the index sends is read within a size limit: an endless answer costs bounded memory.

``verify --index-url`` reads a wheel's RECORD with range requests: an answer of 206 that never
ends once took 6 GB. Pages, file ranges and error bodies are each read up to a limit and the
exchange ends there, as ``unknown``/``unavailable`` with a reason; the memory the run takes
(``tracemalloc``'s peak, every thread included) and what the server could send stay small. Run
over plain http and over https (TLS via trustme), through the command line.
"""

from __future__ import annotations

import io
import json
import ssl
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer

from cg_action._cli import main
from tests._wheels import make_wheel
from tests.security._hostile_servers import HostileServer, hostile_server, trusted_tls

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls(authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    return trusted_tls(authority, str(tmp_path / "ca.pem"), monkeypatch)


@pytest.fixture(params=["http", "https"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


Serve = Callable[..., AbstractContextManager[HostileServer]]


@pytest.fixture
def serve(request: pytest.FixtureRequest, transport: str) -> Serve:
    def start(mode: str, **options: int) -> AbstractContextManager[HostileServer]:
        context = request.getfixturevalue("tls") if transport == "https" else None
        return hostile_server(mode, tls=context, **options)

    return start


@pytest.fixture
def index() -> Iterator[HTTPServer]:
    """The index itself (plain http): its pages point at the hostile file host."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.no_handler_status_code = 404
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


def run_measured(argv: list[str]) -> tuple[int, str, str, float, int]:
    """(exit code, stdout, stderr, seconds, peak bytes allocated while it ran)."""
    out, err = io.StringIO(), io.StringIO()
    tracemalloc.start()
    started = time.monotonic()
    try:
        code = main(argv, env={"CG_ACTION_NO_NETRC": "true"}, out=out, err=err)
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return code, out.getvalue(), err.getvalue(), elapsed, peak


@pytest.mark.timeout(120)
def test_an_endless_range_answer_is_unavailable_with_bounded_memory(
    tmp_path: Path, index: HTTPServer, serve: Serve
) -> None:
    make_wheel(tmp_path / "wheels", "alpha", "1.0.0")
    filename = "alpha-1.0.0-py3-none-any.whl"
    with serve("endless", status=206) as files:
        page = {
            "meta": {"api-version": "1.0"},
            "name": "alpha",
            "files": [{"filename": filename, "url": f"{files.url}/files/{filename}", "hashes": {}}],
        }
        index.expect_request("/simple/alpha/").respond_with_data(
            json.dumps(page), content_type=JSON_TYPE
        )
        code, out, err, elapsed, peak = run_measured(
            [
                "verify",
                str(tmp_path / "wheels"),
                "--index-url",
                index.url_for("/simple/"),
                "--no-cache",
                "--timeout",
                "60",
            ]
        )
        sent = files.bytes_sent
    assert files.requests, "the file host was never asked"
    assert code == 3, err
    assert "could not be compared" in err
    assert "more than" in out  # the reason: more bytes than the range asked for
    assert elapsed < 20, elapsed  # the size limit ended it, not the time limit
    assert peak < 16 * MIB, peak
    assert sent < 64 * MIB, sent  # what the socket buffers took before the client hung up


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("mode", "status"), [("endless", 200), ("endless", 503), ("gzipbomb", 0)])
def test_an_endless_or_inflating_page_is_unknown_with_bounded_memory(
    tmp_path: Path, serve: Serve, mode: str, status: int
) -> None:
    (tmp_path / "requirements.txt").write_text("flask==3.0.2\n")
    options = {"status": status} if status else {}
    with serve(mode, **options) as server:
        code, out, err, elapsed, peak = run_measured(
            [
                "check",
                str(tmp_path),
                "--index-url",
                f"{server.url}/simple/",
                "--no-fallback",
                "--no-cache",
                "--format",
                "json",
                "--timeout",
                "60",
            ]
        )
        sent = server.bytes_sent
    assert code == 3, err
    (result,) = json.loads(out)["results"]
    assert result["status"] == "unknown"
    assert elapsed < 30, elapsed
    # the page limit is 20 MiB: the body read, and what parsing it would take, stay near it
    assert peak < 48 * MIB, (peak, result["message"])
    assert sent < 64 * MIB, sent
    if status != 503:
        assert "larger than" in result["message"]


@pytest.mark.timeout(120)
def test_a_whole_file_answer_to_a_range_keeps_only_the_range_in_memory(serve: Serve) -> None:
    from cg_action._index import IndexClient
    from cg_action._models import ClientSettings, IndexConfig

    with serve("endless", status=200) as files:  # ignores Range: the file from its start
        index = IndexConfig(url=f"{files.url}/simple/", use_netrc=False)
        tracemalloc.start()
        try:
            with IndexClient(ClientSettings(time_limit=60.0)) as client:
                data = client.fetch_range(index, f"{files.url}/f/x.whl", 32 * MIB, 32 * MIB + 99)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    block = b"PK\x05\x06"
    assert data == (block * 25)  # 32 MiB is a multiple of the 4-byte pattern
    assert peak < 8 * MIB, peak  # the 32 MiB before the range were read and dropped
