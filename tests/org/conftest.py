"""Fifty repositories' reports, made by the real ``check --format json``, then varied.

Four small projects are checked against the Chainguard-like index on 127.0.0.1
(``tests._chainguard_like``): its own builds are ``chainguard``, files it only passes through
from upstream are ``fallback``, what it does not list is ``missing``, a URL requirement is
``not-indexed``. Repository ``k`` of fifty takes project ``k % 4``'s report, adds ``k % 5``
more ``chainguard`` results (other files of the same repository), and some carry hostile
names, messages and paths. ``OrgFixture`` says what each repository should count.
"""

from __future__ import annotations

import copy
import io
import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from cg_action._cli import main
from tests._chainguard_like import ChainguardLike, ServedFile, chainguard_like
from tests._wheels import make_wheel

Report = dict[str, Any]

REPOSITORIES = 50
HOSTILE_REPOSITORY = "<img src=x onerror=alert(1)>"
HOSTILE_REPOSITORY_2 = '"><svg onload=window.__pwned=1>'
HOSTILE_PACKAGE = "<img src=x onerror=alert(2)>"
HOSTILE_PATH = "<b>bold</b>/requirements.txt"
HOSTILE_MESSAGE = "<img src=x onerror=window.__pwned=2> cannot be read"

PROJECTS = {
    # every dependency built by Chainguard
    "all-served": "alpha==1.0.0\nbeta==2.0.0\n",
    # one of each: served, passed through from upstream, absent
    "some-missing": "alpha==1.0.0\ngamma==0.3.0\nzzz-absent==1.0\n",
    # two passed through, one absent, one URL (no index is asked)
    "with-url": (
        "beta==2.0.0\ngamma==0.3.0\nomega==2.0\ndelta==1.0.0\n"
        "wheelpkg @ https://example.invalid/wheelpkg-1.0-py3-none-any.whl\n"
    ),
    # two absent
    "two-missing": "alpha==1.0.0\ngamma==0.3.0\nzzz-absent==2.0\nkappa==1.0\n",
}
PROJECT_ORDER = tuple(PROJECTS)


def run_cli(*args: str) -> tuple[int, str, str]:
    """``main`` in-process with an empty environment."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), env={}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="session")
def base_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """The real ``check --format json`` report of each project in ``PROJECTS``."""
    base = tmp_path_factory.mktemp("org-dists")
    built, upstream = base / "built", base / "upstream"
    for name, version in (("alpha", "1.0.0"), ("beta", "2.0.0")):
        make_wheel(built, name, version, flavour="rebuilt")
    files = [ServedFile(path=p) for p in sorted(built.iterdir())]
    for name, version in (("gamma", "0.3.0"), ("delta", "1.0.0")):
        files.append(ServedFile(path=make_wheel(upstream, name, version), upstream=True))
    reports: dict[str, Report] = {}
    with chainguard_like(files) as index:
        for project, requirements in PROJECTS.items():
            folder = base / project
            folder.mkdir()
            (folder / "requirements.txt").write_text(requirements)
            reports[project] = _check(folder, index)
    return reports


def _check(folder: Path, index: ChainguardLike) -> Report:
    code, out, err = run_cli(
        "check", str(folder), "--root", str(folder), "--index-url", index.url,
        "--no-fallback", "--no-cache", "--no-netrc", "--fail-on", "none", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    report: Report = json.loads(out)
    return report


@dataclass(frozen=True)
class Repository:
    """One of the fifty: its report file and what it should count."""

    number: int
    name: str
    path: Path
    project: str
    chainguard: int
    checked: int

    @property
    def coverage(self) -> Fraction:
        return Fraction(self.chainguard, self.checked)


@dataclass(frozen=True)
class OrgFixture:
    """The fifty report files and their repositories, in file order."""

    folder: Path
    repositories: tuple[Repository, ...]

    @property
    def paths(self) -> list[str]:
        return [str(r.path) for r in self.repositories]


def repository_name(number: int) -> str:
    """The name repository ``number`` goes by (from its field or its file name)."""
    if number == 0:
        return HOSTILE_REPOSITORY
    if number == 1:
        return HOSTILE_REPOSITORY_2
    if number % 10 == 9:  # no "repository" field: named after the file
        return f"acme__service-{number:02d}"
    return f"acme/service-{number:02d}"


def vary(base: Report, number: int) -> Report:
    """Repository ``number``'s report, made from its project's real report."""
    report = copy.deepcopy(base)
    if number % 10 != 9:
        report["repository"] = repository_name(number)
    served = next(r for r in base["results"] if r["status"] == "chainguard")
    for extra in range(number % 5):
        result = copy.deepcopy(served)
        result.update(file=f"services/{extra}/requirements.txt", line=extra + 1)
        report["results"].append(result)
    if number == 7:
        missing = next(r for r in base["results"] if r["status"] == "missing")
        hostile = copy.deepcopy(missing)
        hostile.update(name=HOSTILE_PACKAGE, display_name=HOSTILE_PACKAGE, version="1.0")
        report["results"].append(hostile)
    if number == 2:
        report["files"].append(
            {
                "path": HOSTILE_PATH,
                "format": "requirements",
                "dependency_count": 0,
                "errors": [{"line": 3, "key": None, "message": HOSTILE_MESSAGE}],
            }
        )
    return report


def _counts(report: Report) -> tuple[int, int]:
    statuses = [r["status"] for r in report["results"]]
    return statuses.count("chainguard"), len(statuses) - statuses.count("not-indexed")


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory, base_reports: dict[str, Report]) -> OrgFixture:
    """Fifty report files in one folder."""
    folder = tmp_path_factory.mktemp("org-reports")
    repositories = []
    for number in range(REPOSITORIES):
        project = PROJECT_ORDER[number % len(PROJECT_ORDER)]
        report = vary(base_reports[project], number)
        file_name = (
            f"acme__service-{number:02d}.json" if number % 10 == 9 else f"report-{number:02d}.json"
        )
        path = folder / file_name
        path.write_text(json.dumps(report, indent=2))
        chainguard, checked = _counts(report)
        repositories.append(
            Repository(
                number=number,
                name=repository_name(number),
                path=path,
                project=project,
                chainguard=chainguard,
                checked=checked,
            )
        )
    return OrgFixture(folder=folder, repositories=tuple(repositories))
