"""Which reader reads which file, by its name; readers are imported only when needed."""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Collection
from pathlib import Path

from cg_action._models import FileFormat, SourceFile

# (module, function) per format; the requirements reader also recognises pip-compile output.
_READERS: dict[FileFormat, tuple[str, str]] = {
    FileFormat.REQUIREMENTS: ("_requirements", "parse_requirements"),
    FileFormat.PIP_COMPILE: ("_requirements", "parse_requirements"),
    FileFormat.PYPROJECT: ("_pyproject", "parse_pyproject"),
    FileFormat.PIPFILE: ("_pipfile", "parse_pipfile"),
    FileFormat.PIPFILE_LOCK: ("_pipfile_lock", "parse_pipfile_lock"),
    FileFormat.UV_LOCK: ("_uv_lock", "parse_uv_lock"),
    FileFormat.POETRY_LOCK: ("_poetry_lock", "parse_poetry_lock"),
    FileFormat.PDM_LOCK: ("_pdm_lock", "parse_pdm_lock"),
    FileFormat.PYLOCK: ("_pylock", "parse_pylock"),
}

_EXACT = {
    "pyproject.toml": FileFormat.PYPROJECT,
    "pipfile": FileFormat.PIPFILE,
    "pipfile.lock": FileFormat.PIPFILE_LOCK,
    "uv.lock": FileFormat.UV_LOCK,
    "poetry.lock": FileFormat.POETRY_LOCK,
    "pdm.lock": FileFormat.PDM_LOCK,
    "pylock.toml": FileFormat.PYLOCK,
}

# Requirements files as people name them: requirements.txt, requirements-dev.txt,
# dev-requirements.in, requirements/base.txt, constraints.txt, ...
_REQUIREMENTS_PATTERNS = (
    "*requirements*.txt",
    "*requirements*.in",
    "*requirements*.pip",
    "*constraints*.txt",
    "*constraints*.in",
)
_REQUIREMENTS_DIRS = frozenset({"requirements", "requirements.d", "reqs", "constraints"})


def detect_format(path: Path) -> FileFormat | None:
    """The format of a file found by discovery, from its name alone (None: not ours)."""
    name = path.name.lower()
    if name in _EXACT:
        return _EXACT[name]
    if fnmatch.fnmatch(name, "pylock.*.toml"):
        return FileFormat.PYLOCK
    if any(fnmatch.fnmatch(name, pattern) for pattern in _REQUIREMENTS_PATTERNS):
        return FileFormat.REQUIREMENTS
    if path.parent.name.lower() in _REQUIREMENTS_DIRS and path.suffix.lower() in (".txt", ".in"):
        return FileFormat.REQUIREMENTS
    return None


def detect_given_format(path: Path) -> FileFormat | None:
    """The format of a file named on the command line: a bit more lenient than discovery."""
    found = detect_format(path)
    if found is not None:
        return found
    name = path.name.lower()
    if fnmatch.fnmatch(name, "pyproject*.toml"):
        return FileFormat.PYPROJECT
    if path.suffix.lower() in (".txt", ".in", ".pip"):
        return FileFormat.REQUIREMENTS
    return None


def parse_file(
    path: Path,
    text: str | None = None,
    fmt: FileFormat | None = None,
    *,
    root: Path | None = None,
    secrets: Collection[str] = (),
) -> SourceFile:
    """Read ``path`` (or ``text`` as its content) with the reader for its format.

    ``root`` bounds what is read: a file whose real path lies outside it (a committed symbolic
    link to ``/etc/passwd``) is refused, and so are includes outside it (``-r ../../x``), so
    that a pull request cannot make the tool read and quote files from elsewhere on the
    runner. ``secrets`` are the credentials the run holds: a requirements file's ``${VAR}``
    holding one is never expanded. Raises ParseError when the file cannot be read at all, and
    UsageError for a file whose format cannot be told from its name.
    """
    from cg_action._errors import UsageError
    from cg_action._sources._typed import read_text

    fmt = fmt or detect_given_format(path)
    if fmt is None:
        raise UsageError(
            f"{path}: not a dependency file cg-action reads "
            "(requirements*.txt/.in, pyproject.toml, Pipfile, Pipfile.lock, uv.lock, "
            "poetry.lock, pdm.lock, pylock.toml)"
        )
    if text is None:
        text = read_text(path, root=root)
    module_name, function_name = _READERS[fmt]
    module = importlib.import_module(f"cg_action._sources.{module_name}")
    reader = getattr(module, function_name)
    if module_name == "_requirements":
        source: SourceFile = reader(path, text, root=root, secrets=secrets)
    else:
        source = reader(path, text)
    return source
