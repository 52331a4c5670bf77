"""Hostile pull requests: ``rewrite`` and ``update-hashes`` write nothing outside the repository.

A pull request can commit a symbolic link (``pip.conf -> ~/.config/pip/pip.conf``); a machine
can hold hard links, files of another owner, read-only files and folders. Each is refused with
exit 2 and a message naming the file, or kept as it was (owner, group, mode), and a failure
leaves neither a half-written file nor a temporary one. The CLI runs for real, on real files.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cg_action._cli import main
from tests._servers import LocalIndex, pypiserver
from tests._wheels import make_wheel, sha256_file

PIP_CONF = "[global]\nindex-url = https://pypi.org/simple\n"
HOME_CONF = PIP_CONF + "extra-index-url = https://user:home-secret-0123456789@corp.example/simple\n"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), env={}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def home_conf(tmp_path: Path) -> Path:
    conf = tmp_path / "home" / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(HOME_CONF)
    return conf


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- symbolic links ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode",
    [[], ["--diff"], ["--check"], ["--check", "--fix"]],
    ids=lambda m: " ".join(m) or "write",
)
@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_a_link_out_of_the_repository_is_neither_read_nor_written(
    repo: Path, home_conf: Path, mode: list[str], relative: bool
) -> None:
    target = os.path.relpath(home_conf, repo) if relative else str(home_conf)
    (repo / "pip.conf").symlink_to(target)
    code, out, err = run("rewrite", *mode)
    assert code == 2, out + err
    assert "pip.conf" in err
    assert "outside the repository" in err
    assert home_conf.read_text() == HOME_CONF
    assert "home-secret" not in out + err
    assert "corp.example" not in out  # its lines are not shown in a diff either
    assert "Traceback" not in err
    assert leftovers(home_conf.parent) == []


def test_a_folder_link_out_of_the_repository_is_refused(repo: Path, home_conf: Path) -> None:
    (repo / "config").symlink_to(home_conf.parent, target_is_directory=True)
    code, _, err = run("rewrite", "config/pip.conf")
    assert code == 2
    assert "outside the repository" in err
    assert home_conf.read_text() == HOME_CONF


def test_a_link_inside_the_repository_is_followed_and_kept(repo: Path) -> None:
    shared = repo / "shared" / "pip.conf"
    shared.parent.mkdir()
    shared.write_text(PIP_CONF)
    (repo / "service").mkdir()
    (repo / "service" / "pip.conf").symlink_to("../shared/pip.conf")
    code, out, err = run("rewrite")
    assert code == 0, out + err
    assert (repo / "service" / "pip.conf").is_symlink()
    assert "libraries.cgr.dev" in shared.read_text()


# --- hard links, owners, modes, read-only places -----------------------------------------------


def test_a_file_with_another_hard_link_is_refused_and_kept_whole(
    repo: Path, home_conf: Path
) -> None:
    os.link(home_conf, repo / "pip.conf")
    code, out, err = run("rewrite")
    assert code == 2, out + err
    assert "hard link" in err
    assert "cp FILE FILE.new && mv FILE.new FILE" in err  # what to do
    assert home_conf.read_text() == HOME_CONF
    assert os.stat(repo / "pip.conf").st_ino == os.stat(home_conf).st_ino  # not split
    code, out, _ = run("rewrite", "--diff")  # showing the change is fine
    assert code == 0
    assert "libraries.cgr.dev" in out


def test_a_refusal_changes_no_file_at_all(repo: Path, home_conf: Path) -> None:
    (repo / "a").mkdir()
    (repo / "a" / "pip.conf").write_text(PIP_CONF)  # would be fine alone
    (repo / "b").mkdir()
    os.link(home_conf, repo / "b" / "pip.conf")
    code, _, err = run("rewrite")
    assert code == 2
    assert (repo / "a" / "pip.conf").read_text() == PIP_CONF
    assert "b/pip.conf" in err


def test_mode_is_kept(repo: Path) -> None:
    conf = repo / "pip.conf"
    conf.write_text(PIP_CONF)
    conf.chmod(0o640)
    assert run("rewrite")[0] == 0
    assert stat.S_IMODE(conf.stat().st_mode) == 0o640
    assert "libraries.cgr.dev" in conf.read_text()


@pytest.mark.skipif(not IS_ROOT, reason="giving a file to another user takes root")
def test_owner_and_group_are_kept(repo: Path) -> None:
    conf = repo / "pip.conf"
    conf.write_text(PIP_CONF)
    os.chown(conf, 12345, 23456)
    conf.chmod(0o664)
    assert run("rewrite")[0] == 0
    status = conf.stat()
    assert (status.st_uid, status.st_gid) == (12345, 23456)
    assert stat.S_IMODE(status.st_mode) == 0o664
    assert "libraries.cgr.dev" in conf.read_text()


@pytest.mark.parametrize("what", ["file", "folder"])
def test_read_only_places_are_exit_2_naming_the_file(repo: Path, what: str) -> None:
    folder = repo / "svc"
    folder.mkdir()
    conf = folder / "pip.conf"
    conf.write_text(PIP_CONF)
    locked = conf if what == "file" else folder
    locked.chmod(0o444 if what == "file" else 0o555)
    try:
        code, out, err = run("rewrite")
    finally:
        locked.chmod(0o755)
    assert code == 2, out + err
    assert "svc/pip.conf" in err
    assert "read-only" in err
    assert "Traceback" not in err
    assert conf.read_text() == PIP_CONF
    assert leftovers(folder) == []


@pytest.fixture
def as_nobody(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A repository in a folder anyone may enter, and a switch to run as user 65534."""
    top = Path(tempfile.mkdtemp(prefix="cg-action-nobody-", dir="/tmp"))
    top.chmod(0o755)
    root = top / "repo"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    run("rewrite", "--diff")  # imports what a rewrite needs while it can still be read
    try:
        yield root
    finally:
        shutil.rmtree(top)


