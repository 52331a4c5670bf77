"""What a bare URL or path in a requirements file is, and which project it stands for.

pip takes a line as a URL when it has one of the schemes ``http``, ``https``, ``file``,
``ftp`` or a VCS one (``git+https``); anything else with a ``/``, a ``\\`` or a leading ``.``
may be a local path. A direct reference written without a name (``./src``,
``https://host/pkg-1.0.tar.gz``, ``git+https://host/repo#egg=pkg``) is named, in this order:

* by its ``#egg=name`` fragment (one that is not a plain name, which pip rejects, still gives
  the name it starts with, flagged ``is_bad_egg``);
* by a wheel or sdist file name (which also gives the version);
* by the ``[project]`` name in the local directory's ``pyproject.toml`` (or ``setup.cfg``),
  read under the rules of every input file, and only inside the repository;
* by the last path segment, a trailing ``.git`` or archive suffix dropped.

Such a guessed name is what a user would call the project; the dependency is still a URL, VCS,
path or editable one, so no index is asked about it. A name that would hold a ``${VAR}`` is
no name.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.requirements import Requirement
from packaging.utils import parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from cg_action._errors import ParseError
from cg_action._sources._pep508 import VCS_SCHEMES, is_vcs_scheme, url_scheme
from cg_action._sources._requirements._files import identity
from cg_action._sources._requirements._variables import Expanded
from cg_action._sources._typed import is_project_name, read_text

logger = logging.getLogger(__name__)

_EGG = re.compile(r"[#&]egg=([^&]*)")
_NAME_PREFIX = re.compile(r"^[A-Z0-9][A-Z0-9._-]*", re.IGNORECASE)
_URL_SCHEMES = frozenset({"http", "https", "file", "ftp"})
ARCHIVES = (
    ".whl",
    ".zip",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tar",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
)


def is_url(text: str) -> bool:
    """Whether pip takes ``text`` as a URL (http, https, file, ftp or a VCS scheme)."""
    scheme = url_scheme(text)
    return scheme in _URL_SCHEMES or is_vcs_scheme(scheme)


def looks_like_path(text: str) -> bool:
    """Whether ``text`` may be a local path (pip's test: a separator or a leading dot)."""
    return "/" in text or "\\" in text or text.startswith(".")


def is_archive(text: str) -> bool:
    """Whether ``text`` ends like a wheel or an sdist (``.whl``, ``.tar.gz``, ``.zip``, ...)."""
    return text.lower().endswith(ARCHIVES)


def as_editable_url(text: str) -> str:
    """pip reads ``git://...`` after ``-e`` as ``git+git://...``."""
    for vcs in VCS_SCHEMES:
        if text.lower().startswith(f"{vcs}:"):
            return f"{vcs}+{text}"
    return text


def file_name_of(location: str) -> str:
    """The last path segment of a URL or path, without query and fragment."""
    if url_scheme(location):
        try:
            tail = urlsplit(location).path
        except ValueError:
            tail = location
    else:
        tail = location.split("#", 1)[0]
    tail = unquote(tail).replace("\\", "/").rstrip("/")
    return tail.rsplit("/", 1)[-1]


def _local_path(location: str, base: Path) -> Path | None:
    """The local file or directory a path or ``file:`` URL names (relative to ``base``)."""
    scheme = url_scheme(location)
    if scheme == "file":
        try:
            raw = unquote(urlsplit(location).path)
        except ValueError:
            return None
    elif scheme:
        return None
    else:
        raw = location.split("#", 1)[0]
    if not raw:
        return None
    try:
        return base / raw
    except (TypeError, ValueError):
        return None


def _project_name_in(directory: Path, root: Path | None) -> str | None:
    """The project name a local source tree declares (pyproject.toml, then setup.cfg).

    With ``root``, only a tree inside it is looked at; its files are read as every input is.
    """
    import configparser

    from cg_action._toml import tomllib

    try:
        if not directory.is_dir() or (
            root is not None and not identity(directory).is_relative_to(root)
        ):
            return None
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            data = tomllib.loads(read_text(pyproject, root=root))
            project = data.get("project")
            if isinstance(project, dict) and isinstance(project.get("name"), str):
                return str(project["name"])
        setup_cfg = directory / "setup.cfg"
        if setup_cfg.is_file():
            parser = configparser.ConfigParser(interpolation=None)
            parser.read_string(read_text(setup_cfg, root=root))
            name = parser.get("metadata", "name", fallback=None)
            if name:
                return name.strip()
    except (
        OSError,
        ValueError,
        RecursionError,
        ParseError,
        configparser.Error,
        tomllib.TOMLDecodeError,
    ):
        logger.debug("cannot read the project name in %s", directory, exc_info=True)
    return None


@dataclass(frozen=True, slots=True)
class Guess:
    """A project name (and version) found for a bare URL or path."""

    name: str
    version: Version | None = None
    extras: frozenset[str] = frozenset()
    egg: str | None = None  # the #egg= fragment the name comes from, as written
    is_bad_egg: bool = False  # that fragment is not a plain name (pip rejects it)


def guess_name(location: str, expanded: Expanded, base: Path, root: Path | None) -> Guess | None:
    """Name a bare URL or path: ``#egg=``, then the file name, then the source tree.

    The name comes from ``location`` as written; ``expanded`` (its ``${VAR}`` expanded) only
    finds the local source tree, inside ``root``, whose declared name is taken. A name that
    would hold a ``${VAR}`` is no name: None.
    """
    egg = _EGG.search(location)
    if egg is not None and egg.group(1):
        fragment = egg.group(1)
        if is_project_name(fragment):
            return Guess(fragment, egg=fragment)
        try:
            requirement = Requirement(fragment)
        except (ValueError, RecursionError):
            prefix = _NAME_PREFIX.match(fragment)
            if prefix is not None:
                return Guess(prefix.group(0).rstrip("._-"), egg=fragment, is_bad_egg=True)
        else:
            return Guess(
                requirement.name,
                extras=frozenset(requirement.extras),
                egg=fragment,
                is_bad_egg=True,
            )
    file_name = file_name_of(location)
    from_file = guess_from_file_name(file_name)
    if from_file is not None:
        return from_file
    local = _local_path(expanded.text, base) if expanded.is_complete else None
    if local is not None:
        declared = _project_name_in(local, root)
        if declared:
            return Guess(declared)
    if file_name in ("", ".", ".."):
        written_local = _local_path(location, base)
        file_name = identity(written_local).name if written_local is not None else ""
    for suffix in (".git", *ARCHIVES):
        if file_name.lower().endswith(suffix) and len(file_name) > len(suffix):
            file_name = file_name[: -len(suffix)]
            break
    file_name = file_name.strip()
    return Guess(file_name) if file_name and "$" not in file_name else None


def guess_from_file_name(file_name: str) -> Guess | None:
    """The name and version a wheel or sdist file name spells, if it is one."""
    lower = file_name.lower()
    try:
        if lower.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(file_name)
            return Guess(name, version)
        if lower.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(file_name)
            return Guess(name, version)
    except ValueError:
        return None
    return None
