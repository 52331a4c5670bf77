"""uv.lock files whose packages install only somewhere, and ``uv export``'s markers to compare.

uv records markers on the dependency edges of its lock, not on the packages; ``uv export``
works out each package's marker from them. ``build_index`` writes the distributions of small
projects that exercise what real locks hold: packages needed only on Windows (colorama,
tzdata), below Python 3.11 (tomli, exceptiongroup) or off PyPy (greenlet); numpy forked at
Python 3.12 (numpy 1 for older Pythons, numpy 2 for newer, each with dependencies of its own);
a cycle; an extra of a dependency; a requirement below ``requires-python``. ``write_projects``
writes four projects that use them: a package with an extra, a dependency group and local path
dependencies; a virtual project (``package = false``); a virtual workspace root with two
members and a dependency group of its own; conflicting extras (uv's conflict markers).

``compare`` runs ``uv export`` of a lock for every selection of extras and groups (all, none,
each alone) and tells, package by package, whether cg-action's marker means the same on the
grid of ``tests.lockgen._marker_grid``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from cg_action._models import DependencyKind
from cg_action._sources._uv_lock import parse_uv_lock
from cg_action._toml import tomllib
from tests._wheels import make_wheel
from tests.lockgen._marker_grid import NEVER, Selected, differences, environments, shown
from tests.lockgen._uv import _uv, uv_env

_BUILD = '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'

# name, version, requirements
DISTRIBUTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "app-core",
        "1.0",
        (
            "colorama; sys_platform == 'win32'",
            "tomli; python_version < '3.11'",
            "greenlet; implementation_name != 'pypy'",
            "tzdata; sys_platform == 'win32'",
        ),
    ),
    ("colorama", "0.4.6", ()),
    ("tomli", "2.0.1", ()),
    ("greenlet", "3.0", ()),
    ("tzdata", "2024.1", ()),
    ("click", "8.1", ("colorama; platform_system == 'Windows'",)),
    (
        "pytest",
        "8.0",
        (
            "exceptiongroup; python_version < '3.11'",
            "tomli; python_version < '3.11'",
            "colorama; sys_platform == 'win32'",
            "iniconfig",
        ),
    ),
    ("exceptiongroup", "1.2", ("typing-extensions; python_version < '3.13'",)),
    ("typing-extensions", "4.12", ()),
    ("iniconfig", "2.0", ()),
    ("numpy", "1.26.4", ("oldlib",)),
    ("numpy", "2.1.0", ("newlib; platform_machine == 'x86_64'",)),
    ("oldlib", "1.0", ()),
    ("newlib", "1.0", ()),
    (
        "pandas",
        "2.2",
        (
            "numpy>=1.22; python_version < '3.11'",
            "numpy>=1.23; python_version == '3.11'",
            "numpy>=1.26; python_version >= '3.12'",
            "tzdata>=2022.7",
            "python-dateutil",
        ),
    ),
    ("python-dateutil", "2.9", ("six",)),
    ("six", "1.16", ()),
    ("cyc-a", "1.0", ("cyc-b",)),
    ("cyc-b", "1.0", ("cyc-a; sys_platform == 'linux'", "cycdep; python_version >= '3.12'")),
    ("cycdep", "1.0", ()),
    ("httpx", "0.27.1", ("anyio", "h2<5,>=3; extra == 'http2'")),
    ("anyio", "4.0", ("exceptiongroup>=1.0.2; python_version < '3.11'", "idna")),
    ("idna", "3.7", ()),
    ("h2", "4.1", ("hpack; sys_platform != 'win32'",)),
    ("hpack", "4.0", ()),
    ("pypyonly", "1.0", ()),
    ("oldpy", "1.0", ()),
)


def build_index(root: Path) -> Path:
    """Write the distributions into ``root`` (one flat folder, as pypiserver serves it)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, version, requires in DISTRIBUTIONS:
        make_wheel(root, name, version, requires=list(requires))
    return root


