"""Fixtures of the index tests: HTTP servers on 127.0.0.1 that the test stops, fast settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from cg_action._models import ClientSettings, Credentials, IndexConfig

FAKE_PASSWORD = "fake-password-5ec2e7"
FAKE_CREDENTIALS = Credentials(username="org-id/identity", password=FAKE_PASSWORD)


def _start() -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.no_handler_status_code = 404  # an index answers 404 for what it does not hold
    server.start()
    return server


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A threaded HTTP server on 127.0.0.1 (the index), stopped after the test."""
    instance = _start()
    try:
        yield instance
    finally:
        instance.clear()
        instance.stop()


@pytest.fixture
def other_server() -> Iterator[HTTPServer]:
    """A second server: another origin (another port), like a file host behind a redirect."""
    instance = _start()
    try:
        yield instance
    finally:
        instance.clear()
        instance.stop()


@pytest.fixture
def fast() -> ClientSettings:
    """Settings with short time limits so failure paths finish quickly."""
    return ClientSettings(
        concurrency=8, connect_timeout=2.0, read_timeout=0.5, total_timeout=10.0, max_retries=2
    )


def index_at(
    server: HTTPServer, *, credentials: Credentials | None = FAKE_CREDENTIALS
) -> IndexConfig:
    """The index config for a server's /simple/, with the fake credentials and no netrc."""
    return IndexConfig(url=server.url_for("/simple/"), credentials=credentials, use_netrc=False)
