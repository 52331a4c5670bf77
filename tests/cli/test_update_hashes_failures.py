"""update-hashes when it cannot finish: nothing is written, and the exit code says why."""

from __future__ import annotations

import io
from pathlib import Path

from cg_action._cli import main
from tests._servers import free_port

DIGEST = "a" * 64


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), env={}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_unreachable_index_is_exit_3_and_changes_nothing(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    text = f"flask==3.0.0 \\\n    --hash=sha256:{DIGEST}\n"
    requirements.write_text(text)
    dead = f"http://127.0.0.1:{free_port()}/simple/"
    code, out, err = run("update-hashes", str(requirements), "--index-url", dead, "--no-cache")
    assert code == 3
    assert requirements.read_text() == text
    assert "unknown: flask" in err
    assert "not served" not in out + err  # a network failure is never "not served"


def test_lock_with_unreadable_entries_is_left_unchanged_exit_2(tmp_path: Path) -> None:
    lock = tmp_path / "poetry.lock"
    text = (
        '[[package]]\nname = "flask"\nversion = "3.0.0"\nfiles = [{file = "f.whl", hash = 7}]\n\n'
        '[metadata]\nlock-version = "2.1"\npython-versions = ">=3.10"\ncontent-hash = "x"\n'
    )
    lock.write_text(text)
    dead = f"http://127.0.0.1:{free_port()}/simple/"
    code, _, err = run("update-hashes", str(tmp_path), "--index-url", dead, "--no-cache")
    assert code == 2
    assert lock.read_text() == text
    assert "poetry.lock" in err
    assert "left unchanged" in err
