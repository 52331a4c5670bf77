"""poetry.lock reader: tool-made locks, every corpus lock, Poetry's own reading, bad input.

Expected values come from Poetry itself: its ``Locker`` (a test-only oracle) for committed
and corpus locks, ``poetry lock`` + ``poetry show`` on a local index for the tool tests, and
the digests of the very wheels the local index serves.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name
from packaging.version import Version

from cg_action._errors import ParseError
from cg_action._models import Dependency, DependencyKind, FileFormat, SourceFile
from cg_action._sources._poetry_lock import parse_poetry_lock
from cg_action._toml import tomllib
from tests._servers import pypiserver
from tests._wheels import sha256_file
from tests.lockgen._marker_grid import Selected, differences, environments
from tests.lockgen._pip_compile import make_demo_packages
from tests.lockgen._poetry import make_demo_project, poetry_lock, poetry_show

DEMO = Path("locks") / "poetry" / "demo" / "poetry.lock"


def _corpus_locks(corpus: Path) -> list[Path]:
    named = sorted(corpus.rglob("poetry.lock"))
    return named + sorted((corpus / "osv-scalibr" / "poetrylock").glob("*"))


def _poetry_view(path: Path) -> dict[tuple[str, str], tuple[str | None, str | None, list[str]]]:
    """Poetry's own reading: (name, version) -> (source type, source url, file digests)."""
    with warnings.catch_warnings():
        # Poetry's dependencies call deprecated importlib.resources functions on import.
        warnings.simplefilter("ignore", DeprecationWarning)
        from poetry.packages.locker import Locker

        repository = Locker(path, {}).locked_repository()
    return {
        (str(p.name), str(p.version)): (
            p.source_type,
            p.source_url,
            [f["hash"] for f in p.files],
        )
        for p in repository.packages
    }


def _ours(source: SourceFile) -> dict[tuple[str, str], tuple[str | None, list[str]]]:
    return {
        (d.name, str(d.version)): (d.index, [str(h) for h in d.hashes]) for d in source.dependencies
    }


def test_demo_lock_matches_poetry_reading(data_dir: Path) -> None:
    path = data_dir / DEMO
    source = parse_poetry_lock(path)
    assert source.format is FileFormat.POETRY_LOCK
    assert source.problems == ()
    expected = _poetry_view(path)
    assert {(d.name, str(d.version)) for d in source.dependencies} == set(expected)
    for dep in source.dependencies:
        source_type, source_url, digests = expected[(dep.name, str(dep.version))]
        assert [str(h) for h in dep.hashes] == digests
        assert dep.is_locked
        assert str(dep.specifier) == f"=={dep.version}"
        if source_type == "legacy":
            assert dep.kind is DependencyKind.PINNED
            assert dep.index == source_url
        elif source_type == "url":
            assert dep.kind is DependencyKind.URL
            assert dep.url == source_url
            assert all(a.url == source_url for a in dep.artifacts)
        elif source_type == "directory":
            assert dep.kind is DependencyKind.PATH
            assert dep.url is not None
            assert (path.parent / dep.url).resolve() == Path(str(source_url)).resolve()


GRID = environments(">=3.9")
NEVER = Marker("python_full_version < '0'")


def _check_groups_meaning(marker: Marker | None, table: dict[str, Any]) -> None:
    """For no group and for each group alone, ``marker`` means what Poetry installs: the
    package wherever the marker of ``main`` or of the selected group holds (a group without a
    marker: everywhere), nowhere when it is in neither."""
    groups = [canonicalize_name(g) for g in table["groups"]]
    raw = table.get("markers")
    per_group: dict[str, str] = (
        {canonicalize_name(g): m for g, m in raw.items()} if isinstance(raw, dict) else {}
    )

    def of(group: str) -> Marker | None:
        if isinstance(raw, str):
            return Marker(raw)
        return Marker(per_group[group]) if group in per_group else None

    for selected in [None, *(g for g in groups if g != "main")]:
        chosen = [g for g in groups if g in ("main", selected)]
        wanted = [of(g) for g in chosen]
        expected = (
            NEVER
            if not wanted
            else None
            if None in wanted
            else Marker(" or ".join(f"({m})" for m in wanted))
        )
        chosen_groups = frozenset({selected}) if selected else frozenset()
        grid = [(Selected(groups=chosen_groups), env) for _, env in GRID]
        assert differences(marker, expected, grid) == [], (table["name"], selected, marker)


