"""The one table of the files cg-action handles: which names count, and what each command does.

Every row (``FileKind``) says, for one kind of file: the names it goes by, the reader that
turns it into dependencies (``list``, ``check``), the configuration format ``rewrite`` edits
(and lints), the function ``update-hashes`` rewrites its digests with, and the pre-commit hooks
that are handed it. Discovery, the readers' dispatch, ``rewrite``'s and ``update-hashes``'
file finding and the ``files:`` regexes of ``.pre-commit-hooks.yaml`` all derive from it;
``python -m cg_action._formats_table --write-hooks .pre-commit-hooks.yaml`` writes those
regexes, and a test holds the committed file to this table.

Which names count (a file found by walking a folder, or staged for a pre-commit hook):

- names a tool owns, in that exact case: ``pyproject.toml``, ``Pipfile``, ``Pipfile.lock``,
  ``uv.lock``, ``poetry.lock``, ``pdm.lock``, ``pylock.toml`` and ``pylock.NAME.toml`` (PEP 751:
  NAME holds no dot), ``pip.conf``, ``pip.ini``, ``uv.toml``;
- requirements files, named by people, in any (ASCII) case: a name that contains
  ``requirements`` or ``constraints`` and ends in ``.txt``, ``.in``, ``.pip`` or ``.lock``
  (``requirements.txt``, ``requirements-dev.txt``, ``dev-requirements.in``,
  ``requirements_test.txt``, ``constraints.txt``, rye's ``requirements.lock``), and a
  ``.txt``, ``.in`` or ``.pip`` file directly inside a folder named ``requirements``,
  ``requirements.d``, ``reqs`` or ``constraints`` (``requirements/base.txt``,
  ``requirements.d/dev.in``).

Which folders a walk skips: version control (``.git``, ``.hg``, ``.svn``), environments and
installed packages (``.venv``, ``venv``, ``.direnv``, ``.tox``, ``.nox``, ``site-packages``,
``dist-packages``, ``__pypackages__``, ``node_modules``, ``.eggs``, ``*.egg-info``), caches
(``__pycache__``, ``.mypy_cache``, ``.pytest_cache``, ``.ruff_cache``), ``dist``, and the
output setuptools writes inside ``build`` (``build/lib*``, ``build/bdist.*``, ``build/temp.*``,
``build/scripts-*``). A folder named ``build`` is not skipped: ``build/requirements.txt`` is a
requirements file like any other. The walk also skips any folder holding a virtual
environment (``pyvenv.cfg`` or ``conda-meta/``), whatever its name, and what git ignores;
neither can be told from a path, so the hooks' regexes leave them to git.

A file named on the command line is always read: by the rule above, else as requirements when
it ends in ``.txt``, ``.in`` or ``.pip`` and as pyproject when it is a ``pyproject*.toml``. Any
other name takes its format after a colon, ``PATH:FORMAT`` (``deps/prod.lst:requirements``,
``ci/pip-settings.cfg:pip-conf``); the suffix is a format only when it is one of
``FORMAT_NAMES`` and what precedes it is not a drive letter, and a path that exists as
written is never split (``C:\\x``, ``a:b.txt``).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PosixPath, PurePath, WindowsPath
from typing import Any

from cg_action._compat import StrEnum, assert_never
from cg_action._models import FileFormat
from cg_action._rewrite._interface import ConfigFormat


class Hook(StrEnum):
    """The hooks of ``.pre-commit-hooks.yaml`` that are handed files by name."""

    CONFIG = "cg-action-config"  # rewrite --check: configuration, and lockfiles for the lint
    CHECK = "cg-action-check"  # check: the files with a reader


class NameRule(StrEnum):
    """A rule for names that a list of exact names cannot say."""

    REQUIREMENTS = "requirements"  # *requirements*.txt, requirements/*.in, ... (any case)
    NAMED_PYLOCK = "named-pylock"  # pylock.NAME.toml (PEP 751)


@dataclass(frozen=True, slots=True, kw_only=True)
class FileKind:
    """One row of the table: a kind of file, the names it goes by and what handles it."""

    name: str  # the FORMAT of PATH:FORMAT
    file_names: tuple[str, ...] = ()  # exact names, exact case
    rule: NameRule | None = None  # names beyond the exact ones
    reads: FileFormat | None = None  # what the reader gives (list, check)
    reader: str | None = None  # "module:function" of the reader
    rewrites: ConfigFormat | None = None  # what rewrite edits (ConfigFormat.LOCK: lints only)
    hashes: str | None = None  # "module:function" update-hashes calls with a HashJob
    hooks: tuple[Hook, ...] = ()


_ALL_HOOKS = (Hook.CONFIG, Hook.CHECK)

FILE_KINDS: tuple[FileKind, ...] = (
    FileKind(
        name="requirements",
        rule=NameRule.REQUIREMENTS,
        reads=FileFormat.REQUIREMENTS,  # FileFormat.PIP_COMPILE when pip-compile wrote it
        reader="cg_action._sources._requirements:parse_requirements",
        rewrites=ConfigFormat.REQUIREMENTS,
        hashes="cg_action._rewrite._hashes:for_requirements",  # entries with --hash
        hooks=_ALL_HOOKS,
    ),
    FileKind(
        name="pyproject",
        file_names=("pyproject.toml",),
        reads=FileFormat.PYPROJECT,
        reader="cg_action._sources._pyproject:parse_pyproject",
        rewrites=ConfigFormat.PYPROJECT,
        hooks=_ALL_HOOKS,
    ),
    FileKind(
        name="pipfile",
        file_names=("Pipfile",),
        reads=FileFormat.PIPFILE,
        reader="cg_action._sources._pipfile:parse_pipfile",
        rewrites=ConfigFormat.PIPFILE,
        hooks=_ALL_HOOKS,
    ),
    FileKind(
        name="pipfile-lock",
        file_names=("Pipfile.lock",),
        reads=FileFormat.PIPFILE_LOCK,
        reader="cg_action._sources._pipfile_lock:parse_pipfile_lock",
        rewrites=ConfigFormat.LOCK,
        hashes="cg_action._rewrite._hashes_pipfile:for_pipfile_lock",
        hooks=_ALL_HOOKS,
    ),
    FileKind(
        name="uv-lock",
        file_names=("uv.lock",),
        reads=FileFormat.UV_LOCK,
        reader="cg_action._sources._uv_lock:parse_uv_lock",
        rewrites=ConfigFormat.LOCK,
        hashes="cg_action._rewrite._hashes:for_uv_lock",
        hooks=_ALL_HOOKS,
    ),
    FileKind(
        name="poetry-lock",
        file_names=("poetry.lock",),
        reads=FileFormat.POETRY_LOCK,
        reader="cg_action._sources._poetry_lock:parse_poetry_lock",
        rewrites=ConfigFormat.LOCK,
        hashes="cg_action._rewrite._hashes_poetry:for_poetry_lock",
        hooks=_ALL_HOOKS,
    ),
    FileKind(
        name="pdm-lock",
        file_names=("pdm.lock",),
        reads=FileFormat.PDM_LOCK,
        reader="cg_action._sources._pdm_lock:parse_pdm_lock",
        rewrites=ConfigFormat.LOCK,
        hashes="cg_action._rewrite._hashes_pdm:for_pdm_lock",
        hooks=_ALL_HOOKS,
    ),
    FileKind(
        name="pylock",
        file_names=("pylock.toml",),
        rule=NameRule.NAMED_PYLOCK,
        reads=FileFormat.PYLOCK,
        reader="cg_action._sources._pylock:parse_pylock",
        rewrites=ConfigFormat.LOCK,
        hashes="cg_action._rewrite._hashes_pylock:for_pylock",
        hooks=_ALL_HOOKS,
    ),
    FileKind(
        name="pip-conf",
        file_names=("pip.conf", "pip.ini"),
        rewrites=ConfigFormat.PIP_CONF,
        hooks=(Hook.CONFIG,),
    ),
    FileKind(
        name="uv-toml",
        file_names=("uv.toml",),
        rewrites=ConfigFormat.UV_TOML,
        hooks=(Hook.CONFIG,),
    ),
)

_BY_NAME = {kind.name: kind for kind in FILE_KINDS}
_BY_FILE_NAME = {file_name: kind for kind in FILE_KINDS for file_name in kind.file_names}
_BY_FORMAT = {kind.reads: kind for kind in FILE_KINDS if kind.reads is not None}
_BY_FORMAT[FileFormat.PIP_COMPILE] = _BY_NAME["requirements"]  # told apart by its header

FORMAT_NAMES: tuple[str, ...] = (*_BY_NAME, FileFormat.PIP_COMPILE.value)
"""What may follow the colon of PATH:FORMAT (pip-compile is read as requirements)."""

# -- the requirements rule -------------------------------------------------------------------

REQUIREMENTS_WORDS = ("requirements", "constraints")
REQUIREMENTS_SUFFIXES = (".txt", ".in", ".pip", ".lock")
REQUIREMENTS_FOLDERS = ("requirements", "requirements.d", "reqs", "constraints")
REQUIREMENTS_FOLDER_SUFFIXES = (".txt", ".in", ".pip")
NAMED_REQUIREMENTS_SUFFIXES = (".txt", ".in", ".pip")  # a file named on the command line

# -- folders a walk skips --------------------------------------------------------------------

SKIPPED_FOLDERS = frozenset(
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
        "dist",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
        "site-packages",
        "dist-packages",
        "__pypackages__",
    }
)
SKIPPED_SUFFIX = ".egg-info"
BUILD_FOLDER = "build"
BUILD_OUTPUT_PREFIXES = ("lib.", "bdist.", "temp.", "scripts-")  # and "lib" itself

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _lower(text: str) -> str:
    """ASCII letters lowered, nothing else: what the hooks' ``(?ai:...)`` does."""
    return text.translate(_ASCII_LOWER)


