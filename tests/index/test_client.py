"""The client's protocol corners against HTTP servers on 127.0.0.1 (pytest-httpserver).

These servers stand in for the real Chainguard index, which tests never reach: each one
answers exactly the way the corner under test needs.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
import time
from pathlib import Path

import pytest
from packaging.utils import NormalizedName, canonicalize_name
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from cg_action._errors import IndexAuthError, IndexUnreachableError, InputError
from cg_action._index import IndexClient
from cg_action._index._client import ACCEPT
from cg_action._models import (
    Absent,
    ClientSettings,
    Found,
    IndexConfig,
    ProjectAnswer,
    Unavailable,
)

from . import _pages
from .conftest import FAKE_CREDENTIALS, FAKE_PASSWORD, index_at

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
FLASK = canonicalize_name("flask")
EXPECTED_AUTH = "Basic " + base64.b64encode(f"org-id/identity:{FAKE_PASSWORD}".encode()).decode()


def _ask(
    settings: ClientSettings, index: IndexConfig, *names: str
) -> dict[NormalizedName, ProjectAnswer]:
    with IndexClient(settings) as client:
        return client.get_projects(index, [canonicalize_name(n) for n in names])


def _unavailable(answer: ProjectAnswer) -> Unavailable:
    assert isinstance(answer, Unavailable), answer
    assert FAKE_PASSWORD not in answer.reason
    return answer


def _json_page(name: str = "flask", version: str = "3.0.2") -> str:
    return json.dumps(
        {
            "meta": {"api-version": "1.0"},
            "name": name,
            "files": [
                {
                    "filename": f"{name}-{version}-py3-none-any.whl",
                    "url": f"/files/{name}/{name}-{version}-py3-none-any.whl",
                    "hashes": {"sha256": "a" * 64},
                }
            ],
        }
    )


def test_json_page_with_credentials_on_the_first_request(
    server: HTTPServer, fast: ClientSettings
) -> None:
    server.expect_request("/simple/flask/").respond_with_data(
        _pages.CHAINGUARD_JSON, content_type=JSON_TYPE
    )
    answers = _ask(fast, index_at(server), "flask")
    answer = answers[FLASK]
    assert isinstance(answer, Found)
    assert len(answer.project.files) == 3
    assert answer.project.files[0].url == server.url_for(
        "/files/flask/flask-3.0.2-py3-none-any.whl"
    )
    ((request, _response),) = server.log
    assert request.headers["Authorization"] == EXPECTED_AUTH
    assert request.headers["Accept"] == ACCEPT


def test_html_page_and_absent_projects(server: HTTPServer, fast: ClientSettings) -> None:
    server.expect_request("/simple/flask/").respond_with_data(
        _pages.CHAINGUARD_HTML, content_type="text/html; charset=utf-8"
    )
    server.expect_request("/simple/gone/").respond_with_data("gone", status=410)
    answers = _ask(fast, index_at(server), "flask", "Flask", "nope", "gone")
    assert list(answers) == ["flask", "nope", "gone"]
    assert isinstance(answers[FLASK], Found)
    assert answers[canonicalize_name("nope")] == Absent(
        name=canonicalize_name("nope"), index_url=server.url_for("/simple/")
    )
    assert isinstance(answers[canonicalize_name("gone")], Absent)
    assert len(server.log) == 3  # one request per distinct project


def test_redirect_to_another_origin_drops_the_credentials(
    server: HTTPServer, other_server: HTTPServer, fast: ClientSettings
) -> None:
    server.expect_request("/simple/flask/").respond_with_data(
        "", status=302, headers={"Location": other_server.url_for("/mirror/flask/")}
    )
    other_server.expect_request("/mirror/flask/").respond_with_data(
        _pages.PYPISERVER_HTML.replace("six", "flask"), content_type="text/html"
    )
    answer = _ask(fast, index_at(server), "flask")[FLASK]
    assert isinstance(answer, Found)
    # links resolve against the page's final URL
    assert answer.project.files[0].url == other_server.url_for(
        "/packages/flask-1.16.0-py2.py3-none-any.whl"
    )
    ((first, _),) = server.log
    ((second, _),) = other_server.log
    assert first.headers.get("Authorization") == EXPECTED_AUTH
    assert "Authorization" not in second.headers


def test_redirect_within_the_index_keeps_the_credentials(
    server: HTTPServer, fast: ClientSettings
) -> None:
    server.expect_request("/simple/flask/").respond_with_data(
        "", status=301, headers={"Location": "/other/simple/flask/"}
    )
    server.expect_request("/other/simple/flask/").respond_with_data(
        _json_page(), content_type=JSON_TYPE
    )
    assert isinstance(_ask(fast, index_at(server), "flask")[FLASK], Found)
    assert [r.headers.get("Authorization") for r, _ in server.log] == [EXPECTED_AUTH] * 2


def test_redirect_loop_is_unavailable(server: HTTPServer, fast: ClientSettings) -> None:
    server.expect_request("/simple/flask/").respond_with_data(
        "", status=302, headers={"Location": "/simple/flask"}
    )
    server.expect_request("/simple/flask").respond_with_data(
        "", status=302, headers={"Location": "/simple/flask/"}
    )
    answer = _unavailable(_ask(fast, index_at(server), "flask")[FLASK])
    assert "redirect loop" in answer.reason


@pytest.mark.parametrize(
    ("status", "message", "hint"),
    [(401, "refused the credentials", "chainctl auth pull-token"), (403, "denied", "entitlement")],
)
def test_auth_failures_raise(
    server: HTTPServer, fast: ClientSettings, status: int, message: str, hint: str
) -> None:
    server.expect_request("/simple/flask/").respond_with_data("no", status=status)
    server.expect_request("/simple/other/").respond_with_data(_json_page(), content_type=JSON_TYPE)
    with pytest.raises(IndexAuthError, match=message) as caught:
        _ask(fast, index_at(server), "flask", "other")
    text = caught.value.diagnostics()
    assert hint in text
    assert FAKE_PASSWORD not in text


def test_401_without_credentials_says_they_are_needed(
    server: HTTPServer, fast: ClientSettings
) -> None:
    server.expect_request("/simple/flask/").respond_with_data("no", status=401)
    with pytest.raises(IndexAuthError, match="needs credentials"):
        _ask(fast, index_at(server, credentials=None), "flask")


def test_server_error_then_success_is_retried(server: HTTPServer, fast: ClientSettings) -> None:
    server.expect_oneshot_request("/simple/flask/").respond_with_data("oops", status=500)
    server.expect_request("/simple/flask/").respond_with_data(_json_page(), content_type=JSON_TYPE)
    assert isinstance(_ask(fast, index_at(server), "flask")[FLASK], Found)
    assert [response.status_code for _, response in server.log] == [500, 200]


def test_persistent_server_error_is_unavailable_after_the_retries(
    server: HTTPServer, fast: ClientSettings
) -> None:
    server.expect_request("/simple/flask/").respond_with_data("down", status=503)
    answer = _unavailable(_ask(fast, index_at(server), "flask")[FLASK])
    assert answer.reason == "HTTP 503 SERVICE UNAVAILABLE (3 attempts)"
    assert len(server.log) == fast.max_retries + 1


def test_429_waits_for_retry_after(server: HTTPServer, fast: ClientSettings) -> None:
    server.expect_oneshot_request("/simple/flask/").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    server.expect_request("/simple/flask/").respond_with_data(_json_page(), content_type=JSON_TYPE)
    started = time.monotonic()
    assert isinstance(_ask(fast, index_at(server), "flask")[FLASK], Found)
    assert time.monotonic() - started >= 1.0
    assert len(server.log) == 2


def test_429_asking_for_more_time_than_left_gives_up(server: HTTPServer) -> None:
    settings = ClientSettings(total_timeout=2.0, max_retries=3)
    server.expect_request("/simple/flask/").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "20"}
    )
    started = time.monotonic()
    answer = _unavailable(_ask(settings, index_at(server), "flask")[FLASK])
    assert "no time left" in answer.reason
    assert time.monotonic() - started < 2.0


def test_slow_answer_times_out(server: HTTPServer, fast: ClientSettings) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response(_json_page(), content_type=JSON_TYPE)

    server.expect_request("/simple/flask/").respond_with_handler(slow)
    settings = ClientSettings(read_timeout=0.3, total_timeout=10.0, max_retries=1)
    answer = _unavailable(_ask(settings, index_at(server), "flask")[FLASK])
    assert answer.reason == "read timeout (2 attempts)"


def test_total_timeout_bounds_one_project(server: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response(_json_page(), content_type=JSON_TYPE)

    server.expect_request("/simple/flask/").respond_with_handler(slow)
    settings = ClientSettings(read_timeout=5.0, total_timeout=0.5, max_retries=3)
    started = time.monotonic()
    answer = _unavailable(_ask(settings, index_at(server), "flask")[FLASK])
    assert answer.reason.startswith("no answer within 0.5 s")
    assert time.monotonic() - started < 1.4


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        ("{not json", JSON_TYPE, "malformed JSON page"),
        ("<html><body><a href='x-1.0.tar.gz'>x</a></body></html>", JSON_TYPE, "malformed JSON"),
        ("PK\x03\x04binary", "application/octet-stream", "unexpected content type"),
        ("upstream connect error", "text/plain", "unexpected content type"),
        ("Service temporarily down", "text/html", "not a simple index page"),
        ('{"meta": {"api-version": "2.0"}, "files": []}', JSON_TYPE, "unsupported simple API"),
    ],
)
def test_malformed_answers_are_unavailable_without_retry(
    server: HTTPServer, fast: ClientSettings, body: str, content_type: str, reason: str
) -> None:
    server.expect_request("/simple/flask/").respond_with_data(body, content_type=content_type)
    answer = _unavailable(_ask(fast, index_at(server), "flask")[FLASK])
    assert reason in answer.reason
    assert len(server.log) == 1


@pytest.mark.parametrize("chunked", [False, True])
def test_oversized_pages_are_unavailable(server: HTTPServer, chunked: bool) -> None:
    body = _json_page() + " " * 5000

    def handler(request: Request) -> Response:
        if chunked:  # no Content-Length: the client must count while reading
            return Response(iter([body[:3000], body[3000:]]), content_type=JSON_TYPE)
        return Response(body, content_type=JSON_TYPE)

    server.expect_request("/simple/flask/").respond_with_handler(handler)
    settings = ClientSettings(max_page_bytes=4096)
    answer = _unavailable(_ask(settings, index_at(server), "flask")[FLASK])
    assert "larger than 4096 bytes" in answer.reason


def test_unreachable_index_answers_unavailable_for_every_project(fast: ClientSettings) -> None:
    import socket

    with socket.socket() as sock:  # a port that is bound but never listens: refused at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        index = IndexConfig(url=f"http://127.0.0.1:{port}/simple/", use_netrc=False)
        answers = _ask(fast, index, "flask", "requests", "six")
    assert set(answers) == {"flask", "requests", "six"}
    for answer in answers.values():
        assert _unavailable(answer).reason.startswith("connection failed")


def test_requests_run_concurrently_within_the_bound(server: HTTPServer) -> None:
    lock = threading.Lock()
    active = 0
    peak = 0

    def handler(request: Request) -> Response:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.2)
        with lock:
            active -= 1
        name = request.path.strip("/").rpartition("/")[2]
        return Response(_json_page(name), content_type=JSON_TYPE)

    for number in range(24):
        server.expect_request(f"/simple/p{number}/").respond_with_handler(handler)
    settings = ClientSettings(concurrency=6)
    started = time.monotonic()
    answers = _ask(settings, index_at(server), *(f"p{n}" for n in range(24)))
    elapsed = time.monotonic() - started
    assert all(isinstance(a, Found) for a in answers.values())
    assert peak <= 6
    assert peak >= 3
    assert elapsed < 24 * 0.2 / 2  # far from one at a time (4.8 s)


def test_works_when_called_from_inside_an_event_loop(
    server: HTTPServer, fast: ClientSettings
) -> None:
    server.expect_request("/simple/flask/").respond_with_data(_json_page(), content_type=JSON_TYPE)

    async def caller() -> dict[NormalizedName, ProjectAnswer]:
        return _ask(fast, index_at(server), "flask")

    assert isinstance(asyncio.run(caller())[FLASK], Found)


def test_one_client_serves_several_calls(server: HTTPServer, fast: ClientSettings) -> None:
    server.expect_request("/simple/flask/").respond_with_data(_json_page(), content_type=JSON_TYPE)
    with IndexClient(fast) as client:
        first = client.get_projects(index_at(server), [FLASK])
        second = client.get_projects(index_at(server), [FLASK])
        assert client.get_projects(index_at(server), []) == {}
    assert first == second
    assert isinstance(first[FLASK], Found)


def test_netrc_credentials_are_sent(
    server: HTTPServer, fast: ClientSettings, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1\n  login org-id/identity\n  password {FAKE_PASSWORD}\n")
    server.expect_request("/simple/flask/").respond_with_data(_json_page(), content_type=JSON_TYPE)
    index = IndexConfig(url=server.url_for("/simple/"), netrc_path=netrc)
    assert isinstance(_ask(fast, index, "flask")[FLASK], Found)
    ((request, _),) = server.log
    assert request.headers["Authorization"] == EXPECTED_AUTH


def test_netrc_for_another_host_sends_nothing(
    server: HTTPServer, fast: ClientSettings, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine libraries.cgr.dev login u password p\n")
    server.expect_request("/simple/flask/").respond_with_data(_json_page(), content_type=JSON_TYPE)
    _ask(fast, IndexConfig(url=server.url_for("/simple/"), netrc_path=netrc), "flask")
    ((request, _),) = server.log
    assert "Authorization" not in request.headers


def test_malformed_netrc_is_an_input_error(tmp_path: Path, fast: ClientSettings) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login u password p\nfoo bar\n")
    index = IndexConfig(url="http://127.0.0.1:9/simple/", netrc_path=netrc)
    with pytest.raises(InputError, match="netrc"):
        _ask(fast, index, "flask")


def test_nothing_logged_or_answered_carries_the_password(
    server: HTTPServer, fast: ClientSettings, caplog: pytest.LogCaptureFixture
) -> None:
    secret_url = server.url_for("/simple/").replace("://", f"://user:{FAKE_PASSWORD}@")
    server.expect_request("/simple/bad/").respond_with_data(
        "", status=302, headers={"Location": secret_url + "bad/"}
    )
    server.expect_request("/simple/down/").respond_with_data(f"{secret_url} down", status=500)
    caplog.set_level(logging.DEBUG)
    answers = _ask(fast, index_at(server), "bad", "down")
    for answer in answers.values():
        _unavailable(answer)
    # this project's loggers and httpx's request lines (httpcore's DEBUG trace echoes the
    # server's own response headers, which is the server's text, not a credential we hold)
    ours = [r for r in caplog.records if r.name.startswith(("cg_action", "httpx"))]
    assert ours
    assert all(FAKE_PASSWORD not in r.getMessage() for r in ours)
    assert FAKE_PASSWORD not in repr(FAKE_CREDENTIALS)
    # the user-info of the redirect target was not used as credentials either
    assert all(r.headers.get("Authorization") in (None, EXPECTED_AUTH) for r, _ in server.log)


def test_progress_is_drawn_only_for_slow_runs(
    server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.3)
        return Response(_json_page(), content_type=JSON_TYPE)

    server.expect_request("/simple/slow/").respond_with_handler(slow)
    server.expect_request("/simple/flask/").respond_with_data(_json_page(), content_type=JSON_TYPE)
    settings = ClientSettings(show_progress=True, read_timeout=5.0)
    _ask(settings, index_at(server), "flask")
    assert capsys.readouterr().err == ""
    _ask(settings, index_at(server), "slow", "flask")
    err = capsys.readouterr().err
    assert "\rcg-action: asking the index " in err
    assert err.endswith("\r")


# -- files -----------------------------------------------------------------------------------


def test_probe_files(server: HTTPServer, other_server: HTTPServer, fast: ClientSettings) -> None:
    blocked = {
        "error": "file withheld by policy: policy",
        "reason": "POLICY_ORG_BLOCKLIST",
        "message": "blocked by your organization",
    }
    server.expect_request("/files/ok.whl").respond_with_data(
        "", status=302, headers={"Location": other_server.url_for("/r2/ok.whl")}
    )
    server.expect_request("/files/blocked.whl").respond_with_json(blocked, status=409)
    server.expect_request("/files/malware.whl").respond_with_json(
        {"error": "malware detected", "reason": "MALWARE_DETECTED"}, status=409
    )
    server.expect_request("/files/partial.whl").respond_with_data("P", status=206)
    server.expect_oneshot_request("/files/flaky.whl").respond_with_data("", status=502)
    server.expect_request("/files/flaky.whl").respond_with_data("P", status=200)
    server.expect_request("/files/teapot.whl").respond_with_data("short and stout", status=418)
    urls = [
        server.url_for(f"/files/{n}.whl")
        for n in ("ok", "blocked", "malware", "missing", "partial", "flaky", "teapot")
    ]
    with IndexClient(fast) as client:
        probes = client.probe_files(index_at(server), urls)
    ok, blocked_probe, malware, missing, partial, flaky, teapot = (probes[u] for u in urls)
    assert ok.status_code == 302
    assert other_server.log == []  # the redirect was not followed
    assert (blocked_probe.status_code, blocked_probe.blocked_reason) == (
        409,
        "POLICY_ORG_BLOCKLIST",
    )
    assert blocked_probe.message == "blocked by your organization"
    assert (malware.blocked_reason, malware.message) == ("MALWARE_DETECTED", "malware detected")
    assert missing.status_code == 404
    assert partial.status_code == 206
    assert flaky.status_code == 200
    assert (teapot.status_code, teapot.message) == (418, "short and stout")
    assert all(r.headers.get("Range") == "bytes=0-0" for r, _ in server.log)
    assert all(r.headers.get("Authorization") == EXPECTED_AUTH for r, _ in server.log)


def _ranged(data: bytes) -> object:
    def handler(request: Request) -> Response:
        if request.method == "HEAD":
            return Response(data)  # werkzeug sends the length and drops the body
        spec = request.headers.get("Range", "")
        if not spec.startswith("bytes="):
            return Response(data)
        first, _, last = spec[len("bytes=") :].partition("-")
        if not first:
            start, end = len(data) - int(last), len(data) - 1
        else:
            start, end = int(first), (int(last) if last else len(data) - 1)
        return Response(
            data[start : end + 1],
            status=206,
            headers={"Content-Range": f"bytes {start}-{end}/{len(data)}"},
        )

    return handler


def test_fetch_range_and_file_size_follow_the_redirect_without_credentials(
    server: HTTPServer, other_server: HTTPServer, fast: ClientSettings
) -> None:
    data = bytes(range(256)) * 40
    server.expect_request("/files/x.whl").respond_with_data(
        "", status=302, headers={"Location": other_server.url_for("/r2/x.whl")}
    )
    other_server.expect_request("/r2/x.whl").respond_with_handler(_ranged(data))  # type: ignore[arg-type]
    url = server.url_for("/files/x.whl")
    index = index_at(server)
    with IndexClient(fast) as client:
        assert client.file_size(index, url) == len(data)
        assert client.fetch_range(index, url, 10, 19) == data[10:20]
        assert client.fetch_range(index, url, -22, None) == data[-22:]
        assert client.fetch_range(index, url, 10230, None) == data[10230:]
    assert all(r.headers.get("Authorization") == EXPECTED_AUTH for r, _ in server.log)
    assert all("Authorization" not in r.headers for r, _ in other_server.log)


def test_fetch_range_on_a_server_without_ranges(server: HTTPServer, fast: ClientSettings) -> None:
    data = b"0123456789" * 100
    server.expect_request("/files/x.whl", method="GET").respond_with_data(data)
    server.expect_request("/files/x.whl", method="HEAD").respond_with_data(b"", status=405)
    url = server.url_for("/files/x.whl")
    with IndexClient(fast) as client:
        assert client.fetch_range(index_at(server), url, 5, 14) == data[5:15]
        with pytest.raises(IndexUnreachableError, match="does not answer range requests"):
            client.fetch_range(index_at(server), url, -10, None)
        assert client.file_size(index_at(server), url) is None


def test_fetch_range_of_a_missing_file_raises(server: HTTPServer, fast: ClientSettings) -> None:
    with IndexClient(fast) as client, pytest.raises(IndexUnreachableError, match="HTTP 404"):
        client.fetch_range(index_at(server), server.url_for("/files/none.whl"), 0, 9)
