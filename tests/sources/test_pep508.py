"""One PEP 508 conversion for every manifest reader: kinds of direct references, markers.

The requirements, pyproject.toml and Pipfile readers tell a direct reference's kind by one
rule, so the same reference is the same kind wherever it is written; a Windows drive letter
(``C:\\src`` or ``C:/src``) is a local path in all of them, never a URL of scheme ``c``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.version import Version

from cg_action._errors import ParseError
from cg_action._models import DependencyKind, Location
from cg_action._sources._pep508 import (
    all_of,
    dependency_from_requirement,
    parse_marker,
    url_kind,
    url_scheme,
    vcs_url,
)
from cg_action._sources._pipfile import parse_pipfile
from cg_action._sources._pyproject import parse_pyproject
from cg_action._sources._requirements import parse_requirements
from cg_action._sources._typed import Where

PATH, URL, VCS = DependencyKind.PATH, DependencyKind.URL, DependencyKind.VCS
# (a direct reference, its kind); none of them holds a quote or a space.
REFERENCES = [
    ("C:\\src\\pkg", PATH),
    ("C:/src/pkg", PATH),
    ("c:/src/pkg-1.0.tar.gz", PATH),
    ("D:\\wheels\\pkg-1.0-py3-none-any.whl", PATH),
    ("C://src/pkg", PATH),  # a drive letter even before "//"
    ("./src/pkg", PATH),
    ("/srv/pkg", PATH),
    ("file:///srv/pkg", PATH),
    ("https://files.example/pkg-1.0.tar.gz", URL),
    ("ftp://files.example/pkg-1.0.tar.gz", URL),
    ("git+https://git.example/pkg.git@v1", VCS),
    ("HG+SSH://hg.example/pkg", VCS),
    ("git://git.example/pkg.git", VCS),
    ("svn+file:///srv/svn/pkg", VCS),
]
WHERE = Location(path=Path("x"), line=1)


@pytest.mark.parametrize(("reference", "kind"), REFERENCES)
def test_url_kind(reference: str, kind: DependencyKind) -> None:
    assert url_kind(reference) is kind


@pytest.mark.parametrize("drive", ["C:\\src\\pkg", "C:/src/pkg", "c:pkg", "Z://pkg"])
def test_a_drive_letter_is_no_url_scheme(drive: str) -> None:
    assert url_scheme(drive) == ""


def test_url_scheme_is_lower_case_and_empty_for_no_url() -> None:
    assert url_scheme("Git+HTTPS://host/x") == "git+https"
    assert url_scheme("pkg>=1.0") == ""
    assert url_scheme("http://[::1") == ""  # urlsplit's ValueError: no URL


@pytest.mark.parametrize(("reference", "kind"), REFERENCES)
def test_every_reader_tells_the_same_kind(
    tmp_path: Path, reference: str, kind: DependencyKind
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"pkg @ {reference}\n", encoding="utf-8")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        f"[project]\nname = 'me'\ndependencies = ['pkg @ {reference}']\n", encoding="utf-8"
    )
    read = [
        parse_requirements(requirements, environ={}, root=tmp_path),
        parse_pyproject(pyproject),
    ]
    for source in read:
        assert source.problems == (), source.path
        (dependency,) = source.dependencies
        assert (dependency.kind, dependency.url) == (kind, reference), source.path


@pytest.mark.parametrize("reference", ["C:\\src\\pkg", "C:/src/pkg"])
@pytest.mark.parametrize("key", ["path", "file"])
def test_a_pipfile_drive_letter_is_a_path(tmp_path: Path, reference: str, key: str) -> None:
    pipfile = tmp_path / "Pipfile"
    pipfile.write_text(f"[packages]\npkg = {{{key} = '{reference}'}}\n", encoding="utf-8")
    (dependency,) = parse_pipfile(pipfile).dependencies
    assert (dependency.kind, dependency.url) == (PATH, reference)


def test_a_requirement_with_a_version() -> None:
    requirement = Requirement('Flask[Async,dotenv]==3.0.0; python_version >= "3.9"')
    dependency = dependency_from_requirement(requirement, location=WHERE, groups=("dev",))
    assert dependency.name == "flask"
    assert dependency.display_name == "Flask"
    assert dependency.kind is DependencyKind.PINNED
    assert dependency.version == Version("3.0.0")
    assert dependency.extras == frozenset({"async", "dotenv"})
    assert dependency.marker == Marker('python_version >= "3.9"')
    assert dependency.groups == ("dev",)
    assert dependency.url is None


def test_a_marker_written_apart_stands_for_the_requirements_own() -> None:
    requirement = Requirement('pkg>=1; os_name == "nt"')
    apart = Marker('sys_platform == "linux"')
    dependency = dependency_from_requirement(requirement, location=WHERE, marker=apart)
    assert dependency.marker == apart
    assert dependency.kind is DependencyKind.RANGE


def test_a_direct_reference_keeps_no_user_info() -> None:
    requirement = Requirement("pkg @ https://user:s3cret@files.example/pkg-1.0.tar.gz")
    dependency = dependency_from_requirement(requirement, location=WHERE)
    assert dependency.url == "https://files.example/pkg-1.0.tar.gz"
    assert dependency.kind is URL
    assert dependency.version is None  # only when the reader gives it


def test_a_direct_reference_as_read_and_its_version() -> None:
    requirement = Requirement("pkg @ ${WHERE}/pkg-1.0.tar.gz")
    dependency = dependency_from_requirement(
        requirement,
        location=WHERE,
        url_as_read="https://files.example/pkg-1.0.tar.gz",
        url_version=Version("1.0"),
    )
    assert (dependency.kind, dependency.version) == (URL, Version("1.0"))
    assert dependency.url == "${WHERE}/pkg-1.0.tar.gz"  # as written


def test_vcs_url() -> None:
    assert vcs_url("git", "https://h/r.git") == "git+https://h/r.git"
    assert vcs_url("git", "git+https://h/r.git", ref="v1") == "git+https://h/r.git@v1"
    assert (
        vcs_url("hg", "ssh://h/r", ref="abc", subdirectory="sub")
        == "hg+ssh://h/r@abc#subdirectory=sub"
    )


def test_all_of() -> None:
    linux, old = Marker('sys_platform == "linux"'), Marker('python_version < "3.9"')
    assert all_of([]) is None
    assert all_of([None, linux, None]) is linux
    assert all_of([linux, old]) == Marker(f"({linux}) and ({old})")


def test_parse_marker_names_the_place() -> None:
    where = Where(Path("Pipfile"), "packages.pkg", 3)
    assert parse_marker('os_name == "nt"', where) == Marker('os_name == "nt"')
    with pytest.raises(ParseError) as raised:
        parse_marker("os_name === nt", where)
    (problem,) = raised.value.problems
    assert (problem.line, problem.key) == (3, "packages.pkg")
    assert "is not a valid marker" in problem.message
