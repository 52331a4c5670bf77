"""Both transports of the one stack give the same answers: the client's direct connections
(``_transport``) and httpx's own transport, which the client takes when a proxy is configured.

The proxy path is forced here by replacing the client's choice (no proxy is set, so httpx
connects directly), so both are exercised against one server.
"""

from __future__ import annotations

import pytest
from packaging.utils import canonicalize_name
from pytest_httpserver import HTTPServer

from cg_action._errors import IndexAuthError
from cg_action._index import IndexClient
from cg_action._index import _client as client_module
from cg_action._index._client import uses_proxy
from cg_action._models import Absent, ClientSettings, Found, IndexConfig, Unavailable

SHA = "ab" * 32
PAGE = (
    '<html><body><a href="/files/flask-3.0.2-py3-none-any.whl#sha256=' + SHA + '">w</a>'
    "</body></html>"
)


@pytest.fixture(params=["direct", "httpx"])
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "httpx":
        monkeypatch.setattr(client_module, "uses_proxy", lambda: True)
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


def test_only_a_proxy_variable_hands_the_requests_to_httpxs_transports() -> None:
    assert not uses_proxy({})
    assert not uses_proxy({"SSL_CERT_FILE": "/x", "NO_PROXY": "example.com"})
    assert uses_proxy({"http_proxy": "x"})
    assert uses_proxy({"HTTPS_PROXY": "x"})
    assert uses_proxy({"ALL_PROXY": "x"})


def test_both_transports_carry_the_same_headers(server: HTTPServer, transport: str) -> None:
    server.expect_request("/simple/flask/").respond_with_data(PAGE, content_type="text/html")
    with IndexClient(ClientSettings(max_retries=0)) as client:
        client.get_projects(
            IndexConfig(url=server.url_for("/simple/"), use_netrc=False),
            [canonicalize_name("flask")],
        )
        opened = client.connections_opened
    ((request, _response),) = server.log
    assert request.headers["User-Agent"].startswith("cg-action/")
    assert "vnd.pypi.simple.v1+json" in request.headers["Accept"]
    assert request.headers["Host"] == server.url_for("/").split("/")[2]
    assert opened == (1 if transport == "direct" else 0)  # httpx's own are not counted
