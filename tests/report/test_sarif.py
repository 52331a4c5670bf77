"""SARIF 2.1.0: the structure code scanning's upload enforces, rules, levels, fingerprints.

The SARIF JSON schema is not available offline here, so ``check_uploadable`` checks what
``upload-sarif`` itself requires of a file (version, runs, tool.driver.name, result messages,
relative locations with a start line >= 1, rule ids that resolve, known levels).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cg_action._errors import Problem
from cg_action._models import Ignore, Status
from cg_action._report import render_sarif
from cg_action._sources._dispatch import parse_file

from ._build import check_report, dependency, finding, findings_for

STEP3 = Path("chainguard/cs-workshop/chainguard-libraries/python/step3-cg-all/requirements.txt")
LEVELS = {"none", "note", "warning", "error"}


def check_uploadable(log: dict[str, Any]) -> None:
    """Fail unless ``log`` has the shape code scanning accepts."""
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(log["runs"], list)
    assert 1 <= len(log["runs"]) <= 20
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str)
        assert driver["name"]
        rule_ids = [rule["id"] for rule in driver.get("rules", [])]
        assert len(rule_ids) == len(set(rule_ids))
        for rule in driver.get("rules", []):
            assert rule["shortDescription"]["text"]
            assert rule["defaultConfiguration"]["level"] in LEVELS
        assert len(run["results"]) <= 25_000
        for result in run["results"]:
            assert isinstance(result["message"]["text"], str)
            assert result["message"]["text"]
            assert result["ruleId"] in rule_ids
            assert rule_ids[result["ruleIndex"]] == result["ruleId"]
            assert result["level"] in LEVELS
            assert 1 <= len(result["locations"]) <= 1000
            for location in result["locations"]:
                artifact = location["physicalLocation"]["artifactLocation"]
                assert not artifact["uri"].startswith("/")
                assert "\\" not in artifact["uri"]
                assert artifact["uriBaseId"] == "%SRCROOT%"
                region = location["physicalLocation"].get("region")
                if region is not None:
                    assert isinstance(region["startLine"], int)
                    assert region["startLine"] >= 1
            for value in result.get("partialFingerprints", {}).values():
                assert isinstance(value, str)


def test_real_file(corpus_dir: Path) -> None:
    source = parse_file(corpus_dir / STEP3)
    statuses = {"packaging": Status.MISSING, "pillow": Status.FALLBACK}
    report = check_report(
        corpus_dir,
        findings_for([source], lambda d: statuses.get(d.name, Status.CHAINGUARD)),
        sources=[source],
    )
    log = json.loads(render_sarif(report))
    check_uploadable(log)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "cg-action"
    assert driver["informationUri"].startswith("https://")
    assert {r["id"] for r in driver["rules"]} == {f"cg-action/{s.value}" for s in Status}
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("cg-action/fallback", "warning"),
        ("cg-action/missing", "error"),
    ]
    missing = results[1]
    assert missing["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": STEP3.as_posix(), "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4},
    }
    assert missing["message"]["text"] == "packaging==24.1: missing: packaging: missing"


def test_fingerprints_ignore_the_line_and_region_is_omitted(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    first = check_report(
        tmp_path, [finding(dependency("a", "==1", path=req, line=3), Status.MISSING)]
    )
    moved = check_report(
        tmp_path, [finding(dependency("a", "==1", path=req, line=9), Status.MISSING)]
    )
    unknown_line = check_report(
        tmp_path, [finding(dependency("a", "==1", path=req, line=None), Status.MISSING)]
    )
    other = check_report(
        tmp_path, [finding(dependency("a", "==1", path=req, line=3), Status.FALLBACK)]
    )

    def prints(report: Any) -> dict[str, str]:
        log = json.loads(render_sarif(report))
        check_uploadable(log)
        fingerprints: dict[str, str] = log["runs"][0]["results"][0]["partialFingerprints"]
        return fingerprints

    assert prints(first) == prints(moved) == prints(unknown_line)
    assert prints(first) != prints(other)
    log = json.loads(render_sarif(unknown_line))
    assert "region" not in log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]


def test_suppressions_problems_and_prefix(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    report = check_report(
        tmp_path,
        [
            finding(
                dependency("a", "==1", path=req, line=1),
                Status.MISSING,
                ignored=Ignore(reason="vendored", source="inline comment"),
            ),
            finding(dependency("b", "==1", path=req, line=2), Status.CHAINGUARD),
            finding(dependency("c", path=req, line=3, url="git+x"), Status.NOT_INDEXED),
        ],
        problems=[Problem(path=req, line=4, message="not a requirement")],
    )
    log = json.loads(render_sarif(report, path_prefix="svc/"))
    check_uploadable(log)
    run = log["runs"][0]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["cg-action/missing", "cg-action/not-indexed"]
    assert results[0]["level"] == "note"
    assert results[0]["suppressions"] == [{"kind": "inSource", "justification": "vendored"}]
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "svc/requirements.txt"
    (notification,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notification["message"]["text"] == "not a requirement"
