"""pdm.lock reader: pdm's own locks (formats 4.1 and 4.5), osv-scalibr files, bad input, pdm."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name

from cg_action._errors import ParseError
from cg_action._models import DependencyKind, FileFormat, Hash
from cg_action._sources._pdm_lock import parse_pdm_lock
from cg_action._toml import tomllib
from tests.lockgen._marker_grid import Selected, differences, environments, holds

OSV_INVALID = {"empty-file.toml": "holds no lock data", "not-toml.txt": "invalid TOML"}


def _pdm_locks(corpus_dir: Path) -> list[Path]:
    return sorted(corpus_dir.glob("realworld/pdm-project+pdm@*/pdm.lock"))


def _modern_lock(corpus_dir: Path) -> Path:
    """pdm's own lock in format 4.5 (files inside each package)."""
    return corpus_dir / "realworld" / "pdm-project+pdm@a7e9d0015b4d" / "pdm.lock"


def _expected_files(data: dict[str, object], package: dict[str, object]) -> list[dict[str, str]]:
    """The files pdm recorded for a package: its own ``files`` or ``[metadata.files]``."""
    if "files" in package:
        return package["files"]  # type: ignore[return-value]
    legacy = data["metadata"]["files"]  # type: ignore[index]
    return legacy.get(f"{package['name']} {package['version']}", [])  # type: ignore[no-any-return]


GRID = environments(">=3.8")


def _check_meaning(marker: Marker | None, package: dict[str, Any], extras: Collection[str]) -> None:
    """With every group selected the marker means pdm's; with none, it holds only for a package
    of the default group (or of no group), and there means pdm's; with one of the package's
    groups alone, it means pdm's again."""
    pdm = Marker(package["marker"]) if "marker" in package else None
    groups = {canonicalize_name(g) for g in package.get("groups", ())}
    named = groups - {"default"}
    every = Selected(frozenset(named & set(extras)), frozenset(named - set(extras)))
    assert differences(marker, pdm, [(every, env) for _, env in GRID]) == []
    nothing = [(Selected(), env) for _, env in GRID]
    if not groups or "default" in groups:
        assert differences(marker, pdm, nothing) == []
    else:
        assert not any(holds(marker, s, env) for s, env in nothing)
        for name in named:
            alone = Selected(frozenset({name} & set(extras)), frozenset({name} - set(extras)))
            assert differences(marker, pdm, [(alone, env) for _, env in GRID]) == []


def test_pdm_locks_of_both_formats(corpus_dir: Path) -> None:
    paths = _pdm_locks(corpus_dir)
    assert len(paths) == 2
    for path in paths:
        text = path.read_text()
        data = tomllib.loads(text)
        pyproject = tomllib.loads((path.parent / "pyproject.toml").read_text())
        extras = {canonicalize_name(x) for x in pyproject["project"]["optional-dependencies"]}
        source = parse_pdm_lock(path)
        assert source.format is FileFormat.PDM_LOCK
        assert source.problems == ()
        lines = text.splitlines()
        assert len(source.dependencies) == len(data["package"])
        for dep, package in zip(source.dependencies, data["package"], strict=True):
            assert dep.location.line is not None
            assert lines[dep.location.line - 1] == "[[package]]"
            assert lines[dep.location.line] == f'name = "{package["name"]}"'
            assert (dep.kind, str(dep.version), dep.is_locked) == (
                DependencyKind.PINNED,
                package["version"],
                True,
            )
            assert str(dep.specifier) == f"=={package['version']}"
            assert dep.groups == tuple(package.get("groups", ()))
            assert dep.extras == frozenset(package.get("extras", ()))
            _check_meaning(dep.marker, package, extras)
            files = _expected_files(data, package)
            assert [h for h in dep.hashes] == [Hash.parse(f["hash"]) for f in files]
            assert [a.filename for a in dep.artifacts] == [
                f.get("file") or f["url"].rsplit("/", 1)[1] for f in files
            ]
            assert dep.index is None


def test_corpus_osv_scalibr_pdmlock(corpus_dir: Path) -> None:
    for path in sorted((corpus_dir / "osv-scalibr" / "pdmlock").iterdir()):
        if path.name in OSV_INVALID:
            with pytest.raises(ParseError, match=OSV_INVALID[path.name]):
                parse_pdm_lock(path)
            continue
        source = parse_pdm_lock(path)
        assert source.problems == (), path
        data = tomllib.loads(path.read_text())
        assert [d.name for d in source.dependencies] == [p["name"] for p in data.get("package", [])]
        for dep, package in zip(source.dependencies, data.get("package", []), strict=True):
            if "git" in package:
                assert dep.kind is DependencyKind.VCS
                assert dep.url == f"git+{package['git']}@{package['revision']}"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("4.5.1", "5.0"), "pdm.lock:7: metadata.lock_version: unsupported pdm.lock version 5.0"),
        (('groups = ["default", "test"]', "groups = 3"), "package[0].groups: expected an array"),
        (('name = "anyio"', "name = 1"), "pdm.lock:13: package[0].name: expected a string"),
    ],
)
def test_bad_input(corpus_dir: Path, change: tuple[str, str], message: str) -> None:
    path = _modern_lock(corpus_dir)
    text = path.read_text()
    assert change[0] in text
    bad = text.replace(change[0], change[1], 1)
    if "lock_version" in message:
        with pytest.raises(ParseError) as info:
            parse_pdm_lock(Path("pdm.lock"), bad)
        assert str(info.value).startswith(message)
        return
    source = parse_pdm_lock(Path("pdm.lock"), bad)
    (problem,) = source.problems
    assert message in str(problem)
    assert len(source.dependencies) == len(parse_pdm_lock(path).dependencies) - 1


