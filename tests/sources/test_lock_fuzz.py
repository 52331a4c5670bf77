"""Fuzzing the lockfile readers: whatever the input, a well-formed SourceFile or a ParseError.

One harness (``_read``) serves every lockfile reader. When a reader raises, the error must name
the file and carry problems with lines inside it; when it returns, every dependency must be a
well-formed locked package: a normalized name its display name normalizes to, a kind, a version
that parses back to itself (always one for a pinned package), a line within the file, lower-case
digests, normalized extras and a marker that reads back to itself.

Inputs: random documents shaped like each lockfile (right keys, any values), random text,
byte-level mutations and truncations of real lockfiles (the committed fixtures and the corpus),
and any value put anywhere inside a real file's package entry.
"""

from __future__ import annotations

import copy
import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.markers import Marker
from packaging.utils import canonicalize_name
from packaging.version import Version

from cg_action._errors import ParseError, Problem
from cg_action._models import Dependency, DependencyKind, FileFormat, Hash, SourceFile
from cg_action._sources._pdm_lock import parse_pdm_lock
from cg_action._sources._pipfile_lock import parse_pipfile_lock
from cg_action._sources._poetry_lock import parse_poetry_lock
from cg_action._sources._pylock import parse_pylock
from cg_action._sources._uv_lock import parse_uv_lock

DATA = Path(__file__).resolve().parent.parent / "data" / "locks"
Reader = Callable[[Path, "str | None"], SourceFile]
READERS: dict[str, tuple[Reader, FileFormat]] = {
    "uv.lock": (parse_uv_lock, FileFormat.UV_LOCK),
    "pdm.lock": (parse_pdm_lock, FileFormat.PDM_LOCK),
    "pylock.toml": (parse_pylock, FileFormat.PYLOCK),
    "Pipfile.lock": (parse_pipfile_lock, FileFormat.PIPFILE_LOCK),
    "poetry.lock": (parse_poetry_lock, FileFormat.POETRY_LOCK),
}
JSON_READERS = frozenset({"Pipfile.lock"})
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# The harness -------------------------------------------------------------------------------


def _last_line(text: str) -> int:
    # TOML and JSON end lines at "\n" only (a "\x85" or "\u2028" inside a string starts none).
    return text.count("\n") + 1


def _check_problem(problem: Problem, path: Path, text: str) -> None:
    assert problem.path == path
    assert str(problem).startswith(str(path))
    assert problem.message
    assert problem.line is None or 1 <= problem.line <= _last_line(text), problem


def _check_hash(digest: Hash, reader: str) -> None:
    assert digest.algorithm
    assert digest.algorithm == digest.algorithm.lower()
    assert digest.value == digest.value.lower()
    assert digest.value  # every reader refuses an empty digest (pylock's: packaging does not)


def _check_dependency(dependency: Dependency, path: Path, text: str) -> None:
    assert dependency.name
    assert canonicalize_name(dependency.name) == dependency.name
    assert canonicalize_name(dependency.display_name) == dependency.name
    assert isinstance(dependency.kind, DependencyKind)
    assert dependency.is_locked
    assert dependency.location.path == path
    line = dependency.location.line
    assert line is not None
    assert 1 <= line <= _last_line(text), dependency
    if dependency.kind is DependencyKind.PINNED:
        assert dependency.version is not None, dependency
    if dependency.version is not None:
        assert isinstance(dependency.version, Version)
        assert Version(str(dependency.version)) == dependency.version
    assert all(canonicalize_name(extra) == extra for extra in dependency.extras)
    if dependency.marker is not None:
        assert isinstance(dependency.marker, Marker)
        assert Marker(str(dependency.marker)) == dependency.marker
    reader = path.name
    for digest in dependency.hashes:
        _check_hash(digest, reader)
    for artifact in dependency.artifacts:
        assert artifact.size is None or artifact.size >= 0, artifact
        for digest in artifact.hashes:
            _check_hash(digest, reader)


