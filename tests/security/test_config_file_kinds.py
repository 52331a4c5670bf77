"""Configuration files that are not regular files: ``check`` and ``rewrite`` neither crash nor hang.

``check`` reads pip.conf, uv.toml and friends for its configuration notices, and ``rewrite``
reads them to edit them; both go through the same reading rules as dependency files.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cg_action._cli import main


def _repository(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    return tmp_path


@pytest.mark.parametrize("name", ["pip.conf", "uv.toml"])
def test_a_link_loop_is_named_not_a_traceback(tmp_path: Path, name: str) -> None:
    repo = _repository(tmp_path)
    (repo / name).symlink_to(name)
    err = io.StringIO()
    code = main(["rewrite", "--check", str(repo)], env={}, out=io.StringIO(), err=err)
    assert code == 2, err.getvalue()
    assert name in err.getvalue()
    assert "please report" not in err.getvalue()
    # check only reads it for advice: the run goes on (offline: every pin unknown, exit 3)
    err = io.StringIO()
    cache = ["--offline", "--cache-dir", str(tmp_path / "cache")]
    code = main(["check", str(repo), *cache], env={}, out=io.StringIO(), err=err)
    assert code == 3, err.getvalue()
    assert "please report" not in err.getvalue()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    os.mkfifo(repo / "pip.conf")
    cache = ["--offline", "--cache-dir", str(tmp_path / "cache")]
    # rewrite must read the file to edit it: refused, named; check only reads it for advice
    for command, expected in ((["rewrite", "--check"], 2), (["check", *cache], 3)):
        # a blocking open of the pipe would wait for a writer forever: the timeout catches it
        result = subprocess.run(
            [sys.executable, "-m", "cg_action", *command, str(repo)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == expected, result.stderr
        assert "please report" not in result.stderr
        if expected == 2:
            assert "pip.conf: a named pipe" in result.stderr
