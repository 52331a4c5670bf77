"""Make uv.lock and pylock.toml files with the real uv against a local index, and read uv's view.

The demo project (``write_project``) is a workspace: the root ``demo`` (editable, ``.``), a
member ``member``, an editable path dependency ``edit`` and a plain directory dependency
``plain``, plus the index packages of ``tests.lockgen._index``. uv runs with no user
configuration (``UV_NO_CONFIG``), its cache in ``home`` and the local index as its only index.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from tests.lockgen._index import DEPENDENCIES, GROUPS, OPTIONAL, write_local_package
from tests.lockgen._pip_compile import offline_env, run


def uv_env(home: Path) -> dict[str, str]:
    """Environment for uv: no user configuration, cache under ``home``, no Python downloads."""
    return offline_env(
        home,
        {
            "UV_NO_CONFIG": "1",
            "UV_CACHE_DIR": str(home / "uv-cache"),
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_NO_PROGRESS": "1",
        },
    )


def _toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


def write_project(project: Path) -> Path:
    """The demo workspace; its index is given on the command line (``uv lock --default-index``)."""
    for name in ("member", "edit", "plain"):
        write_local_package(project / "libs" / name, name)
    extras = "".join(f"{k} = {_toml_list(v)}\n" for k, v in OPTIONAL.items())
    groups = "".join(f"{k} = {_toml_list(v)}\n" for k, v in GROUPS.items())
    text = (
        '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        f"dependencies = {_toml_list([*DEPENDENCIES, 'member', 'edit', 'plain'])}\n\n"
        f"[project.optional-dependencies]\n{extras}\n"
        f"[dependency-groups]\n{groups}\n"
        '[tool.uv.workspace]\nmembers = ["libs/member"]\n\n'
        "[tool.uv.sources]\n"
        "member = { workspace = true }\n"
        'edit = { path = "libs/edit", editable = true }\n'
        'plain = { path = "libs/plain" }\n\n'
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
    )
    path = project / "pyproject.toml"
    path.write_text(text)
    return path


def uv_lock(project: Path, index_url: str, home: Path) -> Path:
    """Run ``uv lock`` in ``project`` against ``index_url`` only and return the lock file."""
    run([_uv(), "lock", "--default-index", index_url], project, uv_env(home))
    return project / "uv.lock"


def uv_export(project: Path, home: Path, *options: str) -> str:
    """``uv export --format requirements-txt`` of the frozen lock, with ``options`` added."""
    command = [_uv(), "export", "--frozen", "--format", "requirements-txt", "--no-header"]
    return run([*command, "--no-annotate", *options], project, uv_env(home))


def uv_export_pylock(project: Path, home: Path, *options: str) -> Path:
    """``uv export --format pylock.toml`` of the frozen lock into ``project/pylock.toml``."""
    command = [_uv(), "export", "--frozen", "--format", "pylock.toml", "-o", "pylock.toml"]
    run([*command, *options], project, uv_env(home))
    return project / "pylock.toml"


def exported_pins(text: str) -> dict[NormalizedName, set[Version]]:
    """The ``name==version`` lines of an exported requirements file (hashes and -e skipped)."""
    pins: dict[NormalizedName, set[Version]] = {}
    for raw in text.replace("\\\n", " ").splitlines():
        line = raw.split(" --hash")[0].strip()
        if not line or line.startswith(("#", "-", ".", "/")) or "==" not in line:
            continue
        requirement = Requirement(line)
        (spec,) = requirement.specifier
        pins.setdefault(canonicalize_name(requirement.name), set()).add(Version(spec.version))
    return pins


def exported_hashes(text: str) -> dict[tuple[NormalizedName, Version], set[str]]:
    """The ``--hash`` values of each ``name==version`` of an exported requirements file."""
    found: dict[tuple[NormalizedName, Version], set[str]] = {}
    for line in text.replace("\\\n", " ").splitlines():
        head, *hashes = line.split(" --hash=")
        if "==" not in head or head.lstrip().startswith(("#", "-")):
            continue
        requirement = Requirement(head.strip())
        (spec,) = requirement.specifier
        key = (canonicalize_name(requirement.name), Version(spec.version))
        found.setdefault(key, set()).update(h.strip() for h in hashes)
    return found


def exported_local(text: str) -> set[str]:
    """The local (``-e ./x`` and ``./x``) lines of an exported requirements file, as paths."""
    local = set()
    for raw in text.splitlines():
        line = raw.strip().removeprefix("-e ").strip()
        if line.startswith(("./", "../", "/")):
            local.add(line.removeprefix("./").rstrip("/"))
    return local


def _uv() -> str:
    found = shutil.which("uv")
    if found is None:
        raise RuntimeError("uv is not installed (it is in the test extra)")
    return found


def generate(out: Path, work: Path) -> None:
    """Make the committed fixtures in ``out`` (uv.lock, pylock.toml, the project) from scratch.

    Run from the checkout: ``python3 -c "from pathlib import Path; from tests.lockgen._uv
    import generate; generate(Path('tests/data/locks'), Path('<an empty temp folder>'))"``.
    """
    from tests._servers import pypiserver
    from tests.lockgen._index import build_index

    root = build_index(work / "index")
    project = work / "project"
    write_project(project)
    with pypiserver(root) as index:
        uv_lock(project, index.url, work / "home")
        uv_export_pylock(project, work / "home", "--all-groups", "--all-extras")
    for folder in ("uv", "pylock"):
        (out / folder / "demo").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(project / "uv.lock", out / "uv" / "demo" / "uv.lock")
    shutil.copyfile(project / "pyproject.toml", out / "uv" / "demo" / "pyproject.toml")
    shutil.copyfile(project / "pylock.toml", out / "pylock" / "demo" / "pylock.toml")
