"""The JSON report: every documented field, types, ordering and redaction."""

from __future__ import annotations

import json
from pathlib import Path

from packaging.version import Version

from cg_action import __version__
from cg_action._errors import Problem
from cg_action._models import (
    Artifact,
    Dependency,
    DependencyKind,
    Hash,
    Ignore,
    Location,
    PlatformGap,
    Report,
    ReportKind,
    Status,
)
from cg_action._report import render_json, report_to_json
from cg_action._sources._dispatch import parse_file

from ._build import check_report, dependency, finding, findings_for

STEP3 = Path("chainguard/cs-workshop/chainguard-libraries/python/step3-cg-all/requirements.txt")

RESULT_KEYS = {
    "name",
    "display_name",
    "version",
    "specifier",
    "extras",
    "marker",
    "kind",
    "url",
    "file",
    "line",
    "groups",
    "locked",
    "constraint",
    "hashes",
    "artifacts",
    "index",
    "status",
    "message",
    "available_versions",
    "matched_version",
    "evidence",
    "platform_gaps",
    "remediated_version",
    "blocked_reason",
    "held_back",
    "ignored",
    "changed",
    "failing",
}


def test_check_report_of_a_real_file(corpus_dir: Path) -> None:
    source = parse_file(corpus_dir / STEP3)
    findings = findings_for(
        [source], lambda d: Status.CHAINGUARD if d.name == "flask" else Status.FALLBACK
    )
    document = json.loads(render_json(check_report(corpus_dir, findings, sources=[source])))
    assert document["schema_version"] == 1
    assert document["tool"] == {"name": "cg-action", "version": __version__}
    assert document["kind"] == "check"
    assert document["index_url"] == "https://libraries.cgr.dev/python/simple/"
    assert document["summary"]["chainguard"] == 1
    assert document["summary"]["fallback"] == 3
    assert document["summary"]["checked"] == 4
    assert document["summary"]["coverage_percent"] == 25.0
    assert document["summary"]["failing"] == 0
    assert set(document["summary"]) >= {s.value for s in Status}
    assert document["files"] == [
        {"path": STEP3.as_posix(), "format": "requirements", "dependency_count": 4, "errors": []}
    ]
    assert [r["name"] for r in document["results"]] == ["werkzeug", "flask", "pillow", "packaging"]
    assert [r["line"] for r in document["results"]] == [1, 2, 3, 4]
    flask = document["results"][1]
    assert set(flask) == RESULT_KEYS
    assert flask["display_name"] == "Flask"
    assert flask["version"] == "3.0.2"
    assert flask["specifier"] == "==3.0.2"
    assert flask["kind"] == "pinned"
    assert flask["status"] == "chainguard"
    assert flask["changed"] is True
    assert flask["ignored"] is None
    assert "dependencies" not in document


def test_every_field_of_a_finding(tmp_path: Path) -> None:
    lock = tmp_path / "uv.lock"
    dep = Dependency(
        name="flask",  # type: ignore[arg-type]  # already normalized
        display_name="Flask",
        kind=DependencyKind.PINNED,
        location=Location(path=lock, line=40),
        version=Version("3.0.2"),
        extras=frozenset({"async", "dotenv"}),  # type: ignore[arg-type]
        groups=("dev",),
        hashes=(Hash.parse("sha256:aa"),),
        artifacts=(
            Artifact(
                filename="flask-3.0.2-py3-none-any.whl",
                url="https://user:fake-token@files.example/flask.whl",
                hashes=(Hash.parse("sha256:aa"),),
            ),
        ),
        index="https://user:fake-token@pypi.example/simple/",
        is_locked=True,
    )
    report = check_report(
        tmp_path,
        [
            finding(
                dep,
                Status.LOCKED_UPSTREAM,
                "pins PyPI files",
                version=Version("3.0.2"),
                evidence="hash",
                platform_gaps=(PlatformGap(target="macosx_14_0_arm64", reason="no wheel"),),
                remediated_version=Version("3.0.2+cgr.1"),
                ignored=Ignore(reason="accepted", source=".cg-action.toml"),
            )
        ],
        problems=[Problem(path=lock, line=3, key="package[0].name", message="expected a string")],
        fail_on=frozenset({Status.LOCKED_UPSTREAM, Status.MISSING}),
    )
    text = render_json(report)
    assert "fake-token" not in text
    document = json.loads(text)
    (result,) = document["results"]
    assert result["extras"] == ["async", "dotenv"]
    assert result["groups"] == ["dev"]
    assert result["hashes"] == ["sha256:aa"]
    assert result["artifacts"] == [
        {
            "filename": "flask-3.0.2-py3-none-any.whl",
            "url": "https://files.example/flask.whl",
            "hashes": ["sha256:aa"],
        }
    ]
    assert result["index"] == "https://pypi.example/simple/"
    assert result["matched_version"] == "3.0.2"
    assert result["remediated_version"] == "3.0.2+cgr.1"
    assert result["platform_gaps"] == [{"target": "macosx_14_0_arm64", "reason": "no wheel"}]
    assert result["ignored"] == {"reason": "accepted", "source": ".cg-action.toml"}
    assert result["failing"] is False
    assert document["fail_on"] == ["missing", "locked-upstream"]
    assert document["files"][0]["errors"] == [
        {"line": 3, "key": "package[0].name", "message": "expected a string"}
    ]
    assert document["summary"]["input_errors"] == 1
    assert document["summary"]["ignored"] == 1


def test_ordering_is_deterministic(tmp_path: Path) -> None:
    a = tmp_path / "a" / "requirements.txt"
    b = tmp_path / "b.txt"
    deps = [
        dependency("z", "==1", path=b, line=2),
        dependency("y", "==1", path=a, line=None),
        dependency("x", "==1", path=a, line=5),
        dependency("w", "==1", path=b, line=1),
    ]
    forward = check_report(tmp_path, [finding(d, Status.MISSING) for d in deps])
    backward = check_report(tmp_path, [finding(d, Status.MISSING) for d in reversed(deps)])
    assert render_json(forward) == render_json(backward)
    names = [r["name"] for r in json.loads(render_json(forward))["results"]]
    assert names == ["x", "y", "w", "z"]


def test_each_result_is_one_line_of_the_indented_document(tmp_path: Path) -> None:
    deps = [
        dependency(name, "==1", path=tmp_path / "r.txt", line=n) for n, name in enumerate("abc")
    ]
    report = check_report(tmp_path, [finding(d, Status.MISSING) for d in deps])
    text = render_json(report)
    assert json.loads(text) == report_to_json(report)
    lines = text.splitlines()
    rows = lines[
        lines.index('  "results": [') + 1 : lines.index("  ]", lines.index('  "results": ['))
    ]
    assert [json.loads(row.rstrip(","))["name"] for row in rows] == ["a", "b", "c"]
    assert (lines[0], lines[-1]) == ("{", "}")
    assert lines[1].startswith('  "schema_version": ')


def test_list_report_has_dependencies_not_results(corpus_dir: Path) -> None:
    source = parse_file(corpus_dir / STEP3)
    report = Report(kind=ReportKind.LIST, root=corpus_dir, dependencies=source.dependencies)
    document = json.loads(render_json(report))
    assert "results" not in document
    assert [d["name"] for d in document["dependencies"]] == [
        "werkzeug",
        "flask",
        "pillow",
        "packaging",
    ]
    assert "status" not in document["dependencies"][0]
    assert document["summary"]["coverage_percent"] is None
    assert document["summary"]["dependencies"] == 4
