"""pdm's pylock.toml of a project whose packages install only somewhere, and pdm's own view.

The project uses the distributions of ``tests.lockgen._uv_markers`` (Windows-only, below-3.11,
not-PyPy, an extra and a dependency group; pdm locks one numpy, so no fork). pdm marks the
project's own dependencies ``'default' in dependency_groups`` and lists ``default`` in
``default-groups``. ``compare`` reads the pylock.toml with cg-action and compares each
package's marker with ``pdm export -f requirements`` for every selection (all, none, the extra
alone, the group alone) on the grid of ``tests.lockgen._marker_grid``.
"""

from __future__ import annotations

from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cg_action._sources._pylock import parse_pylock
from tests.lockgen._marker_grid import Selected, differences, environments
from tests.lockgen._pdm import _pdm, pdm_env
from tests.lockgen._pip_compile import run

_PROJECT = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = [
  "app-core", "click", "httpx[http2]==0.27.1", "cyc-a; python_version >= '3.11'",
  "pypyonly; implementation_name == 'pypy'",
]
[project.optional-dependencies]
data = ["pandas"]
[dependency-groups]
dev = ["pytest"]
[tool.pdm]
distribution = false
[[tool.pdm.source]]
name = "pypi"
url = "{index_url}"
"""
SELECTIONS = (
    ("all", Selected(frozenset({"data"}), frozenset({"dev"})), ("-G", ":all")),
    ("none", Selected(), ("--prod",)),
    ("extra data", Selected(extras=frozenset({"data"})), ("-G", "data", "--prod")),
    ("group dev", Selected(groups=frozenset({"dev"})), ("-G", "dev")),
)
_NEVER = Marker("python_full_version < '0'")


def pdm_pylock(project: Path, index_url: str, home: Path) -> Path:
    """Write the project, lock it with every group and export ``pylock.toml``."""
    project.mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text(_PROJECT.format(index_url=index_url))
    run([_pdm(), "lock", "-G", ":all"], project, pdm_env(home))
    run([_pdm(), "export", "-f", "pylock", "-o", "pylock.toml"], project, pdm_env(home))
    return project / "pylock.toml"


def compare(project: Path, home: Path) -> tuple[int, list[str]]:
    """(package markers compared, the differences) between cg-action and ``pdm export``."""
    ours = {d.name: d.marker for d in parse_pylock(project / "pylock.toml").dependencies}
    compared = 0
    differing = []
    for label, selected, options in SELECTIONS:
        out = run(
            [_pdm(), "export", "-f", "requirements", "--no-hashes", *options],
            project,
            pdm_env(home),
        )
        theirs = {}
        for line in out.splitlines():
            if line.strip() and not line.startswith(("#", "-")):
                requirement = Requirement(line)
                theirs[canonicalize_name(requirement.name)] = requirement.marker
        grid = environments(">=3.9", [selected])
        for name in sorted(set(ours) | set(theirs)):
            compared += 1
            mine, pdm = ours.get(name, _NEVER), theirs.get(name, _NEVER)
            if differences(mine, pdm, grid):
                differing.append(f"{label}: {name}: cg-action {mine} / pdm {pdm}")
    return compared, differing
