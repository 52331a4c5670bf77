"""Every command finds files by the one table: a walk of a real tree finds for ``list``/``check``
and for ``rewrite``/``update-hashes`` exactly what ``kind_in_repository`` says, and a file the
table does not know by its name is read when it is named as ``PATH:FORMAT``."""

from __future__ import annotations

from pathlib import Path

import pytest

from cg_action._formats_table import kind_in_repository
from cg_action._rewrite._files import find_config_files
from cg_action._sources._discovery import discover
from tests.test_hook_patterns import FILE_NAMES, FOLDERS


def _tree(root: Path) -> set[str]:
    """The generated paths made real below ``root``; the relative paths made."""
    folders = {folder for folder in FOLDERS if not folder.startswith("/")}
    made: set[str] = set()
    for folder in folders:
        for name in FILE_NAMES:
            relative = (Path(folder) / name).as_posix()
            if f"{relative}/" in {(Path(f).as_posix() + "/") for f in folders if f}:
                continue  # a folder of that name is made
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("")
            made.add(relative)
    return made


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    root = tmp_path_factory.mktemp("tree")
    return root, _tree(root)


def test_the_tree_is_large(tree: tuple[Path, set[str]]) -> None:
    _, made = tree
    assert len(made) > 5000


def test_discovery_finds_what_the_table_reads(tree: tuple[Path, set[str]]) -> None:
    root, made = tree
    expected = set()
    for path in made:
        kind = kind_in_repository(path)
        if kind is not None and kind.reads is not None:
            expected.add(path)
    found = {p.relative_to(root).as_posix() for p in discover([root])}
    assert sorted(found - expected) == []
    assert sorted(expected - found) == []
    assert "build/requirements.txt" in found
    assert "requirements.d/base.in" in found


def test_rewrite_and_update_hashes_find_what_the_table_rewrites(
    tree: tuple[Path, set[str]],
) -> None:
    root, made = tree
    expected = {}
    for path in made:
        kind = kind_in_repository(path)
        if kind is not None and kind.rewrites is not None:
            expected[path] = kind.rewrites
    found = {p.relative_to(root).as_posix(): fmt for p, fmt in find_config_files([root])}
    assert sorted(set(found) - set(expected)) == []
    assert sorted(set(expected) - set(found)) == []
    assert found == expected
    assert "requirements.d/base.txt" in found
    assert "build/requirements.txt" in found