def _has_stem(name: str, suffixes: Sequence[str]) -> bool:
    return any(name.endswith(suffix) and len(name) > len(suffix) for suffix in suffixes)


def _follows_rule(rule: NameRule, name: str, parent: str) -> bool:
    match rule:
        case NameRule.REQUIREMENTS:
            lowered = _lower(name)
            if any(word in lowered for word in REQUIREMENTS_WORDS) and _has_stem(
                lowered, REQUIREMENTS_SUFFIXES
            ):
                return True
            return _lower(parent) in REQUIREMENTS_FOLDERS and _has_stem(
                lowered, REQUIREMENTS_FOLDER_SUFFIXES
            )
        case NameRule.NAMED_PYLOCK:
            if not (name.startswith("pylock.") and name.endswith(".toml")):
                return False
            middle = name[len("pylock.") : -len(".toml")]
            return len(name) > len("pylock..toml") and "." not in middle
        case _:
            assert_never(rule)


def kind_by_name(name: str, parent: str = "") -> FileKind | None:
    """The kind of a file by its name and its folder's name (None: not a file we handle)."""
    exact = _BY_FILE_NAME.get(name)
    if exact is not None:
        return exact
    for kind in FILE_KINDS:
        if kind.rule is not None and _follows_rule(kind.rule, name, parent):
            return kind
    return None


