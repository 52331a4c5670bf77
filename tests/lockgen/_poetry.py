"""Make poetry.lock files with the real Poetry against a local index, and read Poetry's view.

The project's only package source is the local index with ``priority = "primary"``: with a
primary source configured, Poetry 2 leaves PyPI out unless it is declared, so nothing is
asked of PyPI (and ``offline_env`` would make such a request fail). Poetry's cache, config,
data and virtualenv folders are all inside ``home``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.lockgen._pip_compile import offline_env, run


def poetry_env(home: Path) -> dict[str, str]:
    """Environment for Poetry with every folder it writes to under ``home``."""
    return offline_env(
        home,
        {
            "POETRY_CACHE_DIR": str(home / "poetry-cache"),
            "POETRY_CONFIG_DIR": str(home / "poetry-config"),
            "POETRY_DATA_DIR": str(home / "poetry-data"),
            "POETRY_VIRTUALENVS_PATH": str(home / "poetry-venvs"),
            "POETRY_NO_INTERACTION": "1",
        },
    )


def _toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


def write_project(
    project: Path,
    index_url: str,
    dependencies: Sequence[str],
    groups: Mapping[str, Sequence[str]] | None = None,
) -> Path:
    """A non-package Poetry 2 project (PEP 621 metadata) whose only source is ``index_url``."""
    project.mkdir(parents=True, exist_ok=True)
    text = (
        '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        f"dependencies = {_toml_list(dependencies)}\n\n"
    )
    if groups:
        text += "[dependency-groups]\n"
        text += "".join(f"{name} = {_toml_list(reqs)}\n" for name, reqs in groups.items())
        text += "\n"
    text += (
        '[tool.poetry]\npackage-mode = false\n\n[[tool.poetry.source]]\nname = "local"\n'
        f'url = "{index_url}"\npriority = "primary"\n'
    )
    path = project / "pyproject.toml"
    path.write_text(text)
    return path


def poetry_lock(project: Path, home: Path) -> Path:
    """Run ``poetry lock`` in ``project`` and return the lock file."""
    run([_poetry(), "lock", "--no-ansi"], project, poetry_env(home))
    return project / "poetry.lock"


def poetry_show(project: Path, home: Path) -> dict[str, str]:
    """Poetry's own list of the locked packages: name -> the version column as it prints it.

    For url, file, directory and git packages Poetry appends the source to the version
    (``0.7.0 cefd285``); only the first word is the version.
    """
    out = run(
        [_poetry(), "show", "--no-ansi", "--format", "json", "--all"], project, poetry_env(home)
    )
    return {item["name"]: item["version"].split()[0] for item in json.loads(out)}


def _poetry() -> str:
    found = shutil.which("poetry")
    if found is None:
        raise RuntimeError("poetry is not installed (it is in the test extra)")
    return found


def make_demo_project(project: Path, index_url: str, sources: Path, *, with_git: bool) -> Path:
    """The Poetry project every poetry test locks: index, url, directory (and git) packages,
    and a package two groups want under different markers. ``sources`` holds the local
    projects (made here); returns the pyproject.toml."""
    from tests.lockgen._pipenv import make_source_tree

    make_source_tree(sources / "localdir", "localdir", "0.5.0")
    files_url = index_url.replace("/simple/", "/packages/")
    dependencies = [
        "alpha==1.0.0",
        "gamma-pkg>=0.3; sys_platform != 'win32'",
        f"devtool @ {files_url}devtool-5.0.0-py3-none-any.whl",
        f"localdir @ {(sources / 'localdir').as_uri()}",
    ]
    if with_git:
        make_source_tree(sources / "gitdep", "gitdep", "0.7.0", git=True)
        dependencies.append(f"gitdep @ git+{(sources / 'gitdep').as_uri()}")
    return write_project(
        project, index_url, dependencies, {"dev": ["gamma-pkg; python_version >= '3.11'"]}
    )


def _main(argv: Sequence[str]) -> int:
    """Regenerate tests/data/locks/poetry/demo/ (``python -m tests.lockgen._poetry DIR``).

    Only the lock is kept: the pyproject.toml names the temporary folder of the run.
    """
    import sys
    import tempfile

    from tests._servers import pypiserver
    from tests.lockgen._pip_compile import make_demo_packages

    dest = Path(argv[0] if argv else sys.exit("usage: python -m tests.lockgen._poetry DIR"))
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        with pypiserver(make_demo_packages(base / "packages")) as index:
            project = base / "demo"
            make_demo_project(project, index.url, base, with_git=False)
            lock = poetry_lock(project, base / "home")
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy(lock, dest / "poetry.lock")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