def _read(reader: str, text: str) -> SourceFile | ParseError:
    """Parse ``text`` as ``reader``'s file and check what comes back, whichever way it comes."""
    parse, file_format = READERS[reader]
    path = Path(reader)
    try:
        source = parse(path, text)
    except ParseError as exc:
        assert exc.problems  # noqa: PT017 - either outcome is checked, the error here
        for problem in exc.problems:
            _check_problem(problem, path, text)
        return exc
    assert source.path == path
    assert source.format is file_format
    for problem in source.problems:
        _check_problem(problem, path, text)
    for dependency in source.dependencies:
        _check_dependency(dependency, path, text)
    return source


# Inputs ------------------------------------------------------------------------------------

_KEYS = [
    "version", "revision", "name", "source", "registry", "git", "url", "path", "directory",
    "editable", "virtual", "sdist", "wheels", "hash", "hashes", "size", "filename", "marker",
    "markers", "resolution-markers", "dependencies", "extra", "optional-dependencies",
    "dev-dependencies", "manifest", "members", "metadata", "lock_version", "groups", "extras",
    "files", "file", "ref", "lock-version", "created-by", "index", "vcs", "archive",
    "commit-id", "type", "sha256", "upload-time", "packages", "package", "requires-python",
    "category", "develop", "sources", "_meta", "default",
]  # fmt: skip

_scalars = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["1.0", "==1.0", "sha256:ab", ".", "https://x/a-1.0.tar.gz", "a-1.0-py3-none-any.whl"]
    ),
    st.integers(min_value=-3, max_value=3),
    st.booleans(),
)
_toml_scalars = st.one_of(
    _scalars,
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2030, 1, 1)),
)


def _nested(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(st.sampled_from(_KEYS), children, max_size=4),
        ),
        max_leaves=12,
    )


_toml_values = _nested(_toml_scalars)
_json_values = _nested(st.one_of(st.none(), _scalars))


def _values(reader: str) -> st.SearchStrategy[Any]:
    return _json_values if reader in JSON_READERS else _toml_values


def _dump(reader: str, document: dict[str, Any]) -> str:
    return json.dumps(document, indent=4) if reader in JSON_READERS else tomlkit.dumps(document)


@st.composite
def _documents(draw: st.DrawFn, reader: str) -> str:
    values = _values(reader)
    entry = st.dictionaries(st.sampled_from(_KEYS), values, max_size=6)
    top: dict[str, Any] = {}
    if reader == "uv.lock":
        top["version"] = draw(st.one_of(st.just(1), values))
        top["package"] = draw(st.lists(entry, max_size=4))
    elif reader == "pdm.lock":
        top["metadata"] = {"lock_version": draw(st.one_of(st.just("4.5.0"), values))}
        top["package"] = draw(st.lists(entry, max_size=4))
    elif reader == "pylock.toml":
        top["lock-version"] = draw(st.one_of(st.just("1.0"), values))
        top["created-by"] = "fuzz"
        top["packages"] = draw(st.lists(entry, max_size=4))
    elif reader == "poetry.lock":
        top["metadata"] = draw(st.one_of(st.just({"lock-version": "2.1"}), values))
        top["package"] = draw(st.lists(entry, max_size=4))
    else:
        top["_meta"] = draw(st.one_of(st.just({"sources": []}), values))
        for category in ("default", "develop"):
            names = st.text(min_size=1, max_size=8)
            top[category] = draw(st.dictionaries(names, st.one_of(entry, values), max_size=3))
    top.update(draw(st.dictionaries(st.sampled_from(_KEYS), values, max_size=2)))
    return _dump(reader, top)


