"""``check`` end to end through ``main``: real pypiserver indexes on 127.0.0.1, real files.

Two indexes are built from the same releases: "rebuilt" plays Chainguard (its own digests) and
"upstream" plays PyPI. Lockfiles are made by the real tools (uv, pip-compile) against one or
the other.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cg_action._cli import main
from tests._servers import LocalIndex, free_port, pypiserver, write_htpasswd
from tests._wheels import make_sdist, make_wheel

FAKE_USER = "org-1234/pull-token"
FAKE_TOKEN = "fake-token-not-a-secret-0123456789"

RELEASES = {
    ("alpha", "1.0.0"): "both",
    ("alpha", "1.1.0"): "both",
    ("beta", "2.0.0"): "both",
    ("gamma", "0.3.0"): "upstream",  # Chainguard does not build it
}


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalIndex, LocalIndex]]:
    base = tmp_path_factory.mktemp("indexes")
    rebuilt, upstream = base / "rebuilt", base / "upstream"
    for (name, version), where in RELEASES.items():
        make_wheel(upstream, name, version, flavour="upstream")
        make_sdist(upstream, name, version, flavour="upstream")
        if where == "both":
            make_wheel(rebuilt, name, version, flavour="rebuilt")
    htpasswd = write_htpasswd(base / "htpasswd", {FAKE_USER: FAKE_TOKEN})
    with pypiserver(rebuilt, htpasswd=htpasswd) as cg, pypiserver(upstream) as pypi:
        yield cg, pypi


def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    environment = {
        "CHAINGUARD_PYTHON_IDENTITY_ID": FAKE_USER,
        "CHAINGUARD_PYTHON_TOKEN": FAKE_TOKEN,
        **(env or {}),
    }
    code = main(list(args), env=environment, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def check_json(
    project: Path, cg: LocalIndex, pypi: LocalIndex, *extra: str
) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code, out, err = check_project(
        project,
        cg,
        pypi,
        "--no-netrc",
        "--format",
        "json",
        *extra,
    )
    return code, json.loads(out) if out else {}, err


def check_project(
    project: Path, cg: LocalIndex, pypi: LocalIndex, *extra: str, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """``check PROJECT`` against the two test indexes, paths shown from PROJECT, no cache."""
    return run_cli(
        "check",
        str(project),
        "--root",
        str(project),
        "--index-url",
        cg.url,
        "--fallback-index-url",
        pypi.url,
        "--no-cache",
        *extra,
        env=env,
    )


def by_name(report: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {r["name"]: r for r in report["results"]}


def test_statuses_lines_and_exit_code(
    tmp_path: Path, indexes: tuple[LocalIndex, LocalIndex]
) -> None:
    cg, pypi = indexes
    (tmp_path / "requirements.txt").write_text(
        "# comment\nalpha==1.0.0\nbeta>=1.5\ngamma==0.3.0\ndelta==9.9\n./local-dir\n"
    )
    code, report, err = check_json(tmp_path, cg, pypi)
    results = by_name(report)
    assert results["alpha"]["status"] == "chainguard"
    assert results["alpha"]["line"] == 2
    assert results["alpha"]["file"] == "requirements.txt"
    assert results["beta"]["status"] == "chainguard"
    assert results["beta"]["matched_version"] == "2.0.0"
    assert results["gamma"]["status"] == "fallback"
    assert results["delta"]["status"] == "missing"
    assert report["summary"]["coverage_percent"] == pytest.approx(50.0)
    assert code == 1, err  # missing fails by default
    assert FAKE_TOKEN not in json.dumps(report) + err


def test_fail_on_none_passes_and_text_names_file_and_line(
    tmp_path: Path, indexes: tuple[LocalIndex, LocalIndex]
) -> None:
    cg, pypi = indexes
    (tmp_path / "requirements.txt").write_text("delta==9.9\n")
    code, out, err = run_cli(
        "check",
        str(tmp_path / "requirements.txt"),
        "--root",
        str(tmp_path),
        "--index-url",
        cg.url,
        "--fallback-index-url",
        pypi.url,
        "--no-cache",
        "--fail-on",
        "none",
    )
    assert code == 0, err
    assert "requirements.txt:1" in out
    assert "missing" in out


def test_wrong_token_is_exit_3_without_leaking(
    tmp_path: Path, indexes: tuple[LocalIndex, LocalIndex]
) -> None:
    cg, _ = indexes
    (tmp_path / "requirements.txt").write_text("alpha==1.0.0\n")
    code, out, err = run_cli(
        "check",
        str(tmp_path),
        "--index-url",
        cg.url,
        "--no-fallback",
        "--no-cache",
        env={"CHAINGUARD_PYTHON_TOKEN": "wrong-fake-token-xyz"},
    )
    assert code == 3
    assert "wrong-fake-token-xyz" not in out + err
    assert "hint:" in err  # pypiserver answers 403 to a wrong password: the entitlement hint


def check_against_a_dead_index(
    tmp_path: Path, requirements: str, *options: str
) -> tuple[int, str, str]:
    """``check`` of a requirements file against a port on 127.0.0.1 where nothing listens."""
    (tmp_path / "requirements.txt").write_text(requirements)
    dead = f"http://127.0.0.1:{free_port()}/simple/"
    return run_cli(
        "check", str(tmp_path), "--index-url", dead, "--no-fallback", "--no-cache", *options
    )


def test_unreachable_index_is_unknown_never_missing(tmp_path: Path) -> None:
    code, out, _ = check_against_a_dead_index(
        tmp_path, "alpha==1.0.0\nbeta==2.0.0\n", "--root", str(tmp_path), "--format", "json"
    )
    assert code == 3
    statuses = {r["status"] for r in json.loads(out)["results"]}
    assert statuses == {"unknown"}


def test_unreachable_index_with_network_errors_warn_exits_0(tmp_path: Path) -> None:
    code, _, err = check_against_a_dead_index(
        tmp_path, "alpha==1.0.0\n", "--network-errors", "warn"
    )
    assert code == 0
    assert "none of 1 dependencies could be checked" in err


def test_bad_input_is_exit_2_and_other_files_still_checked(
    tmp_path: Path, indexes: tuple[LocalIndex, LocalIndex]
) -> None:
    cg, pypi = indexes
    (tmp_path / "requirements.txt").write_text("alpha==1.0.0\nthis is not a requirement!!\n")
    sub = tmp_path / "svc"
    sub.mkdir()
    (sub / "pyproject.toml").write_text("[project\nname = 'x'\n")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "requirements.txt").write_text("beta==2.0.0\n")
    code, report, _ = check_json(tmp_path, cg, pypi, "--fail-on", "none")
    assert code == 2
    results = by_name(report)
    assert results["alpha"]["status"] == "chainguard"
    assert results["beta"]["status"] == "chainguard"
    errors = {f["path"]: f["errors"] for f in report["files"] if f["errors"]}
    assert errors["requirements.txt"][0]["line"] == 2
    assert errors["svc/pyproject.toml"][0]["line"] == 1


def test_credentials_in_index_url_are_used_and_never_shown(
    tmp_path: Path, indexes: tuple[LocalIndex, LocalIndex]
) -> None:
    cg, _ = indexes
    (tmp_path / "requirements.txt").write_text("alpha==1.0.0\n")
    encoded_user = FAKE_USER.replace("/", "%2F")
    url = cg.url.replace("http://", f"http://{encoded_user}:{FAKE_TOKEN}@")
    code, out, err = run_cli(
        "check",
        str(tmp_path),
        "--index-url",
        url,
        "--no-fallback",
        "--no-cache",
        "--format",
        "json",
        env={"CHAINGUARD_PYTHON_IDENTITY_ID": "", "CHAINGUARD_PYTHON_TOKEN": ""},
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["index_url"] == cg.url
    assert FAKE_TOKEN not in out + err


def test_netrc_credentials(tmp_path: Path, indexes: tuple[LocalIndex, LocalIndex]) -> None:
    cg, _ = indexes
    (tmp_path / "requirements.txt").write_text("alpha==1.0.0\n")
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1\nlogin {FAKE_USER}\npassword {FAKE_TOKEN}\n")
    netrc.chmod(0o600)
    code, out, err = run_cli(
        "check",
        str(tmp_path),
        "--index-url",
        cg.url,
        "--no-fallback",
        "--no-cache",
        env={
            "CHAINGUARD_PYTHON_IDENTITY_ID": "",
            "CHAINGUARD_PYTHON_TOKEN": "",
            "NETRC": str(netrc),
        },
    )
    assert code == 0, out + err


def test_lock_precedence_covers_declarations(
    tmp_path: Path, indexes: tuple[LocalIndex, LocalIndex]
) -> None:
    """A pip-compile lock beside its .in: the locked pins are checked, the .in is covered."""
    cg, pypi = indexes
    (tmp_path / "requirements.in").write_text("alpha\ngamma\n")
    (tmp_path / "requirements.txt").write_text(
        "#\n# This file is autogenerated by pip-compile with Python 3.12\n#\n"
        "alpha==1.1.0\n    # via -r requirements.in\n"
    )
    _, report, _ = check_json(tmp_path, cg, pypi, "--fail-on", "none")
    checked = {(r["name"], r["file"]) for r in report["results"]}
    assert ("alpha", "requirements.txt") in checked
    assert ("alpha", "requirements.in") not in checked  # covered by the lock
    assert ("gamma", "requirements.in") in checked  # no lock covers it: still reported


@pytest.mark.tools
def test_uv_lock_made_against_upstream_is_locked_upstream(
    tmp_path: Path, indexes: tuple[LocalIndex, LocalIndex]
) -> None:
    cg, pypi = indexes
    uv = shutil.which("uv")
    assert uv, "uv is a test dependency"
    results = {}
    for label, index in (("upstream", pypi), ("rebuilt", cg)):
        project = tmp_path / label
        project.mkdir()
        (project / "pyproject.toml").write_text(
            '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
            'dependencies = ["alpha==1.0.0", "beta==2.0.0"]\n'
        )
        env = {
            **os.environ,
            "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
            "UV_NO_CONFIG": "1",
            "UV_INDEX_URL": index.url,
            "UV_INDEX_USERNAME": FAKE_USER,
        }
        env["UV_DEFAULT_INDEX"] = (
            index.url.replace("http://", f"http://{FAKE_USER.replace('/', '%2F')}:{FAKE_TOKEN}@")
            if index is cg
            else index.url
        )
        env.pop("UV_INDEX_URL")
        env.pop("UV_INDEX_USERNAME")
        subprocess.run(
            [uv, "lock", "--directory", str(project)], check=True, env=env, capture_output=True
        )
        lock_text = (project / "uv.lock").read_text()
        assert FAKE_TOKEN not in lock_text
        _, report, _ = check_json(project, cg, pypi, "--fail-on", "none")
        results[label] = {(r["name"], r["file"]): r["status"] for r in report["results"]}
    assert results["upstream"][("alpha", "uv.lock")] == "locked-upstream"
    assert results["upstream"][("beta", "uv.lock")] == "locked-upstream"
    assert results["rebuilt"][("alpha", "uv.lock")] == "chainguard"
    assert results["rebuilt"][("beta", "uv.lock")] == "chainguard"


@pytest.mark.tools
def test_pip_compile_hashes_against_upstream_are_locked_upstream(
    tmp_path: Path, indexes: tuple[LocalIndex, LocalIndex]
) -> None:
    cg, pypi = indexes
    (tmp_path / "requirements.in").write_text("alpha==1.1.0\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "piptools",
            "compile",
            "--generate-hashes",
            "--no-emit-index-url",
            "--index-url",
            pypi.url,
            "--cache-dir",
            str(tmp_path / "cache"),
            "-q",
            "-o",
            str(tmp_path / "requirements.txt"),
            str(tmp_path / "requirements.in"),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    _, report, _ = check_json(tmp_path, cg, pypi, "--fail-on", "none")
    found = {(r["name"], r["file"]): r for r in report["results"]}
    alpha = found[("alpha", "requirements.txt")]
    assert alpha["status"] == "locked-upstream"
    assert alpha["evidence"] == "digests"
    assert "match the fallback" in alpha["message"]


def test_configuration_traps_are_reported_but_do_not_fail(
    tmp_path: Path, indexes: tuple[LocalIndex, LocalIndex]
) -> None:
    cg, pypi = indexes
    (tmp_path / "requirements.txt").write_text(
        "--index-url https://pypi.org/simple\nalpha==1.0.0\n"
    )
    code, report, _ = check_json(tmp_path, cg, pypi)
    assert code == 0
    assert [(n["file"], n["line"], n["code"]) for n in report["configuration"]] == [
        ("requirements.txt", 1, "pypi-index-url")
    ]
    code, out, _ = check_project(
        tmp_path,
        cg,
        pypi,
        "--format",
        "github",
    )
    assert code == 0
    assert any(
        line.startswith("::warning file=requirements.txt,line=1,") and "pypi-index-url" in line
        for line in out.splitlines()
    )


def test_empty_action_inputs_leave_the_policy_in_charge(
    tmp_path: Path, indexes: tuple[LocalIndex, LocalIndex]
) -> None:
    """The Action passes empty CG_ACTION_* values for inputs left at their default."""
    cg, pypi = indexes
    (tmp_path / "requirements.txt").write_text("gamma==0.3.0\n")
    # an index the policy file chooses gets none of the environment's credentials: its own
    # user-info only (a real repository would rather have the Action pass the URL)
    with_userinfo = cg.url.replace("://", f"://{FAKE_USER.replace('/', '%2F')}:{FAKE_TOKEN}@")
    (tmp_path / ".cg-action.toml").write_text(
        f'fail-on = ["fallback"]\nindex-url = "{with_userinfo}"\n'
    )
    empty = {"CG_ACTION_FAIL_ON": "", "CG_ACTION_INDEX_URL": "", "CG_ACTION_REMEDIATED": ""}
    code, out, err = run_cli(
        "check",
        str(tmp_path),
        "--root",
        str(tmp_path),
        "--fallback-index-url",
        pypi.url,
        "--no-cache",
        "--format",
        "json",
        env=empty,
    )
    assert code == 1, err
    report = json.loads(out)
    assert report["fail_on"] == ["fallback"]
    assert report["index_url"] == cg.url


def test_pull_request_comment_failure_is_a_warning_not_a_failed_check(
    tmp_path: Path, indexes: tuple[LocalIndex, LocalIndex]
) -> None:
    """The GitHub API cannot be reached here: a dead port on 127.0.0.1 stands for it failing."""
    cg, pypi = indexes
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("alpha==1.0.0\n")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": "abc"}}}))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "octo/example",
        "GITHUB_API_URL": f"http://127.0.0.1:{free_port()}",
        "GITHUB_TOKEN": "fake-github-token-123",
        "GITHUB_WORKSPACE": str(project),
        "RUNNER_TEMP": str(tmp_path),
    }
    code, out, err = check_project(
        project,
        cg,
        pypi,
        "--comment",
        "always",
        env=env,
    )
    assert code == 0, err
    assert "::warning::cg-action: the pull request comment was not written" in err
    assert "fake-github-token-123" not in out + err


def test_unreachable_index_in_lenient_mode_still_writes_the_report_file(tmp_path: Path) -> None:
    report_file = tmp_path / "out" / "report.json"
    code, out, err = check_against_a_dead_index(
        tmp_path,
        "alpha==1.0.0\nnot a requirement!!\n",
        *("--root", str(tmp_path), "--network-errors", "warn", "--format", "json"),
        *("-o", str(report_file)),
    )
    assert code == 2  # the unreadable line still counts
    assert out == ""
    assert "requirements.txt:2" in err
    assert json.loads(report_file.read_text())["summary"]["unknown"] == 1


def test_only_changed_fails_only_on_what_the_branch_changed(
    tmp_path: Path, indexes: tuple[LocalIndex, LocalIndex]
) -> None:
    cg, pypi = indexes
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    (repo / "requirements.txt").write_text("delta==9.9\nalpha==1.0.0\n")  # delta: missing
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    (repo / "requirements.txt").write_text("delta==9.9\nalpha==1.0.0\nomega==0.1\n")
    code, out, err = check_project(
        repo,
        cg,
        pypi,
        "--format",
        "json",
        "--only-changed",
        "--base",
        "HEAD",
    )
    report = json.loads(out)
    changed = {r["name"]: r["changed"] for r in report["results"]}
    assert changed == {"delta": False, "alpha": False, "omega": True}
    assert report["summary"]["failing"] == 1  # omega only; delta was missing before the branch
    assert code == 1, err
    (repo / "requirements.txt").write_text("delta==9.9\nalpha==1.0.0\n")
    code, _, err = check_project(
        repo,
        cg,
        pypi,
        "--only-changed",
        "--base",
        "HEAD",
    )
    assert code == 0, err  # the old finding does not fail a branch that did not touch it
