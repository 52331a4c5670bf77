"""Workflow commands, their escaping and limits; step outputs and the step summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cg_action._errors import Problem
from cg_action._models import Ignore, Status
from cg_action._report import append_step_summary, render_github_commands, write_outputs
from cg_action._report._github import escape_data, escape_property, workflow_command
from cg_action._sources._dispatch import parse_file

from ._build import check_report, dependency, finding, findings_for

STEP3 = Path("chainguard/cs-workshop/chainguard-libraries/python/step3-cg-all/requirements.txt")
COMMAND = re.compile(r"^::(error|warning|notice)( [a-z]+=[^,:]*(,[a-z]+=[^,:]*)*)?::[^\r\n]*$")


def test_escaping_as_the_actions_toolkit_does() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%d\n") == "a%3Ab%2Cc%25d%0A"
    line = workflow_command("error", "x: y, z", file="dir,1/a:b.txt", line=3, title=None)
    assert line == "::error file=dir%2C1/a%3Ab.txt,line=3::x: y, z"
    assert workflow_command("notice", "hi") == "::notice::hi"


def test_annotations_of_a_real_file(corpus_dir: Path) -> None:
    source = parse_file(corpus_dir / STEP3)
    statuses = {"packaging": Status.MISSING, "pillow": Status.FALLBACK}
    report = check_report(
        corpus_dir,
        findings_for([source], lambda d: statuses.get(d.name, Status.CHAINGUARD)),
        sources=[source],
    )
    text, skipped = render_github_commands(report, path_prefix="app")
    path = "app/" + STEP3.as_posix()
    assert skipped == 0
    assert text.splitlines() == [
        f"::error file={path},line=4,title=cg-action%3A packaging is missing"
        "::packaging==24.1 → missing: packaging: missing",
        f"::warning file={path},line=3,title=cg-action%3A Pillow is fallback"
        "::Pillow>=12.2.0 → fallback: Pillow: fallback",
    ]


def test_limits_and_priority(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    findings = []
    for i in range(30):
        status = [Status.FALLBACK, Status.MISSING, Status.UNKNOWN][i % 3]
        findings.append(finding(dependency(f"p{i:02d}", "==1", path=req, line=i + 1), status))
    findings.append(
        finding(
            dependency("ign", "==1", path=req, line=99),
            Status.MISSING,
            ignored=Ignore(reason="ok", source="inline comment"),
        )
    )
    findings.append(
        finding(dependency("url", path=req, line=98, url="https://x/y.whl"), Status.NOT_INDEXED)
    )
    report = check_report(
        tmp_path,
        findings,
        problems=[Problem(path=req, line=200, key="line 200", message="bad, line: x")],
    )
    text, skipped = render_github_commands(report)
    lines = text.splitlines()
    assert all(COMMAND.match(line) for line in lines), lines
    errors = [line for line in lines if line.startswith("::error")]
    warnings = [line for line in lines if line.startswith("::warning")]
    assert len(errors) == 10
    assert len(warnings) == 10
    # the unreadable line comes first, then missing ones in file order
    assert errors[0].startswith("::error file=requirements.txt,line=200,")
    assert "line 200: bad, line: x" in errors[0]
    assert "p01==1 → missing" in errors[1]
    # fallback warnings outrank unknown ones
    assert all("→ fallback" in w for w in warnings)
    assert "ign==1" not in text  # notes are not annotated
    assert "url" not in text
    # 1 problem + 10 missing = 11 errors, 20 warnings (10 fallback + 10 unknown)
    assert skipped == (11 - 10) + (20 - 10)
    assert lines[-1] == (
        "::notice title=cg-action::11 more findings were not annotated (GitHub shows at most "
        "10 errors and 10 warnings per step); the job summary lists them all."
    )
    few, skipped_few = render_github_commands(report, max_total=5)
    assert len(few.splitlines()) == 5
    assert skipped_few == 31 - 5  # 31 annotatable, no room left for the notice


def test_nothing_to_annotate(tmp_path: Path) -> None:
    dep = dependency("flask", "==3.0.2", path=tmp_path / "requirements.txt")
    assert render_github_commands(check_report(tmp_path, [finding(dep, Status.CHAINGUARD)])) == (
        "",
        0,
    )


@pytest.mark.parametrize("checked", [True, False])
def test_outputs_and_summary(tmp_path: Path, checked: bool) -> None:
    req = tmp_path / "requirements.txt"
    findings = (
        [
            finding(dependency("a", "==1", path=req, line=1), Status.CHAINGUARD),
            finding(dependency("b", "==1", path=req, line=2), Status.MISSING),
        ]
        if checked
        else [finding(dependency("u", path=req, line=1, url="git+x"), Status.NOT_INDEXED)]
    )
    output = tmp_path / "out"
    output.write_text("earlier=1\n")
    write_outputs(
        check_report(tmp_path, findings), output_file=output, json_report=tmp_path / "r.json"
    )
    values = read_outputs(output.read_text())
    assert values["earlier"] == "1"
    assert values["chainguard"] == ("1" if checked else "0")
    assert values["missing"] == ("1" if checked else "0")
    assert values["not-indexed"] == ("0" if checked else "1")
    assert values["locked-upstream"] == "0"
    assert values["coverage"] == ("50.0" if checked else "")
    assert values["failing"] == ("1" if checked else "0")
    assert values["report"] == str(tmp_path / "r.json")
    summary = tmp_path / "summary.md"
    append_step_summary("# one", summary)
    append_step_summary("two\n", summary)
    assert summary.read_text() == "# one\ntwo\n"


def read_outputs(text: str) -> dict[str, str]:
    """``name=value`` and ``name<<DELIMITER`` blocks, as the runner reads them."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        name, heredoc, delimiter = lines[i].partition("<<")
        if heredoc and "=" not in name:
            end = lines.index(delimiter, i + 1)
            values[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        name, _, value = lines[i].partition("=")
        values[name] = value
        i += 1
    return values


def test_multiline_output_uses_a_delimiter(tmp_path: Path) -> None:
    output = tmp_path / "out"
    write_outputs(check_report(tmp_path, []), output_file=output, json_report=Path("a\nb.json"))
    text = output.read_text()
    match = re.search(r"^report<<(ghadelimiter_[0-9a-f-]+)\na\nb\.json\n\1$", text, re.M)
    assert match is not None
