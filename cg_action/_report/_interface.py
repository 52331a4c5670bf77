"""What every report format shares: the renderer contract, levels, ordering and advice.

A renderer is a module with a pure ``render`` function from a ``Report`` to text
(``Renderer``); ``_formats.renderer`` names the module of each format. The helpers here decide,
once for every format, how serious a finding is (``level_of``), in which order findings are
shown (``sort_key`` / ``annotation_order``), how paths are written (``display_path``) and which
"what to do next" lines apply (``next_steps``). What each status is called, its icon, its
severity and its SARIF rule come from ``STATUS_TABLE``, beside the ``Status`` enum.
"""

from __future__ import annotations

import enum
import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from cg_action._compat import StrEnum
from cg_action._models import STATUS_TABLE, Dependency, Finding, Report, Status

if TYPE_CHECKING:
    from cg_action._report._formats import ReportFormat

TOOL_NAME = "cg-action"
INFORMATION_URI = "https://github.com/cg-action/cg-action"

# From worst to best for the user's goal; the index is the severity used to order findings.
SEVERITY_ORDER: tuple[Status, ...] = tuple(
    sorted(Status, key=lambda status: STATUS_TABLE[status].severity)
)


class Renderer(Protocol):
    """The contract of a report format, kept by the module that writes it.

    ``FORMAT`` is the format the module writes. ``render`` is a pure function: a report in,
    text out, nothing else touched. ``path_prefix`` is where the report's root sits inside the
    repository (the Action's ``working-directory``); the formats GitHub reads put it before
    file paths, the others ignore it.
    """

    FORMAT: ReportFormat

    def render(self, report: Report, *, path_prefix: str = "") -> str:
        """The report as this format's text."""
        ...


class Level(StrEnum):
    """How loudly a finding is reported, in SARIF's words."""

    ERROR = "error"  # fails the run
    WARNING = "warning"  # not served by Chainguard, but below the failure threshold
    NOTE = "note"  # ignored, unchanged on this branch, or not checkable
    NONE = "none"  # served by Chainguard: nothing to say


class _Rank(enum.IntEnum):
    ERROR = 0
    WARNING = 1
    NOTE = 2
    NONE = 3


_RANK = {
    Level.ERROR: _Rank.ERROR,
    Level.WARNING: _Rank.WARNING,
    Level.NOTE: _Rank.NOTE,
    Level.NONE: _Rank.NONE,
}


def level_of(report: Report, finding: Finding) -> Level:
    """The level of a finding: failing ones are errors, other non-Chainguard ones warnings.

    Ignored findings and findings on dependencies this change did not touch (--only-changed)
    are notes, as are URL/VCS/path dependencies no index is asked about; Chainguard ones are
    ``none``. A status the user put in ``fail_on`` is an error whatever it is.
    """
    if finding.status in report.fail_on and finding.ignored is None and report.is_changed(finding):
        return Level.ERROR
    row = STATUS_TABLE[finding.status]
    if row.sarif_level == "none":
        return Level.NONE
    if finding.ignored is not None or not report.is_changed(finding):
        return Level.NOTE
    return Level.WARNING if row.needs_action else Level.NOTE


def display_path(report: Report, path: Path, *, prefix: str = "") -> str:
    """``path`` relative to ``report.root`` with POSIX separators, under ``prefix`` if given.

    ``prefix`` is where ``report.root`` sits inside the repository (the Action's
    ``working-directory``), so that GitHub can place annotations and links. A path outside
    the root is shown as found.
    """
    return _display_path(report.root, path, prefix)


@functools.lru_cache(maxsize=1024)
def _display_path(root: Path, path: Path, prefix: str) -> str:
    """``display_path`` for one root: every finding of a file asks with the same three."""
    shown = path
    if path.is_absolute():
        for base in (root, _resolved(root)):
            try:
                shown = path.relative_to(base)
                break
            except ValueError:
                continue
        else:
            return path.as_posix()
    text = PurePosixPath(*shown.parts).as_posix() if shown.parts else "."
    text = text.removeprefix("./")
    prefix = prefix.replace("\\", "/").strip("/")
    if prefix and prefix != ".":
        return f"{prefix}/{text}"
    return text


def _resolved(path: Path) -> Path:
    try:
        return Path(os.path.realpath(path))
    except OSError:  # pragma: no cover - realpath only fails on exotic file systems
        return path


def sort_key(report: Report, finding: Finding) -> tuple[str, int, str, int]:
    """Reading order: by file, line (unknown last), name, then severity."""
    dep = finding.dependency
    line = dep.location.line if dep.location.line is not None else 1 << 30
    return (
        display_path(report, dep.location.path),
        line,
        dep.name,
        STATUS_TABLE[finding.status].severity,
    )


def dependency_sort_key(report: Report, dependency: Dependency) -> tuple[str, int, str]:
    """Reading order of dependencies: by file, line (unknown last), then name."""
    line = dependency.location.line if dependency.location.line is not None else 1 << 30
    return (display_path(report, dependency.location.path), line, dependency.name)


