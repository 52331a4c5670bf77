"""``${VAR}`` in requirements files takes its value from the environment ``main`` is given.

Only the command line reads the process environment; ``list`` and ``check`` pass the mapping
they were given down to the requirements reader, so a run with ``env={...}`` sees exactly
those variables and never the process's own.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from cg_action._cli import main


def _kinds(project: Path, env: dict[str, str]) -> dict[str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["list", "--format", "json", str(project)], env=env, out=out, err=err)
    assert code == 0, err.getvalue()
    return {dep["name"]: dep["kind"] for dep in json.loads(out.getvalue())["dependencies"]}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "requirements.txt").write_text(
        "pkg @ ${FILES_HOST}/pkg-1.0.tar.gz\n", encoding="utf-8"
    )
    return tmp_path


def test_a_variable_expands_from_the_given_environment(project: Path) -> None:
    assert _kinds(project, {"FILES_HOST": "https://files.example"}) == {"pkg": "url"}


def test_the_process_environment_is_not_read(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FILES_HOST", "https://files.example")
    assert _kinds(project, {}) == {"pkg": "path"}  # as written: no scheme, a local path
