"""Questions about local files that never raise: a hostile path is only a path that is not there.

A requirements file names paths (includes, local projects) that may hold a NUL character, be
too long, or loop through symbolic links; each question here answers no rather than raising.
"""

from __future__ import annotations

import os
from pathlib import Path


def identity(path: Path) -> Path:
    """An absolute, normalized form of ``path`` to tell files apart (symlinks resolved)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return Path(os.path.normpath(os.path.abspath(path)))


def is_dir(path: Path) -> bool:
    """Whether ``path`` is a directory (following symbolic links)."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def is_file(path: Path) -> bool:
    """Whether ``path`` is a regular file (following symbolic links)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def exists(path: Path) -> bool:
    """Whether anything is at ``path``."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False
