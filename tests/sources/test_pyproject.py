"""pyproject.toml reader: the corpus, hand-written edge cases, and uv / poetry-core as oracles."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from cg_action._errors import ParseError, Problem
from cg_action._models import Dependency, DependencyKind, FileFormat, SourceFile
from cg_action._sources._pyproject import parse_pyproject
from cg_action._toml import tomllib
from tests._offline_install import console_script
from tests._wheels import make_wheel


def _corpus_pyprojects(corpus: Path) -> list[Path]:
    found = sorted(corpus.rglob("pyproject*.toml"))
    found += sorted(p for p in (corpus / "osv-scalibr" / "pyprojecttoml").glob("*.toml"))
    return [p for p in found if p.name != "malformed.toml"]


def _line_text(path: Path, line: int | None) -> str:
    assert line is not None
    return path.read_text(encoding="utf-8").splitlines()[line - 1]


def test_every_corpus_pyproject_parses_with_lines(corpus_dir: Path) -> None:
    files = _corpus_pyprojects(corpus_dir)
    assert len(files) >= 30
    total = 0
    for path in files:
        source = parse_pyproject(path)
        assert source.format is FileFormat.PYPROJECT
        assert source.problems == (), path
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        declared = data.get("project", {}).get("dependencies", [])
        main = [d for d in source.dependencies if d.groups == ()]
        assert len(main) >= len(declared), path
        for dependency in source.dependencies:
            total += 1
            # The line the dependency is reported at names it, as written.
            text = _line_text(path, dependency.location.line)
            assert dependency.display_name in text, (path, dependency)
    assert total > 400


def test_malformed_toml_is_a_parse_error_with_a_line(corpus_dir: Path) -> None:
    path = corpus_dir / "osv-scalibr" / "pyprojecttoml" / "malformed.toml"
    with pytest.raises(ParseError) as caught:
        parse_pyproject(path)
    (problem,) = caught.value.problems
    assert problem.line == 1
    assert "invalid TOML" in problem.message
    assert str(path) in caught.value.diagnostics()


def test_optional_dependencies_and_markers(corpus_dir: Path) -> None:
    folder = corpus_dir / "osv-scalibr" / "pyprojecttoml"
    optional = parse_pyproject(folder / "optional_deps.toml")
    by_name = {d.name: d for d in optional.dependencies}
    assert by_name[canonicalize_name("requests")].kind is DependencyKind.PINNED
    assert by_name[canonicalize_name("requests")].version == Version("2.32.0")
    assert by_name[canonicalize_name("black")].groups == ("extra:dev",)
    assert by_name[canonicalize_name("aiohttp")].groups == ("extra:async",)
    assert by_name[canonicalize_name("hatchling")].groups == ("build-system",)
    markers = parse_pyproject(folder / "env_markers.toml")
    importlib = next(d for d in markers.dependencies if d.name == "importlib-metadata")
    assert importlib.marker == Marker('python_version < "3.10"')
    assert importlib.location.line == 6
    assert parse_pyproject(folder / "dynamic_deps.toml").dependencies == ()


def test_same_string_in_two_tables_gets_two_lines(data_dir: Path) -> None:
    path = data_dir / "pyproject" / "groups" / "pyproject.toml"
    source = parse_pyproject(path)
    betas = [d for d in source.dependencies if d.name == "beta"]
    assert [d.groups for d in betas] == [(), ("lint", "ci", "test")]
    assert [d.location.line for d in betas] == [7, 17]
    assert all('"beta>=1.0"' in _line_text(path, d.location.line) for d in betas)


def test_crlf_and_odd_indentation(tmp_path: Path) -> None:
    text = (
        "[project]\r\nname='x'\r\n  dependencies   =   [ 'a==1' ,\r\n"
        "\t\t'b>=2',   'a==1',\r\n]\r\n  [ dependency-groups ]\r\n dev=['a==1']\r\n"
    )
    path = tmp_path / "pyproject.toml"
    path.write_bytes(text.encode())
    source = parse_pyproject(path)
    assert [(d.name, d.location.line, d.groups) for d in source.dependencies] == [
        ("a", 3, ()),
        ("b", 4, ()),
        ("a", 4, ()),
        ("a", 7, ("dev",)),
    ]
    assert parse_pyproject(path, text.replace("\r\n", "\n")).dependencies == source.dependencies


def test_bad_requirement_is_a_problem_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    text = '[project]\ndependencies = [\n  "good==1",\n  "bad ==",\n  "fine>2",\n]\n'
    source = parse_pyproject(path, text)
    assert [d.name for d in source.dependencies] == ["good", "fine"]
    (problem,) = source.problems
    assert (problem.line, problem.key) == (4, "project.dependencies[1]")
    assert "fix it" in problem.message
    assert str(problem).startswith(f"{path}:4: project.dependencies[1]: 'bad ==' is not")


def test_include_group_cycle_and_unknown_group_are_problems(tmp_path: Path) -> None:
    text = (
        "[dependency-groups]\n"
        'a = ["one", {include-group = "b"}]\n'
        'b = ["two", {include-group = "a"}]\n'
        'c = [{include-group = "nope"}, {include-group = "C"}, "three"]\n'
    )
    source = parse_pyproject(tmp_path / "pyproject.toml", text)
    messages = sorted((p.line, p.message) for p in source.problems)
    assert messages == [
        (3, "include-group cycle a -> b -> a; remove an include"),
        (4, "include-group cycle c -> c; remove an include"),
        (4, "includes unknown group 'nope'; define it"),
    ]
    groups = {d.name: d.groups for d in source.dependencies}
    assert groups == {"one": ("a", "b"), "two": ("b", "a"), "three": ("c",)}


def test_uv_sources_indexes_and_self_references(tmp_path: Path) -> None:
    text = """
