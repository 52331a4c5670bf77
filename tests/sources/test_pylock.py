"""pylock.toml reader: files from uv, pip, pdm and pipenv, bad input, and uv's own export."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.markers import Marker

from cg_action._errors import ParseError
from cg_action._models import DependencyKind, FileFormat
from cg_action._sources._pylock import parse_pylock
from cg_action._toml import tomllib

DATA = Path(__file__).resolve().parent.parent / "data" / "locks"
DEMO = DATA / "pylock" / "demo" / "pylock.toml"

# osv-scalibr test files: deliberately broken ones, and what is wrong with them
OSV_INVALID = {"empty.toml": "holds no lock data", "not-toml.txt": "invalid TOML"}
OSV_BAD_ENTRIES = {
    "names-outside-package-block.toml": "Exactly one of vcs, directory, archive must be set"
}


def test_demo_export_made_by_uv() -> None:
    data = tomllib.loads(DEMO.read_text())
    source = parse_pylock(DEMO)
    assert source.format is FileFormat.PYLOCK
    assert source.problems == ()
    entries = [p for p in data["packages"] if p.get("directory", {}).get("path") != "."]
    assert [d.name for d in source.dependencies] == [p["name"] for p in entries]
    text = DEMO.read_text().splitlines()
    for dep, entry in zip(source.dependencies, entries, strict=True):
        assert dep.location.line is not None
        assert text[dep.location.line - 1] == "[[packages]]"
        assert text[dep.location.line] == f'name = "{entry["name"]}"'
        assert dep.is_locked
        if "index" in entry:
            assert dep.kind is DependencyKind.PINNED
            assert dep.index == entry["index"]
            assert str(dep.specifier) == f"=={entry['version']}"
            files = [*([entry["sdist"]] if "sdist" in entry else []), *entry.get("wheels", [])]
            assert [a.url for a in dep.artifacts] == [f["url"] for f in files]
            assert [str(h) for h in dep.hashes] == [
                f"sha256:{f['hashes']['sha256']}" for f in files
            ]
        else:
            directory = entry["directory"]
            kind = DependencyKind.EDITABLE if directory["editable"] else DependencyKind.PATH
            assert (dep.kind, dep.url) == (kind, directory["path"])
    gammas = [d for d in source.dependencies if d.name == "gamma"]
    assert [d.marker for d in gammas] == [
        Marker(p["marker"]) for p in entries if p["name"] == "gamma"
    ]


def test_groups_are_read_from_markers() -> None:
    text = (
        'lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "a"\n'
        'version = "1"\nmarker = "\\"dev\\" in dependency_groups or \'cli\' in extras"\n'
        'wheels = [{ name = "a-1-py3-none-any.whl", hashes = { sha256 = "ab" } }]\n'
    )
    (dep,) = parse_pylock(Path("pylock.toml"), text).dependencies
    assert dep.groups == ("dev", "cli")
    assert dep.artifacts[0].url is None
    assert dep.artifacts[0].filename == "a-1-py3-none-any.whl"


def test_unsupported_version() -> None:
    text = 'lock-version = "2.0"\ncreated-by = "x"\npackages = []\n'
    with pytest.raises(
        ParseError, match=r"^pylock.toml:1: lock-version: unsupported pylock version 2.0"
    ):
        parse_pylock(Path("pylock.toml"), text)


def test_missing_top_level_key() -> None:
    with pytest.raises(ParseError, match=r"^pylock.toml: created-by: missing required key$"):
        parse_pylock(Path("pylock.toml"), 'lock-version = "1.0"\npackages = []\n')


def test_bad_entry_is_a_problem_and_the_rest_is_read() -> None:
    text = DEMO.read_text()
    bad = re.sub(r'hashes = \{ sha256 = "[0-9a-f]+" \}', "hashes = 12", text, count=1)
    source = parse_pylock(Path("pylock.toml"), bad)
    (problem,) = source.problems
    assert (
        str(problem)
        == "pylock.toml:7: packages[0].sdist.hashes: expected a table, found an integer"
    )
    assert len(source.dependencies) == len(parse_pylock(DEMO).dependencies) - 1


def test_truncated_file_is_a_parse_error() -> None:
    text = DEMO.read_text()
    with pytest.raises(ParseError, match=r"^pylock\.toml:\d+: invalid TOML"):
        parse_pylock(Path("pylock.toml"), text[: len(text) // 3])


def test_corpus_pylocks(corpus_dir: Path) -> None:
    paths = sorted(corpus_dir.rglob("pylock*.toml"))
    for path in paths:
        source = parse_pylock(path)
        assert source.problems == (), path
        data = tomllib.loads(path.read_text())
        own = [p for p in data["packages"] if p.get("directory", {}).get("path") == "."]
        assert len(source.dependencies) == len(data["packages"]) - len(own), path
    assert len(paths) == 4


def test_corpus_osv_scalibr_pylock(corpus_dir: Path) -> None:
    for path in sorted((corpus_dir / "osv-scalibr" / "pylock").iterdir()):
        if path.name in OSV_INVALID:
            with pytest.raises(ParseError, match=OSV_INVALID[path.name]):
                parse_pylock(path)
            continue
        source = parse_pylock(path)
        data = tomllib.loads(path.read_text())
        if path.name in OSV_BAD_ENTRIES:
            assert source.dependencies == ()
            assert len(source.problems) == len(data["packages"])
            assert all(OSV_BAD_ENTRIES[path.name] in p.message for p in source.problems)
            continue
        assert source.problems == (), path
        own = [p for p in data["packages"] if p.get("directory", {}).get("path") == "."]
        assert len(source.dependencies) == len(data["packages"]) - len(own), path


@pytest.mark.tools
@pytest.mark.slow
def test_export_made_now_agrees_with_uv_requirements_export(tmp_path: Path) -> None:
    """uv exports the same lock as pylock.toml and as requirements.txt: both say the same."""
    from tests._servers import pypiserver
    from tests.lockgen._index import build_index
    from tests.lockgen._uv import (
        exported_hashes,
        exported_local,
        exported_pins,
        uv_export,
        uv_export_pylock,
        uv_lock,
        write_project,
    )

    root = build_index(tmp_path / "index")
    project = tmp_path / "project"
    write_project(project)
    home = tmp_path / "home"
    with pypiserver(root) as index:
        uv_lock(project, index.url, home)
    for options in (("--all-groups", "--all-extras"), ("--no-default-groups",)):
        source = parse_pylock(uv_export_pylock(project, home, *options))
        assert source.problems == ()
        requirements = uv_export(project, home, "--no-emit-project", *options)
        pins = [d for d in source.dependencies if d.kind is DependencyKind.PINNED]
        found: dict[str, set[object]] = {}
        for dep in pins:
            found.setdefault(dep.name, set()).add(dep.version)
        assert found == exported_pins(requirements)
        assert {(d.name, d.version): {str(h) for h in d.hashes} for d in pins} == (
            exported_hashes(requirements)
        )
        local = {d.url for d in source.dependencies if d.kind is not DependencyKind.PINNED}
        assert local == exported_local(requirements)
        assert {d.index for d in pins} == {index.url}