def kind_of_path(path: PurePath) -> FileKind | None:
    """The kind of a file found by walking, by its name and its folder's name."""
    return kind_by_name(path.name, path.parent.name)


def is_skipped_folder(name: str, parent: str = "") -> bool:
    """Whether a walk leaves out the folder ``name`` found in the folder ``parent``."""
    if name in SKIPPED_FOLDERS or name.endswith(SKIPPED_SUFFIX):
        return True
    return parent == BUILD_FOLDER and (name == "lib" or name.startswith(BUILD_OUTPUT_PREFIXES))


def kind_in_repository(path: str) -> FileKind | None:
    """The kind of a file at ``path`` (relative, ``/``-separated, as git and pre-commit name
    files) when a walk from the top would find it: its name counts and no folder on the way is
    skipped. This is what the hooks' ``files:`` regexes say."""
    parts = path.split("/")
    for number, folder in enumerate(parts[:-1]):
        if is_skipped_folder(folder, parts[number - 1] if number else ""):
            return None
    return kind_by_name(parts[-1], parts[-2] if len(parts) > 1 else "")


def kind_of_format(fmt: FileFormat) -> FileKind:
    """The row of a reader's format (pip-compile output is a requirements file)."""
    return _BY_FORMAT[fmt]


def load(target: str) -> Any:
    """The function a row names as ``"module:function"`` (its reader, its digest updater),
    imported only when it is needed."""
    import importlib

    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


