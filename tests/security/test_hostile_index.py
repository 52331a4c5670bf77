"""A hostile index cannot make a run hang: the time limit holds in wall-clock time.

The servers drip one byte every 50 ms (far below every read timeout), in the response head, in
a body with a huge ``Content-Length`` and in chunks, over plain http and
over https. ``check`` is run through ``main`` (and once as a process) with a short
``--timeout``; it must end within that limit and a little slack, and say ``unknown`` (exit 3),
never ``missing``.
"""

from __future__ import annotations

import io
import json
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import trustme

from cg_action._cli import main
from tests.security._hostile_servers import HostileServer, hostile_server, trusted_tls

LIMIT = 2.0
# starting the interpreter's imports, reading the files, writing the report: well under this
SLACK = 3.0


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls(authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    return trusted_tls(authority, str(tmp_path / "ca.pem"), monkeypatch)


@pytest.fixture(params=["http", "https"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


Serve = Callable[[str, str], AbstractContextManager[HostileServer]]


@pytest.fixture
def serve(request: pytest.FixtureRequest) -> Serve:
    """Start a hostile server (mode, transport): https servers get a trusted certificate."""

    def start(mode: str, transport: str) -> AbstractContextManager[HostileServer]:
        context = request.getfixturevalue("tls") if transport == "https" else None
        return hostile_server(mode, tls=context)

    return start


def check(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, str, float]:
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    code = main(
        ["check", str(project), "--format", "json", "--no-cache", *args],
        env={"CG_ACTION_NO_NETRC": "true", **(env or {})},
        out=out,
        err=err,
    )
    return code, out.getvalue(), err.getvalue(), time.monotonic() - started


def statuses(report: str) -> dict[str, str]:
    return {row["name"]: row["status"] for row in json.loads(report)["results"]}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "requirements.txt").write_text("flask==3.0.2\n")
    return folder


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mode", ["headers", "body", "chunked"])
def test_a_dripping_index_is_unknown_within_the_time_limit(
    mode: str, transport: str, project: Path, serve: Serve
) -> None:
    with serve(mode, transport) as server:
        code, out, err, elapsed = check(
            project,
            "--index-url",
            f"{server.url}/simple/",
            "--no-fallback",
            "--timeout",
            str(LIMIT),
        )
        assert server.requests, "the index was never asked"
    assert elapsed < LIMIT + SLACK, (mode, transport, elapsed)
    assert code == 3, err
    assert statuses(out) == {"flask": "unknown"}
    assert "time limit" in out


@pytest.mark.timeout(60)
def test_the_limit_covers_the_whole_run_not_each_project(
    tmp_path: Path, transport: str, serve: Serve
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    names = [f"pkg{number}" for number in range(6)]
    (folder / "requirements.txt").write_text("".join(f"{n}==1.0\n" for n in names))
    with serve("body", transport) as server:
        # one request at a time, then the fallback (the same dripping server) for each
        code, out, _err, elapsed = check(
            folder,
            "--index-url",
            f"{server.url}/simple/",
            "--fallback-index-url",
            f"{server.url}/fallback/",
            "--concurrency",
            "1",
            "--timeout",
            str(LIMIT),
        )
    assert elapsed < LIMIT + SLACK, elapsed
    assert code == 3
    assert set(statuses(out).values()) == {"unknown"}


@pytest.mark.timeout(60)
def test_a_process_run_against_a_dripping_index_ends_in_time(project: Path) -> None:
    with hostile_server("chunked") as server:
        started = time.monotonic()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "cg_action",
                "check",
                str(project),
                "--index-url",
                f"{server.url}/simple/",
                "--no-fallback",
                "--no-cache",
                "--format",
                "json",
            ],
            env={
                "PATH": os.environ.get("PATH", ""),
                "CG_ACTION_TIMEOUT": str(LIMIT),
                "CG_ACTION_NO_NETRC": "true",
                "HOME": str(project),
            },
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        elapsed = time.monotonic() - started
    assert result.returncode == 3, result.stderr
    assert elapsed < LIMIT + SLACK + 2.0  # the interpreter starts too
    assert statuses(result.stdout) == {"flask": "unknown"}


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_a_time_limit_that_is_not_a_positive_number_is_a_usage_error(
    project: Path, value: str
) -> None:
    code, _out, err, _elapsed = check(project, "--timeout", value)
    assert code == 2
    assert "--timeout" in err
    code, _out, err, _elapsed = check(project, env={"CG_ACTION_TIMEOUT": value})
    assert code == 2
    assert "--timeout" in err or "CG_ACTION_TIMEOUT" in err


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mode", ["headers", "range"])
def test_verify_against_a_dripping_file_host_ends_within_the_time_limit(
    tmp_path: Path, transport: str, serve: Serve, mode: str
) -> None:
    from pytest_httpserver import HTTPServer

    from tests._wheels import make_wheel

    make_wheel(tmp_path / "wheels", "alpha", "1.0.0")
    filename = "alpha-1.0.0-py3-none-any.whl"
    index = HTTPServer(host="127.0.0.1", port=0)
    index.start()
    try:
        with serve(mode, transport) as files:
            page = {
                "meta": {"api-version": "1.0"},
                "name": "alpha",
                "files": [{"filename": filename, "url": f"{files.url}/f/{filename}", "hashes": {}}],
            }
            index.expect_request("/simple/alpha/").respond_with_json(page)
            out, err = io.StringIO(), io.StringIO()
            started = time.monotonic()
            code = main(
                [
                    "verify",
                    str(tmp_path / "wheels"),
                    "--index-url",
                    index.url_for("/simple/"),
                    "--no-cache",
                    "--timeout",
                    str(LIMIT),
                ],
                env={"CG_ACTION_NO_NETRC": "true"},
                out=out,
                err=err,
            )
            elapsed = time.monotonic() - started
            assert files.requests, "the file host was never asked"
    finally:
        index.clear()
        index.stop()
    assert elapsed < LIMIT + SLACK, elapsed
    assert code == 3, err
    assert "time limit" in out.getvalue()


@pytest.mark.timeout(60)
def test_no_page_is_read_once_the_time_limit_has_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading one received page is not cut (an anchor-heavy page of 20 MiB costs tens of
    seconds of CPU), but no other starts after the limit: a run against an index answering
    with many such pages still ends near its limit. The slow reading is made by a page reader
    that sleeps (so that the test does not depend on this machine's speed); the pages come
    from a real server on 127.0.0.1, ``slow`` at once, ``late`` 0.4 s later, while ``slow``
    is being read."""
    from pytest_httpserver import HTTPServer
    from werkzeug import Request, Response

    from cg_action._index import _json

    read_page = _json.parse_json_page

    def slow_reader(data: bytes | str, page_url: str, **names: object) -> object:
        if "/slow/" in page_url:
            time.sleep(LIMIT + 0.5)
        return read_page(data, page_url, **names)  # type: ignore[arg-type]

    monkeypatch.setattr(_json, "parse_json_page", slow_reader)

    def page(name: str) -> bytes:
        filename = f"{name}-1.0-py3-none-any.whl"
        return json.dumps(
            {
                "meta": {"api-version": "1.0"},
                "name": name,
                "files": [{"filename": filename, "url": f"/files/{filename}", "hashes": {}}],
            }
        ).encode()

    def late(_request: Request) -> Response:
        time.sleep(0.4)
        return Response(page("late"), content_type="application/vnd.pypi.simple.v1+json")

    (tmp_path / "requirements.txt").write_text("slow==1.0\nlate==1.0\n")
    index = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    index.start()
    try:
        index.expect_request("/simple/slow/").respond_with_data(
            page("slow"), content_type="application/vnd.pypi.simple.v1+json"
        )
        index.expect_request("/simple/late/").respond_with_handler(late)
        code, out, err, elapsed = check(
            tmp_path,
            "--index-url",
            index.url_for("/simple/"),
            "--no-fallback",
            "--timeout",
            str(LIMIT),
        )
        asked = sorted(request.path for request, _ in index.log)
    finally:
        index.clear()
        index.stop()
    assert asked == ["/simple/late/", "/simple/slow/"]
    assert elapsed < LIMIT + 0.5 + SLACK, elapsed
    assert code == 3, err
    assert statuses(out) == {"slow": "chainguard", "late": "unknown"}
    late_row = next(r for r in json.loads(out)["results"] if r["name"] == "late")
    assert "time limit" in late_row["message"], late_row
