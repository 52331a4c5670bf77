"""An answer that is not an index page says nothing about a project: unknown, never missing.

A 200 maintenance page, a login page reached through a redirect, a page cut off inside its
markup, a 404 or 403 from a host the index redirected to: none of them is the index saying
"this project has no such version". A real simple page that lists no files (the PEP 503
marker, a "Links for <project>" heading, PEP 691's ``meta.api-version``) still is, and a
refusal from the index itself still stops the run. Driven through the command line against
servers on 127.0.0.1, over http and https.
"""

from __future__ import annotations

import io
import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer

from cg_action._cli import main
from tests.security._hostile_servers import trusted_tls

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
WHEEL = "flask-3.0.2-py3-none-any.whl"
GOOD_PAGE = f'<html><body><a href="/files/{WHEEL}">{WHEEL}</a></body></html>'


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def _start(context: ssl.SSLContext | None = None) -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.no_handler_status_code = 404
    server.start()
    return server


@pytest.fixture(params=["http", "https"])
def index(
    request: pytest.FixtureRequest,
    authority: trustme.CA,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[HTTPServer]:
    """The index, over plain http or https."""
    context = None
    if request.param == "https":
        context = trusted_tls(authority, str(tmp_path / "ca.pem"), monkeypatch)
    server = _start(context)
    try:
        yield server
    finally:
        server.clear()
        server.stop()


@pytest.fixture
def elsewhere() -> Iterator[HTTPServer]:
    """Another host (another origin): a login service, a file host."""
    server = _start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


def check(folder: Path, index: HTTPServer, *pins: str) -> tuple[int, dict[str, dict[str, str]]]:
    (folder / "requirements.txt").write_text("".join(f"{pin}\n" for pin in pins))
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "check",
            str(folder),
            "--index-url",
            index.url_for("/simple/"),
            "--no-fallback",
            "--no-cache",
            "--format",
            "json",
            "--timeout",
            "30",
        ],
        env={"CG_ACTION_NO_NETRC": "true"},
        out=out,
        err=err,
    )
    assert out.getvalue(), err.getvalue()
    results = json.loads(out.getvalue())["results"]
    return code, {row["name"]: row for row in results}


NOT_PAGES = {
    "maintenance": (
        "<!DOCTYPE html><html><head><title>Down for maintenance</title></head>"
        "<body><h1>We'll be back soon</h1></body></html>"
    ),
    "login": (
        "<html><head><title>Sign in</title></head><body><form action=/login method=post>"
        '<input name=user><a href="/help">Help</a></form></body></html>'
    ),
    "another-project": (
        '<html><head><meta name="pypi:repository-version" content="1.0"></head>'
        "<body><h1>Links for django</h1></body></html>"
    ),
    "cut-in-a-tag": f'<html><body><a href="/files/{WHEEL}">{WHEEL}</a><a href="/files/fl',
    "cut-in-a-comment": "<html><head><title>Links for flask</title></head><body><!-- files",
    "cut-in-the-title": '<html><head><meta name="pypi:repository-version" content="1.0"><title>',
}


@pytest.mark.parametrize("kind", sorted(NOT_PAGES))
def test_a_200_that_is_not_a_simple_page_is_unknown(
    tmp_path: Path, index: HTTPServer, kind: str
) -> None:
    index.expect_request("/simple/flask/").respond_with_data(
        NOT_PAGES[kind], content_type="text/html"
    )
    code, results = check(tmp_path, index, "flask==3.0.2")
    assert results["flask"]["status"] == "unknown", results
    assert code == 3