def _package(directory: Path, name: str, pyproject: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(pyproject)
    module = directory / name.replace("-", "_")
    module.mkdir(exist_ok=True)
    (module / "__init__.py").write_text("")


_APP = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = [
  "app-core", "click", "httpx[http2]==0.27.1",
  "numpy<2; python_version < '3.12'", "numpy>=2; python_version >= '3.12'",
  "cyc-a; python_version >= '3.11'",
  "pypyonly; implementation_name == 'pypy'",
  "oldpy; python_version < '3.8'",
  "edit; sys_platform == 'linux'",
  "plain",
]
[project.optional-dependencies]
data = ["pandas"]
[dependency-groups]
dev = ["pytest"]
[tool.uv.sources]
edit = { path = "libs/edit", editable = true }
plain = { path = "libs/plain" }
"""

_VIRTUAL = """\
[project]
name = "virtual"
version = "0.1.0"
requires-python = ">=3.10,<3.14"
dependencies = ["pandas; python_version >= '3.11'", "click"]
[dependency-groups]
test = ["pytest"]
lint = ["tomli; python_version < '3.12'"]
[tool.uv]
package = false
"""

_WORKSPACE = """\
[tool.uv.workspace]
members = ["packages/*"]

[dependency-groups]
docs = ["six; sys_platform == 'linux'"]
"""

_CORE = """\
[project]
name = "core"
version = "1.0"
requires-python = ">=3.9"
dependencies = ["numpy"]
[project.optional-dependencies]
fast = ["greenlet"]
[dependency-groups]
dev = ["pytest"]
"""

_CLI = """\
[project]
name = "cli"
version = "1.0"
requires-python = ">=3.10"
dependencies = ["core[fast]; sys_platform != 'win32'", "click"]
[tool.uv.sources]
core = { workspace = true }
"""

_CONFLICTS = """\
[project]
name = "conf"
version = "1.0"
requires-python = ">=3.10"
dependencies = ["click"]
[project.optional-dependencies]
old = ["numpy<2", "pandas"]
new = ["numpy>=2", "pandas"]
[dependency-groups]
legacy = ["numpy<2"]
[tool.uv]
package = false
conflicts = [[{extra = "old"}, {extra = "new"}], [{extra = "new"}, {group = "legacy"}]]
"""


def write_projects(base: Path) -> dict[str, Path]:
    """The four projects, each in a folder of its own under ``base``."""
    app = base / "app"
    _package(app, "app", _APP + _BUILD)
    for name in ("edit", "plain"):
        _package(
            app / "libs" / name, name, f'[project]\nname = "{name}"\nversion = "0.1.0"\n' + _BUILD
        )
    virtual = base / "virtual"
    virtual.mkdir(parents=True, exist_ok=True)
    (virtual / "pyproject.toml").write_text(_VIRTUAL)
    workspace = base / "workspace"
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "pyproject.toml").write_text(_WORKSPACE)
    _package(workspace / "packages" / "core", "core", _CORE + _BUILD)
    _package(workspace / "packages" / "cli", "cli", _CLI + _BUILD)
    conflicts = base / "conflicts"
    conflicts.mkdir(parents=True, exist_ok=True)
    (conflicts / "pyproject.toml").write_text(_CONFLICTS)
    return {"app": app, "virtual": virtual, "workspace": workspace, "conflicts": conflicts}


# -- comparing with uv export -----------------------------------------------------------------

_Key = tuple[str, str | None]  # (name or path, version)


@dataclass
class Comparison:
    """What comparing one lock's markers with ``uv export``'s found."""

    lock: Path
    compared: int = 0  # (package, selection) pairs
    packages: set[_Key] = field(default_factory=set)
    differing: dict[_Key, list[str]] = field(default_factory=dict)  # package -> what differs
    skipped: list[str] = field(default_factory=list)  # selections uv refused

    def add(self, key: _Key, note: str) -> None:
        self.differing.setdefault(key, []).append(note)


def selections(lock: Path) -> list[tuple[str, Selected, tuple[str, ...]]]:
    """(label, selection, ``uv export`` options): all, none, each extra alone, each group alone."""
    data = tomllib.loads(lock.read_text())
    members = _member_sources(data)
    extras: set[str] = set()
    groups: set[str] = set()
    for package in data.get("package", []):
        if _source_path(package) in members:
            extras.update(canonicalize_name(x) for x in package.get("optional-dependencies", {}))
            groups.update(canonicalize_name(g) for g in package.get("dev-dependencies", {}))
    groups.update(
        canonicalize_name(g) for g in data.get("manifest", {}).get("dependency-groups", {})
    )
    found = [
        ("all", Selected(frozenset(extras), frozenset(groups)), ("--all-extras", "--all-groups")),
        ("none", Selected(), ("--no-default-groups",)),
    ]
    found += [
        (f"extra {x}", Selected(extras=frozenset({x})), ("--extra", x, "--no-default-groups"))
        for x in sorted(extras)
    ]
    found += [
        (f"group {g}", Selected(groups=frozenset({g})), ("--group", g, "--no-default-groups"))
        for g in sorted(groups)
    ]
    return found


def compare(project: Path, home: Path, *, grid_releases: Sequence[str] = ("6.1",)) -> Comparison:
    """cg-action's marker of every package of ``project/uv.lock`` against ``uv export``'s."""
    lock = project / "uv.lock"
    result = Comparison(lock=lock)
    data = tomllib.loads(lock.read_text())
    members = _member_sources(data)
    ours = _our_markers(lock)
    requires_python = data.get("requires-python")
    for label, selected, options in selections(lock):
        exported = _exported(project, home, options)
        if exported is None:
            result.skipped.append(label)
            continue
        exported = {k: m for k, m in exported.items() if k[0] not in members}
        grid = environments(requires_python, [selected], releases=grid_releases)
        for key in sorted(set(ours) | set(exported), key=str):
            result.compared += 1
            result.packages.add(key)
            mine = ours.get(key, NEVER)
            theirs = exported.get(key, NEVER)
            wrong = differences(mine, theirs, grid)
            if wrong:
                _, env = wrong[0]
                where = ", ".join(f"{k}={env[k]}" for k in _SHOWN)
                result.add(
                    key, f"{label}: cg-action {shown(mine)} / uv {shown(theirs)} (e.g. {where})"
                )
    return result


_SHOWN = ("python_full_version", "sys_platform", "implementation_name", "platform_machine")


def _member_sources(data: Mapping[str, object]) -> set[str]:
    """The paths of the workspace's members (and of the root project)."""
    manifest = data.get("manifest")
    names = {
        canonicalize_name(m)
        for m in (manifest.get("members", []) if isinstance(manifest, dict) else [])
    }
    found = set()
    for package in data.get("package", []):  # type: ignore[attr-defined]
        source = package.get("source", {})
        path = source.get("editable") or source.get("virtual")
        if path is not None and (path == "." or canonicalize_name(package["name"]) in names):
            found.add(_clean_path(path))
    return found


def _source_path(package: Mapping[str, object]) -> str | None:
    source = package.get("source")
    if not isinstance(source, dict):
        return None
    path = source.get("editable") or source.get("virtual")
    return _clean_path(path) if isinstance(path, str) else None


def _clean_path(path: str) -> str:
    return path.removeprefix("./").rstrip("/") or "."


def _our_markers(lock: Path) -> dict[_Key, Marker | None]:
    found: dict[_Key, Marker | None] = {}
    for dep in parse_uv_lock(lock).dependencies:
        if dep.kind in (DependencyKind.PATH, DependencyKind.EDITABLE) and dep.url:
            found[(_clean_path(dep.url), None)] = dep.marker
        elif dep.version is not None and dep.kind is DependencyKind.PINNED:
            found[(dep.name, str(dep.version))] = dep.marker
        else:
            found[(dep.name, None)] = dep.marker
    return found


def _exported(
    project: Path, home: Path, options: Sequence[str]
) -> dict[_Key, Marker | None] | None:
    """``uv export``'s packages and markers; None when uv refuses the selection."""
    command = [
        _uv(), "export", "--frozen", "--offline", "--format", "requirements-txt",
        "--no-header", "--no-annotate", "--no-hashes", "--all-packages", *options,
    ]  # fmt: skip
    result = subprocess.run(
        command,
        cwd=project,
        env=uv_env(home),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    if result.returncode != 0:
        if "incompatible with the declared conflicts" in result.stderr:
            return None
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr}")
    return dict(_export_lines(result.stdout))


def _export_lines(text: str) -> Iterator[tuple[_Key, Marker | None]]:
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, _, marker_text = line.partition(" ; ")
        marker = Marker(marker_text) if marker_text else None
        head = head.removeprefix("-e ").strip()
        if head.startswith((".", "/")):
            yield (_clean_path(head), None), marker
            continue
        requirement = Requirement(head)
        name = canonicalize_name(requirement.name)
        if requirement.url:
            yield (name, None), marker
            continue
        (spec,) = requirement.specifier
        yield (name, str(Version(spec.version))), marker
