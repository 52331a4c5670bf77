"""The organisation report as Markdown, for a job summary (``>> $GITHUB_STEP_SUMMARY``).

GitHub takes at most 1 MiB of summary per step: the text stays under ``LIMIT`` bytes. The
repository table may use most of it; the ranking gets what is left, and a line says how
many packages were left out (the JSON and HTML forms have them). Every string a repository
wrote is one inline code span (``_text.markdown_code``): no mention, link, image or HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

from cg_action._models import Status
from cg_action._org._merge import OrgReport, PackageNeed, RepositoryCoverage
from cg_action._org._text import markdown_code, percent

LIMIT = 1_000_000  # bytes; GitHub's cap for one step's summary is 1 MiB (1,048,576)
NAME_WIDTH = 100  # characters of a repository or package name shown
VERSIONS_SHOWN = 10
REPOSITORIES_SHOWN = 5
PROBLEMS_SHOWN = 50
BAR_CELLS = 10


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _bar(value: float | None) -> str:
    if value is None:
        return ""
    filled = round(value / 100 * BAR_CELLS)
    if value > 0 and filled == 0:
        filled = 1
    if value < 100 and filled == BAR_CELLS:
        filled = BAR_CELLS - 1
    return "█" * filled + "░" * (BAR_CELLS - filled) + " "


def _repository_row(repository: RepositoryCoverage) -> str:
    chainguard = repository.counts[Status.CHAINGUARD]
    coverage = (
        f"{_bar(repository.coverage_percent)}{percent(repository.coverage_percent)} "
        f"({chainguard:,} of {repository.checked:,})"
        if repository.coverage_percent is not None
        else "nothing checked"
    )
    counts = " | ".join(f"{repository.counts[s]:,}" for s in Status)
    return (
        f"| {markdown_code(repository.name, limit=NAME_WIDTH)} | {coverage} | {counts} "
        f"| {repository.input_errors:,} |"
    )


def _package_row(package: PackageNeed) -> str:
    versions = [
        f"{markdown_code(str(v.version)) if v.version is not None else 'unpinned'} "
        f"({v.repositories:,})"
        for v in package.versions[:VERSIONS_SHOWN]
    ]
    if len(package.versions) > VERSIONS_SHOWN:
        versions.append(f"{len(package.versions) - VERSIONS_SHOWN:,} more")
    where = [markdown_code(r, limit=60) for r in package.repositories[:REPOSITORIES_SHOWN]]
    if len(package.repositories) > REPOSITORIES_SHOWN:
        where.append(f"{len(package.repositories) - REPOSITORIES_SHOWN:,} more")
    return (
        f"| {package.rank} | {markdown_code(package.name, limit=NAME_WIDTH)} "
        f"| {len(package.repositories):,} | {package.fallback:,} | {package.missing:,} "
        f"| {', '.join(versions)} | {', '.join(where)} |"
    )


def _head(report: OrgReport) -> list[str]:
    count = len(report.repositories)
    chainguard = report.totals.get(Status.CHAINGUARD, 0)
    title = f"## Chainguard coverage across {count:,} repositor{'y' if count == 1 else 'ies'}"
    if report.coverage_percent is not None:
        title += f": {chainguard:,} of {report.checked:,} ({percent(report.coverage_percent)})"
    lines = [title, ""]
    lines.append(
        f"{report.fully_covered:,} of {count:,} fully covered; "
        f"{len(report.packages):,} package(s) are `fallback` or `missing` somewhere."
    )
    return [*lines, ""]


def _problems(report: OrgReport) -> list[str]:
    lines: list[str] = []
    shown = 0
    total = sum(r.input_errors for r in report.repositories)
    for repository in sorted(report.repositories, key=lambda r: (r.name.casefold(), r.name)):
        for error in repository.errors:
            if shown >= PROBLEMS_SHOWN:
                break
            where = error.file + (f":{error.line}" if error.line is not None else "")
            if error.key:
                where += f": {error.key}"
            lines.append(
                f"- {markdown_code(repository.name, limit=60, in_table=False)}: "
                f"{markdown_code(where, limit=200, in_table=False)}: "
                f"{markdown_code(error.message, limit=300, in_table=False)}"
            )
            shown += 1
    if not lines:
        return []
    if total > shown:
        lines.append(f"- and {total - shown:,} more")
    return ["### Files the checks could not read", "", *lines, ""]


def _fit(rows: Sequence[str], budget: int) -> int:
    """How many of ``rows`` fit in ``budget`` bytes, each with its line break."""
    used = 0
    for count, row in enumerate(rows):
        used += _size(row) + 1
        if used > budget:
            return count
    return len(rows)


def render_org_markdown(report: OrgReport, *, limit: int = LIMIT) -> str:
    """The summary: headline, a table per repository, the ranking; under ``limit`` bytes."""
    head = "\n".join(_head(report)) + "\n"
    problems = "\n".join(_problems(report))
    problems = problems + "\n" if problems else ""
    reserve = 1_000  # the notes of rows left out
    repository_rows = [_repository_row(r) for r in report.repositories]
    repository_head = [
        "### Coverage per repository",
        "",
        "Least covered first. Coverage: `chainguard` over the dependencies an index was asked "
        "about.",
        "",
        "| Repository | Coverage | "
        + " | ".join(f"`{s.value}`" for s in Status)
        + " | unreadable |",
        "| --- | --- |" + " ---: |" * (len(Status) + 1),
    ]
    fixed = _size(head) + _size(problems) + _size("\n".join(repository_head)) + reserve
    shown_repositories = _fit(repository_rows, max(limit * 6 // 10 - fixed, 0))
    lines = [head.rstrip("\n"), "", *repository_head, *repository_rows[:shown_repositories]]
    if shown_repositories < len(repository_rows):
        lines.append("")
        lines.append(
            f"> {len(repository_rows) - shown_repositories:,} more repositories are not shown: "
            "GitHub caps a job summary at 1 MiB. The HTML and JSON reports list every one."
        )
    lines.append("")
    if report.packages:
        lines += [
            "### Packages to ask Chainguard to build",
            "",
            "Ranked by how many repositories get them only from the fallback index "
            "(`fallback`) or from no index (`missing`); equal counts share a rank.",
            "",
            "| Rank | Package | Repositories | `fallback` | `missing` | Versions | Where |",
            "| ---: | --- | ---: | ---: | ---: | --- | --- |",
        ]
        package_rows = [_package_row(p) for p in report.packages]
        used = _size("\n".join(lines)) + 1 + _size(problems) + reserve
        shown_packages = _fit(package_rows, max(limit - used, 0))
        lines += package_rows[:shown_packages]
        if shown_packages < len(package_rows):
            lines.append("")
            lines.append(
                f"> The first {shown_packages:,} of {len(package_rows):,} packages are shown: "
                "GitHub caps a job summary at 1 MiB. The HTML and JSON reports list every one."
            )
        lines.append("")
    else:
        lines += ["No package is `fallback` or `missing` in any repository.", ""]
    return "\n".join(lines) + "\n" + problems