@pytest.mark.parametrize(
    "body",
    ['{"meta": {"api-version": "1.0"}, "name": "django", "files": []}', '{"files": []}'],
    ids=["another-project", "no-api-version"],
)
def test_a_json_answer_that_is_not_this_projects_page_is_unknown(
    tmp_path: Path, index: HTTPServer, body: str
) -> None:
    index.expect_request("/simple/flask/").respond_with_data(body, content_type=JSON_TYPE)
    _code, results = check(tmp_path, index, "flask==3.0.2")
    assert results["flask"]["status"] == "unknown", results


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            '<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1">'
            "<title>Links for flask</title></head><body><h1>Links for flask</h1></body></html>",
            "text/html",
        ),
        ("<html><body><h1>Links for Flask</h1></body></html>", "text/html"),
        ('{"meta": {"api-version": "1.1"}, "name": "flask", "files": []}', JSON_TYPE),
    ],
    ids=["pep503-marker", "links-for-heading", "pep691"],
)
def test_a_real_page_without_files_still_says_missing(
    tmp_path: Path, index: HTTPServer, body: str, content_type: str
) -> None:
    index.expect_request("/simple/flask/").respond_with_data(body, content_type=content_type)
    code, results = check(tmp_path, index, "flask==3.0.2")
    assert results["flask"]["status"] == "missing", results
    assert code == 1


def test_a_redirect_to_a_login_page_is_unknown(
    tmp_path: Path, index: HTTPServer, elsewhere: HTTPServer
) -> None:
    index.expect_request("/simple/flask/").respond_with_data(
        "", status=302, headers={"Location": "/login?next=/simple/flask/"}
    )
    index.expect_request("/login").respond_with_data(
        '<html><head><meta name="pypi:repository-version" content="1.0"></head>'
        "<body><h1>Links for flask</h1><p>Please sign in</p></body></html>",
        content_type="text/html",
    )
    index.expect_request("/simple/django/").respond_with_data(
        "", status=302, headers={"Location": elsewhere.url_for("/sso/login")}
    )
    elsewhere.expect_request("/sso/login").respond_with_data("no such page", status=404)
    code, results = check(tmp_path, index, "flask==3.0.2", "django==5.0")
    assert results["flask"]["status"] == "unknown", results
    assert results["django"]["status"] == "unknown", results
    assert "outside the index" in results["django"]["message"]
    assert code == 3


def test_a_refusal_from_another_host_after_a_redirect_is_unknown_for_that_project_only(
    tmp_path: Path, index: HTTPServer, elsewhere: HTTPServer
) -> None:
    index.expect_request("/simple/django/").respond_with_data(
        "", status=302, headers={"Location": elsewhere.url_for("/simple/django/")}
    )
    elsewhere.expect_request("/simple/django/").respond_with_data("forbidden", status=403)
    index.expect_request("/simple/flask/").respond_with_data(GOOD_PAGE, content_type="text/html")
    code, results = check(tmp_path, index, "flask==3.0.2", "django==5.0")
    assert results["django"]["status"] == "unknown", results
    assert "403" in results["django"]["message"]
    assert results["flask"]["status"] == "chainguard", results
    assert code == 3


def test_a_refusal_from_the_index_itself_still_stops_the_run(
    tmp_path: Path, index: HTTPServer
) -> None:
    index.expect_request("/simple/flask/").respond_with_data("forbidden", status=403)
    (tmp_path / "requirements.txt").write_text("flask==3.0.2\n")
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["check", str(tmp_path), "--index-url", index.url_for("/simple/"), "--no-cache"],
        env={"CG_ACTION_NO_NETRC": "true"},
        out=out,
        err=err,
    )
    assert code == 3
    assert "denied access (HTTP 403)" in err.getvalue()


def test_a_page_moved_within_the_index_is_still_read(tmp_path: Path, index: HTTPServer) -> None:
    index.expect_request("/simple/flask/").respond_with_data(
        "", status=301, headers={"Location": "/simple/flask/index.html"}
    )
    index.expect_request("/simple/flask/index.html").respond_with_data(
        "<html><body><h1>Links for flask</h1></body></html>", content_type="text/html"
    )
    code, results = check(tmp_path, index, "flask==3.0.2")
    assert results["flask"]["status"] == "missing", results
    assert code == 1
