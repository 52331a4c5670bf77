"""The extension points are complete: every format has its renderer, every status its row.

A new ``ReportFormat`` member or ``Status`` member that is not wired everywhere fails here (and
in mypy, for the exhaustive ``renderer``), not in a user's report.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from cg_action._commands._check import parse_statuses
from cg_action._commands._output import render
from cg_action._models import STATUS_TABLE, DependencyKind, Report, ReportKind, Status
from cg_action._report._formats import ReportFormat, parse_format, renderer
from cg_action._report._github import OUTPUT_NAMES
from cg_action._report._interface import SEVERITY_ORDER, Level, level_of
from cg_action._report._json import report_to_json
from cg_action._report._text import render_text

from ._build import check_report, dependency, finding

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent.parent


def _every_status_report(root: Path) -> Report:
    """One finding of each status, in a file, so that every format has something to say."""
    findings = []
    for line, status in enumerate(Status, start=1):
        kind = DependencyKind.URL if status is Status.NOT_INDEXED else None
        url = "https://files.example/p.whl" if kind is not None else None
        dep = dependency(
            f"pkg-{status.value}",
            "" if kind else "==1.0",
            path=root / "requirements.txt",
            line=line,
            kind=kind,
            url=url,
        )
        findings.append(finding(dep, status))
    return check_report(root, findings)


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_every_format_has_a_renderer_that_writes_it(
    fmt: ReportFormat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = renderer(fmt)
    assert module.FORMAT is fmt  # the registry maps the member to its own module
    check = _every_status_report(tmp_path)
    listed = Report(
        kind=ReportKind.LIST,
        root=tmp_path,
        dependencies=tuple(f.dependency for f in check.findings),
    )
    for report in (check, listed):
        text = module.render(report, path_prefix="sub")
        assert isinstance(text, str)
    assert module.render(check, path_prefix="sub")  # every format says something of findings

    # The command layer dispatches through the registry and nothing else.
    def stand_in(report: Report, *, path_prefix: str = "") -> str:
        return f"{fmt.value} from https://user:secret@host/ under {path_prefix}"

    monkeypatch.setattr(module, "render", stand_in)
    assert render(check, fmt, path_prefix="sub") == f"{fmt.value} from https://host/ under sub"


def test_every_format_is_a_choice_of_check_and_an_unknown_one_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cg_action._cli import main
    from cg_action._errors import UsageError

    assert [parse_format(f.value, "--format") for f in ReportFormat] == list(ReportFormat)
    with pytest.raises(UsageError, match=r"--format: unknown format 'yaml'; use one of text, "):
        parse_format("yaml", "--format")
    assert main(["check", "--format", "yaml"], env={}, out=io.StringIO()) == 2
    choices = capsys.readouterr().err.split("invalid choice: 'yaml'", 1)[1]
    assert all(repr(f.value) in choices for f in ReportFormat)


def test_every_status_has_one_row_in_the_table_in_the_enum_order() -> None:
    assert list(STATUS_TABLE) == list(Status)
    severities = sorted(row.severity for row in STATUS_TABLE.values())
    assert severities == list(range(len(Status)))  # a total order, no ties
    for field in ("title", "icon", "sarif_help", "output"):
        values = [getattr(row, field) for row in STATUS_TABLE.values()]
        assert all(values), field
        assert len(set(values)) == len(values), f"two statuses share a {field}"
    levels = {row.sarif_level for row in STATUS_TABLE.values()}
    assert levels <= {"error", "warning", "note", "none"}


def test_severity_runs_from_worst_to_best() -> None:
    assert SEVERITY_ORDER[0] is Status.MISSING  # what fails by default comes first
    assert SEVERITY_ORDER[-1] is Status.CHAINGUARD
    levels = [STATUS_TABLE[s].sarif_level for s in SEVERITY_ORDER]
    rank = {"error": 0, "warning": 1, "note": 2, "none": 3}
    assert [rank[level] for level in levels] == sorted(rank[level] for level in levels)


def test_levels_and_any_come_from_the_table(tmp_path: Path) -> None:
    report = _every_status_report(tmp_path)
    report = Report(
        kind=report.kind, root=report.root, findings=report.findings, fail_on=frozenset()
    )
    levels = {f.status: level_of(report, f) for f in report.findings}
    assert levels == {
        status: {"none": Level.NONE, "note": Level.NOTE}.get(row.sarif_level, Level.WARNING)
        for status, row in STATUS_TABLE.items()
    }
    assert parse_statuses(["any"], "--fail-on") == {
        Status.FALLBACK,
        Status.LOCKED_UPSTREAM,
        Status.BLOCKED,
        Status.MISSING,
        Status.UNKNOWN,
    }


def _action_outputs() -> dict[str, Any]:
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    outputs: dict[str, Any] = action["outputs"]
    return outputs


def test_the_action_declares_an_output_for_every_status_and_nothing_else() -> None:
    declared = _action_outputs()
    for status, row in STATUS_TABLE.items():
        assert row.output in declared, f"action.yml declares no output for {status.value}"
        assert declared[row.output]["value"] == f"${{{{ steps.check.outputs.{row.output} }}}}"
    assert set(declared) == set(OUTPUT_NAMES)  # and the check step writes exactly those


def test_the_text_summary_counts_statuses_in_the_order_of_the_json_summary(
    tmp_path: Path,
) -> None:
    report = _every_status_report(tmp_path)
    text = render_text(report)
    summary = text.split("Chainguard coverage:", 1)[1].split("Failing:", 1)[0].splitlines()
    counted = [line.split(":")[0].strip() for line in summary if line.startswith("  ")]
    json_order = [key for key in report_to_json(report)["summary"] if key in set(Status)]
    assert counted == json_order
    assert json_order == [s.value for s in Status]  # the order docs/report-format.md shows
    documented = (ROOT / "docs" / "report-format.md").read_text(encoding="utf-8")
    example = json.loads(documented.split("```json\n", 1)[1].split("```", 1)[0])
    assert [k for k in example["summary"] if k in set(Status)] == json_order