def test_bad_hash_names_the_file_entry() -> None:
    text = (
        '[metadata]\nlock_version = "4.5.0"\n\n[[package]]\nname = "a"\nversion = "1"\n'
        'files = [\n    {file = "a-1.tar.gz", hash = "nohash"},\n]\n'
    )
    (problem,) = parse_pdm_lock(Path("pdm.lock"), text).problems
    assert str(problem).startswith("pdm.lock:4: package[0].files[0].hash: not a digest")


def test_truncated_file_is_a_parse_error(corpus_dir: Path) -> None:
    text = _modern_lock(corpus_dir).read_text()
    cut = text[: len(text) // 2]
    cut = cut[: cut.rindex("files = [") + len("files = [\n    {file = ")]
    with pytest.raises(ParseError, match=r"^pdm\.lock:\d+: invalid TOML"):
        parse_pdm_lock(Path("pdm.lock"), cut)


def test_direct_sources() -> None:
    text = (
        '[metadata]\nlock_version = "4.5.0"\n\n'
        '[[package]]\nname = "p"\nversion = "0.1"\npath = "./libs/p"\neditable = true\n\n'
        '[[package]]\nname = "q"\nversion = "0.2"\npath = "./libs/q"\n\n'
        '[[package]]\nname = "u"\nversion = "1.0"\nurl = "https://example.org/u-1.0.tar.gz"\n'
    )
    kinds = [(d.kind, d.url) for d in parse_pdm_lock(Path("pdm.lock"), text).dependencies]
    assert kinds == [
        (DependencyKind.EDITABLE, "./libs/p"),
        (DependencyKind.PATH, "./libs/q"),
        (DependencyKind.URL, "https://example.org/u-1.0.tar.gz"),
    ]


@pytest.mark.tools
@pytest.mark.slow
def test_lock_made_now_agrees_with_pdm_export(tmp_path: Path) -> None:
    """pdm locks the demo project against a local index; the reader sees what pdm exports."""
    from tests._servers import pypiserver
    from tests.lockgen._index import build_index
    from tests.lockgen._pdm import pdm_export, pdm_lock, pdm_works, write_project
    from tests.lockgen._uv import exported_pins

    home = tmp_path / "home"
    broken = pdm_works(home)
    if broken is not None:
        pytest.skip(f"pdm cannot run here: {broken}")
    root = build_index(tmp_path / "index")
    project = tmp_path / "project"
    with pypiserver(root) as index:
        write_project(project, index.url)
        lock = pdm_lock(project, home)
        # pdm exports no digests when a local path or editable is in the selection (this
        # project has both), so pins are compared with pdm's export and digests with the
        # files the index served.
        everything = pdm_export(project, home, "-G", ":all", "--no-hashes")
        dev_only = pdm_export(project, home, "-G", "dev", "--no-default", "--no-hashes")
    source = parse_pdm_lock(lock)
    assert source.problems == ()
    pins = [d for d in source.dependencies if d.kind is DependencyKind.PINNED]
    found: dict[str, set[object]] = {}
    for dep in pins:
        found.setdefault(dep.name, set()).add(dep.version)
    assert found == exported_pins(everything)
    served = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in root.iterdir()}
    for dep in pins:
        assert dep.artifacts, dep.name
        for artifact in dep.artifacts:
            assert artifact.filename in served, artifact.filename
            assert {h.value for h in artifact.hashes} == {served[artifact.filename]}
    assert {d.name for d in pins if "dev" in d.groups} >= set(exported_pins(dev_only))
    assert re.search(r"-e .*libs/edit", everything)


# -- groups: pdm records them per package; a marker names them for --extras / --groups ---------

GROUPS_LOCK = """\
[metadata]
groups = ["default", "cli", "dev", "Test_Suite"]
strategy = ["inherit_metadata"]
lock_version = "4.5.0"

[[package]]
name = "always"
version = "1"
groups = ["default", "dev"]

[[package]]
name = "dev-only"
version = "1"
groups = ["dev"]

[[package]]
name = "dev-windows"
version = "1"
groups = ["dev", "Test_Suite"]
marker = "sys_platform == 'win32'"

[[package]]
name = "cli-extra"
version = "1"
groups = ["cli"]
marker = "python_version < '3.11' or os_name == 'nt'"

[[package]]
name = "no-groups"
version = "1"
"""

