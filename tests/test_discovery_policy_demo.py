"""Discovery of dependency files, the project policy, and the demo through the real entry point."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest

from cg_action._cli import main
from cg_action._errors import ParseError
from cg_action._policy import apply_ignores, load_policy
from cg_action._sources._discovery import discover


def touch(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_discovery_finds_names_people_use_and_skips_the_rest(tmp_path: Path) -> None:
    wanted = [
        touch(tmp_path / "requirements.txt"),
        touch(tmp_path / "requirements-dev.txt"),
        touch(tmp_path / "dev-requirements.in"),
        touch(tmp_path / "requirements" / "base.txt"),
        touch(tmp_path / "svc" / "pyproject.toml"),
        touch(tmp_path / "svc" / "uv.lock"),
        touch(tmp_path / "Pipfile"),
        touch(tmp_path / "Pipfile.lock"),
        touch(tmp_path / "pylock.dev.toml"),
        touch(tmp_path / "app" / "poetry.lock"),
        touch(tmp_path / "app" / "pdm.lock"),
    ]
    for skipped in (".git", ".tox", "node_modules", "build/lib", "dist", ".venv"):
        touch(tmp_path / skipped / "requirements.txt")
    touch(tmp_path / "myenv" / "pyvenv.cfg")
    touch(tmp_path / "myenv" / "requirements.txt")
    touch(tmp_path / "README.txt")
    touch(tmp_path / "ignored" / "requirements.txt")
    touch(tmp_path / ".gitignore", "ignored/\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    found = {p.relative_to(tmp_path) for p in discover([tmp_path])}
    assert found == {p.relative_to(tmp_path) for p in wanted}


def test_policy_ignores_with_reason_and_expiry(tmp_path: Path) -> None:
    touch(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\nversion = "1"\n\n[tool.cg-action]\nfail-on = ["missing"]\n\n'
        '[[tool.cg-action.ignore]]\nname = "Internal_Tool"\nreason = "built in-house"\n\n'
        '[[tool.cg-action.ignore]]\nname = "old-thing"\nreason = "waiting"\nuntil = 2020-01-01\n',
    )
    policy = load_policy(tmp_path)
    assert policy.setting("fail-on") == ["missing"]
    assert [r.name for r in policy.ignores] == ["internal-tool", "old-thing"]
    assert policy.ignores[0].source == "pyproject.toml:9"
    from cg_action._models import Finding, Status
    from tests.test_classify import dep

    findings = [
        Finding(dependency=dep("==1.0", name="internal-tool"), status=Status.MISSING, message="m"),
        Finding(dependency=dep("==1.0", name="old-thing"), status=Status.MISSING, message="m"),
    ]
    marked, notes = apply_ignores(findings, policy, today=dt.date(2026, 11, 1))
    assert marked[0].ignored is not None
    assert marked[0].ignored.reason == "built in-house"
    assert marked[1].ignored is None
    assert "expired on 2020-01-01" in notes[0]


def test_policy_ignore_without_reason_is_an_error_at_its_line(tmp_path: Path) -> None:
    touch(tmp_path / ".cg-action.toml", '[[ignore]]\nname = "x"\n')
    with pytest.raises(ParseError) as caught:
        load_policy(tmp_path)
    assert ".cg-action.toml:2" in str(caught.value)
    assert "reason" in str(caught.value)


def _demo_folder(text: str) -> Path:
    (line,) = [line for line in text.splitlines() if line.startswith("The sample project")]
    return Path(line.rsplit(": ", 1)[1])


def test_demo_runs_offline_through_the_module_entry_point(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cg_action", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    # One sample pin is on no index: the check fails as it would on a pull request, and the
    # demo, having shown that, succeeds.
    assert result.returncode == 0, result.stderr
    assert "This is what a failing pull request looks like" in result.stdout
    assert "`cg-action check` would exit 1 here" in result.stdout
    assert "Failing: 1 (fails on: missing)" in result.stdout
    for status in ("chainguard", "fallback", "locked-upstream", "missing", "not-indexed"):
        assert f"→ {status}" in result.stdout
    assert "SAMPLE" in result.stdout
    assert "Chainguard coverage: 4 of 8 (50.0%)" in result.stdout
    # The project stays where the output says, and rewrite is suggested on it, not on ".".
    project = _demo_folder(result.stdout)
    assert project.is_relative_to(tmp_path)
    assert (project / "requirements.txt").is_file()
    assert f"python -m cg_action rewrite --diff {project}\n" in result.stdout


def test_demo_shows_every_line_its_report_cites(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(tempfile, "tempdir", str(tmp_path)):
        code = main(["demo"], env={}, out=out, err=err)
    assert code == 0, err.getvalue()
    text = out.getvalue()
    shown = dict(
        (int(m.group(1)), m.group(2)) for m in re.finditer(r"^ {0,3}(\d+)  (.*)$", text, re.M)
    )
    on_disk = (_demo_folder(text) / "requirements.txt").read_text().splitlines()
    assert shown == dict(enumerate(on_disk, 1))
    cited = re.findall(r"^requirements\.txt:(\d+): (\S+?)[=>@ ]", text, re.M)
    assert len(cited) == 9
    for line, name in cited:
        assert shown[int(line)].startswith((name, f"-e ./vendored/{name}")), (line, name)


def test_rewrite_suggested_by_the_demo_changes_only_the_sample_project(tmp_path: Path) -> None:
    with mock.patch.object(tempfile, "tempdir", str(tmp_path)):
        out = io.StringIO()
        main(["demo"], env={}, out=out, err=io.StringIO())
    project = _demo_folder(out.getvalue())
    diff = io.StringIO()
    assert main(["rewrite", "--diff", str(project)], env={}, out=diff, err=io.StringIO()) == 0
    assert f"+++ b{project}/pip.conf" in diff.getvalue()
    assert "+index-url = https://libraries.cgr.dev/python/simple/" in diff.getvalue()


def test_demo_json_is_valid_json_on_stdout(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(tempfile, "tempdir", str(tmp_path)):
        assert main(["demo", "--format", "json"], env={}, out=out, err=err) == 0
    report = json.loads(out.getvalue())
    assert report["summary"]["missing"] == 1
    assert (_demo_folder(err.getvalue()) / "requirements.txt").is_file()


def test_help_lists_commands_and_exit_codes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cg_action", "--help"], capture_output=True, text=True, check=True
    )
    for word in ("check", "list", "rewrite", "update-hashes", "verify", "demo", "exit codes"):
        assert word in result.stdout


def test_bad_environment_defaults_are_usage_errors() -> None:
    for env in ({"CG_ACTION_CONCURRENCY": "abc"}, {"CG_ACTION_NO_FALLBACK": "maybe"}):
        err = io.StringIO()
        assert main(["check", "."], env=env, out=io.StringIO(), err=err) == 2
        assert next(iter(env)) in err.getvalue()


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("fail-on = 3\n", ".cg-action.toml:1: fail-on"),
        ('targets = ["linux-x86_64", 7]\n', ".cg-action.toml:1: targets[1]"),
        ('remediated = "yes"\n', ".cg-action.toml:1: remediated"),
        ('extras = ["cli", 1]\n', ".cg-action.toml:1: extras[1]"),
        ('fail-on = "missing"\nindex-url = "ftp://h/x"\n', ".cg-action.toml:2: index-url"),
        ('\nfallback-index-url = "https://h:99999/"\n', ".cg-action.toml:2: fallback-index-url"),
    ],
)
def test_policy_settings_of_the_wrong_type_are_errors_at_their_line(
    tmp_path: Path, text: str, where: str
) -> None:
    touch(tmp_path / ".cg-action.toml", text)
    err = io.StringIO()
    code = main(
        ["check", str(tmp_path), "--root", str(tmp_path), "--offline"],
        env={},
        out=io.StringIO(),
        err=err,
    )
    assert code == 2
    assert where in err.getvalue()


def test_a_folder_without_dependency_files_says_so(tmp_path: Path) -> None:
    out = io.StringIO()
    code = main(["check", str(tmp_path), "--offline"], env={}, out=out, err=io.StringIO())
    assert code == 0
    assert f"no dependency file was found under {tmp_path}" in out.getvalue()
