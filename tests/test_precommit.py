"""The pre-commit hooks, run by the real ``pre-commit`` in a temporary git repository.

The hooks are installed from this checkout's HEAD commit (as users install them from a tag).
pre-commit runs with this interpreter and builds the hook environment from it; pip installs
cg-action there with no index, from a wheelhouse repacked from what this interpreter already
has (``tests._offline_install``), so no test reaches the internet and none depends on how
Python was installed or on PATH.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._offline_install import build_wheelhouse, offline_pip_env, without_installer_settings
from tests._servers import LocalIndex, free_port, pypiserver
from tests._wheels import make_wheel

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.tools, pytest.mark.slow]


def _head() -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's cache, shared by the module's tests (the hook environment is built once)."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIndex]:
    root = tmp_path_factory.mktemp("hook-index")
    make_wheel(root, "alpha", "1.0.0", flavour="rebuilt")
    with pypiserver(root) as served:
        yield served


def _env(home: Path, repo: Path, wheelhouse: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in without_installer_settings(dict(os.environ)).items()
        if not k.startswith(("CHAINGUARD_", "CG_ACTION_", "GITHUB_", "PRE_COMMIT"))
    }
    env.update(offline_pip_env(wheelhouse))
    env.update(
        PRE_COMMIT_HOME=str(home),
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.invalid",
        CG_ACTION_CACHE_DIR=str(repo.parent / "cache"),
        HOME=str(repo.parent),
    )
    return env


def _repo(tmp_path: Path, hooks: str, home: Path, wheelhouse: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "repo"
    repo.mkdir()
    env = _env(home, repo, wheelhouse)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {_head()}\n    hooks:\n{hooks}"
    )
    # The git hook it writes runs pre-commit with this same interpreter.
    subprocess.run([*PRE_COMMIT, "install"], cwd=repo, check=True, env=env, capture_output=True)
    subprocess.run(["git", "add", ".pre-commit-config.yaml"], cwd=repo, check=True, env=env)
    return repo, env


def _commit(
    repo: Path, env: dict[str, str], files: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    for name, text in files.items():
        (repo / name).write_text(text)
    subprocess.run(["git", "add", *files], cwd=repo, check=True, env=env)
    return subprocess.run(  # noqa: PLW1510 - the caller asserts on the exit code
        ["git", "commit", "-q", "-m", "change"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_config_hook_passes_clean_commit_and_stops_pypi_index_url(
    tmp_path: Path, pre_commit_home: Path, wheelhouse: Path
) -> None:
    repo, env = _repo(tmp_path, "      - id: cg-action-config\n", pre_commit_home, wheelhouse)
    clean = _commit(repo, env, {"requirements.txt": "alpha==1.0.0\n"})
    assert clean.returncode == 0, clean.stdout + clean.stderr
    bad = _commit(
        repo, env, {"requirements.txt": "--index-url https://pypi.org/simple\nalpha==1.0.0\n"}
    )
    assert bad.returncode != 0
    output = bad.stdout + bad.stderr
    assert "requirements.txt:1" in output
    assert "rewrite" in output


def test_config_hook_fix_mode_repairs(
    tmp_path: Path, pre_commit_home: Path, wheelhouse: Path
) -> None:
    repo, env = _repo(
        tmp_path,
        "      - id: cg-action-config\n        args: [--fix]\n",
        pre_commit_home,
        wheelhouse,
    )
    first = _commit(
        repo, env, {"requirements.txt": "--index-url https://pypi.org/simple\nalpha==1.0.0\n"}
    )
    assert first.returncode != 0  # like formatters: the files were changed, the commit stops
    fixed = (repo / "requirements.txt").read_text()
    assert "https://pypi.org/simple" not in fixed.split("\n")[0]
    assert "libraries.cgr.dev/python/simple" in fixed
    again = _commit(repo, env, {"requirements.txt": fixed})
    assert again.returncode == 0, again.stdout + again.stderr


def test_check_hook_reports_missing_pin(
    tmp_path: Path, pre_commit_home: Path, wheelhouse: Path, index: LocalIndex
) -> None:
    hooks = (
        f"      - id: cg-action-check\n        args: [--index-url, '{index.url}', --no-fallback]\n"
    )
    repo, env = _repo(tmp_path, hooks, pre_commit_home, wheelhouse)
    ok = _commit(repo, env, {"requirements.txt": "alpha==1.0.0\n"})
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # the brief report: a served pin is counted, not listed
    assert "1 served by Chainguard not listed" in ok.stdout + ok.stderr
    assert "alpha==1.0.0 →" not in ok.stdout + ok.stderr
    untouched = _commit(repo, env, {"notes.md": "no dependency file here\n"})
    assert untouched.returncode == 0
    assert "(no files to check)Skipped" in untouched.stdout + untouched.stderr
    missing = _commit(repo, env, {"requirements.txt": "alpha==1.0.0\nzeta==4.2\n"})
    assert missing.returncode == 1
    assert "requirements.txt:2: zeta==4.2 → missing" in missing.stdout + missing.stderr
    assert "requirements.txt:1" not in missing.stdout + missing.stderr


def test_check_hook_says_in_one_line_that_nothing_was_checked(
    tmp_path: Path, pre_commit_home: Path, wheelhouse: Path
) -> None:
    """No index answers: the commit goes through, and the hook says why in one line."""
    dead = f"http://127.0.0.1:{free_port()}/simple/"
    hooks = f"      - id: cg-action-check\n        args: [--index-url, '{dead}', --no-fallback]\n"
    repo, env = _repo(tmp_path, hooks, pre_commit_home, wheelhouse)
    result = _commit(repo, env, {"requirements.txt": "alpha==1.0.0\nbeta==2.0\n"})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output  # not blocking: --network-errors=warn
    said = [line for line in output.splitlines() if "could be checked" in line]
    assert len(said) == 1, output
    assert "none of 2 dependencies could be checked" in said[0]
    assert "not failing (--network-errors=warn)" in said[0]
