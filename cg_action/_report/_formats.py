"""The report formats: one ``ReportFormat`` member per format, one module per member.

``renderer`` maps each member to the module that writes it, exhaustively (mypy checks both
that every member has a case and that every module keeps the ``Renderer`` contract). A format
is added here and in its own module, nowhere else: the command line's choices and
``CG_ACTION_FORMAT`` read this enum. Modules are imported on first use, so a run that writes
JSON imports no other format, and this module imports nothing heavier than the enum: the
``--help`` path reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cg_action._compat import StrEnum, assert_never

if TYPE_CHECKING:
    from cg_action._report._interface import Renderer


class ReportFormat(StrEnum):
    """What ``check --format`` writes (``list`` takes the formats that fit its report)."""

    TEXT = "text"  # a terminal
    BRIEF = "brief"  # a terminal, only what needs attention: the pre-commit hook
    JSON = "json"  # other tools: the contract in docs/report-format.md
    MARKDOWN = "markdown"  # job summaries and pull request comments
    GITHUB = "github"  # workflow commands: annotations
    SARIF = "sarif"  # GitHub code scanning
    CYCLONEDX = "cyclonedx"  # a CycloneDX 1.6 SBOM, for scanners


def renderer(fmt: ReportFormat) -> Renderer:
    """The module that writes ``fmt``, imported now."""
    match fmt:
        case ReportFormat.TEXT:
            from cg_action._report import _text

            return _text
        case ReportFormat.BRIEF:
            from cg_action._report import _brief

            return _brief
        case ReportFormat.JSON:
            from cg_action._report import _json

            return _json
        case ReportFormat.MARKDOWN:
            from cg_action._report import _markdown

            return _markdown
        case ReportFormat.GITHUB:
            from cg_action._report import _github

            return _github
        case ReportFormat.SARIF:
            from cg_action._report import _sarif

            return _sarif
        case ReportFormat.CYCLONEDX:
            from cg_action._report import _cyclonedx

            return _cyclonedx
        case _:  # pragma: no cover - exhaustive
            assert_never(fmt)


def parse_format(text: str, option: str) -> ReportFormat:
    """``text`` as a format, or a usage error naming ``option`` and the choices."""
    try:
        return ReportFormat(text)
    except ValueError:
        from cg_action._errors import UsageError

        choices = ", ".join(f.value for f in ReportFormat)
        raise UsageError(f"{option}: unknown format {text!r}; use one of {choices}") from None