GROUPS_PYPROJECT = """\
[project]
name = "app"
version = "1"
[project.optional-dependencies]
CLI = ["cli-extra"]
[dependency-groups]
dev = ["dev-only"]
"""


def _group_markers(path: Path) -> dict[str, str | None]:
    source = parse_pdm_lock(path)
    assert source.problems == ()
    return {d.name: (str(d.marker) if d.marker else None) for d in source.dependencies}


def test_groups_become_marker_terms(tmp_path: Path) -> None:
    (tmp_path / "pdm.lock").write_text(GROUPS_LOCK)
    (tmp_path / "pyproject.toml").write_text(GROUPS_PYPROJECT)
    expected = {
        "always": None,
        "dev-only": "'dev' in dependency_groups",
        "dev-windows": "sys_platform == 'win32' and ('dev' in dependency_groups or "
        "'test-suite' in dependency_groups)",
        "cli-extra": "(python_version < '3.11' or os_name == 'nt') and 'cli' in extras",
        "no-groups": None,
    }
    assert _group_markers(tmp_path / "pdm.lock") == {
        name: str(Marker(text)) if text else None for name, text in expected.items()
    }
    found = parse_pdm_lock(tmp_path / "pdm.lock").dependencies
    assert [d.groups for d in found][:4] == [
        ("default", "dev"),
        ("dev",),
        ("dev", "Test_Suite"),
        ("cli",),
    ]


@pytest.mark.parametrize(
    ("extras", "groups", "linux", "windows"),
    [
        (None, None, {"always", "dev-only", "no-groups"}, "all"),
        ((), (), {"always", "no-groups"}, {"always", "no-groups"}),
        (("cli",), (), {"always", "no-groups"}, {"always", "no-groups", "cli-extra"}),
        ((), ("dev",), {"always", "no-groups", "dev-only"}, {"always", "no-groups", "dev-only",
                                                            "dev-windows"}),
        ((), ("test-suite",), {"always", "no-groups"}, {"always", "no-groups", "dev-windows"}),
        (None, ("cli",), {"always", "no-groups"}, {"always", "no-groups", "cli-extra"}),
    ],
)  # fmt: skip
def test_selection_narrows_a_pdm_lock(
    tmp_path: Path,
    extras: tuple[str, ...] | None,
    groups: tuple[str, ...] | None,
    linux: set[str],
    windows: set[str] | str,
) -> None:
    from cg_action._targets import Selection, parse_target

    (tmp_path / "pdm.lock").write_text(GROUPS_LOCK)
    (tmp_path / "pyproject.toml").write_text(GROUPS_PYPROJECT)
    dependencies = parse_pdm_lock(tmp_path / "pdm.lock").dependencies
    selection = Selection.of(extras, groups)
    for target, expected in (("linux-x86_64@3.12", linux), ("windows-amd64@3.12", windows)):
        chosen = parse_target(target).with_selection(selection)
        found = {d.name for d in dependencies if chosen.accepts_marker(d.marker)}
        assert found == ({d.name for d in dependencies} if expected == "all" else expected)


def test_without_a_pyproject_every_group_is_a_dependency_group(tmp_path: Path) -> None:
    (tmp_path / "pdm.lock").write_text(GROUPS_LOCK)
    markers = _group_markers(tmp_path / "pdm.lock")
    assert markers["cli-extra"] == str(
        Marker("(python_version < '3.11' or os_name == 'nt') and 'cli' in dependency_groups")
    )
    (tmp_path / "pyproject.toml").write_text("[project\nname =")  # unreadable: the same
    assert _group_markers(tmp_path / "pdm.lock") == markers


def test_a_pyproject_outside_the_folder_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "pyproject.toml"
    outside.parent.mkdir()
    outside.write_text(GROUPS_PYPROJECT)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pdm.lock").write_text(GROUPS_LOCK)
    (project / "pyproject.toml").symlink_to(outside)
    markers = _group_markers(project / "pdm.lock")
    assert markers["cli-extra"] is not None
    assert '"cli" in dependency_groups' in markers["cli-extra"]


def test_a_bad_group_name_is_a_problem(tmp_path: Path) -> None:
    text = GROUPS_LOCK.replace('groups = ["dev"]', 'groups = ["dev\'s"]', 1)
    source = parse_pdm_lock(tmp_path / "pdm.lock", text)
    (problem,) = source.problems
    assert problem.key == "package[1].groups[0]"
    assert problem.line == 11
    assert "not a valid group name" in problem.message
    assert [d.name for d in source.dependencies] == [
        "always",
        "dev-windows",
        "cli-extra",
        "no-groups",
    ]
