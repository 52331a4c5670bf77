"""Credentials written into a committed file never reach a report, an annotation or an error."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cg_action._cli import main

SECRETS = ("s3cretA", "s3cretB", "s3cretC", "s3cretD", "s3cretE", "s3cretF")


def _project(root: Path) -> Path:
    root.mkdir()
    (root / "requirements.txt").write_text(
        "pkg @ https://user:s3cretA@example.invalid/pkg-1.0-py3-none-any.whl\n"
        "--extra-index-url https://u:s3cretB@repo.example.invalid/simple\n"
        "git+https://tok:s3cretC@example.invalid/o/r.git#egg=r\n"
        "-e git+https://s3cretD@example.invalid/o/s.git#egg=s\n"
        "bad @ https://user:s3cretE@example.invalid/x.whl ; nonsense ==\n"
    )
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n'
        'dependencies = ["q @ https://a:s3cretF@example.invalid/q-1.tar.gz"]\n'
    )
    return root


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--format", "json"],
        ["list"],
        ["check", "--offline", "--network-errors", "warn", "--format", "json"],
        ["check", "--offline", "--network-errors", "warn", "--format", "github"],
        ["check", "--offline", "--network-errors", "warn", "--format", "sarif"],
        ["check", "--offline", "--network-errors", "warn", "--format", "markdown"],
        ["check", "--offline", "--network-errors", "warn", "--format", "text"],
    ],
)
def test_no_secret_in_any_output(tmp_path: Path, args: list[str]) -> None:
    project = _project(tmp_path / "p")
    out, err = io.StringIO(), io.StringIO()
    env = {"CG_ACTION_CACHE_DIR": str(tmp_path / "cache")}
    command, *options = args
    extra = ["--root", str(project)] if command == "check" else []
    code = main([command, str(project), *extra, *options], env=env, out=out, err=err)
    text = out.getvalue() + err.getvalue()
    # requirements.txt:5 has an invalid marker: an input error, reported after everything else
    # was read (no crash, no index error).
    assert code == 2, text
    assert "example.invalid" in text  # the URLs themselves are shown
    for secret in SECRETS:
        assert secret not in text
