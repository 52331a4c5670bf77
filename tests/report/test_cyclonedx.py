"""The CycloneDX SBOM: valid against the official 1.6 schema, exact versions, purls, verdicts.

The schema is the one cyclonedx-python-lib ships (offline), with its strict validator; purls are
read back with packageurl-python, the purl project's own parser. Both are test dependencies
only: cg-action writes the SBOM with the standard library's json.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL
from packaging.version import Version

from cg_action import __version__
from cg_action._cli import main
from cg_action._commands._output import render
from cg_action._demo._server import sample_index
from cg_action._models import (
    Dependency,
    DependencyKind,
    Ignore,
    Report,
    ReportKind,
    Status,
)
from cg_action._report._cyclonedx import purl, render_cyclonedx
from cg_action._report._formats import ReportFormat

from ._build import check_report, dependency, finding

CHAINGUARD = "https://libraries.cgr.dev/python/simple/"
REMEDIATED = "https://libraries.cgr.dev/python-remediated/simple/"
SERIAL = uuid.UUID("8f2b8e1c-2f0a-4c4e-9a56-7d1c0c9b2a11")


def _valid(text: str) -> dict[str, Any]:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True)
    assert error is None, text
    document: dict[str, Any] = json.loads(text)
    return document


def _properties(component: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in component["properties"]}


def _locked(name: str, version: str, path: Path, line: int) -> Dependency:
    return replace(
        dependency(name, f"=={version}", path=path, line=line),
        is_locked=True,
        index="https://user:locked-secret@mirror.example/simple/",
    )


def _every_case(root: Path) -> Report:
    req = root / "requirements.txt"
    findings = [
        # a pin the remediated index serves a +cgr build of: that build is what installs
        finding(
            dependency("requests", "==2.31.0", path=req, line=1),
            Status.CHAINGUARD,
            version=Version("2.31.0"),
            remediated_version=Version("2.31.0+cgr.1"),
        ),
        # the pin's release written short: 1.0 is 1.0.0, whose build installs
        finding(
            dependency("idna", "==3.7", path=req, line=9),
            Status.CHAINGUARD,
            version=Version("3.7"),
            remediated_version=Version("3.7.0+cgr.1"),
        ),
        # === excludes the local label: the pin stays, the build is named
        finding(
            dependency("urllib3", "===2.2.1", path=req, line=2),
            Status.CHAINGUARD,
            version=Version("2.2.1"),
            remediated_version=Version("2.2.1+cgr.3"),
        ),
        # a range: the newest match the index serves
        finding(
            dependency("Jinja2", ">=3.1", path=req, line=3),
            Status.CHAINGUARD,
            version=Version("3.1.4"),
        ),
        finding(
            dependency("six", "==1.16.0", path=req, line=4),
            Status.FALLBACK,
            version=Version("1.16.0"),
            ignored=Ignore(reason="accepted until the build lands", source=".cg-action.toml"),
        ),
        finding(dependency("internal_auth.client", "==1.4.0", path=req, line=5), Status.MISSING),
        finding(dependency("rich", ">=13", path=req, line=6), Status.UNKNOWN),
        finding(
            dependency("pillow", "==10.0.0", path=req, line=7),
            Status.BLOCKED,
            version=Version("10.0.0"),
            blocked_reason="MALWARE_DETECTED",
        ),
        finding(
            dependency(
                "localtool",
                path=req,
                line=8,
                kind=DependencyKind.PATH,
                url="./vendored/localtool",
            ),
            Status.NOT_INDEXED,
        ),
        finding(
            _locked("flask", "3.0.3", root / "uv.lock", 40),
            Status.LOCKED_UPSTREAM,
            version=Version("3.0.3"),
        ),
        finding(
            _locked("numpy", "2.1.0+cgr.2", root / "uv.lock", 12),
            Status.CHAINGUARD,
            version=Version("2.1.0+cgr.2"),
        ),
    ]
    report = check_report(root, findings, fail_on=frozenset({Status.MISSING, Status.FALLBACK}))
    return replace(report, remediated_index_url=REMEDIATED)


def test_every_status_makes_a_valid_cyclonedx_1_6_document(tmp_path: Path) -> None:
    document = _valid(render_cyclonedx(_every_case(tmp_path), serial=SERIAL))
    assert document["bomFormat"] == "CycloneDX"
    assert document["specVersion"] == "1.6"
    assert document["serialNumber"] == f"urn:uuid:{SERIAL}"
    (tool,) = document["metadata"]["tools"]["components"]
    assert (tool["name"], tool["version"]) == ("cg-action", __version__)
    statuses = {_properties(c).get("cg-action:status") for c in document["components"]}
    assert statuses == {s.value for s in Status}


def test_components_carry_the_version_that_installs_and_its_purl(tmp_path: Path) -> None:
    document = _valid(render_cyclonedx(_every_case(tmp_path), serial=SERIAL))
    by_name = {c["name"]: c for c in document["components"]}

    requests = by_name["requests"]
    assert requests["version"] == "2.31.0+cgr.1"
    assert requests["purl"] == f"pkg:pypi/requests@2.31.0%2Bcgr.1?repository_url={REMEDIATED}"
    props = _properties(requests)
    assert props["cg-action:status"] == "chainguard"
    assert props["cg-action:file"] == "requirements.txt"
    assert props["cg-action:line"] == "1"
    assert props["cg-action:index"] == REMEDIATED
    assert "cg-action:remediated-version" not in props  # it is the version shown

    assert by_name["idna"]["version"] == "3.7.0+cgr.1"

    urllib3 = by_name["urllib3"]
    assert urllib3["version"] == "2.2.1"
    assert _properties(urllib3)["cg-action:remediated-version"] == "2.2.1+cgr.3"
    assert urllib3["purl"] == f"pkg:pypi/urllib3@2.2.1?repository_url={CHAINGUARD}"

    assert by_name["Jinja2"]["version"] == "3.1.4"
    assert _properties(by_name["Jinja2"])["cg-action:specifier"] == ">=3.1"
    assert by_name["Jinja2"]["purl"].startswith("pkg:pypi/jinja2@3.1.4?")

    six = by_name["six"]
    assert six["purl"] == "pkg:pypi/six@1.16.0"  # PyPI is purl's default repository
    assert _properties(six)["cg-action:index"] == "https://pypi.org/simple/"
    assert _properties(six)["cg-action:ignored"] == "accepted until the build lands"
    assert _properties(six)["cg-action:failing"] == "false"

    missing = by_name["internal_auth.client"]
    assert missing["purl"] == "pkg:pypi/internal-auth.client@1.4.0"
    assert "cg-action:index" not in _properties(missing)
    assert _properties(missing)["cg-action:failing"] == "true"

    assert "version" not in by_name["rich"]  # a range no index answered for
    assert by_name["rich"]["purl"] == "pkg:pypi/rich"

    local = by_name["localtool"]
    assert "purl" not in local  # from no index: no PyPI identity to claim
    assert "version" not in local
    assert _properties(local)["cg-action:status"] == "not-indexed"

    assert by_name["numpy"]["version"] == "2.1.0+cgr.2"  # as locked
    flask = by_name["flask"]
    assert flask["version"] == "3.0.3"
    assert flask["purl"] == "pkg:pypi/flask@3.0.3?repository_url=https://mirror.example/simple/"


def test_components_are_in_reading_order_and_refs_are_unique(tmp_path: Path) -> None:
    report = _every_case(tmp_path)
    twice = dependency("dup", "==1.0", path=tmp_path / "requirements.txt", line=None)
    report = replace(
        report,
        findings=(
            *reversed(report.findings),
            finding(twice, Status.CHAINGUARD),
            finding(twice, Status.MISSING),
        ),
    )
    document = _valid(render_cyclonedx(report, serial=SERIAL))
    places = [
        (_properties(c)["cg-action:file"], int(_properties(c).get("cg-action:line", 1 << 30)))
        for c in document["components"]
    ]
    assert places == sorted(places)
    refs = [c["bom-ref"] for c in document["components"]]
    assert len(set(refs)) == len(refs)


def test_output_is_deterministic_but_the_serial_number(tmp_path: Path) -> None:
    report = _every_case(tmp_path)
    assert render_cyclonedx(report, serial=SERIAL) == render_cyclonedx(report, serial=SERIAL)
    first, second = (json.loads(render(report, ReportFormat.CYCLONEDX)) for _ in range(2))
    assert first["serialNumber"] != second["serialNumber"]
    assert first["serialNumber"].startswith("urn:uuid:")
    assert {**first, "serialNumber": ""} == {**second, "serialNumber": ""}


def test_a_list_report_is_an_sbom_of_what_the_files_pin(tmp_path: Path) -> None:
    deps = (
        dependency("flask", "==3.0.3", path=tmp_path / "requirements.txt", line=1),
        dependency("rich", ">=13", path=tmp_path / "requirements.txt", line=2),
    )
    report = Report(kind=ReportKind.LIST, root=tmp_path, dependencies=deps)
    document = _valid(render_cyclonedx(report, serial=SERIAL))
    assert [(c["name"], c.get("version")) for c in document["components"]] == [
        ("flask", "3.0.3"),
        ("rich", None),
    ]
    assert all("cg-action:status" not in _properties(c) for c in document["components"])


@pytest.mark.parametrize(
    ("name", "version", "index", "expected"),
    [
        ("Flask", "3.0.3", "https://pypi.org/simple/", ("flask", "3.0.3", {})),
        (
            "Zope_Interface",
            "1!2.0+cgr.1",
            "https://user:secret@repo.example/simple/?token=abc#frag",
            ("zope-interface", "1!2.0+cgr.1", {"repository_url": "https://repo.example/simple/"}),
        ),
        ("ruamel.yaml", None, None, ("ruamel.yaml", None, {})),
    ],
)
def test_purls_read_back_with_the_purl_projects_parser(
    name: str,
    version: str | None,
    index: str | None,
    expected: tuple[str, str | None, dict[str, str]],
) -> None:
    text = purl(name, Version(version) if version else None, index)
    parsed = PackageURL.from_string(text)
    assert parsed.type == "pypi"
    assert (parsed.name, parsed.version, parsed.qualifiers) == expected
    assert parsed.to_string() == text  # already in canonical form
    assert "secret" not in text
    assert "token" not in text


def test_no_credentials_anywhere(tmp_path: Path) -> None:
    report = replace(
        _every_case(tmp_path),
        index_url="https://id:index-secret@libraries.cgr.dev/python/simple/?key=query-secret",
        fallback_index_url="https://id:fallback-secret@proxy.example/pypi/simple/#frag-secret",
        remediated_index_url=None,
    )
    text = render(report, ReportFormat.CYCLONEDX)
    _valid(text)
    for secret in (
        "index-secret",
        "query-secret",
        "fallback-secret",
        "frag-secret",
        "locked-secret",
    ):
        assert secret not in text
    assert "repository_url=https://libraries.cgr.dev/python/simple/" in text
    assert "repository_url=https://proxy.example/pypi/simple/" in text


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with sample_index() as url:
        yield url


def _project(tmp_path: Path) -> Path:
    (tmp_path / "requirements.txt").write_text(
        "flask==3.0.3\njinja2>=3.1\nsix==1.16.0\ninternal-auth-client==1.4.0\n"
    )
    return tmp_path


def _check(project: Path, base: str, *extra: str, env: dict[str, str] | None = None) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "check",
            str(project),
            "--root",
            str(project),
            "--index-url",
            f"{base}/python/simple/",
            "--fallback-index-url",
            f"{base}/pypi/simple/",
            "--no-netrc",
            "--no-cache",
            *extra,
        ],
        env=env or {},
        out=out,
        err=err,
    )
    assert code == 1, err.getvalue()  # internal-auth-client is on no index
    return out.getvalue()


def test_check_writes_the_sbom_to_output(tmp_path: Path, base: str) -> None:
    sbom = tmp_path / "out" / "sbom.cdx.json"
    project = _project(tmp_path)
    assert _check(project, base, "--format", "cyclonedx", "--output", str(sbom)) == ""
    document = _valid(sbom.read_text(encoding="utf-8"))
    by_name = {c["name"]: _properties(c)["cg-action:status"] for c in document["components"]}
    assert by_name == {
        "flask": "chainguard",
        "jinja2": "chainguard",
        "six": "fallback",
        "internal-auth-client": "missing",
    }


def test_the_action_writes_the_sbom_beside_its_annotations(tmp_path: Path, base: str) -> None:
    (tmp_path / "repo").mkdir()
    project = _project(tmp_path / "repo")
    sbom = tmp_path / "sbom.cdx.json"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(tmp_path / "repo"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "RUNNER_TEMP": str(tmp_path),
        "CG_ACTION_FORMAT": "github",
        "CG_ACTION_REPORT_FILES": f"cyclonedx={sbom}",
    }
    shown = _check(project, base, env=env)
    assert "::error file=requirements.txt,line=4," in shown
    document = _valid(sbom.read_text(encoding="utf-8"))
    assert len(document["components"]) == 4
