"""``report`` over fifty repositories: coverage, order, the ranking and its ties, names."""

from __future__ import annotations

import io
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from tests.org.conftest import (
    HOSTILE_MESSAGE,
    HOSTILE_PACKAGE,
    HOSTILE_PATH,
    HOSTILE_REPOSITORY,
    REPOSITORIES,
    OrgFixture,
    Report,
    run_cli,
)


def org_json(*args: str) -> dict[str, Any]:
    code, out, err = run_cli("report", *args, "--format", "json")
    assert code == 0, err
    assert err == ""
    document: dict[str, Any] = json.loads(out)
    return document


def test_the_projects_were_checked_as_designed(base_reports: dict[str, Report]) -> None:
    """The real check gave the verdicts the fifty repositories are built on."""
    got = {
        project: [(r["name"], r["status"]) for r in report["results"]]
        for project, report in base_reports.items()
    }
    assert got == {
        "all-served": [("alpha", "chainguard"), ("beta", "chainguard")],
        "some-missing": [("alpha", "chainguard"), ("gamma", "fallback"), ("zzz-absent", "missing")],
        "with-url": [
            ("beta", "chainguard"),
            ("gamma", "fallback"),
            ("omega", "missing"),
            ("delta", "fallback"),
            ("wheelpkg", "not-indexed"),
        ],
        "two-missing": [
            ("alpha", "chainguard"),
            ("gamma", "fallback"),
            ("zzz-absent", "missing"),
            ("kappa", "missing"),
        ],
    }


def test_coverage_per_repository(org: OrgFixture) -> None:
    document = org_json(*org.paths)
    rows = document["repositories"]
    assert len(rows) == REPOSITORIES
    by_name = {row["name"]: row for row in rows}
    assert set(by_name) == {r.name for r in org.repositories}
    for repository in org.repositories:
        row = by_name[repository.name]
        assert row["checked"] == repository.checked, repository.name
        assert row["counts"]["chainguard"] == repository.chainguard, repository.name
        assert row["coverage_percent"] == round(float(repository.coverage * 100), 2)
        assert row["report"] == Path(repository.path).as_posix()
    # some known values: repository 0 serves all (100%), 1 is 1+1 of 3+1, 2 is 1+2 of 4+2
    assert by_name[HOSTILE_REPOSITORY]["coverage_percent"] == 100.0
    assert by_name['"><svg onload=window.__pwned=1>']["coverage_percent"] == 50.0
    assert by_name["acme/service-02"]["coverage_percent"] == 50.0
    assert by_name["acme/service-03"]["coverage_percent"] == round(100 * 4 / 7, 2)
    assert by_name["acme/service-02"]["counts"]["not-indexed"] == 1
    assert by_name["acme/service-02"]["dependencies"] == 7
    # least covered first, then by name
    expected = sorted(org.repositories, key=lambda r: (r.coverage, r.name.casefold(), r.name))
    assert [row["name"] for row in rows] == [r.name for r in expected]
    assert rows[0]["coverage_percent"] == 25.0  # repository 10: with-url, no extra result
    assert rows[0]["name"] == "acme/service-10"


def test_organisation_totals(org: OrgFixture) -> None:
    summary = org_json(*org.paths)["summary"]
    chainguard = sum(r.chainguard for r in org.repositories)
    checked = sum(r.checked for r in org.repositories)
    assert summary["repositories"] == REPOSITORIES
    assert summary["checked"] == checked
    assert summary["counts"]["chainguard"] == chainguard
    assert summary["coverage_percent"] == round(100 * chainguard / checked, 2)
    assert summary["fully_covered"] == 13  # the all-served project: repositories 0, 4, ... 48
    assert summary["counts"]["not-indexed"] == 12
    assert summary["dependencies"] == checked + 12
    assert summary["input_errors"] == 1
    assert summary["packages"] == 6


def test_ranking_order_and_ties(org: OrgFixture) -> None:
    packages = org_json(*org.paths)["packages"]
    got = [(p["rank"], p["name"], p["repositories"], p["fallback"], p["missing"]) for p in packages]
    assert got == [
        (1, "gamma", 37, 37, 0),  # fallback in three projects of four: 13 + 12 + 12
        (2, "zzz-absent", 25, 0, 25),  # 13 + 12
        # 12 each: the same rank; missing before fallback, then by name
        (3, "kappa", 12, 0, 12),
        (3, "omega", 12, 0, 12),
        (3, "delta", 12, 12, 0),
        (6, HOSTILE_PACKAGE, 1, 0, 1),  # the next rank skips the tied places
    ]
    zzz = packages[1]
    assert zzz["versions"] == [
        {"version": "2.0", "repositories": 12},
        {"version": "1.0", "repositories": 13},
    ]
    assert len(zzz["repository_names"]) == 25
    assert zzz["repository_names"] == sorted(zzz["repository_names"], key=str.casefold)
    assert "acme/service-05" in zzz["repository_names"]
    assert '"><svg onload=window.__pwned=1>' in zzz["repository_names"]  # repository 1
    assert "acme/service-02" not in zzz["repository_names"]  # with-url has no zzz-absent
    assert packages[-1]["repository_names"] == ["acme/service-07"]


