"""Finding the dependency files below the paths the user names.

Walks directories recursively, skipping version-control folders, virtual environments,
``node_modules``, build output, tox/nox folders, caches, and whatever git ignores (asked of git
once per repository when git is there). Files named explicitly are always taken.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from cg_action._errors import UsageError
from cg_action._sources._dispatch import detect_format

logger = logging.getLogger(__name__)

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".direnv",
        "node_modules",
        "build",
        "dist",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
        "site-packages",
        "__pypackages__",
    }
)


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file() or (directory / "conda-meta").is_dir()


def _walk(root: Path) -> Iterable[Path]:
    for current, dirs, files in os.walk(root):
        here = Path(current)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS and not d.endswith(".egg-info") and not _is_virtualenv(here / d)
        )
        for name in sorted(files):
            path = here / name
            if detect_format(path) is not None:
                yield path


def _git_ignored(paths: Sequence[Path], cwd: Path) -> set[Path]:
    """The subset of ``paths`` git ignores (empty when git is absent or this is no checkout)."""
    if not paths:
        return set()
    try:
        result = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"],
            input="\0".join(str(p.resolve()) for p in paths).encode(),
            cwd=cwd,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.debug("git check-ignore unavailable: %s", exc)
        return set()
    if result.returncode not in (0, 1):  # 128: not a git checkout
        return set()
    return {Path(p) for p in result.stdout.decode(errors="replace").split("\0") if p}


def discover(paths: Sequence[Path]) -> list[Path]:
    """The dependency files under ``paths``, in a stable order, each once."""
    found: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        if given.is_file():
            candidates = [given]
        elif given.is_dir():
            walked = list(_walk(given))
            ignored = _git_ignored(walked, given)
            candidates = [p for p in walked if p.resolve() not in ignored]
        else:
            raise UsageError(f"{given}: no such file or directory")
        for path in candidates:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                found.append(path)
    return found