def test_demo_lock_lines_groups_and_markers(data_dir: Path) -> None:
    path = data_dir / DEMO
    text = path.read_text()
    lines = text.splitlines()
    data = tomllib.loads(text)
    by_name = {d.name: d for d in parse_poetry_lock(path).dependencies}
    for table in data["package"]:
        dep = by_name[canonicalize_name(table["name"])]
        assert dep.location.line is not None
        assert lines[dep.location.line - 1] == "[[package]]"
        assert lines[dep.location.line] == f'name = "{table["name"]}"'
        assert dep.groups == tuple(table["groups"])
        _check_groups_meaning(dep.marker, table)
    # the demo has a package that two groups want under two different markers
    assert any(
        isinstance(t.get("markers"), dict) and len(t["markers"]) > 1 for t in data["package"]
    )


@pytest.mark.parametrize("header", ["[package.source]", "[package.dependencies]"])
def test_sub_tables_do_not_shift_lines(data_dir: Path, header: str) -> None:
    text = (data_dir / DEMO).read_text()
    assert header in text
    source = parse_poetry_lock(Path("poetry.lock"), text)
    headers = [i + 1 for i, line in enumerate(text.splitlines()) if line == "[[package]]"]
    assert [d.location.line for d in source.dependencies] == headers


# Files of the corpus that are not whole poetry.lock files: not TOML, empty, or cut off
# before [metadata] (Poetry itself refuses all three).
NOT_LOCKS = ("not-toml.txt", "empty-file.lock", "source-legacy.lock")


def test_every_corpus_lock_parses_or_fails_clearly(corpus_dir: Path) -> None:
    locks = _corpus_locks(corpus_dir)
    counts = {"parsed": 0, "failed": 0}
    for path in locks:
        if path.name in NOT_LOCKS:
            with pytest.raises(ParseError) as caught:
                parse_poetry_lock(path)
            assert all(p.path == path for p in caught.value.problems)
            assert str(path) in str(caught.value)
            counts["failed"] += 1
            continue
        source = parse_poetry_lock(path)
        assert source.problems == (), source.problems
        counts["parsed"] += 1
    assert counts == {"parsed": len(locks) - len(NOT_LOCKS), "failed": len(NOT_LOCKS)}


def test_corpus_locks_agree_with_poetry(corpus_dir: Path) -> None:
    compared = 0
    for path in _corpus_locks(corpus_dir):
        if path.name in (*NOT_LOCKS, "names-outside-package-block.lock"):
            continue  # Poetry cannot read these (the last lacks keys Poetry requires)
        expected = _poetry_view(path)
        ours = _ours(parse_poetry_lock(path))
        assert set(ours) == set(expected), path
        for key, (index, digests) in ours.items():
            source_type, source_url, poetry_digests = expected[key]
            assert digests == poetry_digests, (path, key)
            assert index == (source_url if source_type == "legacy" else None), (path, key)
        compared += 1
    assert compared == len(_corpus_locks(corpus_dir)) - len(NOT_LOCKS) - 1


@pytest.mark.parametrize(
    ("relative", "version"),
    [
        ("realworld/Textualize+rich@96e23bdb7c0a/poetry.lock", "1.0"),
        ("realworld/Textualize+rich@356cec9706aa/poetry.lock", "1.1"),
        ("chainguard/cs-workshop/python/python-poetry-multi-stage/poetry.lock", "2.0"),
        ("realworld/python-poetry+poetry@f46702336862/poetry.lock", "2.1"),
    ],
)
def test_each_lock_version_keeps_files_and_groups(
    corpus_dir: Path, relative: str, version: str
) -> None:
    path = corpus_dir / relative
    data = tomllib.loads(path.read_text())
    assert data["metadata"]["lock-version"] == version
    source = parse_poetry_lock(path)
    assert len(source.dependencies) == len(data["package"])
    with_files = sum(1 for d in source.dependencies if d.artifacts)
    assert with_files >= len(data["package"]) - 2
    for dep, table in zip(source.dependencies, data["package"], strict=True):
        assert dep.name == canonicalize_name(table["name"])
        if "groups" in table:
            assert dep.groups == tuple(table["groups"])
        elif "category" in table:
            assert dep.groups == (table["category"],)


