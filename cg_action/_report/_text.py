"""The terminal report: one line per finding, grouped by file, then the summary and advice.

Lines read ``path:line: name spec → status: message``. The output is stable (sorted, no
timestamps) and has no colour unless ``color=True`` is asked for. What a repository wrote (file
names, names, messages quoting its lines) is shown with its control characters escaped, so that
it cannot start a line of its own or drive the terminal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from cg_action._compat import assert_never
from cg_action._errors import Problem
from cg_action._models import Dependency, Finding, Report, ReportKind, Status
from cg_action._report._escape import printable
from cg_action._report._formats import ReportFormat
from cg_action._report._interface import (
    SEVERITY_ORDER,
    Level,
    dependency_sort_key,
    display_path,
    format_coverage,
    level_of,
    next_steps,
    requirement_text,
    sort_key,
)

_COLOURS = {
    Level.ERROR: "\x1b[31m",
    Level.WARNING: "\x1b[33m",
    Level.NOTE: "\x1b[36m",
    Level.NONE: "\x1b[32m",
}
_RESET = "\x1b[0m"

FORMAT = ReportFormat.TEXT


def render(report: Report, *, path_prefix: str = "") -> str:
    """The ``Renderer`` entry point: ``render_text`` without colour (paths need no prefix)."""
    return render_text(report)


def render_text(report: Report, *, color: bool = False, brief: bool = False) -> str:
    """The human report of a ``list`` or ``check`` run; ``brief`` leaves out the dependencies
    that need nothing (see ``cg_action._report._brief``)."""
    match report.kind:
        case ReportKind.LIST:
            lines = _list_lines(report)
        case ReportKind.CHECK:
            lines = _check_lines(report, color=color, brief=brief)
        case _:  # pragma: no cover - exhaustive
            assert_never(report.kind)
    return "\n".join(lines) + "\n"


def _where(report: Report, dependency: Dependency) -> str:
    path = display_path(report, dependency.location.path)
    line = dependency.location.line
    return printable(f"{path}:{line}" if line is not None else path)


def _problem_lines(report: Report) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = {}
    for file in report.files:
        path = display_path(report, file.path)
        for problem in file.problems:
            lines.setdefault(path, []).append(_problem_line(report, problem))
    return lines


def _problem_line(report: Report, problem: Problem) -> str:
    where = display_path(report, problem.path)
    if problem.line is not None:
        where += f":{problem.line}"
    key = f" {problem.key}:" if problem.key else ""
    return printable(f"{where}:{key} error: {problem.message}")


def _group_by_file(paths_and_lines: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for path, line in paths_and_lines:
        grouped.setdefault(path, []).append(line)
    return grouped


def _file_blocks(report: Report, body: dict[str, list[str]]) -> list[str]:
    problems = _problem_lines(report)
    lines: list[str] = []
    for path in sorted(set(body) | set(problems)):
        if lines:
            lines.append("")
        lines.extend(problems.get(path, []))
        lines.extend(body.get(path, []))
    return lines


def _list_lines(report: Report) -> list[str]:
    deps = sorted(report.dependencies, key=lambda d: dependency_sort_key(report, d))
    body = _group_by_file(
        (display_path(report, d.location.path), _dependency_line(report, d)) for d in deps
    )
    lines = _file_blocks(report, body)
    if lines:
        lines.append("")
    kinds = Counter(d.kind.value for d in deps)
    file_count = len({display_path(report, f.path) for f in report.files} | set(body))
    lines.append(
        f"{len(deps)} dependenc{'y' if len(deps) == 1 else 'ies'} in {file_count} "
        f"file{'' if file_count == 1 else 's'}"
    )
    lines.extend(f"  {kind}: {count}" for kind, count in sorted(kinds.items()))
    if report.has_input_errors:
        lines.append("Some files could not be read in full; see the errors above.")
    return lines


def _dependency_line(report: Report, dependency: Dependency) -> str:
    details = [dependency.kind.value]
    if dependency.groups:
        details.append("groups: " + ", ".join(dependency.groups))
    if dependency.marker is not None:
        details.append(f"; {dependency.marker}")
    text = f"{requirement_text(dependency)} ({', '.join(details)})"
    return f"{_where(report, dependency)}: {printable(text)}"


def _check_lines(report: Report, *, color: bool, brief: bool = False) -> list[str]:
    findings = sorted(report.findings, key=lambda f: sort_key(report, f))
    left_out = 0
    if brief:
        shown = [f for f in findings if f.status is not Status.CHAINGUARD or f.platform_gaps]
        left_out = len(findings) - len(shown)
        findings = shown
    body = _group_by_file(
        (
            display_path(report, f.dependency.location.path),
            _finding_line(report, f, color=color),
        )
        for f in findings
    )
    lines = _file_blocks(report, body)
    if left_out:
        if lines:
            lines.append("")
        lines.append(
            f"{left_out} served by Chainguard not listed (--format text lists every dependency)"
        )
    if lines:
        lines.append("")
    lines.append(f"Chainguard coverage: {format_coverage(report)}")
    counts = report.counts()
    for status in Status:  # the order of the JSON summary
        if counts[status]:
            lines.append(f"  {status.value}: {counts[status]}")
    ignored = sum(1 for f in report.findings if f.ignored is not None)
    if ignored:
        lines.append(f"  ignored: {ignored}")
    if report.only_changed is not None:
        changed = sum(1 for f in report.findings if report.is_changed(f))
        lines.append(f"  changed on this branch: {changed} (only these can fail the run)")
    failing = report.failing()
    fail_on = ", ".join(s.value for s in SEVERITY_ORDER if s in report.fail_on) or "nothing"
    lines.append(f"Failing: {len(failing)} (fails on: {fail_on})")
    if report.has_input_errors:
        lines.append("Some files could not be read in full; see the errors above.")
    lines.extend(_notice_lines(report))
    steps = next_steps(report)
    if steps:
        lines.append("")
        lines.append("What to do next:")
        lines.extend(f"  - {step.text}" for step in steps)
    return lines


def _notice_lines(report: Report) -> list[str]:
    lines: list[str] = []
    if report.config_notices:
        lines += ["", "Index configuration:"]
        for notice in report.config_notices:
            where = display_path(report, notice.location.path)
            if notice.location.line is not None:
                where += f":{notice.location.line}"
            lines.append(printable(f"  {where}: {notice.message} [{notice.code}]"))
            if notice.hint:
                lines.append(printable(f"    {notice.hint}"))
    if report.notes:
        lines += ["", "Notes:"]
        lines.extend(printable(f"  - {note}") for note in report.notes)
    return lines


def _finding_line(report: Report, finding: Finding, *, color: bool) -> str:
    status = finding.status.value
    if finding.ignored is not None:
        status += f" (ignored: {finding.ignored.reason})"
    elif not report.is_changed(finding):
        status += " (unchanged)"
    status = printable(status)
    level = level_of(report, finding)
    if color:
        status = f"{_COLOURS[level]}{status}{_RESET}"
    dep = finding.dependency
    line = f"{_where(report, dep)}: {printable(requirement_text(dep))} → {status}: "
    line += printable(finding.message)
    extra: list[str] = []
    if finding.remediated_version is not None:
        extra.append(f"remediated: {finding.remediated_version}")
    if finding.blocked_reason:
        extra.append(f"reason: {finding.blocked_reason}")
    extra.extend(f"no wheel for {gap.target}: {gap.reason}" for gap in finding.platform_gaps)
    if extra:
        line += " (" + printable("; ".join(extra)) + ")"
    return line
