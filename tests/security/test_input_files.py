"""Hostile files in a pull request: links out of the repository, special files, huge files,
deep trees and includes, unreadable folders. Each ends in a clear message and exit 2, never
a traceback, a hang, or a file from elsewhere quoted.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cg_action._cli import main
from cg_action._errors import InputError, ParseError
from cg_action._sources import _typed
from cg_action._sources._discovery import MAX_DEPTH, discover
from cg_action._sources._dispatch import parse_file
from cg_action._sources._pipfile_lock import parse_pipfile_lock
from cg_action._sources._requirements import MAX_INCLUDE_DEPTH, parse_requirements
from cg_action._sources._typed import MAX_FILE_BYTES, read_text

ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, env=env or {}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def listing(root: Path, *paths: str) -> tuple[int, str, str]:
    return run(["list", "--format", "json", *(str(root / p) for p in paths or (".",))])


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.chdir(root)  # the root includes and links are bounded by
    return root


# -- links ---------------------------------------------------------------------------------


@pytest.mark.timeout(30)
def test_link_to_dev_zero_is_refused_without_reading_it(repo: Path) -> None:
    (repo / "requirements.txt").symlink_to("/dev/zero")
    code, out, err = listing(repo)
    assert code == 2
    assert "requirements.txt" in out + err
    assert "outside the repository" in out + err


@pytest.mark.skipif(not Path("/etc/passwd").is_file(), reason="needs /etc/passwd")
def test_link_to_etc_passwd_is_not_read_nor_quoted(repo: Path) -> None:
    (repo / "requirements.txt").symlink_to("/etc/passwd")
    first_line = Path("/etc/passwd").read_text().splitlines()[0]
    code, out, err = listing(repo)
    assert code == 2
    assert "outside the repository" in err
    assert first_line not in out + err
    assert "root:" not in out + err


def test_link_inside_the_repository_is_read(repo: Path) -> None:
    (repo / "reqs").mkdir()
    (repo / "reqs" / "base.txt").write_text("alpha==1.0\n")
    (repo / "requirements.txt").symlink_to("reqs/base.txt")
    code, out, _ = listing(repo, "requirements.txt")
    assert code == 0
    assert json.loads(out)["dependencies"][0]["name"] == "alpha"


def test_link_out_of_the_named_folder_is_refused_by_parse_file(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret-package==1.0\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").symlink_to(outside)
    with pytest.raises(ParseError, match="outside the repository"):
        parse_file(repo / "pyproject.toml", root=repo)


@pytest.mark.timeout(30)
def test_symlink_loop_is_an_input_error(repo: Path) -> None:
    (repo / "requirements.txt").symlink_to("requirements.txt")
    code, _, err = listing(repo)
    assert code == 2
    assert "requirements.txt" in err
    assert "loop" in err
    assert "Traceback" not in err
    code, _, err = listing(repo, "requirements.txt")
    assert code == 2
    assert "loop" in err


def test_include_of_a_link_out_of_the_repository_is_refused(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere.txt").write_text("from-elsewhere==1.0\n")
    (repo / "inner.txt").symlink_to(tmp_path / "elsewhere.txt")
    (repo / "requirements.txt").write_text("-r inner.txt\n")
    code, out, err = listing(repo)
    assert code == 2
    assert "from-elsewhere" not in out
    assert "outside the repository" in err


# -- special files ---------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
@pytest.mark.timeout(30)
def test_fifo_is_refused_without_blocking(repo: Path) -> None:
    os.mkfifo(repo / "requirements.txt")
    code, _, err = listing(repo)
    assert code == 2
    assert "requirements.txt" in err
    assert "FIFO" in err
    code, _, err = listing(repo, "requirements.txt")  # named on the command line too
    assert code == 2
    assert "FIFO" in err


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_device_is_refused_by_read_text() -> None:
    with pytest.raises(ParseError, match="a device, not a file"):
        read_text(Path("/dev/null"))


def test_directory_is_refused_by_read_text(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="directory"):
        read_text(tmp_path)


@pytest.mark.timeout(60)
def test_file_larger_than_the_cap_is_refused(repo: Path) -> None:
    big = repo / "requirements.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    code, _, err = listing(repo)
    assert code == 2
    assert "requirements.txt" in err
    assert f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB" in err


def test_file_at_the_cap_is_read(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    line = b"# " + b"x" * 1021 + b"\n"
    path.write_bytes(line * (MAX_FILE_BYTES // len(line)))
    assert path.stat().st_size <= MAX_FILE_BYTES
    assert len(read_text(path)) == path.stat().st_size


def test_a_file_that_grows_past_the_cap_while_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"a==1\n")
    monkeypatch.setattr(_typed, "MAX_FILE_BYTES", 4)  # a file bigger than its size says
    with pytest.raises(ParseError, match="larger than"):
        read_text(path)


# -- unreadable ---------------------------------------------------------------------------------


def test_unreadable_folder_during_discovery_names_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = repo / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path: Path) -> object:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, _, err = listing(repo)
    assert code == 2
    assert "locked" in err
    assert "Permission denied" in err


def test_unreadable_file_names_it(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "requirements.txt").write_text("a==1\n")
    real_open = os.open

    def deny(path: str, flags: int, *args: int) -> int:
        if Path(path).name == "requirements.txt":
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", deny)
    code, _, err = listing(repo)
    assert code == 2
    assert "requirements.txt" in err
    assert "Permission denied" in err


@pytest.mark.skipif(ROOT_USER, reason="root reads files whatever their mode")
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_unreadable_folder_and_file_for_real(repo: Path) -> None:
    (repo / "requirements.txt").write_text("a==1\n")
    (repo / "requirements.txt").chmod(0)
    (repo / "locked").mkdir()
    (repo / "locked").chmod(0)
    try:
        code, _, err = listing(repo)
    finally:
        (repo / "locked").chmod(0o755)
        (repo / "requirements.txt").chmod(0o644)
    assert code == 2
    assert "locked" in err or "requirements.txt" in err


# -- depth --------------------------------------------------------------------------------------


@pytest.fixture
def deep_tree(repo: Path) -> Iterator[Callable[[int], Path]]:
    """Makes ``repo/d/d/.../d`` some folders deep; removes it without recursion afterwards
    (``shutil.rmtree`` recurses once per level)."""
    made: list[Path] = []

    def make(depth: int) -> Path:
        here = repo
        for _ in range(depth):
            here = here / "d"
            os.mkdir(here)
            made.append(here)
        return here

    yield make
    for folder in reversed(made):
        for child in folder.iterdir():
            if not child.is_dir():
                child.unlink()
        folder.rmdir()


@pytest.mark.timeout(120)
def test_deep_folder_tree_is_an_input_error_not_a_recursion_error(
    repo: Path, deep_tree: Callable[[int], Path]
) -> None:
    bottom = deep_tree(1200)
    (bottom / "requirements.txt").write_text("a==1\n")
    with pytest.raises(InputError, match=f"more than {MAX_DEPTH} deep"):
        discover([repo])
    code, _, err = listing(repo)
    assert code == 2
    assert f"more than {MAX_DEPTH} deep" in err
    assert "Traceback" not in err


def test_tree_as_deep_as_allowed_is_walked(repo: Path, deep_tree: Callable[[int], Path]) -> None:
    bottom = deep_tree(MAX_DEPTH)
    (bottom / "requirements.txt").write_text("a==1\n")
    assert discover([repo]) == [bottom / "requirements.txt"]


def test_walk_matches_the_order_of_a_top_down_walk(repo: Path) -> None:
    for name in ("b/requirements.txt", "a/c/requirements.txt", "a/requirements.txt"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text("x==1\n")
    (repo / "requirements.txt").write_text("x==1\n")
    (repo / ".git").mkdir()
    (repo / ".git" / "requirements.txt").write_text("x==1\n")
    found = [p.relative_to(repo).as_posix() for p in discover([repo])]
    assert found == [
        "requirements.txt",
        "a/requirements.txt",
        "a/c/requirements.txt",
        "b/requirements.txt",
    ]


@pytest.mark.timeout(120)
def test_1500_nested_includes_stop_at_the_limit_naming_the_chain(repo: Path) -> None:
    for number in range(1500):
        (repo / f"r{number}.txt").write_text(f"-r r{number + 1}.txt\npkg{number}==1.0\n")
    (repo / "r1500.txt").write_text("last==1.0\n")
    source = parse_requirements(repo / "r0.txt", root=repo)
    deep = [p for p in source.problems if "nested" in p.message]
    assert len(deep) == 1
    problem = deep[0]
    assert problem.path.name == f"r{MAX_INCLUDE_DEPTH - 1}.txt"
    assert problem.line == 1
    assert "r0.txt:1" in problem.message
    assert f"more than {MAX_INCLUDE_DEPTH}" in problem.message
    code, _, err = listing(repo, "r0.txt")
    assert code == 2
    assert "Traceback" not in err
    assert "nested" in err


def test_deeply_nested_json_in_pipfile_lock_is_a_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "Pipfile.lock"
    path.write_text('{"default": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ParseError) as caught:
        parse_pipfile_lock(path)
    assert "Pipfile.lock" in str(caught.value)
    code, _, err = run(["list", str(path)])
    assert code == 2
    assert "Pipfile.lock" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", ["pyproject.toml", "uv.lock", "poetry.lock", "Pipfile"])
def test_deeply_nested_toml_is_a_parse_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, _, err = run(["list", str(path)])
    assert code == 2
    assert name in err
    assert "Traceback" not in err


# -- --config -----------------------------------------------------------------------------------


def _check_offline(repo: Path, *options: str) -> tuple[int, str, str]:
    env = {"CG_ACTION_CACHE_DIR": str(repo.parent / "cache"), "CG_ACTION_NETWORK_ERRORS": "warn"}
    return run(["check", "--offline", *options, str(repo)], env)


def test_missing_config_file_is_exit_2(repo: Path) -> None:
    (repo / "requirements.txt").write_text("a==1\n")
    code, _, err = _check_offline(repo, "--config", "nope.toml")
    assert code == 2
    assert "nope.toml: no such file" in err


def test_config_that_is_a_folder_is_exit_2(repo: Path) -> None:
    (repo / "requirements.txt").write_text("a==1\n")
    (repo / "conf").mkdir()
    code, _, err = _check_offline(repo, "--config", str(repo / "conf"))
    assert code == 2
    assert "conf" in err
    assert "directory" in err


def test_existing_config_file_is_read(repo: Path) -> None:
    (repo / "requirements.txt").write_text("a==1\n")
    (repo / "policy.toml").write_text('fail-on = "none"\n')
    assert _check_offline(repo, "--config", "policy.toml")[0] == 0
    (repo / "policy.toml").write_text("fail-on = 3\n")
    code, _, err = _check_offline(repo, "--config", "policy.toml")
    assert code == 2
    assert "policy.toml" in err


# -- through a real process -----------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_hostile_tree_in_a_subprocess_exits_2_without_traceback(repo: Path) -> None:
    (repo / "requirements.txt").symlink_to("/dev/zero")
    (repo / "sub").mkdir()
    (repo / "sub" / "requirements.txt").symlink_to("requirements.txt")
    result = subprocess.run(
        [sys.executable, "-m", "cg_action", "list", "."],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=100,
        env={"PATH": os.environ.get("PATH", "")},
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "requirements.txt" in result.stderr
