"""update-hashes on pdm.lock: made by the real pdm, installed by ``pdm sync`` from the result.

As for Poetry, the project's index URL stays the same while it switches from serving the
"upstream" builds to the "rebuilt" ones.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cg_action._rewrite._hashes_pdm import update_pdm_lock
from tests._servers import LocalIndex
from tests._wheels import sha256_file
from tests.lockgen._pdm import pdm_env, pdm_works
from tests.rewrite.test_update_hashes_poetry import ANSWERS, check_statuses, serve, update_hashes


def pdm(project: Path, home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [shutil.which("pdm") or "pdm", *argv],
        cwd=project,
        env=pdm_env(home),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.mark.tools
@pytest.mark.slow
@pytest.mark.parametrize("append", [False, True])
def test_pdm_lock_syncs_from_chainguard_after_update(
    served: tuple[LocalIndex, LocalIndex, Path, Path], tmp_path: Path, append: bool
) -> None:
    home = tmp_path / "home"
    why = pdm_works(home)
    if why is not None:
        pytest.skip(f"pdm cannot run here: {why}")
    index, pypi, upstream, rebuilt = served
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        'dependencies = ["alpha==1.0"]\n\n[tool.pdm]\ndistribution = false\n\n'
        f'[[tool.pdm.source]]\nname = "pypi"\nurl = "{index.url}"\n'
    )
    locked = pdm(project, home, "lock")
    assert locked.returncode == 0, locked.stderr
    lock = project / "pdm.lock"
    before = lock.read_text()
    assert sha256_file(upstream / "alpha-1.0-py3-none-any.whl") in before

    serve(index.root, rebuilt)
    assert check_statuses(project, index, pypi, "pdm.lock") == {
        "alpha": "locked-upstream",
        "beta": "locked-upstream",
    }
    after = update_hashes(lock, index, upstream, rebuilt, append=append)
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert all(line.lstrip().startswith("{file = ") for line in changed), changed

    synced = pdm(project, home, "sync", "--no-self")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    installed = [
        p
        for p in tmp_path.rglob("alpha/__init__.py")
        if "site-packages" in str(p) or "__pypackages__" in str(p)
    ]
    assert installed, synced.stdout + synced.stderr
    assert "rebuilt build" in installed[0].read_text()
    assert check_statuses(project, index, pypi, "pdm.lock") == {
        "alpha": "chainguard",
        "beta": "chainguard",
    }


def test_pdm_static_urls_take_chainguard_urls() -> None:
    """With ``static_urls`` the entries are URLs; they become the URLs Chainguard lists."""
    text = (
        '# comment kept\n[metadata]\nstrategy = ["static_urls"]\n\n[[package]]\n'
        'name = "Flask"\nversion = "3.0.2"\nfiles = [\n'
        '    {url = "https://files.pythonhosted.org/p/Flask-3.0.2-py3-none-any.whl", '
        'hash = "sha256:' + "3" * 64 + '"},\n]\n\n[[package]]\nname = "leftpad"\n'
        'version = "0.1"\nfiles = [\n    {file = "leftpad-0.1.tar.gz", hash = "sha256:'
        + "2" * 64
        + '"},\n]\n'
    )
    update = update_pdm_lock(text, Path("pdm.lock"), ANSWERS, append=False)  # type: ignore[arg-type]
    assert update.updated == ["flask==3.0.2"]
    assert update.left == ["leftpad==0.1: not served by Chainguard (left as it is)"]
    assert "https://libraries.cgr.dev/python/files/flask-3.0.2-py3-none-any.whl" in update.text
    assert "https://libraries.cgr.dev/python/files/flask-3.0.2.tar.gz" in update.text
    assert "pythonhosted" not in update.text
    assert update.text.startswith("# comment kept\n")
    assert update.text.split("leftpad", 1)[1] == text.split("leftpad", 1)[1]


def test_pdm_corpus_locks_untouched_without_answers(corpus_dir: Path) -> None:
    locks = sorted(corpus_dir.rglob("pdm.lock"))
    assert locks
    for path in locks:
        text = path.read_text(encoding="utf-8")
        assert update_pdm_lock(text, path, {}, append=True).text == text