def _seeds(reader: str) -> list[str]:
    """Real files of ``reader``'s kind: the committed fixture first, then the corpus's."""
    fixture, corpus = {
        "uv.lock": ("uv/demo/uv.lock", "uvlock/*.lock"),
        "pdm.lock": (None, "pdmlock/*.toml"),
        "pylock.toml": ("pylock/demo/pylock.toml", "pylock/*.toml"),
        "Pipfile.lock": ("pipfile/demo/Pipfile.lock", "pipfilelock/*.json"),
        "poetry.lock": ("poetry/demo/poetry.lock", "poetrylock/*.lock"),
    }[reader]
    found = [DATA / fixture] if fixture else []
    found += sorted((DATA.parent / "corpus" / "osv-scalibr").glob(corpus))
    return [path.read_text(encoding="utf-8") for path in found]


_REPLACEMENTS = ["", "1", '"x"', "[", "]", "{}", "[]", "true", "=", "\n", '"', "#", "-1", "2"]


# The tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", sorted(READERS))
def test_the_harness_reads_every_real_file(reader: str) -> None:
    """The seeds parse, and the harness finds dependencies to check in them."""
    seeds = _seeds(reader)
    assert len(seeds) >= 4
    results = [_read(reader, text) for text in seeds]
    read = [r for r in results if isinstance(r, SourceFile)]
    assert sum(len(r.dependencies) for r in read) >= 5


@pytest.mark.parametrize("reader", sorted(READERS))
@FUZZ
@given(data=st.data())
def test_random_documents(reader: str, data: st.DataObject) -> None:
    _read(reader, data.draw(_documents(reader)))


@pytest.mark.parametrize("reader", sorted(READERS))
@FUZZ
@given(text=st.text(max_size=200))
def test_random_text(reader: str, text: str) -> None:
    _read(reader, text)


@pytest.mark.parametrize("reader", sorted(READERS))
@FUZZ
@given(data=st.data())
def test_mutated_real_files(reader: str, data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(_seeds(reader)))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        if not text:
            break
        start = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
        length = data.draw(st.integers(min_value=0, max_value=20))
        text = text[:start] + data.draw(st.sampled_from(_REPLACEMENTS)) + text[start + length :]
    _read(reader, text)


@pytest.mark.parametrize("reader", sorted(READERS))
@FUZZ
@given(data=st.data())
def test_truncated_real_files(reader: str, data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(_seeds(reader)))
    _read(reader, text[: data.draw(st.integers(min_value=0, max_value=len(text)))])