def kind_named(name: str) -> FileKind | None:
    """The row called ``name`` in PATH:FORMAT (case aside; None: no such format)."""
    lowered = _lower(name)
    if lowered == FileFormat.PIP_COMPILE.value:
        return _BY_NAME["requirements"]
    return _BY_NAME.get(lowered)


# -- files named on the command line ---------------------------------------------------------

if sys.platform == "win32":  # pragma: no cover - the concrete class of this platform
    _ConcretePath = WindowsPath
else:
    _ConcretePath = PosixPath


class PathWithFormat(_ConcretePath):
    """A file named on the command line as ``PATH:FORMAT``: a ``Path`` like any other, which
    carries the format its name does not say (``given_kind``), so that every command that
    takes paths takes it unchanged. Paths derived from it (its parent, ``resolve()``) do not
    carry the format."""

    given_kind: FileKind | None = None


def given_kind(path: PurePath) -> FileKind | None:
    """The format named with ``path`` as ``PATH:FORMAT`` (None: none was named)."""
    return path.given_kind if isinstance(path, PathWithFormat) else None


def kind_of_named(path: Path) -> FileKind | None:
    """The kind of a file named on the command line: its ``:FORMAT``, else by its name, else
    requirements for ``.txt``/``.in``/``.pip`` and pyproject for ``pyproject*.toml``."""
    named = given_kind(path)
    if named is not None:
        return named
    found = kind_of_path(path)
    if found is not None:
        return found
    lowered = _lower(path.name)
    if _has_stem(lowered, NAMED_REQUIREMENTS_SUFFIXES):
        return _BY_NAME["requirements"]
    if path.name.startswith("pyproject") and path.name.endswith(".toml"):
        return _BY_NAME["pyproject"]
    return None


def split_format(text: str) -> tuple[str, FileKind | None]:
    """``PATH:FORMAT`` split into the path and the format's row; other text is all path.

    The suffix is a format only when it is one of ``FORMAT_NAMES``, and the text is left whole
    when it names a path that exists or the part before the colon is a drive letter (``C:``).
    """
    head, colon, tail = text.rpartition(":")
    if not colon or not head or os.path.lexists(text):
        return text, None
    kind = kind_named(tail)
    if kind is None or (len(head) == 1 and head.isascii() and head.isalpha()):
        return text, None
    return head, kind


def given_path(text: str) -> Path:
    """A path from the command line or CG_ACTION_PATHS, with its ``:FORMAT`` when it has one."""
    path_text, kind = split_format(text)
    if kind is None:
        return Path(text)
    path = PathWithFormat(path_text)
    path.given_kind = kind
    return path


def unknown_file_message(path: Path, *, reading: bool) -> str:
    """What to say about a named file whose format its name does not tell: the names the table
    knows (those with a reader when ``reading``), and how to name its format."""
    formats = []
    for name in FORMAT_NAMES:
        kind = kind_named(name)
        if kind is not None and (kind.reads is not None or not reading):
            formats.append(name)
    return (
        f"{path}: not a file cg-action knows by its name ({known_names(reading=reading)}); "
        f"to read it anyway, name its format: {path}:FORMAT, FORMAT one of {', '.join(formats)}"
    )


def missing_path_message(path: Path) -> str:
    """What to say about a named path that does not exist; a colon in it may be a misspelled
    ``:FORMAT``."""
    hint = ""
    if ":" in path.name and given_kind(path) is None:
        hint = f" (a format after a colon is one of {', '.join(FORMAT_NAMES)})"
    return f"{path}: no such file or directory{hint}"


