"""The JSON report: the contract other tools read (documented in docs/report-format.md).

``schema_version`` changes only when a field is removed or changes meaning; new fields may be
added at any time. Ordering is deterministic: files by path; entries by file, line, name.
No URL carries credentials.
"""

from __future__ import annotations

import json
from typing import Any

from cg_action import __version__
from cg_action._compat import assert_never
from cg_action._models import Artifact, Dependency, Finding, Report, ReportKind, Status
from cg_action._report._formats import ReportFormat
from cg_action._report._interface import (
    SEVERITY_ORDER,
    TOOL_NAME,
    dependency_sort_key,
    display_path,
    sort_key,
)
from cg_action._urls import redact_url

SCHEMA_VERSION = 1

JsonObject = dict[str, Any]

FORMAT = ReportFormat.JSON


# No indent: the standard library's C encoder (an indented dump is encoded in Python, about
# 45 ms for a thousand results where this takes 5).
_ROW = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def render(report: Report, *, path_prefix: str = "") -> str:
    """The ``Renderer`` entry point: ``render_json`` (paths need no prefix)."""
    return render_json(report)


def render_json(report: Report) -> str:
    """The report as JSON text ending with a newline: indented, one line per list entry."""
    return dumps(report_to_json(report))


def dumps(document: JsonObject) -> str:
    """A JSON document as text ending with a newline: indented, and each entry of a list of
    objects on one line (encoded by the C encoder, and easy to ``grep``)."""
    lines = ["{"]
    last = len(document) - 1
    for number, (key, value) in enumerate(document.items()):
        comma = "," if number < last else ""
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            rows = ",\n".join(f"    {_ROW.encode(v)}" for v in value)
            lines.append(f"  {_ROW.encode(key)}: [\n{rows}\n  ]{comma}")
        else:
            text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
            lines.append(f"  {_ROW.encode(key)}: {text}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def report_to_json(report: Report) -> JsonObject:
    """The report as plain JSON values (what ``render_json`` writes)."""
    document: JsonObject = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "kind": report.kind.value,
        "index_url": _url(report.index_url),
        "fallback_index_url": _url(report.fallback_index_url),
        "remediated_index_url": _url(report.remediated_index_url),
        "fail_on": [s.value for s in SEVERITY_ORDER if s in report.fail_on],
        "only_changed": report.only_changed is not None,
        "summary": _summary(report),
        "files": [
            {
                "path": display_path(report, f.path),
                "format": f.format.value if f.format is not None else None,
                "dependency_count": f.dependency_count,
                "errors": [
                    {"line": p.line, "key": p.key, "message": p.message} for p in f.problems
                ],
            }
            for f in sorted(report.files, key=lambda f: display_path(report, f.path))
        ],
        "configuration": [
            {
                "file": display_path(report, n.location.path),
                "line": n.location.line,
                "code": n.code,
                "message": n.message,
                "hint": n.hint,
            }
            for n in report.config_notices
        ],
        "notes": list(report.notes),
    }
    match report.kind:
        case ReportKind.LIST:
            deps = sorted(report.dependencies, key=lambda d: dependency_sort_key(report, d))
            document["dependencies"] = [_dependency(report, d) for d in deps]
        case ReportKind.CHECK:
            findings = sorted(report.findings, key=lambda f: sort_key(report, f))
            document["results"] = [_result(report, f) for f in findings]
        case _:  # pragma: no cover - exhaustive
            assert_never(report.kind)
    return document


def _url(url: str | None) -> str | None:
    return redact_url(url) if url is not None else None


def _summary(report: Report) -> JsonObject:
    counts = report.counts()
    summary: JsonObject = {status.value: counts[status] for status in Status}
    percent = report.coverage_percent
    summary["coverage_percent"] = round(percent, 2) if percent is not None else None
    summary["checked"] = report.checkable_count
    summary["failing"] = len(report.failing())
    summary["ignored"] = sum(1 for f in report.findings if f.ignored is not None)
    summary["dependencies"] = (
        len(report.dependencies) if report.kind is ReportKind.LIST else len(report.findings)
    )
    summary["input_errors"] = sum(len(f.problems) for f in report.files)
    return summary


def _artifact(artifact: Artifact) -> JsonObject:
    return {
        "filename": artifact.filename,
        "url": _url(artifact.url),
        "hashes": [str(h) for h in artifact.hashes],
    }


def _dependency(report: Report, dep: Dependency) -> JsonObject:
    return {
        "name": dep.name,
        "display_name": dep.display_name,
        "version": str(dep.version) if dep.version is not None else None,
        "specifier": str(dep.specifier),
        "extras": sorted(dep.extras),
        "marker": str(dep.marker) if dep.marker is not None else None,
        "kind": dep.kind.value,
        "url": _url(dep.url),
        "file": display_path(report, dep.location.path),
        "line": dep.location.line,
        "groups": list(dep.groups),
        "locked": dep.is_locked,
        "constraint": dep.is_constraint,
        "hashes": [str(h) for h in dep.hashes],
        "artifacts": [_artifact(a) for a in dep.artifacts],
        "index": _url(dep.index),
    }


def _result(report: Report, finding: Finding) -> JsonObject:
    entry = _dependency(report, finding.dependency)
    entry.update(
        {
            "status": finding.status.value,
            "message": finding.message,
            "available_versions": [str(v) for v in finding.available_versions],
            "matched_version": str(finding.version) if finding.version is not None else None,
            "evidence": finding.evidence,
            "platform_gaps": [
                {"target": gap.target, "reason": gap.reason} for gap in finding.platform_gaps
            ],
            "remediated_version": (
                str(finding.remediated_version) if finding.remediated_version is not None else None
            ),
            "blocked_reason": finding.blocked_reason,
            "held_back": (
                {
                    "uploaded": finding.held_back.uploaded.isoformat(),
                    "cooldown_days": finding.held_back.cooldown_days,
                }
                if finding.held_back is not None
                else None
            ),
            "ignored": (
                {"reason": finding.ignored.reason, "source": finding.ignored.source}
                if finding.ignored is not None
                else None
            ),
            "changed": report.is_changed(finding),
            "failing": (
                finding.status in report.fail_on
                and finding.ignored is None
                and report.is_changed(finding)
            ),
        }
    )
    return entry
