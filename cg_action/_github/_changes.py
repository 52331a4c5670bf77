"""--only-changed: which dependencies a branch adds or changes, compared with a base commit.

Each current file's base version comes from ``git show <base>:<path>`` and is parsed with the
same reader. A dependency is unchanged when the base file declares one with the same name and
groups and the same specifier, version, hashes, marker, extras and URL; everything else (and
everything in a file the base does not have) is new or changed.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from packaging.utils import NormalizedName

from cg_action._errors import CgActionError, UsageError
from cg_action._models import Dependency, SourceFile

logger = logging.getLogger(__name__)

ChangedKey = tuple[Path, int | None, NormalizedName]
_Signature = tuple[str, str, tuple[str, ...], str, tuple[str, ...], str]


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except OSError as exc:
        raise UsageError(f"--only-changed needs git, which could not be run: {exc}") from exc


def merge_base(root: Path, base_ref: str, head: str = "HEAD") -> str:
    """The commit where ``head`` left ``base_ref`` (``base_ref`` itself when git cannot tell)."""
    result = _git(root, "merge-base", base_ref, head)
    text = result.stdout.decode("ascii", "replace").strip()
    return text if result.returncode == 0 and text else base_ref


def _signature(dep: Dependency) -> _Signature:
    return (
        str(dep.specifier),
        str(dep.version) if dep.version is not None else "",
        tuple(sorted(str(h) for h in dep.hashes)),
        str(dep.marker) if dep.marker is not None else "",
        tuple(sorted(dep.extras)),
        dep.url or "",
    )


def _toplevel(root: Path) -> Path:
    result = _git(root, "rev-parse", "--show-toplevel")
    if result.returncode != 0:
        raise UsageError(
            f"--only-changed needs a git repository, and {root} is not inside one: "
            + result.stderr.decode("utf-8", "replace").strip()
        )
    return Path(os.fsdecode(result.stdout.strip()))


def changed_dependencies(
    root: Path,
    base_ref: str,
    files: Sequence[SourceFile],
    parse: Callable[[Path, str], SourceFile],
) -> frozenset[ChangedKey]:
    """The (path, line, name) of every dependency in ``files`` that is new or changed."""
    toplevel = _toplevel(root).resolve()
    check = _git(root, "rev-parse", "--verify", "--quiet", f"{base_ref}^{{commit}}")
    if check.returncode != 0:
        error = UsageError(f"--only-changed: the base {base_ref!r} is not a commit in {root}")
        error.hint = (
            "fetch the base branch first (actions/checkout with 'fetch-depth: 0', or "
            "'git fetch origin <base>') and pass it as --base"
        )
        raise error
    changed: set[ChangedKey] = set()
    for source in files:
        current = source.path if source.path.is_absolute() else root / source.path
        try:
            relative = current.resolve().relative_to(toplevel).as_posix()
        except ValueError:
            logger.info("%s is outside the repository: every dependency counts as new", current)
            relative = None
        base_deps = _base_dependencies(root, base_ref, relative, source.path, parse)
        for dep in source.dependencies:
            if base_deps is None or _signature(dep) not in base_deps.get(
                (dep.name, dep.groups), set()
            ):
                changed.add((dep.location.path, dep.location.line, dep.name))
    return frozenset(changed)


def _base_dependencies(
    root: Path,
    base_ref: str,
    relative: str | None,
    path: Path,
    parse: Callable[[Path, str], SourceFile],
) -> dict[tuple[NormalizedName, tuple[str, ...]], set[_Signature]] | None:
    """The base file's dependencies by (name, groups); None when the base lacks the file."""
    if relative is None:
        return None
    shown = _git(root, "show", f"{base_ref}:{relative}")
    if shown.returncode != 0:
        logger.info("%s is new since %s: every dependency counts as new", relative, base_ref)
        return None
    text = shown.stdout.decode("utf-8", "replace")
    try:
        base = parse(path, text)
    except CgActionError as exc:
        logger.info(
            "%s could not be read at %s (%s): every dependency counts as new", path, base_ref, exc
        )
        return None
    found: dict[tuple[NormalizedName, tuple[str, ...]], set[_Signature]] = {}
    for dep in base.dependencies:
        found.setdefault((dep.name, dep.groups), set()).add(_signature(dep))
    return found
