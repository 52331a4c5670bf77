"""uv.lock markers: cg-action's marker of each package means what ``uv export`` prints.

uv records markers on dependency edges; a package reached only through ``sys_platform ==
'win32'`` edges must carry that marker, or ``--target`` asks for wheels that are never needed.
The locks are made by the real uv against a local index (``tests.lockgen._uv_markers``), and
the real-world uv.lock files of the corpus are exported with their own pyproject.toml; random
graphs with random markers (``tests.lockgen._uv_random``) are locked too. Each
package's marker is compared with uv's on a grid of environments (Python 3.8 to 3.14, Linux,
Windows and macOS, CPython and PyPy, x86_64 and aarch64) for every selection of extras and
dependency groups that ``uv export`` is asked for.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from packaging.markers import Marker

from cg_action._sources._uv_lock import parse_uv_lock
from tests._servers import pypiserver
from tests.lockgen._uv import uv_lock
from tests.lockgen._uv_markers import Comparison, build_index, compare, write_projects
from tests.lockgen._uv_random import write_random

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
# uv.lock files of the corpus with the pyproject.toml (and members) uv export needs
CORPUS_LOCKS = (
    "realworld/huggingface+text-generation-inference@db931fcf42da/server",
    "realworld/huggingface+text-generation-inference@db931fcf42da/integration-tests",
    "realworld/fastapi+full-stack-fastapi-template@68adb40d3742",
    "realworld/fastapi+full-stack-fastapi-template@81048277c778/backend",
)


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], Path]:
    """The projects of ``tests.lockgen._uv_markers``, locked by uv; and uv's home."""
    base = tmp_path_factory.mktemp("uv-markers")
    projects = write_projects(base / "projects")
    home = base / "home"
    with pypiserver(build_index(base / "index")) as index:
        for project in projects.values():
            uv_lock(project, index.url, home)
    return projects, home


def _report(result: Comparison) -> str:
    return "\n".join(f"{key}: {'; '.join(notes)}" for key, notes in result.differing.items())


@pytest.mark.parametrize("name", ["app", "virtual", "workspace", "conflicts"])
def test_every_marker_means_what_uv_export_says(
    name: str, locked: tuple[dict[str, Path], Path]
) -> None:
    projects, home = locked
    result = compare(projects[name], home)
    assert result.compared >= 20
    assert not result.differing, _report(result)


def _markers(lock: Path) -> dict[tuple[str, str], str | None]:
    return {
        (d.name, str(d.version)): (str(d.marker) if d.marker else None)
        for d in parse_uv_lock(lock).dependencies
    }


def test_markers_are_short(locked: tuple[dict[str, Path], Path]) -> None:
    projects, _ = locked
    markers = _markers(projects["app"] / "uv.lock")
    expected = {
        ("colorama", "0.4.6"): "sys_platform == 'win32'",
        ("tzdata", "2024.1"): "sys_platform == 'win32' or 'data' in extras",
        ("tomli", "2.0.1"): "python_full_version < '3.11'",
        ("exceptiongroup", "1.2"): "python_full_version < '3.11'",
        ("greenlet", "3.0"): "implementation_name != 'pypy'",
        ("numpy", "1.26.4"): "python_full_version < '3.12'",
        ("numpy", "2.1.0"): "python_full_version >= '3.12'",
        ("newlib", "1.0"): "python_full_version >= '3.12' and platform_machine == 'x86_64'",
        ("cyc-b", "1.0"): "python_full_version >= '3.11'",
        ("pytest", "8.0"): "'dev' in dependency_groups",
        ("anyio", "4.0"): None,
    }
    for key, marker in expected.items():
        assert markers[key] == (str(Marker(marker)) if marker else None), key
    assert ("oldpy", "1.0") not in markers  # below requires-python: uv does not lock it
    virtual = _markers(projects["virtual"] / "uv.lock")
    # requires-python >=3.10,<3.14: the pandas edge's python_version >= '3.11' is kept
    assert virtual[("pandas", "2.2")] == str(Marker("python_full_version >= '3.11'"))


def test_conflict_markers_name_extras_and_groups(locked: tuple[dict[str, Path], Path]) -> None:
    projects, _ = locked
    markers = _markers(projects["conflicts"] / "uv.lock")
    assert markers[("numpy", "2.1.0")] == str(Marker("'new' in extras"))
    assert markers[("numpy", "1.26.4")] == str(
        Marker("'legacy' in dependency_groups or 'old' in extras")
    )


@pytest.mark.parametrize("folder", CORPUS_LOCKS)
def test_corpus_locks_agree_with_uv_export(folder: str, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(CORPUS / folder, project)
    result = compare(project, tmp_path / "home")
    assert result.compared >= 40
    assert not result.differing, _report(result)


@pytest.mark.parametrize("seed", [11, 12])
def test_random_graphs_agree_with_uv_export(seed: int, tmp_path: Path) -> None:
    wheels, projects = write_random(tmp_path, seed, count=3)
    home = tmp_path / "home"
    with pypiserver(wheels) as index:
        for project in projects:
            uv_lock(project, index.url, home)
    compared = 0
    for project in projects:
        result = compare(project, home)
        compared += result.compared
        assert not result.differing, _report(result)
    assert compared >= 100


SCRIPT_LOCK = """\
version = 1
revision = 5
requires-python = ">=3.10"

[manifest]
requirements = [
    { name = "a", marker = "sys_platform == 'win32'" },
]

[[package]]
name = "a"
version = "1.0"
source = { registry = "https://example.invalid/simple" }
dependencies = [
    { name = "b", marker = "python_full_version < '3.11'" },
    { name = "c", marker = "python_full_version < '3.9'" },
]

[[package]]
name = "b"
version = "1.0"
source = { registry = "https://example.invalid/simple" }
dependencies = [{ name = "a" }]

[[package]]
name = "c"
version = "1.0"
source = { registry = "https://example.invalid/simple" }
resolution-markers = ["sys_platform == 'linux'"]
"""


def test_a_script_lock_starts_from_its_manifest_requirements() -> None:
    expected = {
        "a": "sys_platform == 'win32'",
        "b": "python_full_version < '3.11' and sys_platform == 'win32'",
        # reached only below requires-python: the entry's own resolution markers are kept
        "c": "sys_platform == 'linux'",
    }
    assert _markers_of(SCRIPT_LOCK) == {k: str(Marker(v)) for k, v in expected.items()}


def _markers_of(text: str) -> dict[str, str | None]:
    source = parse_uv_lock(Path("uv.lock"), text)
    assert source.problems == ()
    return {d.name: (str(d.marker) if d.marker else None) for d in source.dependencies}