def annotation_order(report: Report, findings: Iterable[Finding]) -> list[Finding]:
    """Most important first: failing, then by status severity, then by file and line."""

    def key(finding: Finding) -> tuple[int, int, tuple[str, int, str, int]]:
        return (
            _RANK[level_of(report, finding)],
            STATUS_TABLE[finding.status].severity,
            sort_key(report, finding),
        )

    return sorted(findings, key=key)


def requirement_text(dependency: Dependency) -> str:
    """How a dependency reads in a report line: ``name[extras] spec`` or ``name @ url``."""
    text = dependency.display_name
    if dependency.extras:
        text += "[" + ",".join(sorted(dependency.extras)) + "]"
    if dependency.version is not None and dependency.is_locked:
        return f"{text}=={dependency.version}"
    if dependency.url is not None and not dependency.is_index_checkable:
        return f"{text} @ {dependency.url}"
    spec = str(dependency.specifier)
    return f"{text}{spec}" if spec else text


def format_coverage(report: Report) -> str:
    """``37 of 40 (92.5%)``, or a sentence saying nothing could be checked."""
    percent = report.coverage_percent
    if percent is None:
        return "nothing checked against the index"
    served = report.counts()[Status.CHAINGUARD]
    return f"{served} of {report.checkable_count} ({percent:.1f}%)"


# The index configuration traps that ``rewrite`` fixes (docs/report-format.md lists the codes):
# their notice says to run it, so the advice to run it is not given a second time.
_FIXED_BY_REWRITE = frozenset(
    {
        "pypi-index-url",
        "chainguard-as-extra",
        "uv-chainguard-not-default",
        "pypi-before-chainguard",
        "poetry-no-supplemental-pypi",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NextStep:
    """One piece of advice: what to run or do, and which findings it is for."""

    status: Status
    text: str


def _names(findings: Iterable[Finding], shown_as: Callable[[str], str], limit: int = 8) -> str:
    names = sorted({f.dependency.display_name for f in findings}, key=str.lower)
    shown = ", ".join(shown_as(name) for name in names[:limit])
    if len(names) > limit:
        shown += f" and {len(names) - limit} more"
    return shown


def next_steps(report: Report, *, shown_as: Callable[[str], str] = str) -> list[NextStep]:
    """The "what to do next" lines that apply to the findings that are not ignored.

    ``shown_as`` writes a package name the way the format needs (Markdown: as inline code,
    since a name comes from the repository). The advice to run ``rewrite`` is left out when an
    index configuration notice of the report already gives it.
    """
    by_status: dict[Status, list[Finding]] = {s: [] for s in Status}
    for finding in report.findings:
        if finding.ignored is None and report.is_changed(finding):
            by_status[finding.status].append(finding)
    steps: list[NextStep] = []
    if found := by_status[Status.LOCKED_UPSTREAM]:
        steps.append(
            NextStep(
                status=Status.LOCKED_UPSTREAM,
                text=(
                    f"update the pinned hashes of {_names(found, shown_as)} to Chainguard's files: "
                    "`python -m cg_action update-hashes`, or re-lock against the Chainguard "
                    "index (uv lock, poetry lock, pdm lock, pipenv lock, pip-compile)"
                ),
            )
        )
    rewrite_said = any(n.code in _FIXED_BY_REWRITE for n in report.config_notices)
    if (by_status[Status.LOCKED_UPSTREAM] or by_status[Status.FALLBACK]) and not rewrite_said:
        steps.append(
            NextStep(
                status=Status.FALLBACK,
                text=(
                    "point your tools at the Chainguard index first: `python -m cg_action rewrite`"
                ),
            )
        )
    if found := by_status[Status.FALLBACK] + by_status[Status.MISSING]:
        remediable = [f for f in found if f.remediated_version is not None]
        if remediable:
            steps.append(
                NextStep(
                    status=Status.MISSING,
                    text=(
                        f"move {_names(remediable, shown_as)} to the remediated build the "
                        "report names (`+cgr.N`, from the remediated index)"
                    ),
                )
            )
        steps.append(
            NextStep(
                status=Status.MISSING,
                text=(
                    "pin a version Chainguard serves, or request a build of "
                    f"{_names(found, shown_as)} from Chainguard"
                ),
            )
        )
    if found := by_status[Status.BLOCKED]:
        steps.append(
            NextStep(
                status=Status.BLOCKED,
                text=(
                    f"{_names(found, shown_as)}: withheld by your organisation's policy; pick "
                    "another version or ask your Chainguard administrator"
                ),
            )
        )
    if found := by_status[Status.UNKNOWN]:
        from cg_action._index._trust import CERT_HINT, NOT_TRUSTED

        if any(NOT_TRUSTED in f.message for f in found):
            text = f"some answers are unknown: {NOT_TRUSTED}; {CERT_HINT}, and run again"
        else:
            text = (
                "some answers are unknown: check the index URL and credentials and run again "
                "(offline runs answer only from the cache)"
            )
        steps.append(NextStep(status=Status.UNKNOWN, text=text))
    if report.has_input_errors:
        steps.append(
            NextStep(
                status=Status.UNKNOWN,
                text="fix the files that could not be read; what was read is still checked",
            )
        )
    return steps
