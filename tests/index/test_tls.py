"""An https index on 127.0.0.1, as Chainguard's is reached: pages go through httpx over TLS.

The certificate comes from a throw-away certificate authority (trustme) that only these tests
trust, through ``SSL_CERT_FILE`` as a user would set it. The server speaks HTTP/1.1 (werkzeug
offers no HTTP/2); what is tested is the https path itself: TLS, the page jobs driven on the
event loop, credentials, redirects, retries, and a certificate nobody trusts.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from packaging.utils import canonicalize_name
from pytest_httpserver import HTTPServer

from cg_action._errors import IndexAuthError
from cg_action._index import IndexClient
from cg_action._models import Absent, ClientSettings, Found, Unavailable

from .conftest import FAKE_PASSWORD, index_at

EXPECTED_AUTH = "Basic " + base64.b64encode(f"org-id/identity:{FAKE_PASSWORD}".encode()).decode()
SHA = "ef" * 32
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
SETTINGS = ClientSettings(max_retries=1, total_timeout=10.0, read_timeout=5.0, concurrency=4)


def json_page(name: str) -> str:
    filename = f"{name}-1.0-py3-none-any.whl"
    return (
        '{"meta": {"api-version": "1.0"}, "name": "'
        + name
        + '", "files": [{"filename": "'
        + filename
        + '", "url": "/files/'
        + filename
        + '", "hashes": {"sha256": "'
        + SHA
        + '"}}]}'
    )


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(
    authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[HTTPServer]:
    """An https server on 127.0.0.1 whose certificate the client trusts via SSL_CERT_FILE."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.no_handler_status_code = 404
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


def test_an_https_index_answers_through_httpx(tls_server: HTTPServer) -> None:
    tls_server.expect_request("/simple/flask/").respond_with_data(
        json_page("flask"), content_type=JSON_TYPE
    )
    tls_server.expect_request("/simple/moved/").respond_with_data(
        "", status=302, headers={"Location": "/elsewhere/moved/"}
    )
    tls_server.expect_request("/elsewhere/moved/").respond_with_data(
        json_page("moved"), content_type=JSON_TYPE
    )
    tls_server.expect_request("/simple/busy/").respond_with_data("busy", status=503)
    index = index_at(tls_server)
    assert index.url.startswith("https://127.0.0.1:")
    names = [canonicalize_name(n) for n in ("flask", "moved", "gone", "busy")]
    with IndexClient(SETTINGS) as client:
        answers = client.get_projects(index, names)
    flask = answers[names[0]]
    assert isinstance(flask, Found)
    (wheel,) = flask.project.files
    assert wheel.url == tls_server.url_for("/files/flask-1.0-py3-none-any.whl")
    assert isinstance(answers[names[1]], Found)
    assert isinstance(answers[names[2]], Absent)
    busy = answers[names[3]]
    assert isinstance(busy, Unavailable)
    assert busy.reason.startswith("HTTP 503")
    assert "(2 attempts)" in busy.reason
    for request, _response in tls_server.log:  # credentials on every request to the index
        assert request.headers["Authorization"] == EXPECTED_AUTH


def test_a_refusal_over_https_stops_the_run_with_the_hint(tls_server: HTTPServer) -> None:
    tls_server.expect_request("/simple/flask/").respond_with_data("no", status=401)
    with IndexClient(SETTINGS) as client, pytest.raises(IndexAuthError) as raised:
        client.get_projects(index_at(tls_server), [canonicalize_name("flask")])
    assert "refused the credentials" in str(raised.value)
    assert raised.value.hint
    assert FAKE_PASSWORD not in str(raised.value)


def test_a_plain_http_index_redirecting_to_https_is_followed(
    server: HTTPServer, tls_server: HTTPServer
) -> None:
    # the redirect from http to https is followed by the one client, on another connection
    server.expect_request("/simple/flask/").respond_with_data(
        "", status=301, headers={"Location": tls_server.url_for("/simple/flask/")}
    )
    tls_server.expect_request("/simple/flask/").respond_with_data(
        json_page("flask"), content_type=JSON_TYPE
    )
    with IndexClient(SETTINGS) as client:
        answers = client.get_projects(index_at(server), [canonicalize_name("flask")])
    assert isinstance(answers[canonicalize_name("flask")], Found)
    # another origin: the credentials of the http index were not sent there
    ((request, _response),) = tls_server.log
    assert "Authorization" not in request.headers


def test_a_certificate_nobody_trusts_is_unknown_not_missing(
    tls_server: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("SSL_CERT_FILE", str(other))  # trusts some other authority only
    settings = ClientSettings(max_retries=0, total_timeout=5.0)
    with IndexClient(settings) as client:
        answers = client.get_projects(index_at(tls_server), [canonicalize_name("flask")])
    answer = answers[canonicalize_name("flask")]
    assert isinstance(answer, Unavailable)
    assert "certificate" in answer.reason.lower()
    assert not tls_server.log  # no request was ever answered