def known_names(*, reading: bool) -> str:
    """The names the table knows, for messages: the files with a reader, or every file."""
    names: list[str] = []
    for kind in FILE_KINDS:
        if reading and kind.reads is None:
            continue
        match kind.rule:
            case NameRule.REQUIREMENTS:
                names.append("requirements*.txt/.in")
            case NameRule.NAMED_PYLOCK:
                names.append("pylock*.toml")
                continue
            case None:
                pass
            case _:
                assert_never(kind.rule)
        names.extend(kind.file_names)
    return ", ".join(names)


# -- the pre-commit hooks --------------------------------------------------------------------


def _escape(text: str) -> str:
    """``re.escape`` without the escapes a hyphen outside a class does not need."""
    return re.escape(text).replace("\\-", "-")


def _rule_regex(rule: NameRule) -> str:
    match rule:
        case NameRule.REQUIREMENTS:
            words = "|".join(map(_escape, REQUIREMENTS_WORDS))
            suffixes = "|".join(_escape(s.removeprefix(".")) for s in REQUIREMENTS_SUFFIXES)
            folders = "|".join(map(_escape, REQUIREMENTS_FOLDERS))
            in_folders = "|".join(
                _escape(s.removeprefix(".")) for s in REQUIREMENTS_FOLDER_SUFFIXES
            )
            return (
                f"(?ai:[^/]*(?:{words})[^/]*\\.(?:{suffixes})"
                f"|(?:{folders})/[^/]+\\.(?:{in_folders}))"
            )
        case NameRule.NAMED_PYLOCK:
            return r"pylock\.[^./]+\.toml"
        case _:
            assert_never(rule)


def hook_files_regex(hook: Hook) -> str:
    """The ``files:`` regex of ``hook``: the paths ``kind_in_repository`` finds for it.

    pre-commit matches it (``re.search``) against each staged path, ``/``-separated.
    """
    names: list[str] = []
    for kind in FILE_KINDS:
        if hook in kind.hooks:
            names.extend(_escape(name) for name in kind.file_names)
            if kind.rule is not None:
                names.append(_rule_regex(kind.rule))
    skipped = [_escape(name) for name in sorted(SKIPPED_FOLDERS)]
    skipped.append(f"[^/]*{_escape(SKIPPED_SUFFIX)}")
    output = "|".join(["lib", *(f"{_escape(p)}[^/]*" for p in BUILD_OUTPUT_PREFIXES)])
    skipped.append(f"{_escape(BUILD_FOLDER)}/(?:{output})")
    return f"^(?!(?:[^/]*/)*(?:{'|'.join(skipped)})/)(?:[^/]*/)*(?:{'|'.join(names)})\\Z"


_HOOK_ID = re.compile(r"^- id: (?P<id>\S+)\s*$")
_FILES = re.compile(r"^(?P<indent>\s+)files: .*$")
GENERATED = "# from the table: python -m cg_action._formats_table --write-hooks FILE"


def with_hook_files(text: str) -> str:
    """``.pre-commit-hooks.yaml`` with each hook's ``files:`` line made from the table; every
    other line is kept as it is."""
    hook: Hook | None = None
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        if found := _HOOK_ID.match(line):
            ids = {h.value: h for h in Hook}
            hook = ids.get(found["id"])
        elif hook is not None and (files := _FILES.match(line.rstrip("\r\n"))):
            ending = line[len(line.rstrip("\r\n")) :]
            regex = hook_files_regex(hook).replace("'", "''")
            lines[number] = f"{files['indent']}files: '{regex}'  {GENERATED}{ending}"
    return "".join(lines)


def main(argv: Sequence[str]) -> int:
    """Print the hooks' regexes, or write them into a ``.pre-commit-hooks.yaml``."""
    parser = argparse.ArgumentParser(prog="python -m cg_action._formats_table")
    parser.add_argument("--hook-regex", action="store_true", help="print each hook's regex")
    parser.add_argument("--write-hooks", type=Path, metavar="YAML", help="rewrite its files:")
    args = parser.parse_args(argv)
    if args.write_hooks is not None:
        text = args.write_hooks.read_bytes().decode("utf-8")
        args.write_hooks.write_bytes(with_hook_files(text).encode("utf-8"))
    if args.hook_regex or args.write_hooks is None:
        for hook in Hook:
            sys.stdout.write(f"{hook}: {hook_files_regex(hook)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
