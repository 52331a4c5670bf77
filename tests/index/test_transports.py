"""Both page transports give the same answers: the one-thread loop and httpx on asyncio.

``get_projects`` reads pages through ``_direct`` unless a proxy is configured; the httpx path
is forced here by replacing the client's choice, so both are exercised against one server.
"""

from __future__ import annotations

import pytest
from packaging.utils import canonicalize_name
from pytest_httpserver import HTTPServer

from cg_action._errors import IndexAuthError
from cg_action._index import IndexClient
from cg_action._index import _client as client_module
from cg_action._index._direct import can_fetch_directly
from cg_action._models import Absent, ClientSettings, Found, IndexConfig, Unavailable

SHA = "ab" * 32
PAGE = (
    '<html><body><a href="/files/flask-3.0.2-py3-none-any.whl#sha256=' + SHA + '">w</a>'
    "</body></html>"
)


@pytest.fixture(params=["direct", "httpx"])
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "httpx":
        monkeypatch.setattr(client_module, "can_fetch_directly", lambda url: False)
    return str(request.param)


def test_both_transports_answer_alike(server: HTTPServer, transport: str) -> None:
    server.expect_request("/simple/flask/").respond_with_data(
        "", status=302, headers={"Location": "/moved/flask/"}
    )
    server.expect_request("/moved/flask/").respond_with_data(PAGE, content_type="text/html")
    server.expect_request("/simple/gone/").respond_with_data("no", status=404)
    server.expect_request("/simple/down/").respond_with_data("busy", status=503)
    settings = ClientSettings(max_retries=1, total_timeout=5.0, concurrency=4)
    names = [canonicalize_name(n) for n in ("flask", "gone", "down")]
    with IndexClient(settings) as client:
        index = IndexConfig(url=server.url_for("/simple/"), use_netrc=False)
        answers = client.get_projects(index, names)
        sent = client.requests_sent
    found = answers[names[0]]
    assert isinstance(found, Found)
    (wheel,) = found.project.files
    assert wheel.url == server.url_for("/files/flask-3.0.2-py3-none-any.whl")
    assert str(wheel.version) == "3.0.2"
    assert isinstance(answers[names[1]], Absent)
    down = answers[names[2]]
    assert isinstance(down, Unavailable)
    assert down.reason == "HTTP 503 SERVICE UNAVAILABLE (2 attempts)"
    assert sent == 2 + 1 + 2  # the redirect and its target, the 404, two 503s


def test_both_transports_stop_on_401(server: HTTPServer, transport: str) -> None:
    server.expect_request("/simple/flask/").respond_with_data("who?", status=401)
    with IndexClient(ClientSettings()) as client, pytest.raises(IndexAuthError) as raised:
        client.get_projects(
            IndexConfig(url=server.url_for("/simple/"), use_netrc=False),
            [canonicalize_name("flask")],
        )
    assert "needs credentials" in str(raised.value)
    assert raised.value.hint


def test_only_plain_http_without_a_proxy_takes_the_direct_path() -> None:
    assert can_fetch_directly("http://127.0.0.1:8080/simple/", {})
    assert can_fetch_directly("http://127.0.0.1:8080/simple/", {"SSL_CERT_FILE": "/x"})
    assert not can_fetch_directly("http://127.0.0.1:8080/simple/", {"http_proxy": "x"})
    assert not can_fetch_directly("http://127.0.0.1:8080/simple/", {"ALL_PROXY": "x"})
    # https goes through httpx, which negotiates HTTP/2 with servers that offer it
    assert not can_fetch_directly("https://libraries.cgr.dev/python/simple/", {})
    assert not can_fetch_directly("file:///srv/simple/", {})
