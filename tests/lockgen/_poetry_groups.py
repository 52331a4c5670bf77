"""poetry.lock groups and extras, and ``poetry export``'s view of each selection.

Poetry 2 records a package's groups (``groups = ["main", "dev"]``) and, in lock 2.1, a marker
per group (``markers = {main = "...", dev = "..."}``); a package wanted only through an extra
has ``extra == "name"`` in its ``main`` marker. ``poetry export`` (the poetry-plugin-export
command) prints ``main`` by default, a group more with ``--with``, an extra with ``-E``.
``write_groups_project`` writes a project over the distributions of ``tests.lockgen._uv_markers``
with two extras (``data``, ``cli``), dependency groups in ``[dependency-groups]`` (``dev``,
``test``) and an optional Poetry group (``docs``), packages shared under different markers.

``compare`` runs ``poetry export`` for every selection (all, none, each extra alone, each group
alone); package by package, cg-action's marker evaluated for the same selection must mean what
Poetry prints on the grid of ``tests.lockgen._marker_grid``. ``export_works`` says whether the
installed Poetry has the export command.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from cg_action._models import DependencyKind
from cg_action._sources._poetry_lock import parse_poetry_lock
from cg_action._toml import tomllib
from tests.lockgen._marker_grid import NEVER, Selected, differences, environments, merged, shown
from tests.lockgen._pip_compile import run
from tests.lockgen._poetry import poetry_env
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
[tool.poetry]
package-mode = false
[tool.poetry.group.docs]
optional = true
[tool.poetry.group.docs.dependencies]
python-dateutil = {{ version = "*", markers = "sys_platform == 'darwin'" }}
tomli = "*"
[[tool.poetry.source]]
name = "local"
url = "{index_url}"
priority = "primary"
"""

_Key = tuple[str, str | None]


def write_groups_project(project: Path, index_url: str) -> Path:
    """The project's pyproject.toml, its only source the local index."""
    project.mkdir(parents=True, exist_ok=True)
    path = project / "pyproject.toml"
    path.write_text(_PROJECT.format(index_url=index_url))
    return path


def _poetry() -> str:
    found = shutil.which("poetry")
    if found is None:
        raise RuntimeError("poetry is not installed (it is in the test extra)")
    return found


def export_works(home: Path) -> str | None:
    """None when ``poetry export`` runs here; else why not (Poetry's own words)."""
    if shutil.which("poetry") is None:
        return "poetry is not installed (it is in the test extra)"
    result = subprocess.run(
        [_poetry(), "export", "--help", "--no-ansi"],
        check=False,
        env=poetry_env(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode == 0:
        return None
    return " ".join((result.stdout + result.stderr).split()[:12])


def selections(project: Path) -> list[tuple[str, Selected, tuple[str, ...]]]:
    """(label, selection, ``poetry export`` options): all, none, each extra and group alone."""
    lock = tomllib.loads((project / "poetry.lock").read_text())
    groups: dict[str, str] = {}  # normalized -> as Poetry spells it
    for package in lock.get("package", []):
        for group in package.get("groups", [package.get("category", "main")]):
            groups.setdefault(canonicalize_name(group), group)
    if not any("groups" in package for package in lock.get("package", [])):
        # an older lock names at most main and dev (1.x's category): the groups are the
        # project's, as poetry export reads them
        poetry = tomllib.loads((project / "pyproject.toml").read_text()).get("tool", {})
        poetry = poetry.get("poetry", {})
        if "dev-dependencies" in poetry:
            groups.setdefault("dev", "dev")
        for group in poetry.get("group", {}):
            groups.setdefault(canonicalize_name(group), group)
    groups.pop("main", None)
    extras = {canonicalize_name(x): x for x in lock.get("extras", {})}
    found: list[tuple[str, Selected, tuple[str, ...]]] = [
        (
            "all",
            Selected(frozenset(extras), frozenset(groups)),
            ("--all-groups", "--all-extras") if groups else ("--all-extras",),
        ),
        ("none", Selected(), ()),
    ]
    found += [
        (f"extra {x}", Selected(extras=frozenset({x})), ("-E", spelled))
        for x, spelled in sorted(extras.items())
    ]
    found += [
        (f"group {g}", Selected(groups=frozenset({g})), ("--with", spelled))
        for g, spelled in sorted(groups.items())
    ]
    return found


def as_lock_2_0(lock: Path) -> None:
    """Rewrite a lock of version 2.1 as Poetry 1.3-1.8 wrote it: lock version 2.0, without the
    ``groups`` and ``markers`` of each package (the rest, content hash included, kept)."""
    import tomlkit

    document = tomlkit.parse(lock.read_text())
    for package in document["package"]:
        for key in ("groups", "markers"):
            if key in package:
                del package[key]
    document["metadata"]["lock-version"] = "2.0"
    lock.write_text(tomlkit.dumps(document))


def compare(
    project: Path,
    home: Path,
    chosen: list[tuple[str, Selected, tuple[str, ...]]] | None = None,
) -> Comparison:
    """cg-action's marker of every package of ``project/poetry.lock`` against ``poetry export``,
    for each of ``chosen`` (default: the ``selections`` the lock shows)."""
    lock = project / "poetry.lock"
    result = Comparison(lock=lock)
    ours = _our_markers(lock)
    requires_python = _requires_python(project)
    for label, selected, options in chosen if chosen is not None else selections(project):
        out = run(
            [_poetry(), "export", "--no-ansi", "-f", "requirements.txt", "--without-hashes",
             *options],
            project,
            poetry_env(home),
        )  # fmt: skip
        theirs = merged(_export_lines(out))
        grid = environments(requires_python, [selected])
        for key in sorted(set(ours) | set(theirs), key=str):
            result.compared += 1
            result.packages.add(key)
            mine, poetry = ours.get(key, NEVER), theirs.get(key, NEVER)
            if differences(mine, poetry, grid):
                result.add(key, f"{label}: cg-action {shown(mine)} / poetry {shown(poetry)}")
    return result


def _requires_python(project: Path) -> str | None:
    """The project's Python versions: ``requires-python``, else Poetry's ``python``
    constraint (None: the whole grid)."""
    from cg_action._sources._poetry_constraint import poetry_to_specifier

    data = tomllib.loads((project / "pyproject.toml").read_text())
    found = data.get("project", {}).get("requires-python")
    if isinstance(found, str):
        return found
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {}).get("python")
    return str(poetry_to_specifier(poetry)) if isinstance(poetry, str) else None


def _our_markers(lock: Path) -> dict[_Key, Marker | None]:
    pairs = []
    for dep in parse_poetry_lock(lock).dependencies:
        version = str(dep.version) if dep.kind is DependencyKind.PINNED else None
        pairs.append(((dep.name, version), dep.marker))
    return merged(iter(pairs))


def _export_lines(text: str) -> Iterator[tuple[_Key, Marker | None]]:
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "--", "-i ")):
            continue
        if line.startswith("-e "):  # -e file:///... ; marker (a directory package)
            head, _, marker = line.removeprefix("-e ").partition(" ; ")
            yield (f"path:{head.strip()}", None), Marker(marker) if marker.strip() else None
            continue
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if requirement.url:
            yield (name, None), requirement.marker
            continue
        (spec,) = requirement.specifier
        yield (name, str(Version(spec.version))), requirement.marker
