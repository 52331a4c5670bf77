"""The Markdown report: the job summary and the body of the pull-request comment.

A coverage headline, a table per status that needs attention with ``file:line`` links, and
what to do next. GitHub caps a step summary at 1 MiB and a comment at 65,536 characters;
when the report would not fit, the least important rows are dropped and a note says how many.

Every text a repository controls (file paths, package names, messages quoting its files, the
reasons of inline ignores) is written as inline code: GitHub renders no mention, image, link,
HTML tag or issue reference inside it, and it stays on one line and in one table cell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import quote

from cg_action._compat import assert_never
from cg_action._models import STATUS_TABLE, Finding, Report, ReportKind, Status
from cg_action._report._escape import code_span, printable
from cg_action._report._formats import ReportFormat
from cg_action._report._interface import (
    SEVERITY_ORDER,
    Level,
    annotation_order,
    display_path,
    format_coverage,
    level_of,
    next_steps,
    requirement_text,
)

COMMENT_MARKER = "<!-- cg-action:pr-comment -->"
SUMMARY_LIMIT_BYTES = 1024 * 1024  # GitHub's limit for one step's summary
COMMENT_LIMIT_CHARS = 65_536  # GitHub's limit for one comment body
_MARGIN = 1024  # room for the truncation note and for what the caller adds

FORMAT = ReportFormat.MARKDOWN


def render(report: Report, *, path_prefix: str = "") -> str:
    """The ``Renderer`` entry point: the job summary, without links (no repository known)."""
    return render_markdown(report, path_prefix=path_prefix)


def render_markdown(
    report: Report,
    *,
    repository: str | None = None,
    sha: str | None = None,
    server_url: str = "https://github.com",
    path_prefix: str = "",
    limit_bytes: int = SUMMARY_LIMIT_BYTES,
) -> str:
    """The job summary; links point at ``{server_url}/{repository}/blob/{sha}/...`` when known."""
    links = _Links(repository=repository, sha=sha, server_url=server_url, prefix=path_prefix)
    return _fit(report, links, header="", fits=lambda text: _utf8_len(text) <= limit_bytes)


def render_pr_comment(
    report: Report,
    *,
    repository: str | None = None,
    sha: str | None = None,
    server_url: str = "https://github.com",
    path_prefix: str = "",
    limit_chars: int = COMMENT_LIMIT_CHARS,
) -> str:
    """The pull-request comment: the hidden marker, then the report, under GitHub's limit."""
    links = _Links(repository=repository, sha=sha, server_url=server_url, prefix=path_prefix)
    return _fit(
        report, links, header=COMMENT_MARKER + "\n", fits=lambda text: len(text) <= limit_chars
    )


render_comment = render_pr_comment  # the name the command layer uses


def needs_attention(report: Report) -> bool:
    """Whether anything is worth a comment: a failing or warning finding, or an unreadable file."""
    if report.has_input_errors or report.config_notices:
        return True
    return any(level_of(report, f) in (Level.ERROR, Level.WARNING) for f in report.findings)


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


class _Links:
    """How a ``file:line`` cell is written: a link when the repository and commit are known."""

    def __init__(
        self, *, repository: str | None, sha: str | None, server_url: str, prefix: str
    ) -> None:
        self.repository = repository
        self.sha = sha
        self.server_url = server_url.rstrip("/")
        self.prefix = prefix

    def cell(self, path_text: str, line: int | None) -> str:
        shown = f"{path_text}:{line}" if line is not None else path_text
        if not self.repository or not self.sha or path_text.startswith("/"):
            return _code(shown)
        url = f"{self.server_url}/{self.repository}/blob/{self.sha}/{quote(path_text)}"
        if line is not None:
            url += f"#L{line}"
        return f"[{_code(shown)}]({url})"


