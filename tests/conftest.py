"""Shared fixtures: where the corpus of real-world files is, and the project root."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
# Real-world dependency files, committed under tests/data/corpus (sources and licences in its
# SOURCES.md).
CORPUS = DATA / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The folder of real-world dependency files committed with the tests."""
    return CORPUS


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """tests/data: fixtures committed with the tests."""
    return DATA