@pytest.mark.skipif(not IS_ROOT, reason="acting as another user takes root")
@pytest.mark.parametrize(
    "case", ["folder not writable", "file of another owner", "group this user is not in"]
)
def test_a_user_without_the_rights_gets_exit_2_and_no_traceback(as_nobody: Path, case: str) -> None:
    root = as_nobody
    conf = root / "pip.conf"
    conf.write_text(PIP_CONF)
    conf.chmod(0o666)
    if case == "folder not writable":
        root.chmod(0o755)  # root's folder: no temporary file can be made there
        os.chown(conf, 65534, 65534)
    elif case == "file of another owner":
        root.chmod(0o777)  # a rename would work, but the file is root's
    else:
        root.chmod(0o777)
        os.chown(conf, 65534, 0)  # this user's file, in root's group
    groups = os.getgroups()
    os.setgroups([])
    os.setegid(65534)
    os.seteuid(65534)  # real permission errors from here on
    try:
        code, out, err = run("rewrite")
    finally:
        os.seteuid(0)
        os.setegid(0)
        os.setgroups(groups)
    assert code == 2, out + err
    assert "pip.conf" in err
    assert "Traceback" not in err
    assert conf.read_text() == PIP_CONF
    assert leftovers(root) == []


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failure_while_writing_leaves_the_file_and_no_temporary_file(
    repo: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    conf = repo / "pip.conf"
    conf.write_text(PIP_CONF)

    def fail(fd: int) -> None:
        raise failure

    monkeypatch.setattr(os, "fsync", fail)  # the disk fills up while the new text is written
    code, _, err = run("rewrite")
    if isinstance(failure, OSError):
        assert code == 2
        assert "pip.conf" in err
        assert "No space left on device" in err
    else:
        assert code == 130
    assert conf.read_text() == PIP_CONF
    assert leftovers(repo) == []


# --- update-hashes shares the writer -------------------------------------------------------------


@pytest.fixture(scope="module")
def chainguard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalIndex, str]]:
    root = tmp_path_factory.mktemp("indexes")
    make_wheel(root / "pypi", "alpha", "1.0", flavour="upstream")
    make_wheel(root / "cg", "alpha", "1.0", flavour="rebuilt")
    upstream = sha256_file(root / "pypi" / "alpha-1.0-py3-none-any.whl")
    with pypiserver(root / "cg") as index:
        yield index, f"alpha==1.0 \\\n    --hash=sha256:{upstream}\n"


