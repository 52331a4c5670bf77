"""``--root`` / ``CG_ACTION_ROOT`` must name a folder: anything else is a usage error (exit 2),
never a check of the current directory that finds nothing and passes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cg_action._cli import main


def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, env=env, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current directory holds a dependency file, so a check of it would find one."""
    (tmp_path / "requirements.txt").write_text("alpha==1.0\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("kind", ["missing", "file"])
@pytest.mark.parametrize("given", ["option", "environment"])
def test_a_root_that_is_not_a_folder_is_a_usage_error(
    elsewhere: Path, kind: str, given: str
) -> None:
    root = elsewhere / "nowhere"
    if kind == "file":
        root.write_text("")
    args, env = ["check", "--offline"], {}
    if given == "option":
        args += ["--root", str(root)]
    else:
        env["CG_ACTION_ROOT"] = str(root)
    code, out, err = run(args, env)
    assert code == 2, (out, err)
    assert f"{root}: not a folder" in err
    assert out == ""


def test_a_root_that_is_a_folder_is_read(elsewhere: Path, tmp_path: Path) -> None:
    repository = tmp_path / "repository"
    repository.mkdir()
    (repository / "requirements.txt").write_text("beta==2.0\n")
    code, out, err = run(["check", "--offline", "--root", str(repository), str(repository)], {})
    assert code != 2, err
    assert "beta" in out
