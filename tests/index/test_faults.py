"""Fault injection: over many projects on a misbehaving index, no verdict is ever wrong.

A project is Absent only after a clean 404, Found only with exactly the right file and digest,
and Unavailable otherwise; the whole run stays within a time bound. Both transports of the one
HTTP stack run the same jobs: the direct connections (``_transport``) and httpx's own, which
the client takes behind a proxy.
"""

from __future__ import annotations

import random
import time
from collections import Counter

import pytest
from packaging.utils import NormalizedName, canonicalize_name

from cg_action._index import IndexClient
from cg_action._index import _client as client_module
from cg_action._models import (
    Absent,
    ClientSettings,
    Found,
    Hash,
    IndexConfig,
    ProjectAnswer,
    Unavailable,
)
from tests._faulty_index import FLAKY_FAILURES, expected_digest, faulty_index

RECOVERS = ("ok", "slow", "flaky", "throttled")
FAILS = (
    "drop",
    "stall",
    "e500",
    "e503",
    "e429",
    "trunc",
    "garbage",
    "badjson",
    "wrongtype",
    "notpage",
    "big",
)
SETTINGS = ClientSettings(
    concurrency=16,
    connect_timeout=2.0,
    read_timeout=0.5,
    total_timeout=4.0,
    max_retries=FLAKY_FAILURES,
    max_page_bytes=100_000,
)


def _check(name: NormalizedName, answer: ProjectAnswer) -> str:
    """The verdict's kind, after asserting it is right for the fault the name asks for."""
    fault = name.split("-", 1)[0]
    if fault in RECOVERS:
        assert isinstance(answer, Found), (name, answer)
        (wheel,) = answer.project.files
        assert wheel.filename == f"{name.replace('-', '_')}-1.0-py3-none-any.whl"
        assert wheel.hashes == (Hash(algorithm="sha256", value=expected_digest(name)),)
        assert str(wheel.version) == "1.0"
        return "found"
    if fault == "missing":
        assert isinstance(answer, Absent), (name, answer)
        return "absent"
    assert fault in FAILS
    assert isinstance(answer, Unavailable), (name, answer)
    assert answer.reason
    return "unavailable"


@pytest.fixture(params=["direct", "httpx"])
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both transports of the stack: the direct connections, and httpx's own (behind a proxy)."""
    if request.param == "httpx":
        monkeypatch.setattr(client_module, "uses_proxy", lambda: True)
    return str(request.param)


@pytest.mark.usefixtures("transport")
def test_every_fault_gives_the_right_kind_of_answer() -> None:
    names = [canonicalize_name(f"{fault}-1") for fault in (*RECOVERS, "missing", *FAILS)]
    with faulty_index() as index, IndexClient(SETTINGS) as client:
        answers = client.get_projects(IndexConfig(url=index.url, use_netrc=False), names)
    kinds = {name: _check(name, answer) for name, answer in answers.items()}
    assert set(kinds) == set(names)
    reasons = {name: a.reason for name, a in answers.items() if isinstance(a, Unavailable)}
    assert "larger than 100000 bytes" in reasons[canonicalize_name("big-1")]
    assert "content type" in reasons[canonicalize_name("wrongtype-1")]
    assert "not a simple index page" in reasons[canonicalize_name("notpage-1")]
    assert "malformed JSON" in reasons[canonicalize_name("badjson-1")]
    assert "HTTP 500" in reasons[canonicalize_name("e500-1")]
    assert reasons[canonicalize_name("stall-1")].startswith("read timeout")
    assert reasons[canonicalize_name("drop-1")].startswith("connection broken")
    assert reasons[canonicalize_name("garbage-1")].startswith(("connection broken", "transport"))
    assert reasons[canonicalize_name("trunc-1")].startswith(("truncated body", "connection broken"))


@pytest.mark.slow
@pytest.mark.usefixtures("transport")
def test_many_projects_on_a_faulty_index_never_get_a_wrong_verdict() -> None:
    rng = random.Random(20260822)  # noqa: S311 - a fixed seed: the same mix on every run
    faults = (*RECOVERS, "missing", *FAILS)
    names = [canonicalize_name(f"{rng.choice(faults)}-{n}") for n in range(240)]
    started = time.monotonic()
    with faulty_index() as index, IndexClient(SETTINGS) as client:
        answers = client.get_projects(IndexConfig(url=index.url, use_netrc=False), names)
        requests = sum(index.requests.values())
    elapsed = time.monotonic() - started
    kinds = Counter(_check(name, answer) for name, answer in answers.items())
    assert len(answers) == len(set(names))
    assert kinds["found"] > 0
    assert kinds["absent"] > 0
    assert kinds["unavailable"] > 0
    # bounded in count: no project is asked more than 1 + max_retries times
    assert requests <= len(names) * (1 + SETTINGS.max_retries)
    # bounded in time: well under one total_timeout per project in sequence
    assert elapsed < 40.0
