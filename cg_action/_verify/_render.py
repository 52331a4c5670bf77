"""``verify`` reports: text (as ``chainctl libraries verify`` prints), JSON, GitHub, Markdown.

Every renderer is a pure function from a ``VerifyReport`` to text. Packages are listed by name,
then version. The JSON document is described in docs/verify.md; no URL in any output carries
credentials (the report holds redacted URLs only).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cg_action import __version__
from cg_action._compat import StrEnum, assert_never
from cg_action._report._github import workflow_command
from cg_action._verify._model import VERIFIED_BY_SBOM, IndexCheck, PackageResult, VerifyReport

SCHEMA_VERSION = 1


class VerifyFormat(StrEnum):
    """The output formats of ``verify``."""

    TEXT = "text"
    JSON = "json"
    GITHUB = "github"
    MARKDOWN = "markdown"


def render(report: VerifyReport, fmt: VerifyFormat) -> str:
    """The report in ``fmt``."""
    match fmt:
        case VerifyFormat.TEXT:
            return render_text(report)
        case VerifyFormat.JSON:
            return render_json(report)
        case VerifyFormat.GITHUB:
            return render_github(report)
        case VerifyFormat.MARKDOWN:
            return render_markdown(report)
        case _:  # pragma: no cover - exhaustive
            assert_never(fmt)


def format_coverage(report: VerifyReport) -> str:
    """``92.50%`` (two decimals, as chainctl prints it), or ``n/a`` when nothing was found."""
    percent = report.coverage_percent
    return "n/a" if percent is None else f"{percent:.2f}%"


def _ordered(report: VerifyReport) -> list[PackageResult]:
    return sorted(report.packages, key=lambda p: (p.name, p.version or "", str(p.location)))


def _label(package: PackageResult) -> str:
    return f"{package.name} {package.version}" if package.version else package.name


def details(package: PackageResult) -> str:
    """What follows the verdict on a package's line: its source and patches, or the reason."""
    parts: list[str] = []
    provenance = package.provenance
    if package.is_verified:
        if provenance is not None and provenance.source:
            parts.append(f"source: {provenance.source}")
        if provenance is not None and provenance.patches:
            parts.append(f"patches: {', '.join(provenance.patches)}")
        if not parts or package.reason != VERIFIED_BY_SBOM:
            parts.append(package.reason)
    else:
        parts.append(package.reason)
    index = package.index
    if index is not None and index.outcome is not IndexCheck.MATCHED:
        parts.append(f"index: {index.detail}")
    return "  ".join(parts)


def render_text(report: VerifyReport) -> str:
    """The chainctl-like text: coverage, the count, then one line per package."""
    lines = [
        f"Verification coverage: {format_coverage(report)}",
        f"Verified packages: {report.verified_count} of {len(report.packages)}",
    ]
    if report.index_url:
        lines.append(f"Compared with the index: {report.index_url}")
    packages = _ordered(report)
    if not packages:
        searched = ", ".join(str(p) for t in report.targets for p in t.searched)
        lines.append(f"No distributions found in {searched or 'the given paths'}.")
    width = max((len(_label(p)) for p in packages), default=0)
    verdict_width = max((len(p.verdict.value) for p in packages), default=0)
    lines.extend(
        f"{_label(p):<{width}}  {p.verdict.value:<{verdict_width}}  {details(p)}".rstrip()
        for p in packages
    )
    return "\n".join(lines) + "\n"


def report_to_json(report: VerifyReport) -> dict[str, Any]:
    """The report as plain JSON values (see docs/verify.md)."""
    percent = report.coverage_percent
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "cg-action", "version": __version__},
        "kind": "verify",
        "index_url": report.index_url,
        "targets": [
            {
                "path": _path(t.path),
                "kind": t.kind.value,
                "searched": [_path(p) for p in t.searched],
            }
            for t in report.targets
        ],
        "summary": {
            "packages": len(report.packages),
            "verified": report.verified_count,
            "not_verified": len(report.packages) - report.verified_count,
            "coverage_percent": round(percent, 2) if percent is not None else None,
        },
        "packages": [_package(p) for p in _ordered(report)],
    }


def render_json(report: VerifyReport) -> str:
    """The report as indented JSON text, ending with a newline."""
    return json.dumps(report_to_json(report), indent=2, ensure_ascii=False) + "\n"


def _path(path: Path) -> str:
    return path.as_posix()


def _package(package: PackageResult) -> dict[str, Any]:
    provenance = package.provenance
    index = package.index
    return {
        "name": package.name,
        "display_name": package.display_name,
        "version": str(package.version) if package.version is not None else None,
        "kind": package.kind.value,
        "location": _path(package.location),
        "verdict": package.verdict.value,
        "reason": package.reason,
        "evidence": [e.value for e in package.evidence],
        "sbom": None
        if provenance is None
        else {
            "path": package.sbom_path,
            "repository": provenance.repository,
            "tag": provenance.tag,
            "commit": provenance.commit,
            "patches": list(provenance.patches),
        },
        "index": None
        if index is None
        else {
            "outcome": index.outcome.value,
            "detail": index.detail,
            "index_url": index.index_url,
            "wheel_url": index.wheel_url,
            "bytes_fetched": index.bytes_fetched,
            "wheel_size": index.wheel_size,
        },
    }


def render_github(report: VerifyReport) -> str:
    """A notice with the coverage, and a warning annotation per not-verified package."""
    lines = [
        workflow_command(
            "notice",
            f"Verified packages: {report.verified_count} of {len(report.packages)} "
            f"(coverage {format_coverage(report)})",
            title="Chainguard verification",
        )
    ]
    lines.extend(
        workflow_command("warning", details(p), title=f"{_label(p)} not verified")
        for p in _ordered(report)
        if not p.is_verified
    )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    text = " ".join(text.split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def render_markdown(report: VerifyReport) -> str:
    """A job-summary section: the coverage, then a table of packages, not-verified first."""
    lines = [
        "## Chainguard verification",
        "",
        f"**Verification coverage: {format_coverage(report)}** "
        f"({report.verified_count} of {len(report.packages)} packages verified)",
        "",
    ]
    if report.index_url:
        lines.extend([f"Compared with the index `{_cell(report.index_url)}`.", ""])
    packages = sorted(_ordered(report), key=lambda p: p.is_verified)
    if not packages:
        lines.append("No distributions were found.")
        return "\n".join(lines) + "\n"
    lines.extend(["| Package | Version | Verdict | Details |", "| --- | --- | --- | --- |"])
    for p in packages:
        mark = ":white_check_mark: verified" if p.is_verified else ":warning: not verified"
        version = str(p.version) if p.version is not None else ""
        lines.append(f"| {_cell(p.name)} | {_cell(version)} | {mark} | {_cell(details(p))} |")
    return "\n".join(lines) + "\n"
