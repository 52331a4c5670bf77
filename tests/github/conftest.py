"""Fixtures for the GitHub tests: the stand-in REST API and the OpenAPI subset it checks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._fake_github import FakeGitHub, fake_github

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session")
def openapi_subset() -> Path:
    """GitHub's OpenAPI description (the operations cg-action uses), committed with the tests."""
    return DATA / "github-rest-openapi-subset.json"


@pytest.fixture
def github_api(openapi_subset: Path) -> Iterator[FakeGitHub]:
    """A stand-in GitHub API on 127.0.0.1, stopped after the test."""
    with fake_github(openapi_subset) as state:
        yield state
