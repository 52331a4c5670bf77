"""Finding the dependency files below the paths the user names.

Walks directories (with a stack of its own, not recursion), skipping version-control
folders, virtual environments, ``node_modules``, build output, tox/nox folders, caches, and
whatever git ignores (asked of git once per repository when git is there). Files named
explicitly are always taken. A folder that cannot be listed, a symbolic link that loops and a
tree more than ``MAX_DEPTH`` folders deep are input errors (exit 2): what cannot be looked at is
said, never skipped in silence. Reading a file found (``read_text``) refuses what is not a
regular file inside the repository.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from cg_action._errors import InputError, UsageError
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


MAX_DEPTH = 100
"""How many folders deep discovery looks; a deeper tree is an input error, not a crash."""


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file() or (directory / "conda-meta").is_dir()


def _walk(root: Path) -> Iterable[Path]:
    """The dependency files below ``root``, by name, in a stable order (no recursion).

    Symbolic links to folders are not followed. A folder that cannot be listed, a symbolic
    link that loops and a tree deeper than ``MAX_DEPTH`` are input errors: skipping them
    would leave dependencies unchecked without a word.
    """
    pending: list[tuple[Path, int]] = [(root, 0)]
    while pending:
        here, depth = pending.pop()
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            raise InputError(
                f"{here}: cannot read the folder: {exc.strerror or exc}; "
                "make it readable or leave it out of the paths"
            ) from exc
        folders: list[Path] = []
        for entry in entries:
            path = here / entry.name
            if _is_folder(entry):
                if (
                    entry.name not in SKIP_DIRS
                    and not entry.name.endswith(".egg-info")
                    and not _is_virtualenv(path)
                ):
                    folders.append(path)
            elif detect_format(path) is not None and not _is_link_to_folder(path, entry):
                yield path
        if folders and depth + 1 > MAX_DEPTH:
            raise InputError(
                f"{folders[0]}: folders nested more than {MAX_DEPTH} deep; cg-action does not "
                "look this deep: name the folders to check instead"
            )
        pending.extend((folder, depth + 1) for folder in reversed(folders))


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_link_to_folder(path: Path, entry: os.DirEntry[str]) -> bool:
    """Whether ``entry`` links to a folder (not followed, as ``os.walk`` does not)."""
    if not entry.is_symlink():
        return False
    _check_not_a_loop(path)
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False  # a dangling link: reading it says so


def _check_not_a_loop(path: Path) -> None:
    """A symbolic link that loops cannot even be resolved: say so instead of failing later."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(
                f"{path}: a symbolic link that loops ({exc.strerror}); remove it or point it "
                "at a file"
            ) from exc
    except ValueError:  # e.g. a NUL character in the name: reading it says so
        pass


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
        if given.is_dir():
            walked = list(_walk(given))
            ignored = _git_ignored(walked, given)
            candidates = [p for p in walked if p.resolve() not in ignored]
        elif os.path.lexists(given):
            _check_not_a_loop(given)
            candidates = [given]  # reading it refuses a FIFO, a device or a dangling link
        else:
            raise UsageError(f"{given}: no such file or directory")
        for path in candidates:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                found.append(path)
    return found
