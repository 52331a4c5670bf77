"""Find the files that hold index configuration, and plan the rewrite of one of them.

Configuration files are pip.conf / pip.ini (and the file ``PIP_CONFIG_FILE`` names, when it
lies inside the given paths), requirements files, pyproject.toml, uv.toml and Pipfile.
Lockfiles are found too, for the lint alone (credentials committed in their URLs).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from cg_action._compat import assert_never
from cg_action._rewrite import _pipconf, _pipfile, _pyproject, _requirements, _uv
from cg_action._rewrite._interface import ConfigFormat, RewriteOptions, Rewriter
from cg_action._rewrite._plan import FilePlan, read_config

SKIPPED_DIRECTORIES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
        ".eggs",
    }
)
LOCK_NAMES = frozenset({"uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock"})


def is_requirements_name(path: Path) -> bool:
    """Whether a file name looks like a requirements (or constraints) file."""
    name = path.name.lower()
    if path.suffix.lower() not in (".txt", ".in"):
        return False
    return (
        "requirements" in name
        or "constraints" in name
        or path.parent.name.lower() in ("requirements", "reqs")
    )


def config_format(path: Path, *, explicit: bool = False) -> ConfigFormat | None:
    """The configuration format of a file, by its name (None: not a configuration file).

    A ``.txt`` / ``.in`` file named on the command line is taken as a requirements file.
    """
    name = path.name
    if name in ("pip.conf", "pip.ini"):
        return ConfigFormat.PIP_CONF
    if name == "pyproject.toml" or (
        explicit and name.startswith("pyproject.") and name.endswith(".toml")
    ):
        return ConfigFormat.PYPROJECT
    if name == "uv.toml":
        return ConfigFormat.UV_TOML
    if name == "Pipfile":
        return ConfigFormat.PIPFILE
    if name in LOCK_NAMES or (name.startswith("pylock.") and name.endswith(".toml")):
        return ConfigFormat.LOCK
    if is_requirements_name(path) or (explicit and path.suffix.lower() in (".txt", ".in")):
        return ConfigFormat.REQUIREMENTS
    return None


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


def find_config_files(
    paths: Sequence[Path], *, pip_config_file: Path | None = None
) -> list[tuple[Path, ConfigFormat]]:
    """The configuration files under ``paths``, in a stable order, each once."""
    found: list[tuple[Path, ConfigFormat]] = []
    seen: set[Path] = set()

    def add(path: Path, fmt: ConfigFormat) -> None:
        # realpath, not resolve(): a link loop is found here and refused when the file is read
        key = Path(os.path.realpath(path))
        if key not in seen:
            seen.add(key)
            found.append((path, fmt))

    for root in paths:
        if root.is_file():
            fmt = config_format(root, explicit=True)
            if fmt is not None:
                add(root, fmt)
            continue
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRECTORIES)
            for name in sorted(files):
                path = Path(directory) / name
                fmt = config_format(path)
                if fmt is not None:
                    add(path, fmt)
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