def _code(text: str, *, in_table: bool = True) -> str:
    """``text`` as one inline code span, whatever it holds.

    Control characters are escaped and whitespace runs (line breaks too) become one space, so
    the span stays on its line; the fence is one backtick longer than the longest run inside
    (padded with a space when the text starts or ends with one), so no backtick ends it early.
    In a table a ``|`` is escaped (GitHub takes ``\\|`` as a pipe inside a cell, code too).
    """
    text = printable(" ".join(text.split()))
    return code_span(text, in_table=in_table) if text else ""


def _inline(text: str) -> str:
    """``_code`` outside a table (list items, notes)."""
    return _code(text, in_table=False)


def _fit(report: Report, links: _Links, *, header: str, fits: Callable[[str], bool]) -> str:
    rows = _ranked_rows(report)
    text = header + _body(report, links, rows, dropped=0)
    if fits(text):
        return text
    # Keep the most rows that fit: rows are ranked by importance, so drop from the end.
    low, high = 0, len(rows)
    while low < high:
        middle = (low + high + 1) // 2
        candidate = header + _body(report, links, rows[:middle], dropped=len(rows) - middle)
        if fits(candidate):
            low = middle
        else:
            high = middle - 1
    text = header + _body(report, links, rows[:low], dropped=len(rows) - low)
    if fits(text):
        return text
    # Not even the headline fits in the limit given: cut the text (never happens at GitHub's).
    while text and not fits(text + "\n"):
        text = text[: len(text) * 3 // 4]
    return text + "\n"


def _ranked_rows(report: Report) -> list[Finding]:
    """The findings that get a table row, most important first."""
    match report.kind:
        case ReportKind.LIST:
            return []
        case ReportKind.CHECK:
            shown = [
                f
                for f in report.findings
                if f.status is not Status.CHAINGUARD and report.is_changed(f)
            ]
            return annotation_order(report, shown)
        case _:  # pragma: no cover - exhaustive
            assert_never(report.kind)


def _body(report: Report, links: _Links, rows: Sequence[Finding], *, dropped: int) -> str:
    match report.kind:
        case ReportKind.LIST:
            lines = _list_body(report)
        case ReportKind.CHECK:
            lines = _check_body(report, links, rows, dropped=dropped)
        case _:  # pragma: no cover - exhaustive
            assert_never(report.kind)
    return "\n".join(lines) + "\n"


def _list_body(report: Report) -> list[str]:
    count = len(report.dependencies)
    lines = [f"## Python dependencies: {count} in {len(report.files)} files", ""]
    if report.files:
        lines += ["| File | Format | Dependencies | Errors |", "| --- | --- | ---: | ---: |"]
        for file in sorted(report.files, key=lambda f: display_path(report, f.path)):
            fmt = file.format.value if file.format is not None else "unknown"
            path = _code(display_path(report, file.path))
            lines.append(f"| {path} | {fmt} | {file.dependency_count} | {len(file.problems)} |")
    return lines


def _check_body(
    report: Report, links: _Links, rows: Sequence[Finding], *, dropped: int
) -> list[str]:
    counts = report.counts()
    lines = [f"## Chainguard Libraries coverage: {format_coverage(report)}", ""]
    failing = len(report.failing())
    if not needs_attention(report):
        checked = report.checkable_count
        lines.append(
            f":white_check_mark: All clear: all {checked} dependencies checked against the "
            "index are served by Chainguard."
            if checked
            else ":white_check_mark: All clear: nothing to check against the index."
        )
        if counts[Status.NOT_INDEXED]:
            lines.append("")
            lines.append(
                f"{counts[Status.NOT_INDEXED]} URL, VCS, path or editable dependencies "
                "were not checked."
            )
        return lines
    if failing:
        fail_on = ", ".join(f"`{s.value}`" for s in SEVERITY_ORDER if s in report.fail_on)
        lines.append(f":x: **{failing} failing** (fails on {fail_on})")
    else:
        lines.append(":warning: Nothing fails the run, but some dependencies need a look.")
    lines += ["", "| Status | Dependencies |", "| --- | ---: |"]
    for status in Status:  # the order of the JSON summary
        if counts[status]:
            lines.append(f"| {STATUS_TABLE[status].icon} `{status.value}` | {counts[status]} |")
    ignored = sum(1 for f in report.findings if f.ignored is not None)
    if ignored:
        lines.append(f"| ignored | {ignored} |")
    if report.only_changed is not None:
        unchanged = sum(
            1
            for f in report.findings
            if f.status is not Status.CHAINGUARD and not report.is_changed(f)
        )
        if unchanged:
            lines += [
                "",
                f"Only dependencies this change adds or modifies are listed; {unchanged} "
                "findings on unchanged dependencies are left out.",
            ]
    lines += _problem_section(report, links)
    by_status: dict[Status, list[Finding]] = {}
    for finding in rows:
        by_status.setdefault(finding.status, []).append(finding)
    for status in SEVERITY_ORDER:
        found = by_status.get(status)
        if not found:
            continue
        found.sort(key=lambda f: (display_path(report, f.dependency.location.path), _line(f)))
        row = STATUS_TABLE[status]
        title = f"{row.icon} {row.title} (`{status.value}`): {len(found)}"
        table = ["| Dependency | Where | Details |", "| --- | --- | --- |"]
        table += [_row(report, links, f) for f in found]
        if status is Status.NOT_INDEXED:
            lines += ["", f"<details><summary>{title}</summary>", "", *table, "", "</details>"]
        else:
            lines += ["", f"### {title}", "", *table]
    lines += _config_section(report, links)
    if report.notes:
        lines += ["", "### Notes", ""]
        lines += [f"- {_inline(note)}" for note in report.notes]
    if dropped:
        lines += [
            "",
            f"> {dropped} more rows were left out to stay within GitHub's size limit; "
            "the JSON report (`--format json`) has every finding.",
        ]
    steps = next_steps(report, shown_as=_inline)
    if steps:
        lines += ["", "### What to do next", ""]
        lines += [f"- {step.text}" for step in steps]
    return lines


def _line(finding: Finding) -> int:
    line = finding.dependency.location.line
    return line if line is not None else 1 << 30


def _row(report: Report, links: _Links, finding: Finding) -> str:
    dep = finding.dependency
    where = links.cell(
        display_path(report, dep.location.path, prefix=links.prefix), dep.location.line
    )
    details = finding.message
    if finding.remediated_version is not None:
        details += f"; remediated: {finding.remediated_version}"
    if finding.blocked_reason:
        details += f"; reason: {finding.blocked_reason}"
    if finding.ignored is not None:
        details = f"ignored ({finding.ignored.reason}): {details}"
    return f"| {_code(requirement_text(dep))} | {where} | {_code(details)} |"


def _config_section(report: Report, links: _Links) -> list[str]:
    if not report.config_notices:
        return []
    lines = ["", "### :gear: Index configuration that defeats the purpose", ""]
    lines += ["| Where | Trap | What to do |", "| --- | --- | --- |"]
    for notice in report.config_notices:
        where = links.cell(
            display_path(report, notice.location.path, prefix=links.prefix), notice.location.line
        )
        lines.append(f"| {where} | {_code(notice.message)} | {_code(notice.hint)} |")
    return lines


def _problem_section(report: Report, links: _Links) -> list[str]:
    problems = [p for f in report.files for p in f.problems]
    if not problems:
        return []
    lines = ["", "### :boom: Files that could not be read in full", ""]
    lines += ["| Where | Key | Problem |", "| --- | --- | --- |"]
    for problem in problems:
        where = links.cell(display_path(report, problem.path, prefix=links.prefix), problem.line)
        key = _code(problem.key) if problem.key else ""
        lines.append(f"| {where} | {key} | {_code(problem.message)} |")
    return lines
