"""What the hook's and --help's start-up path imports: no HTTP, TOML-writing or rich modules."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("httpx", "httpcore", "h2", "tomlkit", "rich", "anyio")


@pytest.mark.parametrize(
    "args",
    [["--help"], ["check", "--help"], ["rewrite", "--help"], ["list", "--help"]],
)
def test_help_imports_nothing_heavy(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from cg_action._cli import main\n"
        f"main({args!r}, env={{}})\n"
        "print('MODULES=' + ','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{HEAVY!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "MODULES="


def test_list_of_a_requirements_file_imports_nothing_heavy(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    (tmp_path / "requirements.txt").write_text("flask==3.0.0\n")
    code = (
        "import sys, io\n"
        "from cg_action._cli import main\n"
        f"main(['list', {str(tmp_path)!r}], env={{}}, out=io.StringIO())\n"
        "print('MODULES=' + ','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{HEAVY!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "MODULES="
