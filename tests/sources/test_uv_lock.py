"""uv.lock reader: real files from uv and the corpus, bad input, and uv's own view of its lock."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from cg_action._errors import ParseError
from cg_action._models import Dependency, DependencyKind, FileFormat
from cg_action._sources._uv_lock import parse_uv_lock
from cg_action._toml import tomllib

DEMO = Path(__file__).resolve().parent.parent / "data" / "locks" / "uv" / "demo" / "uv.lock"

OSV_INVALID = {"empty.lock": "holds no lock data", "not-toml.txt": "invalid TOML"}


def _header_names(text: str) -> list[tuple[int, str]]:
    """(line, name) of each [[package]] header whose next line is its name (as uv writes)."""
    lines = text.splitlines()
    found = []
    for i, line in enumerate(lines):
        if line == "[[package]]":
            match = re.match(r'name = "(.+)"', lines[i + 1])
            assert match, f"line {i + 2} is not a name"
            found.append((i + 1, match.group(1)))
    return found


def test_demo_lock_made_by_uv() -> None:
    text = DEMO.read_text()
    data = tomllib.loads(text)
    source = parse_uv_lock(DEMO)
    assert source.format is FileFormat.UV_LOCK
    assert source.problems == ()
    members = {canonicalize_name(m) for m in data["manifest"]["members"]}
    assert members == {"demo", "member"}
    # every [[package]] that is not a workspace member is a dependency, at its header line
    expected = [(line, name) for line, name in _header_names(text) if name not in members]
    assert [(d.location.line, d.name) for d in source.dependencies] == expected
    by_name: dict[str, Dependency] = {d.name: d for d in source.dependencies if d.name != "gamma"}
    assert by_name["edit"].kind is DependencyKind.EDITABLE
    assert by_name["edit"].url == "libs/edit"
    assert by_name["plain"].kind is DependencyKind.PATH
    registry = {p["source"]["registry"] for p in data["package"] if "registry" in p["source"]}
    for dep in source.dependencies:
        assert dep.is_locked
        if dep.kind is DependencyKind.PINNED:
            assert dep.index in registry
            assert str(dep.specifier) == f"=={dep.version}"
            assert dep.artifacts
            assert all(a.url and a.url.endswith(a.filename or "?") for a in dep.artifacts)
            assert dep.hashes == tuple(h for a in dep.artifacts for h in a.hashes)
    assert [a.filename for a in by_name["zeta"].artifacts] == ["zeta-0.9.0.tar.gz"]
    assert len(by_name["alpha"].artifacts) == 4  # an sdist and three wheels


def test_versions_split_by_markers_are_separate_dependencies() -> None:
    gammas = [d for d in parse_uv_lock(DEMO).dependencies if d.name == "gamma"]
    assert sorted(str(d.version) for d in gammas) == ["1.0.0", "2.0.0"]
    for python, chosen in (("3.11", "1.0.0"), ("3.12", "2.0.0"), ("3.13", "2.0.0")):
        env = {"python_version": python, "python_full_version": f"{python}.0"}
        holding = [str(d.version) for d in gammas if d.marker and d.marker.evaluate(env)]
        assert holding == [chosen]


def test_groups_follow_the_dependency_edges() -> None:
    by_name: dict[str, Dependency] = {d.name: d for d in parse_uv_lock(DEMO).dependencies}
    assert by_name["alpha"].groups == ("default",)
    assert by_name["beta"].groups == ("default", "dev")  # through alpha and through delta
    assert by_name["delta"].groups == ("dev",)
    assert by_name["epsilon"].groups == ("cli",)


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("version = 2", "unsupported uv.lock version 2: upgrade cg-action"),
        ('version = "1"', "version: expected an integer, found a string"),
        ("revision = 3", "version: missing required key: is this a uv.lock written by uv?"),
    ],
)
def test_unsupported_or_missing_version(version: str, message: str) -> None:
    text = f'{version}\n\n[[package]]\nname = "a"\nversion = "1"\n'
    with pytest.raises(ParseError) as info:
        parse_uv_lock(Path("uv.lock"), text)
    assert str(info.value).endswith(message)
    assert str(info.value).startswith(
        "uv.lock: " if version.startswith("revision") else "uv.lock:1:"
    )


def test_wrong_type_names_file_line_and_key_path_and_keeps_the_rest() -> None:
    text = DEMO.read_text()
    first_hash = text.index('hash = "sha256:')
    bad = re.sub(r'hash = "sha256:[0-9a-f]+"', "hash = 12", text, count=1)
    source = parse_uv_lock(Path("uv.lock"), bad)
    (problem,) = source.problems
    line = bad[:first_hash].count("\n") + 1
    header = max(n for n, _ in _header_names(bad) if n < line)
    assert str(problem).startswith(f"uv.lock:{header}: package[0].sdist.hash: expected a string")
    assert len(source.dependencies) == len(parse_uv_lock(DEMO).dependencies) - 1


def test_truncated_file_is_a_parse_error() -> None:
    text = DEMO.read_text()
    with pytest.raises(ParseError, match=r"^uv\.lock:\d+: invalid TOML"):
        parse_uv_lock(Path("uv.lock"), text[: len(text) // 2])


def test_unknown_source_is_a_problem() -> None:
    text = 'version = 1\n\n[[package]]\nname = "a"\nversion = "1"\nsource = { ftp = "x" }\n'
    (problem,) = parse_uv_lock(Path("uv.lock"), text).problems
    assert "uv.lock:3: package[0].source: unknown source ['ftp']" in str(problem)


def _workspace_names(data: dict[str, Any]) -> set[str]:
    """The members and the root project, read from the lock's own data."""
    members = set(data.get("manifest", {}).get("members", []))
    for package in data.get("package", []):
        source = package.get("source", {})
        if source.get("editable") == "." or source.get("virtual") == ".":
            members.add(package["name"])
    return members


