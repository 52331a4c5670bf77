"""pdm.lock files whose packages belong to groups, and ``pdm export``'s view of each selection.

pdm records a package's groups in ``groups = ["default", "dev"]`` and its environment marker in
``marker``; ``pdm export -G ...`` keeps the packages of the selected groups. ``write_project``
writes a project over the distributions of ``tests.lockgen._uv_markers`` with two extras
(``data``, ``cli``), dependency groups in ``[dependency-groups]`` (``dev``, ``test``, ``docs``)
and a legacy ``[tool.pdm.dev-dependencies]`` group (``lint``), with packages shared between the
default group, extras and groups under different markers.

``compare`` reads the lock with cg-action and runs ``pdm export -f requirements`` for every
selection (all, none, each extra alone, each group alone); package by package, cg-action's
marker evaluated for the same selection must mean what pdm prints on the grid of
``tests.lockgen._marker_grid``. pdm names a group an extra when ``[project.optional-dependencies]``
has it; the default group is always installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from cg_action._models import DependencyKind
from cg_action._sources._pdm_lock import parse_pdm_lock
from cg_action._toml import tomllib
from tests.lockgen._marker_grid import NEVER, Selected, differences, environments, merged, shown
from tests.lockgen._pdm import _pdm, pdm_env
from tests.lockgen._pip_compile import run
from tests.lockgen._uv_markers import Comparison

_PROJECT = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = [
  "app-core", "click; sys_platform != 'win32'", "tomli; python_version < '3.11'",
  "pypyonly; implementation_name == 'pypy'",
]
[project.optional-dependencies]
data = ["pandas; python_version >= '3.10'", "click"]
cli = ["httpx[http2]==0.27.1", "six; sys_platform == 'linux'"]
[dependency-groups]
dev = ["pytest", "click; platform_machine == 'aarch64'"]
test = ["pytest; python_version >= '3.10'", "six", "cyc-a"]
docs = ["python-dateutil; sys_platform == 'darwin'", "tomli"]
[tool.pdm]
distribution = false
[tool.pdm.dev-dependencies]
lint = ["greenlet; implementation_name != 'pypy'", "iniconfig"]
[[tool.pdm.source]]
name = "pypi"
url = "{index_url}"
"""

_Key = tuple[str, str | None]


def write_project(project: Path, index_url: str) -> Path:
    """The project's pyproject.toml, its only source the local index."""
    project.mkdir(parents=True, exist_ok=True)
    path = project / "pyproject.toml"
    path.write_text(_PROJECT.format(index_url=index_url))
    return path


def pdm_lock_groups(project: Path, home: Path) -> Path:
    """``pdm lock`` with every group (the inherit_metadata strategy, pdm's default)."""
    run([_pdm(), "lock", "-G", ":all"], project, pdm_env(home))
    return project / "pdm.lock"


def selections(project: Path) -> list[tuple[str, Selected, tuple[str, ...]]]:
    """(label, selection, ``pdm export`` options): all, none, each extra and each group alone.

    The groups are those the lock holds; the extras are those of them that pyproject.toml
    declares in ``[project.optional-dependencies]`` (what pdm itself calls an extra).
    """
    lock = tomllib.loads((project / "pdm.lock").read_text())
    locked = {canonicalize_name(g) for g in lock.get("metadata", {}).get("groups", [])}
    locked.discard("default")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    declared = pyproject.get("project", {}).get("optional-dependencies", {})
    extras = {canonicalize_name(x) for x in declared} & locked
    groups = locked - extras
    found = [
        ("all", Selected(frozenset(extras), frozenset(groups)), ()),
        ("none", Selected(), ("--prod",)),
    ]
    found += [
        (f"extra {x}", Selected(extras=frozenset({x})), ("-G", x, "--prod")) for x in sorted(extras)
    ]
    found += [(f"group {g}", Selected(groups=frozenset({g})), ("-G", g)) for g in sorted(groups)]
    return found


def compare(project: Path, home: Path) -> Comparison:
    """cg-action's marker of every package of ``project/pdm.lock`` against ``pdm export``'s."""
    lock = project / "pdm.lock"
    result = Comparison(lock=lock)
    ours = _our_markers(lock)
    data = tomllib.loads(lock.read_text())
    targets = data.get("metadata", {}).get("targets", [])
    requires_python = targets[0].get("requires_python") if len(targets) == 1 else None
    for label, selected, options in selections(project):
        out = run(
            [_pdm(), "export", "-f", "requirements", "--no-hashes", *options],
            project,
            pdm_env(home),
        )
        theirs = merged(_export_lines(out))
        grid = environments(requires_python, [selected])
        for key in sorted(set(ours) | set(theirs), key=str):
            result.compared += 1
            result.packages.add(key)
            mine, pdm = ours.get(key, NEVER), theirs.get(key, NEVER)
            if differences(mine, pdm, grid):
                result.add(key, f"{label}: cg-action {shown(mine)} / pdm {shown(pdm)}")
    return result


def _our_markers(lock: Path) -> dict[_Key, Marker | None]:
    pairs = []
    for dep in parse_pdm_lock(lock).dependencies:
        version = str(dep.version) if dep.kind is DependencyKind.PINNED else None
        pairs.append(((dep.name, version), dep.marker))
    return merged(iter(pairs))


def _export_lines(text: str) -> Iterator[tuple[_Key, Marker | None]]:
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "--", "-i ")):
            continue
        if line.startswith("-e "):  # -e file:///...#egg=name ; marker
            head, _, marker = line.removeprefix("-e ").partition(";")
            name = canonicalize_name(head.partition("#egg=")[2].strip())
            yield (name, None), Marker(marker) if marker.strip() else None
            continue
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if requirement.url:
            yield (name, None), requirement.marker
            continue
        (spec,) = requirement.specifier
        yield (name, str(Version(spec.version))), requirement.marker
