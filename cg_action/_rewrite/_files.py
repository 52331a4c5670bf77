"""Find the files that hold index configuration, and plan the rewrite of one of them.

Which files these are is the table of file kinds (``cg_action._formats_table``): pip.conf /
pip.ini (and the file ``PIP_CONFIG_FILE`` names, when it lies inside the given paths),
requirements files, pyproject.toml, uv.toml and Pipfile; lockfiles are found too, for the lint
(credentials committed in their URLs) and for ``update-hashes``. Folders are walked by the
same code as ``check``'s discovery, skipping the same folders.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from cg_action._compat import assert_never
from cg_action._errors import UsageError
from cg_action._formats_table import (
    FileKind,
    kind_of_named,
    kind_of_path,
    missing_path_message,
    unknown_file_message,
)
from cg_action._rewrite import _pipconf, _pipfile, _pyproject, _requirements, _uv
from cg_action._rewrite._interface import ConfigFormat, RewriteOptions, Rewriter
from cg_action._rewrite._plan import FilePlan, read_config
from cg_action._sources._discovery import files_below


def config_format(path: Path, *, explicit: bool = False) -> ConfigFormat | None:
    """The configuration format of a file, by its name (None: not a configuration file).

    A file named on the command line (``explicit``) is taken by its ``:FORMAT`` and more
    leniently: a ``.txt`` / ``.in`` / ``.pip`` file as requirements, for instance.
    """
    kind = kind_of_named(path) if explicit else kind_of_path(path)
    return kind.rewrites if kind is not None else None


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    resolved = path.resolve()
    for root in roots:
        top = root.resolve()
        if resolved == top or top in resolved.parents:
            return True
    return False


def root_of(path: Path, given: Sequence[Path]) -> Path | None:
    """The repository a found file belongs to, for ``read_config`` (None: the default).

    Under the current directory the default holds (its work tree); under a folder named on
    the command line elsewhere, that folder; a file named there, its folder.
    """
    absolute = path.absolute()
    if absolute.is_relative_to(Path.cwd().absolute()):
        return None
    for named in given:
        top = named.absolute()
        if absolute == top:
            return Path(os.path.realpath(top.parent))
        if absolute.is_relative_to(top):
            return Path(os.path.realpath(top))
    return None


def _is_rewritten(kind: FileKind) -> bool:
    return kind.rewrites is not None


def find_config_files(
    paths: Sequence[Path], *, pip_config_file: Path | None = None
) -> list[tuple[Path, ConfigFormat]]:
    """The configuration files under ``paths`` and lockfiles (``ConfigFormat.LOCK``), in a
    stable order, each once. A named file the table does not know, and a named path that does
    not exist, are usage errors."""
    found: list[tuple[Path, ConfigFormat]] = []
    seen: set[Path] = set()

    def add(path: Path, fmt: ConfigFormat) -> None:
        # realpath, not resolve(): a link loop is found here and refused when the file is read
        key = Path(os.path.realpath(path))
        if key not in seen:
            seen.add(key)
            found.append((path, fmt))

    for root in paths:
        if root.is_dir():
            for path, kind in files_below(root, _is_rewritten):
                if kind.rewrites is not None:  # always: what _is_rewritten picks
                    add(path, kind.rewrites)
        elif os.path.lexists(root):  # reading it refuses a FIFO, a device or a link loop
            named = kind_of_named(root)
            if named is None:
                raise UsageError(unknown_file_message(root, reading=False))
            if named.rewrites is not None:
                add(root, named.rewrites)
        else:
            raise UsageError(missing_path_message(root))
    if (
        pip_config_file is not None
        and pip_config_file.is_file()
        and _inside(pip_config_file, paths)
    ):
        add(pip_config_file, ConfigFormat.PIP_CONF)
    return found


def plan_rewrite(
    path: Path, fmt: ConfigFormat, options: RewriteOptions, *, root: Path | None = None
) -> FilePlan | None:
    """The planned rewrite of one file (None for lockfiles, which are not rewritten here).

    ``root`` is the repository the file belongs to: a link out of it is refused.
    """
    rewriter: Rewriter
    match fmt:
        case ConfigFormat.PIP_CONF:
            rewriter = _pipconf.rewrite_text
        case ConfigFormat.REQUIREMENTS:
            rewriter = _requirements.rewrite_text
        case ConfigFormat.PYPROJECT:
            rewriter = _pyproject.rewrite_text
        case ConfigFormat.UV_TOML:
            rewriter = _uv.rewrite_text
        case ConfigFormat.PIPFILE:
            rewriter = _pipfile.rewrite_text
        case ConfigFormat.LOCK:
            return None
        case _:
            assert_never(fmt)
    source = read_config(path, root=root)
    result = rewriter(source.text, path, options)
    return FilePlan(source=source, new_text=result.text, notes=result.notes)