def test_corpus_uv_locks(corpus_dir: Path) -> None:
    paths = sorted(corpus_dir.rglob("uv.lock"))
    for path in paths:
        text = path.read_text()
        source = parse_uv_lock(path)
        assert source.problems == (), path
        workspace = _workspace_names(tomllib.loads(text))
        expected = [(line, n) for line, n in _header_names(text) if n not in workspace]
        assert [(d.location.line, d.name) for d in source.dependencies] == expected, path
        assert all(d.kind is DependencyKind.PINNED and d.artifacts for d in source.dependencies)
    assert len(paths) == 5


def test_corpus_osv_scalibr_uvlock(corpus_dir: Path) -> None:
    for path in sorted((corpus_dir / "osv-scalibr" / "uvlock").iterdir()):
        if path.name in OSV_INVALID:
            with pytest.raises(ParseError, match=OSV_INVALID[path.name]):
                parse_uv_lock(path)
            continue
        source = parse_uv_lock(path)
        assert source.problems == (), path
        text = path.read_text()
        roots = len(re.findall(r'source = \{ (virtual|editable) = "\." \}', text))
        assert len(source.dependencies) == text.count("\n[[package]]") - roots, path


@pytest.mark.tools
@pytest.mark.slow
def test_lock_made_now_agrees_with_uv_export(tmp_path: Path) -> None:
    """uv locks the demo workspace against a local index; the reader sees what uv exports."""
    from tests._servers import pypiserver
    from tests._wheels import sha256_file
    from tests.lockgen._index import build_index
    from tests.lockgen._uv import (
        exported_hashes,
        exported_local,
        exported_pins,
        uv_export,
        uv_lock,
        write_project,
    )

    root = build_index(tmp_path / "index")
    project = tmp_path / "project"
    write_project(project)
    home = tmp_path / "home"
    with pypiserver(root) as index:
        lock = uv_lock(project, index.url, home)
    source = parse_uv_lock(lock)
    assert source.problems == ()
    everything = uv_export(project, home, "--all-groups", "--all-extras", "--no-emit-project")
    pins = [d for d in source.dependencies if d.kind is DependencyKind.PINNED]
    found: dict[str, set[object]] = {}
    for dep in pins:
        found.setdefault(dep.name, set()).add(dep.version)
    assert found == exported_pins(everything)
    assert {(d.name, d.version): {str(h) for h in d.hashes} for d in pins} == exported_hashes(
        everything
    )
    local = {d.url for d in source.dependencies if d.kind is not DependencyKind.PINNED}
    assert local == exported_local(everything) - {"libs/member"}  # the member is not a pin
    for dep in pins:
        assert dep.index == index.url
        for artifact in dep.artifacts:
            assert artifact.filename is not None
            assert {str(h) for h in artifact.hashes} == {
                f"sha256:{sha256_file(root / artifact.filename)}"
            }
    # groups: what uv installs for each selection
    for label, options in (
        ("default", ("--no-default-groups",)),
        ("dev", ("--only-group", "dev")),
    ):
        names = set(exported_pins(uv_export(project, home, "--no-emit-project", *options)))
        assert {d.name for d in pins if label in d.groups} == names, label
    with_cli = set(
        exported_pins(
            uv_export(project, home, "--no-emit-project", "--no-default-groups", "--extra", "cli")
        )
    )
    default = {d.name for d in pins if "default" in d.groups}
    assert {d.name for d in pins if "cli" in d.groups} | default == with_cli | default