def _places(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every key path inside a package entry (``wheels``, ``0``, ``hash``, ...)."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_places(item, (*path, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(_places(item, (*path, i)))
    return found


_PDM_ENTRY = {
    "name": "a",
    "version": "1",
    "groups": ["default"],
    "marker": "os_name == 'nt'",
    "git": "https://example.org/a.git",
    "revision": "abc",
    "files": [{"file": "a-1.tar.gz", "hash": "sha256:ab"}],
}


def _entries(reader: str, document: dict[str, Any]) -> list[dict[str, Any]]:
    if reader in JSON_READERS:
        return [entry for c in ("default", "develop") for entry in document[c].values()]
    found: list[dict[str, Any]] = document["packages" if reader == "pylock.toml" else "package"]
    return found


@pytest.mark.parametrize("reader", sorted(READERS))
@FUZZ
@given(data=st.data())
def test_any_value_anywhere_in_a_real_entry(reader: str, data: st.DataObject) -> None:
    """Replace one value anywhere inside a real file's package entry with anything."""
    if reader == "pdm.lock":
        document: dict[str, Any] = {
            "metadata": {"lock_version": "4.5.0"},
            "package": [copy.deepcopy(_PDM_ENTRY)],
        }
    elif reader in JSON_READERS:
        document = json.loads(_seeds(reader)[0])
    else:
        document = tomlkit.parse(_seeds(reader)[0]).unwrap()
    entry = data.draw(st.sampled_from(_entries(reader, document)))
    place = data.draw(st.sampled_from(_places(entry)))
    target: Any = entry
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = data.draw(_values(reader))
    _read(reader, _dump(reader, document))


# poetry.lock older than 2.1: the dependency graph walked from a pyproject.toml ---------------

_WALK_PROJECT = """\
[tool.poetry]
name = "app"
version = "0.1.0"
[tool.poetry.dependencies]
python = "^3.9"
a = {version = "*", extras = ["x"]}
c = {version = "*", optional = true}
[tool.poetry.extras]
x = ["c"]
[tool.poetry.group.dev.dependencies]
b = "*"
"""
_WALK_NAMES = st.sampled_from(["a", "b", "c", "d", "A_", "no such"])
_WALK_ENTRY = st.one_of(
    st.sampled_from(["*", ">=1", "^1.0", "1.0 || 2.0", "not a constraint"]),
    st.fixed_dictionaries(
        {},
        optional={
            "version": st.one_of(st.sampled_from(["*", "<1", "==1"]), _toml_values),
            "markers": st.one_of(
                st.sampled_from(
                    ['sys_platform == "win32"', 'extra == "x"', "python_version < '3'", "=="]
                ),
                _toml_values,
            ),
            "python": st.one_of(st.sampled_from(["^3.10", "<3.9", "~=", "*"]), _toml_values),
            "platform": st.one_of(st.just("linux"), _toml_values),
            "optional": st.one_of(st.booleans(), _toml_values),
            "extras": st.one_of(
                st.lists(st.sampled_from(["x", "y", ""]), max_size=2), _toml_values
            ),
        },
    ),
    _toml_values,
)


@pytest.fixture(scope="module")
def walk_folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A folder with the project's pyproject.toml, and one without any."""
    folder = tmp_path_factory.mktemp("walk")
    (folder / "pyproject.toml").write_text(_WALK_PROJECT)
    return folder, tmp_path_factory.mktemp("alone")


@FUZZ
@given(data=st.data())
def test_older_poetry_locks_walk_any_dependency_graph(
    walk_folders: tuple[Path, Path], data: st.DataObject
) -> None:
    """Lock 2.0 packages whose ``[package.dependencies]`` and ``[package.extras]`` hold anything
    (cycles, unknown names, wrong types, unreadable markers and constraints), walked from a
    pyproject.toml: the walk never makes a lock unreadable nor loses a package, and the
    project's main dependency ``a`` installs everywhere whatever the graph says."""
    packages = []
    for name in ("a", "b", "c", "d"):
        entry: dict[str, Any] = {"name": name, "version": "1.0", "files": []}
        entry["dependencies"] = data.draw(
            st.one_of(st.dictionaries(_WALK_NAMES, _WALK_ENTRY, max_size=4), _toml_values)
        )
        entry["extras"] = data.draw(
            st.one_of(
                st.dictionaries(
                    st.sampled_from(["x", "y"]), st.lists(_WALK_NAMES, max_size=3), max_size=2
                ),
                _toml_values,
            )
        )
        entry["optional"] = data.draw(st.booleans())
        packages.append(entry)
    text = tomlkit.dumps(
        {"package": packages, "metadata": {"lock-version": "2.0", "python-versions": "^3.9"}}
    )
    with_project, alone = walk_folders
    try:
        unwalked = parse_poetry_lock(alone / "poetry.lock", text)
    except ParseError as exc:  # the lock itself is unreadable (a value of the wrong type)
        for problem in exc.problems:
            _check_problem(problem, alone / "poetry.lock", text)
        return
    path = with_project / "poetry.lock"
    source = parse_poetry_lock(path, text)  # no ParseError: the walk adds none
    for dependency in source.dependencies:
        _check_dependency(dependency, path, text)
    assert [d.name for d in source.dependencies] == [d.name for d in unwalked.dependencies]
    main = [d for d in source.dependencies if d.name == "a"]
    assert all(d.marker is None for d in main)