def test_update_hashes_does_not_write_through_a_link_out_of_the_repository(
    repo: Path, tmp_path: Path, chainguard: tuple[LocalIndex, str]
) -> None:
    index, text = chainguard
    outside = tmp_path / "elsewhere" / "requirements.txt"
    outside.parent.mkdir()
    outside.write_text(text)
    (repo / "requirements.txt").symlink_to(outside)
    args = ("update-hashes", "--index-url", index.url, "--no-netrc", "--no-cache")
    code, out, err = run(*args, "requirements.txt")
    assert code == 2, out + err
    assert "requirements.txt" in err
    assert "Traceback" not in err
    assert outside.read_text() == text
    assert leftovers(outside.parent) == []


def test_update_hashes_refuses_a_hard_link_and_keeps_owner_and_mode(
    repo: Path, tmp_path: Path, chainguard: tuple[LocalIndex, str]
) -> None:
    index, text = chainguard
    outside = tmp_path / "outside.txt"
    outside.write_text(text)
    os.link(outside, repo / "requirements.txt")
    args = ("update-hashes", "--index-url", index.url, "--no-netrc", "--no-cache")
    code, out, err = run(*args, "requirements.txt")
    assert code == 2, out + err
    assert "hard link" in err
    assert outside.read_text() == text

    own = repo / "requirements-own.txt"
    own.write_text(text)
    own.chmod(0o604)
    if IS_ROOT:
        os.chown(own, 12345, 23456)
    code, out, err = run(*args, "requirements-own.txt")
    assert code == 0, out + err
    assert own.read_text() != text  # the digest was replaced
    assert stat.S_IMODE(own.stat().st_mode) == 0o604
    if IS_ROOT:
        assert (own.stat().st_uid, own.stat().st_gid) == (12345, 23456)
    assert leftovers(repo) == []


# --- report files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--output", "{folder}"],
        ["check", "--offline", "--no-fallback", "--output", "{folder}"],
        ["check", "--offline", "--no-fallback", "--sarif-file", "{folder}"],
        ["check", "--offline", "--no-fallback", "--json-file", "{folder}"],
        ["check", "--offline", "--no-fallback", "--output", "{file}/report.txt"],
        ["check", "--offline", "--no-fallback", "--sarif-file", "{file}/x/report.sarif"],
    ],
    ids=" ".join,
)
def test_a_report_path_that_cannot_be_written_is_exit_2(
    repo: Path, tmp_path: Path, args: list[str]
) -> None:
    (repo / "requirements.txt").write_text("flask==3.0.0\n")
    folder = tmp_path / "reports"
    folder.mkdir()
    shown = [a.format(folder=folder, file=repo / "requirements.txt") for a in args]
    env = {"CG_ACTION_CACHE_DIR": str(tmp_path / "cache")}
    out, err = io.StringIO(), io.StringIO()
    code = main([*shown, "."], env=env, out=out, err=err)
    assert code == 2, err.getvalue()
    assert "cg-action: error:" in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert str(folder) in err.getvalue() or "requirements.txt" in err.getvalue()
    assert list(folder.iterdir()) == []


def test_update_hashes_refusal_of_one_file_writes_none(
    repo: Path, tmp_path: Path, chainguard: tuple[LocalIndex, str]
) -> None:
    index, text = chainguard
    # "a-requirements.txt" is planned first and could be written; the hard-linked one cannot
    first = repo / "a-requirements.txt"
    first.write_text(text)
    outside = tmp_path / "linked.txt"
    outside.write_text(text)
    os.link(outside, repo / "z-requirements.txt")
    args = ("update-hashes", "--index-url", index.url, "--no-netrc", "--no-cache")
    code, out, err = run(*args, "a-requirements.txt", "z-requirements.txt")
    assert code == 2, out + err
    assert "hard link" in err
    assert first.read_text() == text  # checked before any file was written
    assert outside.read_text() == text
    assert leftovers(repo) == []
