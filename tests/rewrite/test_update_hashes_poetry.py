"""update-hashes on poetry.lock: made by the real Poetry, installed by the real Poetry.

The project's index URL stays the same while what it serves changes from the "upstream" build
to the "rebuilt" one (as when a repository manager is switched to Chainguard): Poetry's lock,
made against upstream, then fails its hash check, and installs once the digests are updated.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from cg_action._cli import main
from cg_action._rewrite._hashes_poetry import update_poetry_lock
from tests._servers import LocalIndex
from tests._wheels import make_sdist, make_wheel, sha256_file
from tests.lockgen._poetry import poetry_env, poetry_lock, write_project
from tests.rewrite._answers import found

DATA = Path(__file__).parent.parent / "data" / "update-hashes" / "poetry"


def build(root: Path, flavour: str) -> Path:
    make_wheel(root, "Alpha", "1.0", flavour=flavour, requires=["beta>=2"])
    make_sdist(root, "Alpha", "1.0", flavour=flavour, requires=["beta>=2"])
    make_wheel(root, "beta", "2.0", flavour=flavour)
    return root


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), env={}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def check_statuses(
    project: Path, index: LocalIndex, fallback: LocalIndex, lockfile: str = "poetry.lock"
) -> dict[str, str]:
    """``cg-action check``'s status per name for the pins of one lockfile."""
    code, out, err = cli(
        *("check", str(project), "--root", str(project), "--index-url", index.url),
        *("--fallback-index-url", fallback.url, "--no-cache", "--no-netrc"),
        *("--format", "json", "--fail-on", "none"),
    )
    assert code == 0, err
    results = json.loads(out)["results"]
    return {r["name"]: r["status"] for r in results if r["file"] == lockfile}


def serve(folder: Path, files: Path) -> None:
    for old in folder.iterdir():
        old.unlink()
    for new in files.iterdir():
        shutil.copy(new, folder / new.name)


def update_hashes(
    lock: Path, index: LocalIndex, upstream: Path, rebuilt: Path, *, append: bool
) -> str:
    """Run ``update-hashes`` on ``lock``; check it names the rebuilt files (and, with
    ``append``, still the upstream ones); return the new text."""
    code, out, err = cli(
        "update-hashes",
        *(["--append"] if append else []),
        *("--index-url", index.url, "--no-netrc", "--no-cache", str(lock)),
    )
    assert (code, err) == (0, "")
    assert "2 package(s) now use Chainguard's files" in out
    after = lock.read_text()
    for name in ("alpha-1.0-py3-none-any.whl", "alpha-1.0.tar.gz", "beta-2.0-py3-none-any.whl"):
        assert sha256_file(rebuilt / name) in after
        assert (sha256_file(upstream / name) in after) is append
    return after


def poetry_sync(project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["poetry", "sync", "--no-ansi", "--no-root"],
        cwd=project,
        env=poetry_env(home),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def installed(home: Path) -> str:
    site = next((home / "poetry-venvs").glob("*/lib/python*/site-packages"))
    return (site / "alpha" / "__init__.py").read_text()


@pytest.mark.tools
@pytest.mark.slow
@pytest.mark.parametrize("append", [False, True])
def test_poetry_lock_installs_from_chainguard_after_update(
    served: tuple[LocalIndex, LocalIndex, Path, Path], tmp_path: Path, append: bool
) -> None:
    index, pypi, upstream, rebuilt = served
    project = tmp_path / "project"
    write_project(project, index.url, ["alpha==1.0"])
    lock = poetry_lock(project, tmp_path / "home")
    before = lock.read_text()
    assert sha256_file(upstream / "alpha-1.0-py3-none-any.whl") in before

    serve(index.root, rebuilt)  # the same URL now serves Chainguard's builds
    assert check_statuses(project, index, pypi) == {
        "alpha": "locked-upstream",
        "beta": "locked-upstream",
    }
    refused = poetry_sync(project, tmp_path / "home")
    assert refused.returncode != 0  # Poetry refuses the rebuilt files against upstream digests

    after = update_hashes(lock, index, upstream, rebuilt, append=append)
    assert "content-hash" in after
    # only the files lists changed
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert all(line.lstrip().startswith("{file = ") for line in changed), changed

    synced = poetry_sync(project, tmp_path / "home")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "rebuilt build" in installed(tmp_path / "home")
    assert check_statuses(project, index, pypi) == {"alpha": "chainguard", "beta": "chainguard"}


FLASK_WHEEL = "38fe51eb" + "0" * 56  # what Chainguard might list (stand-in for the real index)
ANSWERS = {
    "flask": found(
        "flask",
        {"flask-3.0.2-py3-none-any.whl": FLASK_WHEEL, "flask-3.0.2.tar.gz": "a" * 64},
    ),
    "python-dateutil": found(
        "python-dateutil",
        {"python_dateutil-2.8.2-py2.py3-none-any.whl": "b" * 64},
    ),
}


@pytest.mark.parametrize("mode", ["replace", "append"])
def test_poetry_1x_golden_keeps_comments_and_crlf(mode: str) -> None:
    """Legacy ``[metadata.files]``, CRLF, comments; names spelled differently by Chainguard."""
    from cg_action._rewrite._plan import FilePlan, read_config

    before = DATA / "before.poetry.lock"
    source = read_config(before)
    assert source.newline == "\r\n"
    update = update_poetry_lock(
        source.text,
        before,
        {canonicalize_name(name): answer for name, answer in ANSWERS.items()},
        append=mode == "append",
    )
    assert update.updated == ["flask==3.0.2", "python-dateutil==2.8.2"]
    assert update.left == ["leftpad==0.1: not served by Chainguard (left as it is)"]
    plan = FilePlan(source=source, new_text=update.text)
    assert plan.new_bytes == (DATA / f"after-{mode}.poetry.lock").read_bytes()
    again = update_poetry_lock(update.text, before, ANSWERS, append=False)  # type: ignore[arg-type]
    assert (again.text == update.text) is (mode == "replace")


def test_poetry_lock_from_corpus_untouched_without_answers(corpus_dir: Path) -> None:
    locks = sorted(corpus_dir.rglob("poetry.lock"))
    assert locks
    for path in locks:
        text = path.read_text(encoding="utf-8")
        update = update_poetry_lock(text, path, {}, append=False)
        assert update.text == text
        assert not update.updated
