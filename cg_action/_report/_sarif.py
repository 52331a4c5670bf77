"""The SARIF 2.1.0 report, for GitHub code scanning (``github/codeql-action/upload-sarif``).

One run, one rule per status (``cg-action/<status>``), one result per finding that is not
served by Chainguard. Locations are relative to ``%SRCROOT%``; ``partialFingerprints`` hash the
file, name, groups, marker and status (not the line) so alerts survive edits above them.
Ignored findings carry a suppression, so code scanning shows them as dismissed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cg_action import __version__
from cg_action._models import STATUS_TABLE, Finding, Report, Status
from cg_action._report._formats import ReportFormat
from cg_action._report._interface import (
    INFORMATION_URI,
    TOOL_NAME,
    Level,
    display_path,
    level_of,
    requirement_text,
    sort_key,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "cgActionFinding/v1"

FORMAT = ReportFormat.SARIF


def rule_id(status: Status) -> str:
    """The SARIF rule id of a status: ``cg-action/missing``."""
    return f"{TOOL_NAME}/{status.value}"


def fingerprint(report: Report, finding: Finding) -> str:
    """A digest that stays the same across runs while file, name, groups and status do."""
    dep = finding.dependency
    parts = (
        display_path(report, dep.location.path),
        dep.name,
        ",".join(dep.groups),
        str(dep.marker) if dep.marker is not None else "",
        finding.status.value,
    )
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def render(report: Report, *, path_prefix: str = "") -> str:
    """The ``Renderer`` entry point: ``render_sarif``."""
    return render_sarif(report, path_prefix=path_prefix)


def render_sarif(report: Report, *, path_prefix: str = "") -> str:
    """The report as SARIF 2.1.0 JSON text."""
    return json.dumps(report_to_sarif(report, path_prefix=path_prefix), indent=2) + "\n"


def report_to_sarif(report: Report, *, path_prefix: str = "") -> dict[str, Any]:
    """The SARIF log as plain JSON values."""
    statuses = list(Status)  # the order of the JSON summary
    rules = [_rule(status) for status in statuses]
    results = [
        _result(report, finding, statuses.index(finding.status), path_prefix)
        for finding in sorted(report.findings, key=lambda f: sort_key(report, f))
        if level_of(report, finding) is not Level.NONE
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"{TOOL_NAME}/{report.kind.value}/"},
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root."}}},
        "results": results,
    }
    notifications = [
        {
            "level": "error",
            "message": {"text": problem.message},
            "locations": [_location(report, problem.path, problem.line, path_prefix)],
        }
        for file in report.files
        for problem in file.problems
    ]
    if notifications:
        run["invocations"] = [
            {"executionSuccessful": True, "toolExecutionNotifications": notifications}
        ]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _rule(status: Status) -> dict[str, Any]:
    row = STATUS_TABLE[status]
    return {
        "id": rule_id(status),
        "name": status.value.replace("-", " ").title().replace(" ", ""),
        "shortDescription": {"text": row.title},
        "fullDescription": {"text": row.sarif_help},
        "help": {"text": row.sarif_help, "markdown": row.sarif_help},
        "defaultConfiguration": {"level": row.sarif_level},
        "properties": {"tags": ["supply-chain", "dependencies"]},
    }


def _location(report: Report, path: Path, line: int | None, prefix: str) -> dict[str, Any]:
    uri = display_path(report, path, prefix=prefix)
    artifact = (
        {"uri": path.as_uri()}
        if uri.startswith("/") and path.is_absolute()
        else {"uri": quote(uri), "uriBaseId": "%SRCROOT%"}
    )
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if line is not None and line >= 1:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _result(report: Report, finding: Finding, index: int, prefix: str) -> dict[str, Any]:
    dep = finding.dependency
    level = level_of(report, finding)
    text = f"{requirement_text(dep)}: {finding.status.value}: {finding.message}"
    if finding.remediated_version is not None:
        text += f" (remediated build: {finding.remediated_version})"
    result: dict[str, Any] = {
        "ruleId": rule_id(finding.status),
        "ruleIndex": index,
        "level": "error" if level is Level.ERROR else level.value,
        "message": {"text": text},
        "locations": [_location(report, dep.location.path, dep.location.line, prefix)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(report, finding)},
        "properties": {
            "name": dep.name,
            "version": str(dep.version) if dep.version is not None else None,
            "specifier": str(dep.specifier),
            "changed": report.is_changed(finding),
        },
    }
    if finding.ignored is not None:
        kind = "inSource" if finding.ignored.source == "inline comment" else "external"
        result["suppressions"] = [{"kind": kind, "justification": finding.ignored.reason}]
    return result
