"""Fixtures shared by the update-hashes tests that drive the real tools."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._servers import LocalIndex, pypiserver
from tests.rewrite.test_update_hashes_poetry import build


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[LocalIndex, LocalIndex, Path, Path]]:
    """(the project's index, an upstream copy, upstream files, rebuilt files)."""
    upstream = build(tmp_path / "upstream", "upstream")
    rebuilt = build(tmp_path / "rebuilt", "rebuilt")
    shutil.copytree(upstream, tmp_path / "served")
    with pypiserver(tmp_path / "served") as index, pypiserver(upstream) as pypi:
        yield index, pypi, upstream, rebuilt