def test_lock_1x_files_are_split_between_versions_of_one_name() -> None:
    text = """
[[package]]
name = "numpy"
version = "1.24.4"
category = "main"
optional = false
python-versions = ">=3.8"

[[package]]
name = "numpy"
version = "1.26.4"
category = "main"
optional = false
python-versions = ">=3.9"

[metadata]
lock-version = "1.1"
python-versions = "^3.8"
content-hash = "0"

[metadata.files]
numpy = [
    {file = "numpy-1.24.4.tar.gz", hash = "sha256:aa"},
    {file = "numpy-1.26.4.tar.gz", hash = "sha256:bb"},
]
"""
    deps = parse_poetry_lock(Path("poetry.lock"), text).dependencies
    assert [(str(d.version), [a.filename for a in d.artifacts]) for d in deps] == [
        ("1.24.4", ["numpy-1.24.4.tar.gz"]),
        ("1.26.4", ["numpy-1.26.4.tar.gz"]),
    ]
    assert [d.location.line for d in deps] == [2, 9]


def test_source_kinds_and_credentials() -> None:
    text = """
[[package]]
name = "private"
version = "1.0"
files = [{file = "private-1.0-py3-none-any.whl", hash = "sha256:AB"}]
groups = ["main"]
[package.source]
type = "legacy"
url = "https://fake-user:fake-token@libraries.cgr.dev/python/simple"
reference = "chainguard"

[[package]]
name = "tool"
version = "2.0"
develop = true
groups = ["dev"]
[package.source]
type = "directory"
url = "../tool"

[[package]]
name = "lib"
version = "3.0"
[package.source]
type = "git"
url = "https://fake-token@example.invalid/lib.git"
reference = "main"
resolved_reference = "0123abc"
subdirectory = "python"

[metadata]
lock-version = "2.1"
"""
    source = parse_poetry_lock(Path("poetry.lock"), text)
    deps: dict[str, Dependency] = {d.name: d for d in source.dependencies}
    assert deps["private"].index == "https://libraries.cgr.dev/python/simple"
    assert str(deps["private"].hashes[0]) == "sha256:ab"
    assert deps["tool"].kind is DependencyKind.EDITABLE
    assert deps["tool"].url == "../tool"
    assert deps["lib"].kind is DependencyKind.VCS
    assert deps["lib"].url == "git+https://example.invalid/lib.git@0123abc#subdirectory=python"
    assert deps["lib"].version == Version("3.0")
    assert "fake-token" not in repr(deps)


