"""Make pdm.lock files with the real pdm against a local index, and read pdm's view.

The demo project's only source is the local index, configured as ``[[tool.pdm.source]]``
named ``pypi`` (which replaces PyPI). pdm's home, cache and configuration are under ``home``
and its HTTP cache is off (``PDM_NO_CACHE``). ``pdm_works`` says whether the installed pdm can
start at all: pdm 2.29 fails at start-up next to unearth 0.19 or hishel 2 (they changed the
classes pdm builds on), and then the tests that need it are skipped with pdm's own message.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.lockgen._index import DEPENDENCIES, GROUPS, OPTIONAL, write_local_package
from tests.lockgen._pip_compile import offline_env, run


def pdm_env(home: Path) -> dict[str, str]:
    """Environment for pdm with everything it writes under ``home``."""
    return offline_env(
        home,
        {
            "PDM_HOME": str(home / "pdm-home"),
            "PDM_CACHE_DIR": str(home / "pdm-cache"),
            "PDM_CONFIG_FILE": str(home / "pdm-config.toml"),
            "PDM_NO_CACHE": "1",
            "PDM_CHECK_UPDATE": "false",
            "PDM_IGNORE_SAVED_PYTHON": "1",
            "PDM_NON_INTERACTIVE": "1",
            "PDM_USE_VENV": "false",
        },
    )


def pdm_works(home: Path) -> str | None:
    """None when pdm can lock a project here; else why it cannot (its error output)."""
    executable = shutil.which("pdm")
    if executable is None:
        return "pdm is not installed (it is in the test extra)"
    # building pdm's HTTP session is where an incompatible unearth or hishel fails
    probe = (
        "from pdm.models.session import PDMPyPIClient\n"
        "PDMPyPIClient(sources=[], cache_dir=None).close()\n"
    )
    python = Path(executable).resolve().parent / "python3"
    result = subprocess.run(
        [str(python) if python.exists() else sys.executable, "-c", probe],
        check=False,
        env=pdm_env(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode == 0:
        return None
    return " ".join((result.stdout + result.stderr).strip().splitlines()[-2:])


def _toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


def write_project(project: Path, index_url: str) -> Path:
    """The demo project for pdm: index packages, an extra, a dev group and two local packages."""
    for name in ("edit", "plain"):
        write_local_package(project / "libs" / name, name)
    extras = "".join(f"{k} = {_toml_list(v)}\n" for k, v in OPTIONAL.items())
    groups = {k: [*v, "-e file:///${PROJECT_ROOT}/libs/edit"] for k, v in GROUPS.items()}
    text = (
        '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        "dependencies = "
        f"{_toml_list([*DEPENDENCIES, 'plain @ file:///${PROJECT_ROOT}/libs/plain'])}\n\n"
        f"[project.optional-dependencies]\n{extras}\n"
        "[dependency-groups]\n"
        + "".join(f"{k} = {_toml_list(v)}\n" for k, v in groups.items())
        + '\n[tool.pdm]\ndistribution = false\n\n[[tool.pdm.source]]\nname = "pypi"\n'
        f'url = "{index_url}"\n'
    )
    path = project / "pyproject.toml"
    path.write_text(text)
    return path


def pdm_lock(project: Path, home: Path) -> Path:
    """Run ``pdm lock`` for every group in ``project`` and return the lock file."""
    # gamma is pinned differently below and above Python 3.12: pdm resolves one version per
    # package, so the lock is made for two targets, the second appended (pdm's documented way).
    run([_pdm(), "lock", "-G", ":all", "--python", "<3.12"], project, pdm_env(home))
    run([_pdm(), "lock", "-G", ":all", "--python", ">=3.12", "--append"], project, pdm_env(home))
    return project / "pdm.lock"


def pdm_export(project: Path, home: Path, *options: str) -> str:
    """``pdm export -f requirements`` of the lock, with ``options`` added."""
    return run([_pdm(), "export", "-f", "requirements", *options], project, pdm_env(home))


def _pdm() -> str:
    found = shutil.which("pdm")
    if found is None:
        raise RuntimeError("pdm is not installed (it is in the test extra)")
    return found
