"""Shared fixtures: where the corpus of real-world files is, and the project root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Real-world dependency files live beside the checkout, in shared/corpus (see its SOURCES.md).
CORPUS = ROOT.parent / "shared" / "corpus"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The corpus folder; absent only outside the project's own checkouts."""
    if not CORPUS.is_dir():
        # The project's CI has the corpus beside the checkout; a CI elsewhere (a fork's
        # GitHub workflow) says it does not with CG_ACTION_CORPUS_OPTIONAL=1.
        if os.environ.get("CI") and not os.environ.get("CG_ACTION_CORPUS_OPTIONAL"):
            pytest.fail(f"the corpus is expected at {CORPUS} in CI")
        pytest.skip("the shared corpus is not beside this checkout")
    return CORPUS


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """tests/data: fixtures committed with the tests."""
    return DATA
