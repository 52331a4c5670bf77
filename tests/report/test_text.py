"""The terminal report: lines per finding, summary, counts and advice."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from packaging.version import Version

from cg_action._errors import Problem
from cg_action._models import (
    ConfigNotice,
    Dependency,
    DependencyKind,
    Ignore,
    Location,
    Report,
    ReportKind,
    Status,
)
from cg_action._report import render_text
from cg_action._sources._dispatch import parse_file

from ._build import check_report, dependency, finding, findings_for

STEP3 = Path("chainguard/cs-workshop/chainguard-libraries/python/step3-cg-all/requirements.txt")


def _step3_report(corpus_dir: Path) -> Report:
    source = parse_file(corpus_dir / STEP3)
    statuses = {"flask": Status.CHAINGUARD, "werkzeug": Status.CHAINGUARD}

    def choose(dep: Dependency) -> Status:
        return statuses.get(dep.name, Status.MISSING if dep.is_pinned else Status.FALLBACK)

    return check_report(corpus_dir, findings_for([source], choose), sources=[source])


def test_lines_of_a_real_requirements_file(corpus_dir: Path) -> None:
    text = render_text(_step3_report(corpus_dir))
    path = STEP3.as_posix()
    lines = text.splitlines()
    assert lines[:4] == [
        f"{path}:1: Werkzeug==3.0.2 → chainguard: Werkzeug: chainguard",
        f"{path}:2: Flask==3.0.2 → chainguard: Flask: chainguard",
        f"{path}:3: Pillow>=12.2.0 → fallback: Pillow: fallback",
        f"{path}:4: packaging==24.1 → missing: packaging: missing",
    ]
    assert "Chainguard coverage: 2 of 4 (50.0%)" in lines
    assert "  chainguard: 2" in lines
    assert "  fallback: 1" in lines
    assert "  missing: 1" in lines
    assert "Failing: 1 (fails on: missing)" in lines
    assert "What to do next:" in lines
    assert any("python -m cg_action rewrite" in line for line in lines)
    assert any("request a build of packaging, Pillow" in line for line in lines)
    assert "\x1b[" not in text


def test_relative_and_absolute_paths_are_shown_relative_to_root(tmp_path: Path) -> None:
    inside = dependency("flask", "==3.0.2", path=tmp_path / "sub" / "requirements.txt", line=7)
    outside = dependency("rich", "", path=Path("/elsewhere/requirements.txt"), line=None)
    report = check_report(
        tmp_path, [finding(inside, Status.CHAINGUARD), finding(outside, Status.UNKNOWN, "timeout")]
    )
    text = render_text(report)
    assert "sub/requirements.txt:7: flask==3.0.2 → chainguard" in text
    assert "/elsewhere/requirements.txt: rich → unknown: timeout" in text
    assert "check the index URL and credentials" in text


def test_colour_only_when_asked(tmp_path: Path) -> None:
    dep = dependency("flask", "==3.0.2", path=tmp_path / "requirements.txt")
    report = check_report(tmp_path, [finding(dep, Status.MISSING)])
    assert "\x1b[31mmissing\x1b[0m" in render_text(report, color=True)
    assert "\x1b[" not in render_text(report)


def test_ignored_unchanged_and_details(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    a = dependency("a", "==1.0", path=req, line=1)
    b = dependency("b", "==2.0", path=req, line=2)
    c = dependency("c", "==3.0", path=req, line=3)
    d = dependency("d", "==4.0", path=req, line=4)
    report = check_report(
        tmp_path,
        [
            finding(a, Status.MISSING, "no 1.0", ignored=Ignore(reason="vendored", source="x")),
            finding(
                b,
                Status.MISSING,
                "no 2.0",
                available_versions=(Version("1.9"), Version("2.1")),
                remediated_version=Version("2.0+cgr.1"),
            ),
            finding(c, Status.BLOCKED, "withheld", blocked_reason="MALWARE_DETECTED"),
            finding(d, Status.LOCKED_UPSTREAM, "pins PyPI digests"),
        ],
        only_changed=frozenset({(req, 2, "b"), (req, 3, "c"), (req, 4, "d")}),
    )
    text = render_text(report)
    assert "requirements.txt:1: a==1.0 → missing (ignored: vendored): no 1.0" in text
    assert (
        # the nearest versions are the message's to say: no second "available:" list
        "requirements.txt:2: b==2.0 → missing: no 2.0 (remediated: 2.0+cgr.1)" in text
    )
    assert "c==3.0 → blocked: withheld (reason: MALWARE_DETECTED)" in text
    assert "  ignored: 1" in text
    assert "changed on this branch: 3" in text
    assert "Failing: 1 (fails on: missing)" in text
    assert "python -m cg_action update-hashes" in text
    assert "move b to the remediated build" in text
    assert "a==1.0" not in text.split("What to do next:")[1]  # ignored: no advice


def test_unchanged_finding_is_marked(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    dep = dependency("a", "==1.0", path=req, line=1)
    report = check_report(tmp_path, [finding(dep, Status.MISSING, "no")], only_changed=frozenset())
    assert "a==1.0 → missing (unchanged): no" in render_text(report)
    assert "Failing: 0" in render_text(report)


def test_problems_are_listed_under_their_file(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    report = check_report(
        tmp_path,
        [],
        problems=[Problem(path=req, line=3, key="line 3", message="not a requirement: '!!'")],
    )
    text = render_text(report)
    assert "requirements.txt:3: line 3: error: not a requirement: '!!'" in text
    assert "Chainguard coverage: nothing checked against the index" in text
    assert "fix the files that could not be read" in text


def test_list_report(corpus_dir: Path) -> None:
    source = parse_file(corpus_dir / STEP3)
    url_dep = dependency(
        "tool", path=source.path, line=9, kind=DependencyKind.VCS, url="git+https://x/tool"
    )
    report = Report(
        kind=ReportKind.LIST,
        root=corpus_dir,
        dependencies=(*source.dependencies, url_dep),
    )
    text = render_text(report)
    path = STEP3.as_posix()
    assert f"{path}:2: Flask==3.0.2 (pinned)" in text
    assert f"{path}:3: Pillow>=12.2.0 (range)" in text
    assert f"{path}:9: tool @ git+https://x/tool (vcs)" in text
    assert "5 dependencies in 1 file" in text
    assert "  pinned: 3" in text
    assert render_text(report) == text  # stable


def test_rewrite_advice_once_when_a_notice_gives_it(tmp_path: Path) -> None:
    dep = dependency("six", "==1.16.0", path=tmp_path / "requirements.txt", line=2)
    report = check_report(tmp_path, [finding(dep, Status.FALLBACK)])

    def with_notice(code: str) -> Report:
        notice = ConfigNotice(
            location=Location(path=tmp_path / "requirements.txt", line=1),
            code=code,
            message="a trap",
            hint="run `cg-action rewrite` to point it at Chainguard",
        )
        return replace(report, config_notices=(notice,))

    generic = "point your tools at the Chainguard index first"
    assert generic in render_text(report)
    assert generic not in render_text(with_notice("pypi-index-url"))
    # a leaked credential is not fixed by rewrite: the advice for the fallback finding stays
    assert generic in render_text(with_notice("credentials-in-url"))


def test_brief_leaves_out_the_served_pins_that_need_nothing(corpus_dir: Path) -> None:
    from cg_action._models import PlatformGap
    from cg_action._report._formats import ReportFormat, renderer

    report = _step3_report(corpus_dir)
    gap = PlatformGap(target="windows-amd64@3.12", reason="no wheel for this platform")
    flask = next(f for f in report.findings if f.dependency.name == "flask")
    report = replace(
        report,
        findings=tuple(
            replace(f, platform_gaps=(gap,)) if f is flask else f for f in report.findings
        ),
    )
    path = STEP3.as_posix()
    full = render_text(report).splitlines()
    brief = renderer(ReportFormat.BRIEF).render(report).splitlines()
    werkzeug = f"{path}:1: Werkzeug==3.0.2 → chainguard: Werkzeug: chainguard"
    assert werkzeug in full
    assert werkzeug not in brief
    assert [line for line in brief if line.startswith(f"{path}:")] == [
        line for line in full if line.startswith(f"{path}:") and line != werkzeug
    ]  # Flask stays: it has a platform gap
    assert "1 served by Chainguard not listed (--format text lists every dependency)" in brief
    summary = full[full.index("Chainguard coverage: 2 of 4 (50.0%)") :]
    assert brief[-len(summary) :] == summary
