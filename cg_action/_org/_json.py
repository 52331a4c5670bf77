"""The organisation report as JSON, for other tools (the shape is in docs/org-report.md).

Strings are the reports' own (JSON escaping is enough for a JSON reader); the order is the
one the page shows: repositories least covered first, packages by rank.
"""

from __future__ import annotations

import json
from typing import Any

from cg_action import __version__
from cg_action._models import Status
from cg_action._org._merge import OrgReport, PackageNeed, RepositoryCoverage

SCHEMA_VERSION = 1
KIND = "org-report"

JsonObject = dict[str, Any]


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def _repository(repository: RepositoryCoverage) -> JsonObject:
    return {
        "name": repository.name,
        "report": repository.source.as_posix(),
        "coverage_percent": _round(repository.coverage_percent),
        "dependencies": repository.dependencies,
        "checked": repository.checked,
        "counts": {status.value: repository.counts[status] for status in Status},
        "input_errors": repository.input_errors,
        "errors": [
            {"file": e.file, "line": e.line, "key": e.key, "message": e.message}
            for e in repository.errors
        ],
    }


def _package(package: PackageNeed) -> JsonObject:
    return {
        "rank": package.rank,
        "name": package.name,
        "repositories": len(package.repositories),
        "fallback": package.fallback,
        "missing": package.missing,
        "versions": [
            {
                "version": str(v.version) if v.version is not None else None,
                "repositories": v.repositories,
            }
            for v in package.versions
        ],
        "repository_names": list(package.repositories),
    }


def org_report_to_json(report: OrgReport) -> JsonObject:
    """The report as plain JSON values."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "cg-action", "version": __version__},
        "kind": KIND,
        "summary": {
            "repositories": len(report.repositories),
            "fully_covered": report.fully_covered,
            "dependencies": report.dependencies,
            "checked": report.checked,
            "coverage_percent": _round(report.coverage_percent),
            "counts": {status.value: report.totals.get(status, 0) for status in Status},
            "input_errors": sum(r.input_errors for r in report.repositories),
            "packages": len(report.packages),
        },
        "repositories": [_repository(r) for r in report.repositories],
        "packages": [_package(p) for p in report.packages],
    }


def render_org_json(report: OrgReport) -> str:
    """The report as indented JSON text ending with a newline."""
    return json.dumps(org_report_to_json(report), indent=2, ensure_ascii=False) + "\n"
