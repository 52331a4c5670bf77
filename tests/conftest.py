"""Shared fixtures: where the corpus of real-world files is, and the project root.

The packaging tools the tests drive (uv, pdm, poetry, pipenv, pip-compile, pre-commit) are the
ones installed with the interpreter running the tests: their folder goes first on PATH, as
activating the venv would, so an unactivated venv, a pyenv shim or a system Python run the same
tools and no other ``uv`` on PATH is picked by accident.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests._offline_install import script_folders


def pytest_configure(config: pytest.Config) -> None:
    del config
    path = os.environ.get("PATH", os.defpath).split(os.pathsep)
    folders = script_folders()
    os.environ["PATH"] = os.pathsep.join([*folders, *(p for p in path if p not in folders)])


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