@pytest.mark.parametrize(
    ("text", "line", "key", "needle"),
    [
        ('[metadata]\nlock-version = "3.0"\n', 2, "metadata.lock-version", "lock version 3.0"),
        ('[metadata]\nlock-version = "two"\n', 2, "metadata.lock-version", "not a lock version"),
        ('package = "x"\n[metadata]\n', 1, "package", "expected an array"),
        ('[[package]]\nname = "a"\n', 2, None, "no [metadata] table"),
        ("[metadata]\nlock-version = 2\n", 2, "metadata.lock-version", "expected a string"),
        ('[[package]]\nname = "a"\nversion = "1.0"\n[[package', None, None, "invalid TOML"),
    ],
)
def test_file_level_errors(text: str, line: int | None, key: str | None, needle: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_poetry_lock(Path("poetry.lock"), text)
    (problem,) = caught.value.problems
    assert problem.line == line
    assert problem.key == key
    assert needle in problem.message
    assert str(caught.value).startswith("poetry.lock")


def test_package_problems_are_collected_and_the_rest_is_read() -> None:
    text = """
[[package]]
name = "good"
version = "1.0"
files = []

[[package]]
name = "bad-hash"
version = "1.0"
files = [{file = "bad_hash-1.0.tar.gz", hash = 5}]

[[package]]
name = "bad-version"
version = "not a version"
files = []

[[package]]
name = "bad-marker"
version = "1.0"
markers = "python_version >>> '3'"
files = []

[[package]]
name = "odd-source"
version = "1.0"
files = []
[package.source]
type = "svn"
url = "svn://example.invalid/x"

[metadata]
lock-version = "2.1"
"""
    source = parse_poetry_lock(Path("poetry.lock"), text)
    assert [d.name for d in source.dependencies] == ["good", "bad-marker"]
    found = {(p.line, p.key) for p in source.problems}
    assert found == {
        (7, "package[1].files[0].hash"),
        (12, "package[2].version"),
        (17, "package[3].markers"),
        (23, "package[4].source.type"),
    }
    assert "expected a string" in str(source.problems[0])


@pytest.mark.tools
@pytest.mark.slow
def test_poetry_lock_against_a_local_index(tmp_path: Path) -> None:
    packages = make_demo_packages(tmp_path / "packages")
    with pypiserver(packages) as index:
        project = tmp_path / "project"
        make_demo_project(project, index.url, tmp_path, with_git=True)
        lock = poetry_lock(project, tmp_path / "home")
        shown = poetry_show(project, tmp_path / "home")

    source = parse_poetry_lock(lock)
    assert source.problems == ()
    assert {d.name: str(d.version) for d in source.dependencies} == {
        canonicalize_name(name): version for name, version in shown.items()
    }
    served = {p.name: sha256_file(p) for p in packages.iterdir()}
    kinds: dict[str, DependencyKind] = {d.name: d.kind for d in source.dependencies}
    assert kinds["gitdep"] is DependencyKind.VCS
    assert kinds["localdir"] is DependencyKind.PATH
    assert kinds["devtool"] is DependencyKind.URL
    for dep in source.dependencies:
        for artifact in dep.artifacts:
            assert artifact.filename is not None
            assert [h.value for h in artifact.hashes] == [served[artifact.filename]]
        if dep.kind is DependencyKind.PINNED:
            assert dep.index == index.url.rstrip("/")  # Poetry records it without the slash
            assert dep.artifacts
    gitdep = next(d for d in source.dependencies if d.name == "gitdep")
    assert gitdep.url is not None
    assert gitdep.url.startswith("git+file://")


# -- groups: Poetry 2 records them per package; a marker names them for --groups ---------------

GROUPS_LOCK = """\
[[package]]
name = "core"
version = "1"
groups = ["main"]
markers = "sys_platform == 'win32'"
files = []

[[package]]
name = "dev-only"
version = "1"
groups = ["dev"]
files = []

[[package]]
name = "shared"
version = "1"
groups = ["main", "dev"]
markers = {main = "extra == 'cli'", dev = "os_name == 'nt'"}
files = []

[[package]]
name = "tests-win"
version = "1"
groups = ["dev", "Test_Suite"]
markers = {Test_Suite = "sys_platform == 'win32'"}
files = []

[[package]]
name = "docs-win"
version = "1"
groups = ["docs"]
markers = "sys_platform == 'win32'"
files = []

[metadata]
lock-version = "2.1"
"""


def _poetry_markers(text: str) -> dict[str, str | None]:
    source = parse_poetry_lock(Path("poetry.lock"), text)
    assert source.problems == ()
    return {d.name: (str(d.marker) if d.marker else None) for d in source.dependencies}


def test_groups_become_marker_terms() -> None:
    expected = {
        "core": "sys_platform == 'win32'",
        "dev-only": "'dev' in dependency_groups",
        "shared": "extra == 'cli' or (os_name == 'nt' and 'dev' in dependency_groups)",
        "tests-win": "'dev' in dependency_groups or "
        "(sys_platform == 'win32' and 'test-suite' in dependency_groups)",
        "docs-win": "sys_platform == 'win32' and 'docs' in dependency_groups",
    }
    assert _poetry_markers(GROUPS_LOCK) == {
        name: str(Marker(text)) if text else None for name, text in expected.items()
    }


def test_lock_1_categories_are_groups() -> None:
    text = (
        '[[package]]\nname = "a"\nversion = "1"\ncategory = "main"\n\n'
        '[[package]]\nname = "b"\nversion = "1"\ncategory = "dev"\nmarkers = "os_name == \'nt\'"\n'
        '\n[metadata]\nlock-version = "1.1"\n[metadata.files]\na = []\nb = []\n'
    )
    assert _poetry_markers(text) == {
        "a": None,
        "b": str(Marker("os_name == 'nt' and 'dev' in dependency_groups")),
    }


@pytest.mark.parametrize(
    ("extras", "groups", "windows", "linux"),
    [
        (None, None, {"core", "dev-only", "shared", "tests-win", "docs-win"},
         {"dev-only", "shared", "tests-win"}),
        ((), (), {"core"}, set()),
        (("cli",), (), {"core", "shared"}, {"shared"}),
        ((), ("dev",), {"core", "dev-only", "shared", "tests-win"}, {"dev-only", "tests-win"}),
        ((), ("test-suite",), {"core", "tests-win"}, set()),
        ((), ("docs",), {"core", "docs-win"}, set()),
    ],
)  # fmt: skip
def test_selection_narrows_a_poetry_lock(
    extras: tuple[str, ...] | None,
    groups: tuple[str, ...] | None,
    windows: set[str],
    linux: set[str],
) -> None:
    from cg_action._targets import Selection, parse_target

    dependencies = parse_poetry_lock(Path("poetry.lock"), GROUPS_LOCK).dependencies
    selection = Selection.of(extras, groups)
    for target, expected in (("windows-amd64@3.12", windows), ("linux-x86_64@3.12", linux)):
        chosen = parse_target(target).with_selection(selection)
        assert {d.name for d in dependencies if chosen.accepts_marker(d.marker)} == expected
