"""update-hashes on Pipfile.lock: made by the real pipenv, installed by ``pipenv sync``.

The JSON is edited as text: everything but the ``hashes`` arrays stays byte for byte.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cg_action._rewrite._hashes_pipfile import update_pipfile_lock
from tests._servers import LocalIndex
from tests._wheels import sha256_file
from tests.lockgen._pipenv import pipenv_env, pipenv_lock, write_pipfile
from tests.rewrite.test_update_hashes_poetry import ANSWERS, check_statuses, serve, update_hashes


@pytest.mark.tools
@pytest.mark.slow
@pytest.mark.parametrize("append", [False, True])
def test_pipfile_lock_syncs_from_chainguard_after_update(
    served: tuple[LocalIndex, LocalIndex, Path, Path], tmp_path: Path, append: bool
) -> None:
    index, pypi, upstream, rebuilt = served
    project, home = tmp_path / "project", tmp_path / "home"
    write_pipfile(project, {"local": index.url}, {"packages": ['alpha = "==1.0"']})
    lock = pipenv_lock(project, home, index.url)
    before = lock.read_text()
    assert sha256_file(upstream / "alpha-1.0-py3-none-any.whl") in before

    serve(index.root, rebuilt)
    assert check_statuses(project, index, pypi, "Pipfile.lock") == {
        "alpha": "locked-upstream",
        "beta": "locked-upstream",
    }
    after = update_hashes(lock, index, upstream, rebuilt, append=append)
    old, new = json.loads(before), json.loads(after)
    assert new["_meta"] == old["_meta"]
    for entry in (*old["default"].values(), *new["default"].values()):
        entry.pop("hashes")
    assert new == old

    synced = subprocess.run(
        [shutil.which("pipenv") or "pipenv", "sync"],
        cwd=project,
        env=pipenv_env(home, index.url),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert synced.returncode == 0, synced.stdout + synced.stderr
    site = next((project / ".venv").glob("lib/python*/site-packages"))
    assert "rebuilt build" in (site / "alpha" / "__init__.py").read_text()
    assert check_statuses(project, index, pypi, "Pipfile.lock") == {
        "alpha": "chainguard",
        "beta": "chainguard",
    }


def test_pipfile_lock_text_edit_keeps_layout() -> None:
    """Two-space indentation, CRLF, a custom category, a file entry and an unserved pin."""
    source = {
        "_meta": {"hash": {"sha256": "0" * 64}, "pipfile-spec": 6, "sources": []},
        "default": {
            "Flask": {"hashes": ["sha256:" + "3" * 64], "version": "==3.0.2"},
            "leftpad": {"hashes": ["sha256:" + "2" * 64], "version": "==0.1"},
        },
        "docs": {
            "python-dateutil": {"version": "==2.8.2", "hashes": []},
            "local": {"file": "https://example.invalid/local-1.0.tar.gz", "hashes": []},
        },
    }
    text = json.dumps(source, indent=2) + "\n"
    update = update_pipfile_lock(text, Path("Pipfile.lock"), ANSWERS, append=True)  # type: ignore[arg-type]
    assert update.updated == ["flask==3.0.2", "python-dateutil==2.8.2"]
    assert update.left == ["default.leftpad: leftpad==0.1: not served by Chainguard"]
    result = json.loads(update.text)
    assert result["default"]["Flask"]["hashes"] == [
        "sha256:" + "3" * 64,
        "sha256:38fe51eb" + "0" * 56,
        "sha256:" + "a" * 64,
    ]
    assert result["docs"]["python-dateutil"]["hashes"] == ["sha256:" + "b" * 64]
    assert list(result["docs"]["python-dateutil"]) == ["version", "hashes"]
    expected = json.loads(text)
    expected["default"]["Flask"]["hashes"] = result["default"]["Flask"]["hashes"]
    expected["docs"]["python-dateutil"]["hashes"] = ["sha256:" + "b" * 64]
    assert update.text == json.dumps(expected, indent=2) + "\n"


def test_pipfile_corpus_locks_untouched_without_answers(corpus_dir: Path) -> None:
    locks = sorted(corpus_dir.rglob("Pipfile.lock"))
    assert locks
    for path in locks:
        text = path.read_text(encoding="utf-8")
        assert update_pipfile_lock(text, path, {}, append=False).text == text
