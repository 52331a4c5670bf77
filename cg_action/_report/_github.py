"""GitHub Actions output: workflow-command annotations, step outputs and the step summary.

Annotations are ``::error file=F,line=N,title=T::message`` lines on stdout, escaped the way
GitHub's Actions toolkit escapes them. GitHub shows at most 10 errors and 10 warnings per step
and 50 annotations per job, so the most important findings go first (failing, then by status
severity, then by file and line) and the caller learns how many were left out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from cg_action._models import STATUS_TABLE, Report, Status
from cg_action._report._escape import issue_command
from cg_action._report._formats import ReportFormat
from cg_action._report._interface import (
    Level,
    annotation_order,
    display_path,
    level_of,
    requirement_text,
)

# The Action's outputs: a count per status (named in STATUS_TABLE), plus these.
OUTPUT_NAMES = (
    *(STATUS_TABLE[s].output for s in Status),
    "coverage",
    "checked",
    "failing",
    "report",
)

FORMAT = ReportFormat.GITHUB


def render(report: Report, *, path_prefix: str = "") -> str:
    """The ``Renderer`` entry point: the annotation commands of ``render_github_commands``."""
    commands, _ = render_github_commands(report, path_prefix=path_prefix)
    return commands


def escape_data(text: str) -> str:
    """Escape a workflow command's message: ``%``, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value: as data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: str | int | None) -> str:
    """One ``::command key=value,...::message`` line (properties that are None are left out).

    The line is recorded as one cg-action built, so that the guard on the output streams in
    GitHub Actions lets it through (and no line a repository's text makes up).
    """
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    return issue_command(f"::{command}{' ' + props if props else ''}::{escape_data(message)}")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Annotation:
    level: Level  # ERROR or WARNING
    file: str
    line: int | None
    title: str
    message: str


def render_github_commands(
    report: Report,
    *,
    max_errors: int = 10,
    max_warnings: int = 10,
    max_total: int = 50,
    path_prefix: str = "",
) -> tuple[str, int]:
    """The annotation commands, and how many findings or problems were not annotated.

    Unreadable input comes first, then findings in ``annotation_order``. Failing findings are
    errors, other findings not served by Chainguard are warnings; ignored findings, findings on
    dependencies this change did not touch, and URL/VCS/path dependencies are notes and are
    not annotated (they are in the summary), so a large lockfile does not drown the diff.
    ``path_prefix`` is where the report's root sits in the repository.
    """
    annotations: list[_Annotation] = []
    for file in sorted(report.files, key=lambda f: display_path(report, f.path)):
        for problem in file.problems:
            where = f"{problem.key}: " if problem.key else ""
            annotations.append(
                _Annotation(
                    level=Level.ERROR,
                    file=display_path(report, problem.path, prefix=path_prefix),
                    line=problem.line,
                    title="cg-action: file could not be read",
                    message=f"{where}{problem.message}",
                )
            )
    for finding in annotation_order(report, report.findings):
        level = level_of(report, finding)
        if level not in (Level.ERROR, Level.WARNING):
            continue
        dep = finding.dependency
        message = f"{requirement_text(dep)} → {finding.status.value}: {finding.message}"
        if finding.remediated_version is not None:
            message += f" (remediated build: {finding.remediated_version})"
        annotations.append(
            _Annotation(
                level=level,
                file=display_path(report, dep.location.path, prefix=path_prefix),
                line=dep.location.line,
                title=f"cg-action: {dep.display_name} is {finding.status.value}",
                message=message,
            )
        )
    for notice in report.config_notices:
        annotations.append(
            _Annotation(
                level=Level.WARNING,
                file=display_path(report, notice.location.path, prefix=path_prefix),
                line=notice.location.line,
                title=f"cg-action: index configuration ({notice.code})",
                message=f"{notice.message}. {notice.hint}".strip(),
            )
        )
    lines: list[str] = []
    errors = warnings = skipped = 0
    for note in annotations:
        if len(lines) >= max_total:
            skipped += 1
            continue
        if note.level is Level.ERROR:
            if errors >= max_errors:
                skipped += 1
                continue
            errors += 1
        else:
            if warnings >= max_warnings:
                skipped += 1
                continue
            warnings += 1
        shown = None if note.file.startswith("/") else note.file
        lines.append(
            workflow_command(
                note.level.value, note.message, file=shown, line=note.line, title=note.title
            )
        )
    if skipped and len(lines) < max_total:
        lines.append(
            workflow_command(
                "notice",
                f"{skipped} more findings were not annotated (GitHub shows at most "
                f"{max_errors} errors and {max_warnings} warnings per step); "
                "the job summary lists them all.",
                title="cg-action",
            )
        )
    text = "\n".join(lines) + "\n" if lines else ""
    return text, skipped


def _output_lines(name: str, value: str) -> str:
    """``name<<DELIMITER``, the value, the delimiter: the form no value can break out of.

    The delimiter is random and never occurs in the value, so a value (a path chosen by the
    workflow, say) cannot end the output early and set another one.
    """
    delimiter = f"ghadelimiter_{uuid.uuid4()}"
    while delimiter in value or delimiter in name:  # pragma: no cover - 122 random bits
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def write_outputs(report: Report, *, output_file: Path, json_report: Path) -> None:
    """Append the Action's outputs to ``$GITHUB_OUTPUT``: counts, coverage and the JSON path.

    ``coverage`` is a percentage with one decimal (``92.5``), empty when nothing was checked.
    """
    counts = report.counts()
    values = {STATUS_TABLE[status].output: str(counts[status]) for status in Status}
    percent = report.coverage_percent
    values["coverage"] = f"{percent:.1f}" if percent is not None else ""
    values["checked"] = str(report.checkable_count)
    values["failing"] = str(len(report.failing()))
    values["report"] = str(json_report)
    with output_file.open("a", encoding="utf-8", newline="\n") as out:
        for name in OUTPUT_NAMES:
            out.write(_output_lines(name, values[name]))


def append_step_summary(markdown: str, summary_file: Path) -> None:
    """Append Markdown to ``$GITHUB_STEP_SUMMARY`` (the caller keeps it under 1 MiB)."""
    with summary_file.open("a", encoding="utf-8", newline="\n") as out:
        out.write(markdown if markdown.endswith("\n") else markdown + "\n")
