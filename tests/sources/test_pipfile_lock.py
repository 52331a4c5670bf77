"""Pipfile.lock reader: tool-made locks, every corpus lock, pipenv's own view, bad input.

Expected values come from pipenv itself (``pipenv lock`` on a local index, and
``pipenv requirements --hash`` on every lock), from the JSON as ``json`` reads it, and from
the digests of the wheels the local index serves.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cg_action._errors import ParseError
from cg_action._models import Dependency, DependencyKind, FileFormat, SourceFile
from cg_action._sources._pipfile_lock import parse_pipfile_lock
from tests._servers import pypiserver
from tests._wheels import sha256_file
from tests.lockgen._marker_grid import Selected, differences, environments
from tests.lockgen._pip_compile import make_demo_packages, offline_env, run
from tests.lockgen._pipenv import make_demo_pipfile, pipenv_lock

DEMO = Path("locks") / "pipfile" / "demo" / "Pipfile.lock"
NOT_LOCKS = ("empty-file", "not-json.txt")  # corpus files that are not JSON at all
GRID = environments()


def _corpus_locks(corpus: Path) -> list[Path]:
    return sorted(corpus.rglob("Pipfile.lock")) + sorted(
        (corpus / "osv-scalibr" / "pipfilelock").glob("*")
    )


def _categories(path: Path) -> list[str]:
    return [key for key in json.loads(path.read_text()) if key != "_meta"]


def _pipenv_view(lock: Path, project: Path, category: str) -> list[str]:
    """``pipenv requirements --hash`` for one category of ``lock``: its requirement lines."""
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy(lock, project / "Pipfile.lock")
    (project / "Pipfile").touch()
    env = offline_env(project.parent / "home", {"PIPENV_VERBOSITY": "-1", "NO_COLOR": "1"})
    pipenv = shutil.which("pipenv")
    assert pipenv is not None
    out = run([pipenv, "requirements", "--hash", "--categories", category], project, env)
    return [line for line in out.splitlines() if line and not line.startswith(("-i ", "--"))]


def _selected(category: str) -> list[tuple[Selected, dict[str, str]]]:
    """The grid of environments with the dependency group of ``category`` selected."""
    group = {"default": None, "develop": "dev"}.get(category, canonicalize_name(category))
    chosen = Selected(groups=frozenset({group} if group else ()))
    return [(chosen, env) for _, env in GRID]


def _compare_with_pipenv(source: SourceFile, lines: list[str], category: str) -> None:
    ours = [d for d in source.dependencies if d.groups == (category,)]
    pinned: dict[str, Dependency] = {d.name: d for d in ours if d.kind is DependencyKind.PINNED}
    theirs: dict[str, tuple[str, str | None, list[str]]] = {}
    direct: list[str] = []
    for line in lines:
        if line.startswith("-e ") or "://" in line.split(" --hash")[0].split(";")[0]:
            direct.append(line.removeprefix("-e ").split("#egg=")[0])
            continue
        requirement_text, *hash_parts = line.split(" --hash=")
        requirement = Requirement(requirement_text)
        theirs[canonicalize_name(requirement.name)] = (
            str(requirement.specifier),
            str(requirement.marker) if requirement.marker else None,
            [h.strip() for h in hash_parts if h.strip()],  # "--hash=" alone: no digests
        )
    assert set(pinned) == set(theirs)
    for name, (specifier, marker, hashes) in theirs.items():
        dep = pinned[name]
        assert str(dep.specifier) == specifier
        # the category's own group selected, the marker means what pipenv prints
        printed = Marker(marker) if marker else None
        assert differences(dep.marker, printed, _selected(category)) == [], (name, dep.marker)
        assert sorted(str(h) for h in dep.hashes) == sorted(hashes)
    others = [d for d in ours if d.kind is not DependencyKind.PINNED]
    assert len(others) == len(direct)
    for dep in others:
        assert dep.url is not None
        if dep.kind in (DependencyKind.VCS, DependencyKind.URL):
            assert dep.url in direct


def test_demo_lock(data_dir: Path) -> None:
    path = data_dir / DEMO
    data = json.loads(path.read_text())
    source = parse_pipfile_lock(path)
    assert source.format is FileFormat.PIPFILE_LOCK
    assert source.problems == ()
    expected = [
        (category, canonicalize_name(name), entry)
        for category, entries in data.items()
        if category != "_meta"
        for name, entry in entries.items()
    ]
    assert [(d.groups[0], d.name) for d in source.dependencies] == [(c, n) for c, n, _ in expected]
    sources = {s["name"]: s["url"] for s in data["_meta"]["sources"]}
    for dep, (_, _, entry) in zip(source.dependencies, expected, strict=True):
        assert dep.is_locked
        assert [str(h) for h in dep.hashes] == entry.get("hashes", [])
        if "version" in entry:
            assert str(dep.specifier) == entry["version"]
            assert dep.version is not None
            assert f"=={dep.version}" == entry["version"]
        if "index" in entry:
            assert dep.index == sources[entry["index"]].replace("fake-user:fake-token@", "")
    kinds: dict[tuple[str, str], DependencyKind] = {
        (d.groups[0], d.name): d.kind for d in source.dependencies
    }
    assert kinds[("default", "localdir")] is DependencyKind.EDITABLE
    # pipenv locks devtool once for all categories: from the named index, not the file URL
    assert kinds[("docs", "devtool")] is DependencyKind.PINNED
    assert [(o.name, o.value) for o in source.options] == [
        ("index-url", data["_meta"]["sources"][0]["url"]),
        (
            "extra-index-url",
            data["_meta"]["sources"][1]["url"].replace("fake-user:fake-token@", ""),
        ),
    ]
    assert "fake-token" not in repr(source)


def test_demo_lines_are_the_entry_keys_of_each_category(data_dir: Path) -> None:
    path = data_dir / DEMO
    lines = path.read_text().splitlines()
    source = parse_pipfile_lock(path)
    seen: dict[str, list[int]] = {}
    for dep in source.dependencies:
        assert dep.location.line is not None
        assert lines[dep.location.line - 1].strip().startswith(f'"{dep.display_name}": {{')
        seen.setdefault(dep.name, []).append(dep.location.line)
    # alpha is locked in default and develop, devtool in default and docs: two lines each
    assert len(set(seen["alpha"])) == 2
    assert len(set(seen["devtool"])) == 2
    category_lines = {
        c: next(i + 1 for i, line in enumerate(lines) if line.startswith(f'    "{c}": {{'))
        for c in _categories(path)
    }
    for dep in source.dependencies:
        later = [line for line in category_lines.values() if line > category_lines[dep.groups[0]]]
        assert dep.location.line is not None
        assert category_lines[dep.groups[0]] < dep.location.line < min(later, default=10**9)


def test_minified_lock_gets_line_one(corpus_dir: Path) -> None:
    source = parse_pipfile_lock(corpus_dir / "osv-scalibr" / "pipfilelock" / "minified.json")
    assert [d.location.line for d in source.dependencies] == [1]


def test_every_corpus_lock_parses_or_fails_clearly(corpus_dir: Path) -> None:
    locks = _corpus_locks(corpus_dir)
    counts = {"parsed": 0, "failed": 0, "packages": 0}
    for path in locks:
        if path.name in NOT_LOCKS:
            with pytest.raises(ParseError) as caught:
                parse_pipfile_lock(path)
            assert str(path) in str(caught.value)
            assert "invalid JSON" in str(caught.value)
            counts["failed"] += 1
            continue
        source = parse_pipfile_lock(path)
        assert source.problems == ()
        data = json.loads(path.read_text())
        assert len(source.dependencies) == sum(len(v) for k, v in data.items() if k != "_meta")
        counts["parsed"] += 1
        counts["packages"] += len(source.dependencies)
    assert counts["parsed"] == len(locks) - len(NOT_LOCKS)
    assert counts["failed"] == len(NOT_LOCKS)
    assert counts["packages"] > 250


def test_entries_of_every_kind() -> None:
    text = json.dumps(
        {
            "_meta": {
                "sources": [{"name": "cg", "url": "https://u:fake-token@example.invalid/s/"}]
            },
            "default": {
                "Pinned_Pkg": {
                    "version": "==1.0",
                    "index": "cg",
                    "extras": ["Socks"],
                    "markers": "python_version >= '3.10'",
                    "hashes": ["sha256:AA"],
                },
                "vcs": {"git": "https://fake-token@example.invalid/x.git", "ref": "abc"},
                "local": {"path": "./local"},
                "wheel": {"file": "https://example.invalid/wheel-1.0-py3-none-any.whl"},
                "archive": {"file": "./dist/archive-1.0.tar.gz"},
                "dev-tree": {"path": ".", "editable": True},
            },
        },
        indent=2,
    )
    source = parse_pipfile_lock(Path("Pipfile.lock"), text)
    deps: dict[str, Dependency] = {d.name: d for d in source.dependencies}
    pinned = deps["pinned-pkg"]
    assert pinned.display_name == "Pinned_Pkg"
    assert pinned.index == "https://example.invalid/s/"
    assert pinned.extras == frozenset({"socks"})
    assert str(pinned.hashes[0]) == "sha256:aa"
    assert deps["vcs"].kind is DependencyKind.VCS
    assert deps["vcs"].url == "git+https://example.invalid/x.git@abc"
    assert deps["local"].kind is DependencyKind.PATH
    assert deps["wheel"].kind is DependencyKind.URL
    assert deps["archive"].kind is DependencyKind.PATH
    assert deps["dev-tree"].kind is DependencyKind.EDITABLE
    assert all(d.version is None for d in deps.values() if d is not pinned)


def test_entry_problems_are_collected_and_the_rest_is_read() -> None:
    text = """{
  "_meta": {"sources": [{"name": "pypi", "url": "https://pypi.org/simple"}]},
  "default": {
    "good": {"version": "==1.0"},
    "bad-hash": {"version": "==1.0", "hashes": [5, "nodigest"]},
    "bad-index": {"version": "==1.0", "index": "elsewhere"},
    "bad-version": {"version": ">=1.0"},
    "no-version": {"hashes": []},
    "bad-marker": {"version": "==1.0", "markers": "os_name >>> 'x'"},
    "not-a-table": []
  }
}"""
    source = parse_pipfile_lock(Path("Pipfile.lock"), text)
    assert [d.name for d in source.dependencies] == ["good"]
    found = [(p.line, p.key) for p in source.problems]
    assert found == [
        (5, "default.bad-hash.hashes[0]"),
        (5, "default.bad-hash.hashes[1]"),
        (6, "default.bad-index.index"),
        (7, "default.bad-version.version"),
        (8, "default.no-version"),
        (9, "default.bad-marker.markers"),
        (10, "default.not-a-table"),
    ]
    assert "expected a string" in str(source.problems[0])
    assert "elsewhere" in source.problems[2].message


@pytest.mark.parametrize(
    ("text", "key", "needle"),
    [
        ("[]", None, "expected a table"),
        ('{"_meta": [], "default": {}}', "_meta", "expected a table"),
        ('{"_meta": {}, "default": []}', "default", "expected a table"),
        ('{"_meta": {"sources": [{"name": "x"}]}}', "_meta.sources[0].url", "needs a url"),
        ('{"_meta": {}, "default": {"a": {"version": "==1', None, "invalid JSON"),
    ],
)
def test_file_level_errors(text: str, key: str | None, needle: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_pipfile_lock(Path("Pipfile.lock"), text)
    (problem,) = caught.value.problems
    assert problem.key == key
    assert needle in problem.message
    assert problem.line == 1


@pytest.mark.tools
@pytest.mark.slow
def test_corpus_locks_agree_with_pipenv_requirements(corpus_dir: Path, tmp_path: Path) -> None:
    compared = 0
    for number, path in enumerate(_corpus_locks(corpus_dir)):
        if path.name in NOT_LOCKS:
            continue
        source = parse_pipfile_lock(path)
        for category in _categories(path):
            lines = _pipenv_view(path, tmp_path / str(number), category)
            _compare_with_pipenv(source, lines, category)
            compared += 1
    assert compared >= 2 * (len(_corpus_locks(corpus_dir)) - len(NOT_LOCKS))


@pytest.mark.tools
@pytest.mark.slow
def test_pipenv_lock_against_a_local_index(tmp_path: Path) -> None:
    packages = make_demo_packages(tmp_path / "packages")
    with pypiserver(packages) as index:
        project = tmp_path / "project"
        make_demo_pipfile(project, index.url, tmp_path, with_git=True)
        lock = pipenv_lock(project, tmp_path / "home", index.url)

    source = parse_pipfile_lock(lock)
    assert source.problems == ()
    for category in _categories(lock):
        _compare_with_pipenv(source, _pipenv_view(lock, tmp_path / "view", category), category)
    served = {sha256_file(p) for p in packages.iterdir()}
    pinned: list[Dependency] = [d for d in source.dependencies if d.is_pinned]
    assert pinned
    assert all(h.value in served for d in pinned for h in d.hashes)
    by_key: dict[tuple[str, str], Dependency] = {
        (d.groups[0], d.name): d for d in source.dependencies
    }
    assert by_key[("default", "gitdep")].kind is DependencyKind.VCS
    assert by_key[("default", "devtool")].index == index.url  # the second source, redacted
    assert by_key[("default", "alpha")].index == index.url


# -- sections as dependency groups: develop is 'dev', a custom category is its own name -----------

SECTIONS_LOCK = {
    "_meta": {"sources": [{"name": "pypi", "url": "https://pypi.org/simple"}]},
    "default": {
        "shared": {"version": "==1.0", "markers": "sys_platform == 'win32'"},
        "app": {"version": "==1.0"},
    },
    "develop": {
        "shared": {"version": "==1.0"},
        "pytest": {"version": "==8.0"},
        "colorama": {"version": "==0.4", "markers": "os_name == 'nt' or python_version < '3.9'"},
        "written": {
            "version": "==1.0",
            "markers": "('dev' in dependency_groups) and (os_name == 'nt')",
        },
    },
    "Docs_Extra": {"sphinx": {"version": "==7.0", "markers": "python_version >= '3.10'"}},
}


def _section_markers() -> list[tuple[str, str, str | None]]:
    source = parse_pipfile_lock(Path("Pipfile.lock"), json.dumps(SECTIONS_LOCK, indent=4))
    assert source.problems == ()
    return [(d.groups[0], d.name, str(d.marker) if d.marker else None) for d in source.dependencies]


def test_sections_become_dependency_group_terms() -> None:
    expected = [
        ("default", "shared", "sys_platform == 'win32'"),
        ("default", "app", None),
        ("develop", "shared", "'dev' in dependency_groups"),
        ("develop", "pytest", "'dev' in dependency_groups"),
        ("develop", "colorama", "(os_name == 'nt' or python_version < '3.9') and "
         "'dev' in dependency_groups"),
        # a marker that names dependency groups already (pipenv writes some) is kept
        ("develop", "written", "('dev' in dependency_groups) and (os_name == 'nt')"),
        ("Docs_Extra", "sphinx", "python_version >= '3.10' and 'docs-extra' in dependency_groups"),
    ]  # fmt: skip
    assert _section_markers() == [
        (group, name, str(Marker(text)) if text else None) for group, name, text in expected
    ]


@pytest.mark.parametrize(
    ("groups", "windows", "linux"),
    [
        (None, {"shared", "app", "pytest", "colorama", "written", "sphinx"},
         {"shared", "app", "pytest", "sphinx"}),
        ((), {"shared", "app"}, {"app"}),
        (("dev",), {"shared", "app", "pytest", "colorama", "written"}, {"shared", "app", "pytest"}),
        (("docs-extra",), {"shared", "app", "sphinx"}, {"app", "sphinx"}),
        (("develop",), {"shared", "app"}, {"app"}),  # pipenv's group is 'dev', as in its pylock
    ],
)  # fmt: skip
def test_selection_narrows_a_pipfile_lock(
    groups: tuple[str, ...] | None, windows: set[str], linux: set[str]
) -> None:
    from cg_action._targets import Selection, parse_target

    text = json.dumps(SECTIONS_LOCK, indent=4)
    dependencies = parse_pipfile_lock(Path("Pipfile.lock"), text).dependencies
    selection = Selection.of(None, groups)
    for target, expected in (("windows-amd64@3.12", windows), ("linux-x86_64@3.12", linux)):
        chosen = parse_target(target).with_selection(selection)
        # a package in two sections is checked where either entry installs: the union
        assert {d.name for d in dependencies if chosen.accepts_marker(d.marker)} == expected


def test_a_package_pipenv_left_unversioned_is_any_version_under_its_marker() -> None:
    # pipenv writes "*" for a package whose marker was false on the machine that locked
    text = json.dumps(
        {
            "_meta": {"sources": [{"name": "pypi", "url": "https://pypi.org/simple"}]},
            "default": {
                "colorama": {"markers": "sys_platform == 'win32'", "version": "*"},
                "flask": {"version": "==3.0.3"},
            },
        },
        indent=2,
    )
    source = parse_pipfile_lock(Path("Pipfile.lock"), text)
    assert source.problems == ()
    deps: dict[str, Dependency] = {d.name: d for d in source.dependencies}
    colorama = deps["colorama"]
    assert colorama.kind is DependencyKind.RANGE
    assert colorama.version is None
    assert str(colorama.specifier) == ""
    assert colorama.marker == Marker("sys_platform == 'win32'")
    assert deps["flask"].kind is DependencyKind.PINNED


def test_any_other_version_that_is_not_a_pin_is_a_problem() -> None:
    text = json.dumps({"default": {"x": {"version": ">=1"}}}, indent=2)
    source = parse_pipfile_lock(Path("Pipfile.lock"), text)
    assert source.dependencies == ()
    (problem,) = source.problems
    assert "expected '==<version>', found '>=1'" in str(problem)
