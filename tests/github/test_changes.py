"""--only-changed against a real temporary git repository and the real readers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cg_action._errors import UsageError
from cg_action._github._changes import changed_dependencies, merge_base
from cg_action._sources._dispatch import parse_file


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        [
            "git",
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-C",
            str(repo),
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def _parse(path: Path, text: str):  # type: ignore[no-untyped-def]
    return parse_file(path, text)


@pytest.fixture
def repo(tmp_path: Path, corpus_dir: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    real = corpus_dir / "chainguard/cs-workshop/chainguard-libraries/python/step3-cg-all"
    (repo / "requirements.txt").write_bytes((real / "requirements.txt").read_bytes())
    (repo / "unchanged-requirements.txt").write_text("rich==13.7.0\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    return repo


def test_new_and_changed_are_found(repo: Path) -> None:
    _git(repo, "checkout", "-q", "-b", "feature")
    (repo / "requirements.txt").write_text(
        "Werkzeug==3.0.2\nFlask==3.0.3\nPillow>=12.2.0 ; python_version >= '3.11'\n"
        "packaging==24.1\nrequests==2.32.3\n"
    )
    (repo / "sub").mkdir()
    (repo / "sub" / "requirements-dev.txt").write_text("pytest==8.0.0\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "change")
    files = [
        parse_file(repo / "requirements.txt"),
        parse_file(repo / "unchanged-requirements.txt"),
        parse_file(repo / "sub" / "requirements-dev.txt"),
    ]
    changed = changed_dependencies(repo, "main", files, _parse)
    req = repo / "requirements.txt"
    assert changed == {
        (req, 2, "flask"),  # version changed
        (req, 3, "pillow"),  # marker added
        (req, 5, "requests"),  # new line
        (repo / "sub" / "requirements-dev.txt", 1, "pytest"),  # file absent at base
    }
    assert merge_base(repo, "main") == _git(repo, "rev-parse", "main")


def test_relative_paths_and_moved_lines(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    (repo / "requirements.txt").write_text(
        "# a comment pushes everything down\nWerkzeug==3.0.2\nFlask==3.0.2\n"
        "Pillow>=12.2.0\npackaging==24.1\n"
    )
    files = [parse_file(Path("requirements.txt"))]
    assert changed_dependencies(Path(), "HEAD", files, _parse) == frozenset()


def test_unknown_base_says_what_to_do(repo: Path) -> None:
    files = [parse_file(repo / "requirements.txt")]
    with pytest.raises(UsageError) as info:
        changed_dependencies(repo, "origin/nope", files, _parse)
    assert "fetch-depth: 0" in info.value.diagnostics()


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="git repository"):
        changed_dependencies(tmp_path, "main", [], _parse)
