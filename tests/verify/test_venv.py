"""``verify`` on a real virtual environment that pip installed into (see conftest.py)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from packaging.version import Version

from cg_action._cli import main
from cg_action._verify._check import verify_paths
from cg_action._verify._model import (
    EGG_INFO,
    NO_SBOM,
    SBOM_MODIFIED,
    Evidence,
    PackageResult,
    TargetKind,
    Verdict,
)
from tests.verify._builders import commit_for
from tests.verify.conftest import Venv


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify", *argv], env={}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_verdicts_and_coverage(venv: Venv) -> None:
    report = verify_paths([venv.path])
    assert [t.kind for t in report.targets] == [TargetKind.VENV]
    assert report.targets[0].searched == (venv.site_packages,)
    by_name: dict[str, PackageResult] = {p.name: p for p in report.packages}
    assert sorted(by_name) == [
        "aiohttp",
        "bigblob",
        "flask",
        "itsdangerous",
        "jinja2",
        "legacy-thing",
        "markupsafe",
        "requests",
        "six",
    ]
    verified = sorted(p.name for p in report.packages if p.verdict is Verdict.VERIFIED)
    assert verified == ["aiohttp", "bigblob", "flask"]
    assert report.verified_count == 3
    assert report.coverage_percent == pytest.approx(100 * 3 / 9)

    flask = by_name["flask"]
    assert flask.display_name == "Flask"
    assert flask.version == Version("3.0.2")
    assert flask.evidence == (Evidence.SBOM,)
    assert flask.provenance is not None
    assert flask.provenance.source == f"https://github.com/example/flask@{commit_for('flask')}"
    assert flask.provenance.tag == "3.0.2"
    assert flask.sbom_path == "flask-3.0.2.dist-info/sboms/sbom.spdx.json"

    aiohttp = by_name["aiohttp"]
    assert aiohttp.version == Version("3.9.1+cgr.1")
    assert aiohttp.provenance is not None
    assert aiohttp.provenance.tag == "v3.9.1"
    assert aiohttp.provenance.patches == ("CVE-2024-23334.patch", "./patches/CVE-2024-23829.patch")

    assert by_name["jinja2"].verdict is Verdict.NOT_VERIFIED
    assert by_name["jinja2"].reason.startswith(SBOM_MODIFIED)
    assert by_name["markupsafe"].reason == (
        "Chainguard SBOM describes markupsafe 2.1.4, not MarkupSafe 2.1.5"
    )
    assert by_name["itsdangerous"].reason == NO_SBOM
    assert by_name["itsdangerous"].provenance is None
    assert by_name["requests"].reason == NO_SBOM
    assert by_name["six"].reason == NO_SBOM
    assert by_name["legacy-thing"].reason == EGG_INFO
    assert by_name["legacy-thing"].version == Version("0.1")


def test_site_packages_path_gives_the_same_verdicts(venv: Venv) -> None:
    from_venv = verify_paths([venv.path])
    from_site = verify_paths([venv.site_packages])
    assert from_site.targets[0].kind is TargetKind.SITE_PACKAGES
    assert [(p.name, p.verdict, p.reason) for p in from_site.packages] == [
        (p.name, p.verdict, p.reason) for p in from_venv.packages
    ]


def test_text_output_like_chainctl(venv: Venv) -> None:
    code, out, err = _run(str(venv.path))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Verification coverage: 33.33%"
    assert lines[1] == "Verified packages: 3 of 9"
    rows = {line.split()[0]: line for line in lines[2:]}
    assert rows["flask"].split() == [
        "flask",
        "3.0.2",
        "verified",
        "source:",
        f"https://github.com/example/flask@{commit_for('flask')}",
    ]
    assert "patches: CVE-2024-23334.patch, ./patches/CVE-2024-23829.patch" in rows["aiohttp"]
    assert rows["requests"].split()[:3] == ["requests", "2.31.0", "not-verified"]
    assert rows["requests"].endswith("no Chainguard SBOM: upstream or locally built")
    assert "Chainguard SBOM modified after install" in rows["jinja2"]
    assert rows["legacy-thing"].endswith("egg-info: no RECORD")


def test_json_output(venv: Venv) -> None:
    code, out, _ = _run(str(venv.path), "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["kind"] == "verify"
    assert document["summary"] == {
        "packages": 9,
        "verified": 3,
        "not_verified": 6,
        "coverage_percent": 33.33,
    }
    assert document["targets"][0]["kind"] == "venv"
    packages = {p["name"]: p for p in document["packages"]}
    assert packages["aiohttp"]["version"] == "3.9.1+cgr.1"
    assert packages["aiohttp"]["sbom"]["commit"] == commit_for("aiohttp")
    assert packages["aiohttp"]["sbom"]["repository"] == "https://github.com/example/aiohttp"
    assert packages["aiohttp"]["evidence"] == ["sbom"]
    assert packages["jinja2"]["verdict"] == "not-verified"
    assert packages["jinja2"]["sbom"] is not None  # the SBOM was Chainguard's, but edited
    assert packages["requests"]["sbom"] is None
    assert packages["legacy-thing"]["kind"] == "egg-info"
    assert all(p["index"] is None for p in document["packages"])


def test_github_output_warns_for_each_not_verified_package(venv: Venv) -> None:
    code, out, _ = _run(str(venv.path), "--format", "github")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("::notice title=Chainguard verification::Verified packages: 3 of 9")
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert len(warnings) == 6
    assert (
        "::warning title=requests 2.31.0 not verified::"
        "no Chainguard SBOM: upstream or locally built" in warnings
    )


def test_markdown_output(venv: Venv) -> None:
    code, out, _ = _run(str(venv.path), "--format", "markdown")
    assert code == 0
    assert "**Verification coverage: 33.33%** (3 of 9 packages verified)" in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 10  # header + 9 packages
    # not-verified packages first, each group by name
    assert rows[1].startswith("| itsdangerous | 2.1.2 | :warning: not verified |")
    assert rows[6].startswith("| six | 1.16.0 | :warning: not verified |")
    assert rows[7].startswith("| aiohttp | 3.9.1+cgr.1 | :white_check_mark: verified |")
    assert rows[9].startswith("| flask | 3.0.2 | :white_check_mark: verified |")


@pytest.mark.parametrize(
    ("fail_under", "expected"), [("33", 0), ("33.33", 0), ("33.34", 1), ("100", 1)]
)
def test_fail_under(venv: Venv, fail_under: str, expected: int) -> None:
    code, out, err = _run(str(venv.path), "--fail-under", fail_under)
    assert code == expected
    assert out.startswith("Verification coverage: 33.33%")
    if expected:
        assert f"below --fail-under {fail_under}%" in err


def test_fail_under_from_the_environment(venv: Venv) -> None:
    out, err = io.StringIO(), io.StringIO()
    env = {"CG_ACTION_FAIL_UNDER": "50", "CG_ACTION_VERIFY_PATHS": str(venv.path)}
    assert main(["verify"], env=env, out=out, err=err) == 1
    assert "Verified packages: 3 of 9" in out.getvalue()


def test_output_file(venv: Venv, tmp_path: Path) -> None:
    target = tmp_path / "out" / "verify.json"
    code, out, _ = _run(str(venv.path), "--format", "json", "--output", str(target))
    assert code == 0
    assert out == ""
    assert json.loads(target.read_text())["summary"]["verified"] == 3