def test_a_package_in_two_states_counts_once_per_repository(tmp_path: Path) -> None:
    """``fallback`` in one file and ``missing`` in another: one repository, both counts."""
    paths = []
    for name, statuses in (("one", ["fallback", "missing"]), ("two", ["missing"])):
        results = [_result("blinker", status, "1.7.0") for status in statuses]
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(_report(results)))
        paths.append(str(path))
    (package,) = org_json(*paths)["packages"]
    assert (package["repositories"], package["fallback"], package["missing"]) == (2, 1, 2)
    assert package["versions"] == [{"version": "1.7.0", "repositories": 2}]


def test_unpinned_versions_come_last_and_names_are_normalized(tmp_path: Path) -> None:
    results = [
        _result("Foo_Bar", "missing", None),
        _result("foo.bar", "missing", "1.10"),
        _result("FOO-BAR", "fallback", "1.9"),
    ]
    path = tmp_path / "repo.json"
    path.write_text(json.dumps(_report(results)))
    (package,) = org_json(str(path))["packages"]
    assert package["name"] == "foo-bar"
    assert [v["version"] for v in package["versions"]] == ["1.10", "1.9", None]


def test_names_from_the_field_else_the_file(org: OrgFixture) -> None:
    names = {row["name"] for row in org_json(*org.paths)["repositories"]}
    assert "acme__service-09" in names  # no field: the file's name without .json
    assert "acme/service-08" in names  # the field
    stems = {row["name"] for row in org_json(*org.paths, "--name-from", "path")["repositories"]}
    assert stems == {Path(p).name.removesuffix(".json") for p in org.paths}


def test_name_from_field_needs_the_field(org: OrgFixture) -> None:
    path = org.repositories[9].path
    code, out, err = run_cli("report", str(path), "--name-from", "field", "--format", "json")
    assert code == 2
    assert out == ""
    assert f"{path}: repository: missing" in err
    assert "--name-from path" in err


def test_the_same_repository_twice_is_an_input_error(org: OrgFixture, tmp_path: Path) -> None:
    first = org.repositories[3].path
    copy = tmp_path / "again.json"
    copy.write_text(first.read_text())
    code, out, err = run_cli("report", str(first), str(copy))
    assert code == 2
    assert out == ""
    assert f"{copy}: the repository 'acme/service-03' is also the one of {first}" in err


def test_environment_defaults(org: OrgFixture, tmp_path: Path) -> None:
    from cg_action._cli import main

    target = tmp_path / "out" / "org.json"
    out, err = io.StringIO(), io.StringIO()
    env = {"CG_ACTION_REPORT_FORMAT": "json", "CG_ACTION_REPORT_OUTPUT": str(target)}
    assert main(["report", *org.paths[:3]], env=env, out=out, err=err) == 0, err.getvalue()
    assert out.getvalue() == ""
    assert json.loads(target.read_text())["kind"] == "org-report"
    bad = {"CG_ACTION_REPORT_FORMAT": "pdf"}
    assert main(["report", *org.paths[:1]], env=bad, out=out, err=err) == 2
    assert "CG_ACTION_REPORT_FORMAT='pdf'" in err.getvalue()


def test_problems_of_the_checks_are_listed(org: OrgFixture) -> None:
    rows = {row["name"]: row for row in org_json(*org.paths)["repositories"]}
    assert rows["acme/service-02"]["input_errors"] == 1
    assert rows["acme/service-02"]["errors"] == [
        {"file": HOSTILE_PATH, "line": 3, "key": None, "message": HOSTILE_MESSAGE}
    ]


def _result(name: str, status: str, version: str | None) -> dict[str, Any]:
    return {
        "name": name,
        "display_name": name,
        "version": version,
        "file": "requirements.txt",
        "line": 1,
        "status": status,
        "message": "",
    }


def _report(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "kind": "check",
        "files": [{"path": "requirements.txt", "errors": []}],
        "results": results,
    }


@pytest.mark.parametrize("share", [Fraction(1, 3), Fraction(2, 3)])
def test_coverage_is_chainguard_over_checked(tmp_path: Path, share: Fraction) -> None:
    """Not-indexed results are left out of the share, as ``check`` counts it."""
    served = share.numerator
    results = [_result(f"p{i}", "chainguard", "1") for i in range(served)]
    results += [_result(f"q{i}", "missing", "1") for i in range(share.denominator - served)]
    results += [_result("url", "not-indexed", None)] * 5
    path = tmp_path / "repo.json"
    path.write_text(json.dumps(_report(results)))
    (row,) = org_json(str(path))["repositories"]
    assert row["coverage_percent"] == round(float(share * 100), 2)
    assert (row["checked"], row["dependencies"]) == (share.denominator, share.denominator + 5)
