"""Finding the dependency files below the paths the user names, by the table of file kinds.

Walks directories (with a stack of its own, not recursion), skipping the folders
``cg_action._formats_table`` lists (version control, virtual environments, ``node_modules``,
``dist``, setuptools' output inside ``build``, tox/nox folders, caches), any folder holding a
virtual environment, and whatever git ignores (asked of git once per repository when git is
there). Which files count is the table's rule for names; ``rewrite`` and ``update-hashes``
walk with the same code (``files_below``), asking for the kinds they handle. Files named
explicitly are always taken. A folder that cannot be listed, a symbolic link that loops and a
tree more than ``MAX_DEPTH`` folders deep are input errors (exit 2): what cannot be looked at
is said, never skipped in silence. Reading a file found (``read_text``) refuses what is not a
regular file inside the repository.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from cg_action._errors import InputError, UsageError
from cg_action._formats_table import (
    FileKind,
    given_kind,
    is_skipped_folder,
    kind_by_name,
    missing_path_message,
)

logger = logging.getLogger(__name__)

MAX_DEPTH = 100
"""How many folders deep discovery looks; a deeper tree is an input error, not a crash."""


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file() or (directory / "conda-meta").is_dir()


def _walk(root: Path, wanted: Callable[[FileKind], bool]) -> Iterable[tuple[Path, FileKind]]:
    """The files below ``root`` whose kind ``wanted`` picks, in a stable order (no recursion).

    Symbolic links to folders are not followed; a link that loops is taken as a file (reading
    it says so). A folder that cannot be listed and a tree deeper than ``MAX_DEPTH`` are input
    errors: skipping them would leave dependencies unchecked without a word.
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
        here_name = os.path.basename(os.path.abspath(here))  # "." has a name too
        folders: list[Path] = []
        for entry in entries:
            path = here / entry.name
            if _is_folder(entry):
                if not is_skipped_folder(entry.name, here_name) and not _is_virtualenv(path):
                    folders.append(path)
                continue
            kind = kind_by_name(entry.name, here_name)
            if kind is not None and wanted(kind) and not _is_link_to_folder(path, entry):
                yield path, kind
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
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False  # a dangling link or a loop: reading it says so


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


def _git_ignored(paths: Sequence[Path], cwd: Path) -> set[str]:
    """The real paths of those of ``paths`` git ignores (none when git is absent or this is no
    checkout). ``realpath``, not ``resolve()``: a link that loops is named later, not here."""
    if not paths:
        return set()
    try:
        result = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"],
            input="\0".join(os.path.realpath(p) for p in paths).encode(),
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
    return {p for p in result.stdout.decode(errors="replace").split("\0") if p}


def files_below(folder: Path, wanted: Callable[[FileKind], bool]) -> list[tuple[Path, FileKind]]:
    """The files below ``folder`` whose kind ``wanted`` picks, each with its kind, in a stable
    order, leaving out what git ignores."""
    if given_kind(folder) is not None:
        raise UsageError(f"{folder}: a folder; a format after a colon names the format of a file")
    walked = list(_walk(folder, wanted))
    ignored = _git_ignored([path for path, _ in walked], folder)
    return [(path, kind) for path, kind in walked if os.path.realpath(path) not in ignored]


def _has_reader(kind: FileKind) -> bool:
    return kind.reads is not None


def discover(paths: Sequence[Path]) -> list[Path]:
    """The dependency files under ``paths``, in a stable order, each once."""
    found: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        if given.is_dir():
            candidates = [path for path, _ in files_below(given, _has_reader)]
        elif os.path.lexists(given):
            candidates = [given]  # reading it refuses a FIFO, a device or a dangling link
        else:
            raise UsageError(missing_path_message(given))
        for path in candidates:
            _check_not_a_loop(path)
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                found.append(path)
    return found