[project]
name = "me"
dependencies = ["torch==2.7.0", "mylib", "tool @ git+https://example.invalid/tool.git", "ed"]
[project.optional-dependencies]
all = ["me[extra]"]
[tool.uv]
dev-dependencies = ["pytest>=8"]
[tool.uv.sources]
torch = { index = "pytorch" }
mylib = { git = "https://example.invalid/mylib.git", tag = "v1" }
ed = { path = "libs/ed", editable = true }
[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl/cu128"
[tool.pdm.dev-dependencies]
lint = ["ruff", "-e file:///${PROJECT_ROOT}/sub#egg=sub", "-e other @ file:///tmp/other"]
"""
    source = parse_pyproject(tmp_path / "pyproject.toml", text)
    assert source.problems == ()
    found = {d.name: d for d in source.dependencies}
    assert "me" not in found
    assert found[canonicalize_name("torch")].index == "https://download.pytorch.org/whl/cu128"
    assert found[canonicalize_name("mylib")].kind is DependencyKind.VCS
    assert found[canonicalize_name("mylib")].url == "git+https://example.invalid/mylib.git@v1"
    assert found[canonicalize_name("tool")].kind is DependencyKind.VCS
    assert found[canonicalize_name("ed")].kind is DependencyKind.EDITABLE
    assert found[canonicalize_name("pytest")].groups == ("dev",)
    assert found[canonicalize_name("sub")].kind is DependencyKind.EDITABLE
    assert found[canonicalize_name("other")].kind is DependencyKind.EDITABLE
    assert found[canonicalize_name("ruff")].groups == ("lint",)


def test_poetry_tables(data_dir: Path) -> None:
    path = data_dir / "pyproject" / "poetry-sources.toml"
    source = parse_pyproject(path)
    assert source.problems == ()
    deps = source.dependencies
    names = [d.name for d in deps]
    assert "python" not in names
    flask = next(d for d in deps if d.name == "flask")
    assert flask.index == "https://libraries.cgr.dev/python/simple/"
    assert flask.specifier == SpecifierSet(">=2.0,<3.0")
    pinned = next(d for d in deps if d.name == "pinned")
    assert (pinned.kind, pinned.version) == (DependencyKind.PINNED, Version("1.2.3"))
    union = next(d for d in deps if d.name == "union")
    assert (union.kind, union.specifier) == (DependencyKind.RANGE, SpecifierSet())
    linux = next(d for d in deps if d.name == "onlylinux")
    assert linux.marker == Marker('sys_platform == "linux"')
    kernels = [d for d in deps if d.name == "kernels"]
    assert [(d.kind, d.location.line) for d in kernels] == [
        (DependencyKind.URL, 13),
        (DependencyKind.RANGE, 14),
    ]
    assert kernels[0].marker == Marker('python_version >= "3.10" and python_version < "3.11"')
    local = next(d for d in deps if d.name == "local")
    assert (local.kind, local.url) == (DependencyKind.EDITABLE, "../local")
    fromgit = next(d for d in deps if d.name == "fromgit")
    assert fromgit.url == "git+https://github.com/example/fromgit.git@v1.0"
    requests = [(d.groups, d.location.line) for d in deps if d.name == "requests"]
    assert requests == [((), 8), (("test",), 21)]


def _poetry_corpus(corpus: Path) -> list[Path]:
    found = []
    for path in _corpus_pyprojects(corpus):
        poetry = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("poetry", {})
        if any(key in poetry for key in ("dependencies", "dev-dependencies", "group")):
            found.append(path)
    return found


def _ours(source: SourceFile) -> set[tuple[str, str, str, str]]:
    rows: set[tuple[str, str, str, str]] = set()
    for d in source.dependencies:
        if d.groups == ("build-system",):
            continue
        group = d.groups[0] if d.groups and not d.groups[0].startswith("extra:") else "main"
        rows.add((canonicalize_name(group), d.name, str(d.specifier), str(d.marker or "")))
    return rows


_ENVIRONMENTS = [
    {
        "python_version": f"{major}.{minor}",
        "python_full_version": f"{major}.{minor}.{patch}",
        "sys_platform": platform,
    }
    for major, minor in [(2, 7), *((3, m) for m in range(4, 15)), (4, 0), (4, 1)]
    for patch in (0, 1, 2, 7)
    for platform in ("linux", "win32", "darwin")
]


def _truth(marker: str) -> frozenset[int]:
    """Where a marker holds, over a grid of environments: equal sets, equivalent markers."""
    if not marker:
        return frozenset(range(len(_ENVIRONMENTS)))
    parsed = Marker(marker)
    return frozenset(i for i, env in enumerate(_ENVIRONMENTS) if parsed.evaluate(env))


def test_poetry_tables_agree_with_poetry_core(
    corpus_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    """poetry-core's own reading of [tool.poetry] (a test-only oracle) gives the same groups,
    names, version ranges and markers."""
    from poetry.core.factory import Factory

    paths = [*_poetry_corpus(corpus_dir), data_dir / "pyproject" / "poetry-sources.toml"]
    assert len(paths) >= 5
    for number, path in enumerate(paths):
        source = parse_pyproject(path)
        # poetry-core reads <folder>/pyproject.toml: give each file a folder of its own.
        copy = tmp_path / str(number) / "pyproject.toml"
        copy.parent.mkdir()
        shutil.copyfile(path, copy)
        package = Factory().create_poetry(copy).package
        theirs: set[tuple[str, str, str, str]] = set()
        for group in package.dependency_group_names(include_optional=True):
            for dep in package.dependency_group(group).dependencies:
                requirement = Requirement(dep.to_pep_508().replace(" || ", ","))
                if dep.source_type in ("git", "directory", "url", "file") or "||" in str(
                    dep.constraint
                ):
                    spec = ""
                else:
                    spec = str(requirement.specifier)
                marker = str(dep.marker)  # as declared, without the extra == "x" Poetry adds
                theirs.add((canonicalize_name(group), canonicalize_name(dep.name), spec, marker))
        ours = {(g, n, str(SpecifierSet(s)), _truth(m)) for g, n, s, m in _ours(source)}
        poetrys = {(g, n, str(SpecifierSet(s)), _truth(m)) for g, n, s, m in theirs}
        assert ours == poetrys, path


def _build_wheels_for(source: SourceFile, folder: Path) -> None:
    for dependency in source.dependencies:
        make_wheel(folder, dependency.display_name, "1.0.0")
        for extra in dependency.extras:
            make_wheel(folder, dependency.display_name, "1.0.0")
            del extra


@pytest.mark.tools
@pytest.mark.slow
def test_dependency_groups_agree_with_uv_export(data_dir: Path, tmp_path: Path) -> None:
    """uv, offline against a folder of local wheels, exports the same names per group."""
    uv = console_script("uv")
    if uv is None:
        pytest.fail("uv is a test dependency: pip install -e '.[test]'")
    project = tmp_path / "project"
    shutil.copytree(data_dir / "pyproject" / "groups", project)
    source = parse_pyproject(project / "pyproject.toml")
    wheels = tmp_path / "wheels"
    _build_wheels_for(source, wheels)
    env = {
        "PATH": os.defpath,  # uv is told which Python to use; it must not look for one
        "UV_CACHE_DIR": str(tmp_path / "cache"),
        "UV_NO_CONFIG": "1",
        "UV_PYTHON_DOWNLOADS": "never",
        "HOME": str(tmp_path),
    }
    offline = ["--python", sys.executable, "--offline", "--no-index", "--find-links", str(wheels)]
    subprocess.run([uv, "lock", *offline], cwd=project, env=env, check=True, capture_output=True)
    groups = {g for d in source.dependencies for g in d.groups if g != "build-system"}
    assert groups == {"extra:fast", "extra:other", "lint", "test", "ci", "docs"}
    for group in sorted(groups):
        flag = ["--extra", group[6:]] if group.startswith("extra:") else ["--only-group", group]
        if group.startswith("extra:"):
            flag.append("--no-default-groups")
        out = subprocess.run(
            [
                uv,
                "export",
                *("--python", sys.executable),
                *("--frozen", "--no-hashes", "--no-emit-project", "--no-header", *flag),
            ],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        exported = {
            Requirement(line.split("#")[0].strip()).name
            for line in out.splitlines()
            if line.strip() and not line.startswith(("#", " "))
        }
        main = {d.name for d in source.dependencies if d.groups == ()}
        ours = {d.name for d in source.dependencies if group in d.groups}
        if group.startswith("extra:"):
            ours |= main
        if group == "extra:fast":  # groups-demo[other] pulls the other extra in
            ours |= {d.name for d in source.dependencies if "extra:other" in d.groups}
        assert {canonicalize_name(n) for n in exported} == ours, group


_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_requirement_like = st.sampled_from(
    ["a==1", "b>=1 ; python_version>'3'", "c @ git+https://x/y", "-e ./p", "d[", "==", ""]
)
_tables = st.fixed_dictionaries(
    {},
    optional={
        "project": st.fixed_dictionaries(
            {},
            optional={
                "name": _values,
                "dependencies": st.lists(_requirement_like | _values, max_size=4) | _values,
                "optional-dependencies": st.dictionaries(st.text(max_size=5), _values),
            },
        )
        | _values,
        "dependency-groups": st.dictionaries(
            st.sampled_from(["a", "b", "A", "c"]),
            st.lists(
                _requirement_like
                | st.fixed_dictionaries({"include-group": st.sampled_from(["a", "b", "x"])})
                | _values,
                max_size=4,
            ),
        )
        | _values,
        "build-system": st.fixed_dictionaries({"requires": _values}),
        "tool": st.fixed_dictionaries(
            {},
            optional={
                "poetry": st.fixed_dictionaries(
                    {},
                    optional={
                        "dependencies": st.dictionaries(
                            st.text(max_size=6), _values | st.sampled_from(["^1", "~1 || 2"])
                        ),
                        "group": st.dictionaries(
                            st.text(max_size=4), st.fixed_dictionaries({"dependencies": _values})
                        ),
                        "source": _values,
                    },
                ),
                "uv": st.fixed_dictionaries(
                    {},
                    optional={"sources": _values, "index": _values, "dev-dependencies": _values},
                ),
                "pdm": st.fixed_dictionaries({"dev-dependencies": _values}),
            },
        ),
    },
)


def _strip_none(value: object) -> object:
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value if v is not None]
    return value


@settings(max_examples=400, deadline=None)
@given(document=_tables)
def test_arbitrary_toml_gives_only_problems(document: dict[str, object]) -> None:
    import tomlkit

    stripped = _strip_none(document)
    assert isinstance(stripped, dict)
    text = tomlkit.dumps(stripped)
    source = parse_pyproject(Path("pyproject.toml"), text)
    assert all(isinstance(d, Dependency) for d in source.dependencies)


@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_parse_error(text: str) -> None:
    try:
        source = parse_pyproject(Path("pyproject.toml"), text)
    except ParseError as exc:
        problems = exc.problems
    else:
        problems = (*source.problems, *[Problem(path=Path(), line=1, message="read")])
    assert problems
