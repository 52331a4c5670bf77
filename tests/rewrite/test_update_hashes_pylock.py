"""update-hashes on pylock.toml (from ``uv export``) and ``--relock`` of pip-compile output.

Both are installed from the result against the rebuilt index: pylock.toml with
``uv pip install -r pylock.toml``, the re-locked requirements with ``pip --require-hashes``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cg_action._toml import tomllib
from tests._servers import LocalIndex
from tests._wheels import sha256_file
from tests.lockgen._pip_compile import offline_env, pip_compile
from tests.lockgen._uv import uv_env
from tests.rewrite.test_update_hashes_poetry import check_statuses, cli, serve


def tool(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300
    )


@pytest.mark.tools
@pytest.mark.slow
def test_pylock_installs_from_chainguard_after_update(
    served: tuple[LocalIndex, LocalIndex, Path, Path], tmp_path: Path
) -> None:
    from packaging.pylock import Pylock

    index, pypi, upstream, rebuilt = served
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\nrequires-python = ">=3.10"\n'
        'dependencies = ["alpha==1.0"]\n\n[tool.uv]\npackage = false\n\n'
        f'[[tool.uv.index]]\nname = "local"\nurl = "{index.url}"\ndefault = true\n'
    )
    env = uv_env(tmp_path / "home")
    for command in (
        ["uv", "lock", "--no-cache", "--default-index", index.url],
        ["uv", "export", "--frozen", "--format", "pylock.toml", "-o", "pylock.toml"],
    ):
        done = tool(command, project, env)
        assert done.returncode == 0, done.stderr
    lock = project / "pylock.toml"
    assert sha256_file(upstream / "alpha-1.0-py3-none-any.whl") in lock.read_text()

    serve(index.root, rebuilt)
    code, out, err = cli(
        "update-hashes", "--index-url", index.url, "--no-netrc", "--no-cache", str(lock)
    )
    assert (code, err) == (0, "")
    assert "2 package(s) now use Chainguard's files" in out
    after = lock.read_text()
    for name in ("alpha-1.0-py3-none-any.whl", "alpha-1.0.tar.gz", "beta-2.0-py3-none-any.whl"):
        assert sha256_file(rebuilt / name) in after
        assert sha256_file(upstream / name) not in after
    Pylock.from_dict(tomllib.loads(after))  # still valid PEP 751
    (project / "uv.lock").unlink()  # check must judge the pylock alone

    venv = tmp_path / "venv"
    assert tool(["uv", "venv", "--python", sys.executable, str(venv)], project, env).returncode == 0
    installed = tool(
        ["uv", "pip", "install", "--no-cache", "--python", str(venv), "-r", "pylock.toml"],
        project,
        env,
    )
    assert installed.returncode == 0, installed.stderr
    site = next(venv.glob("lib/python*/site-packages"))
    assert "rebuilt build" in (site / "alpha" / "__init__.py").read_text()
    assert check_statuses(project, index, pypi, "pylock.toml") == {
        "alpha": "chainguard",
        "beta": "chainguard",
    }


@pytest.mark.tools
@pytest.mark.slow
def test_relock_pip_compile_output_installs_with_require_hashes(
    served: tuple[LocalIndex, LocalIndex, Path, Path], tmp_path: Path
) -> None:
    index, pypi, upstream, rebuilt = served
    project = tmp_path / "project"
    home = tmp_path / "home"
    requirements = pip_compile(project, index.url, ["alpha==1.0"], home=home, emit_index_url=False)
    before = requirements.read_text()
    assert sha256_file(upstream / "alpha-1.0-py3-none-any.whl") in before

    serve(index.root, rebuilt)
    secret_url = index.url.replace("http://", "http://fake-user:fake-token@")
    out_buffer, err_buffer = __import__("io").StringIO(), __import__("io").StringIO()
    from cg_action._cli import main

    code = main(
        [
            "update-hashes",
            "--relock",
            "--index-url",
            secret_url,
            "--no-netrc",
            "--no-cache",
            str(requirements),
        ],
        env=offline_env(home),
        out=out_buffer,
        err=err_buffer,
    )
    assert code == 0, err_buffer.getvalue()
    assert "relocked" in out_buffer.getvalue()
    after = requirements.read_text()
    assert "fake-token" not in after + out_buffer.getvalue() + err_buffer.getvalue()
    assert not any(line.startswith("--index-url") for line in after.split("\n"))
    assert after.split("\n")[:6] == before.split("\n")[:6]  # the user's header command stays
    assert "    # via -r requirements.in" in after
    for name in ("alpha-1.0-py3-none-any.whl", "alpha-1.0.tar.gz", "beta-2.0-py3-none-any.whl"):
        assert sha256_file(rebuilt / name) in after
        assert sha256_file(upstream / name) not in after

    target = tmp_path / "target"
    done = tool(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--require-hashes",
            "--index-url",
            index.url,
            "--target",
            str(target),
            "-r",
            str(requirements),
        ],
        project,
        offline_env(home),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rebuilt build" in (target / "alpha" / "__init__.py").read_text()
    assert check_statuses(project, index, pypi, "requirements.txt") == {
        "alpha": "chainguard",
        "beta": "chainguard",
    }
