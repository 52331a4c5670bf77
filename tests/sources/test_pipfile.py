"""Pipfile reader: the corpus, edge cases, and pipenv's own conversion as the oracle."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from cg_action._errors import ParseError
from cg_action._models import Dependency, DependencyKind, FileFormat
from cg_action._sources._pipfile import parse_pipfile
from cg_action._toml import tomllib


def _line_text(path: Path, line: int | None) -> str:
    assert line is not None
    return path.read_text(encoding="utf-8").splitlines()[line - 1]


def test_every_corpus_pipfile_parses_with_lines(corpus_dir: Path) -> None:
    files = sorted(corpus_dir.rglob("Pipfile"))
    assert len(files) >= 5
    for path in files:
        source = parse_pipfile(path)
        assert source.format is FileFormat.PIPFILE
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        declared = sum(
            len(table)
            for name, table in data.items()
            if name not in ("source", "requires", "scripts", "pipenv")
        )
        assert len(source.dependencies) == declared, path
        assert len(source.options) == len(data.get("source", []))
        for dependency in source.dependencies:
            assert dependency.display_name in _line_text(path, dependency.location.line)
        for option in source.options:
            assert option.value is not None
            assert option.value in _line_text(path, option.location.line)


def test_unknown_index_is_a_problem_but_the_package_is_kept(corpus_dir: Path) -> None:
    path = corpus_dir / "osv-scalibr" / "guidedremediation" / "manifest" / "pipfile" / "Pipfile"
    source = parse_pipfile(path)
    (problem,) = source.problems
    assert (problem.line, problem.key) == (28, "packages.private-package.index")
    assert "no [[source]] is named 'private'" in problem.message
    assert any(d.name == "private-package" and d.index is None for d in source.dependencies)


def test_categories_indexes_and_kinds(data_dir: Path) -> None:
    path = data_dir / "pipfile" / "Pipfile"
    source = parse_pipfile(path)
    assert source.problems == ()
    assert [(o.name, o.value, o.location.line) for o in source.options] == [
        ("source", "https://pypi.org/simple", 3),
        ("source", "https://libraries.cgr.dev/python/simple/", 8),
    ]
    found: dict[tuple[str, tuple[str, ...]], Dependency] = {
        (d.name, d.groups): d for d in source.dependencies
    }
    assert found["requests", ()].location.line == 12
    assert found["requests", ("dev",)].location.line == 26
    assert found["sphinx", ("docs",)].specifier == SpecifierSet("~=7.0")
    assert found["bare", ()].kind is DependencyKind.PINNED
    assert found["star", ()].kind is DependencyKind.RANGE
    assert found["private", ()].index == "https://libraries.cgr.dev/python/simple/"
    assert found["fromgit", ()].kind is DependencyKind.VCS
    assert found["local", ()].kind is DependencyKind.EDITABLE
    assert found["archive", ()].kind is DependencyKind.URL


def test_agrees_with_pipenv_conversion(data_dir: Path, corpus_dir: Path) -> None:
    """pipenv's own Pipfile-entry-to-pip-line conversion (test-only oracle) gives the same
    names, specifiers, extras, markers and URLs."""
    from pipenv.utils.dependencies import convert_deps_to_pip

    paths = [data_dir / "pipfile" / "Pipfile", *sorted(corpus_dir.rglob("Pipfile"))]
    compared = 0
    for path in paths:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        source = parse_pipfile(path)
        for category in ("packages", "dev-packages", "docs"):
            entries = data.get(category, {})
            lines = convert_deps_to_pip(entries, include_hashes=False)
            groups = {"packages": (), "dev-packages": ("dev",)}.get(category, (category,))
            ours = {d.name: d for d in source.dependencies if d.groups == groups}
            for key, line in lines.items():
                theirs_line = line.removeprefix("-e ").strip()
                dependency = ours[canonicalize_name(key)]
                if dependency.kind is DependencyKind.EDITABLE:  # "-e ./path[extra,...]"
                    assert theirs_line.split("[")[0] == dependency.url
                    continue
                requirement = Requirement(theirs_line)
                assert requirement.specifier == dependency.specifier, (path, key)
                assert {canonicalize_name(e) for e in requirement.extras} == dependency.extras
                theirs_marker = str(requirement.marker) if requirement.marker else None
                ours_marker = str(dependency.marker) if dependency.marker else None
                assert theirs_marker == ours_marker, (path, key)
                if requirement.url:
                    assert requirement.url == dependency.url
                compared += 1
    assert compared > 60


def test_old_marker_keys_are_joined_with_markers(tmp_path: Path) -> None:
    text = (
        '[packages]\nx = {version = "*", os_name = "== \'nt\'", '
        "markers = \"python_version > '3'\"}\n"
    )
    (dependency,) = parse_pipfile(tmp_path / "Pipfile", text).dependencies
    assert dependency.marker == Marker("(python_version > '3') and (os_name == 'nt')")


def test_bad_entries_are_problems(tmp_path: Path) -> None:
    text = (
        "[packages]\r\n"
        'good = "*"\r\n'
        'bad = "=>1"\r\n'
        "worse = 3\r\n"
        '"no name!" = "*"\r\n'
        'edit = {version = "*", editable = true}\r\n'
    )
    source = parse_pipfile(tmp_path / "Pipfile", text)
    assert [d.name for d in source.dependencies] == ["good"]
    assert [(p.line, p.key) for p in source.problems] == [
        (3, "packages.bad"),
        (4, "packages.worse"),
        (5, "packages.no name!"),
        (6, "packages.edit.editable"),
    ]


@settings(max_examples=300, deadline=None)
@given(
    document=st.dictionaries(
        st.sampled_from(["source", "packages", "dev-packages", "custom", "requires"]),
        st.recursive(
            st.booleans() | st.integers() | st.sampled_from(["*", "==1", "1.*", "x", "=="]),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(
                    st.sampled_from(["a", "version", "index", "git", "path", "os_name", "extras"]),
                    inner,
                    max_size=3,
                )
            ),
            max_leaves=10,
        ),
    )
)
def test_arbitrary_toml_gives_only_problems(document: dict[str, object]) -> None:
    import tomlkit

    source = parse_pipfile(Path("Pipfile"), tomlkit.dumps(document))
    assert source.format is FileFormat.PIPFILE


@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_parse_error(text: str) -> None:
    try:
        source = parse_pipfile(Path("Pipfile"), text)
    except ParseError as exc:
        assert exc.problems  # noqa: PT017 - the error is the expected outcome here
        return
    assert source.format is FileFormat.PIPFILE


def test_unreadable_file_is_a_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="cannot read"):
        parse_pipfile(tmp_path / "missing" / "Pipfile")
