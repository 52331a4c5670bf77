"""The Markdown job summary and PR comment: headline, tables, links, limits, all clear."""

from __future__ import annotations

from pathlib import Path

from cg_action._errors import Problem
from cg_action._models import Dependency, Ignore, Report, ReportKind, Status
from cg_action._report import COMMENT_MARKER, render_markdown, render_pr_comment
from cg_action._sources._dispatch import parse_file

from ._build import check_report, dependency, finding, findings_for

STEP3 = Path("chainguard/cs-workshop/chainguard-libraries/python/step3-cg-all/requirements.txt")


def _step3(corpus_dir: Path, choose: dict[str, Status]) -> Report:
    source = parse_file(corpus_dir / STEP3)

    def pick(dep: Dependency) -> Status:
        return choose.get(dep.name, Status.CHAINGUARD)

    return check_report(corpus_dir, findings_for([source], pick), sources=[source])


def test_summary_with_links(corpus_dir: Path) -> None:
    report = _step3(corpus_dir, {"packaging": Status.MISSING, "pillow": Status.FALLBACK})
    text = render_markdown(report, repository="octo/app", sha="abc123", path_prefix="svc")
    path = STEP3.as_posix()
    assert text.startswith("## Chainguard Libraries coverage: 2 of 4 (50.0%)\n")
    assert ":x: **1 failing** (fails on `missing`)" in text
    assert "| :white_check_mark: `chainguard` | 2 |" in text
    assert "### :x: Served by no index (`missing`): 1" in text
    assert "### :warning: Only the fallback index serves it (`fallback`): 1" in text
    link = f"https://github.com/octo/app/blob/abc123/svc/{path}#L4"
    assert f"| `packaging==24.1` | [`svc/{path}:4`]({link}) | `packaging: missing` |" in text
    assert "### What to do next" in text
    assert COMMENT_MARKER not in text
    # the missing table comes before the fallback table
    assert text.index("`missing`): 1") < text.index("`fallback`): 1")


def test_no_links_without_repository(corpus_dir: Path) -> None:
    report = _step3(corpus_dir, {"packaging": Status.MISSING})
    text = render_markdown(report)
    assert f"| `packaging==24.1` | `{STEP3.as_posix()}:4` |" in text
    assert "](" not in text


def test_comment_all_clear(corpus_dir: Path) -> None:
    report = _step3(corpus_dir, {})
    text = render_pr_comment(report)
    assert text.startswith(COMMENT_MARKER + "\n")
    assert "All clear: all 4 dependencies checked against the index" in text
    assert "###" not in text


def test_ignored_only_is_all_clear_but_shown_when_something_else_fails(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    ignored = finding(
        dependency("a", "==1", path=req, line=1),
        Status.MISSING,
        "gone",
        ignored=Ignore(reason="vendored | patched", source="inline comment"),
    )
    assert "All clear" in render_pr_comment(check_report(tmp_path, [ignored]))
    other = finding(dependency("b", "==1", path=req, line=2), Status.FALLBACK, "fallback only")
    text = render_pr_comment(check_report(tmp_path, [ignored, other]))
    assert "ignored (vendored \\| patched): gone" in text
    assert "Nothing fails the run" in text


def test_problems_and_escaping(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    dep = dependency("evil", "==1", path=req, line=2)
    report = check_report(
        tmp_path,
        [finding(dep, Status.UNKNOWN, "line one\nline <two> | three")],
        problems=[Problem(path=req, line=1, key=None, message="bad | line")],
    )
    text = render_markdown(report)
    assert "| `requirements.txt:1` |  | `bad \\| line` |" in text
    assert "`line one line <two> \\| three`" in text  # inline code: no HTML, one cell


def test_comment_is_truncated_under_the_limit(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    findings = [
        finding(
            dependency(f"package-{i:04d}", "==1.0", path=req, line=i + 1),
            Status.MISSING if i % 3 else Status.FALLBACK,
            "x" * 80,
        )
        for i in range(2000)
    ]
    report = check_report(tmp_path, findings)
    full = render_markdown(report)
    assert len(full) > 65_536
    assert "more rows were left out" not in full
    comment = render_pr_comment(report)
    assert len(comment) <= 65_536
    assert comment.startswith(COMMENT_MARKER)
    rows = comment.count("| `package-")
    note = f"> {2000 - rows} more rows were left out"
    assert note in comment
    assert rows > 300
    # the failing (missing) rows are kept before the fallback ones
    assert "(`missing`)" in comment
    assert "### What to do next" in comment
    small = render_markdown(report, limit_bytes=20_000)
    assert len(small.encode()) <= 20_000


def test_only_changed_leaves_out_unchanged(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    a = dependency("a", "==1", path=req, line=1)
    b = dependency("b", "==1", path=req, line=2)
    report = check_report(
        tmp_path,
        [finding(a, Status.MISSING), finding(b, Status.MISSING)],
        only_changed=frozenset({(req, 2, "b")}),
    )
    text = render_markdown(report)
    assert "| `b==1` |" in text
    assert "| `a==1` |" not in text
    assert "1 findings on unchanged dependencies are left out" in text


def test_list_summary(corpus_dir: Path) -> None:
    source = parse_file(corpus_dir / STEP3)
    report = check_report(corpus_dir, [], sources=[source])
    listed = Report(
        kind=ReportKind.LIST,
        root=corpus_dir,
        files=report.files,
        dependencies=source.dependencies,
    )
    text = render_markdown(listed)
    assert "## Python dependencies: 4 in 1 files" in text
    assert f"| `{STEP3.as_posix()}` | requirements | 4 | 0 |" in text
