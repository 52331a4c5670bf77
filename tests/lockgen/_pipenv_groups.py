"""Pipfile.lock sections as dependency groups, and ``pipenv requirements``' view of each selection.

A Pipfile.lock has a section per category: ``default``, ``develop`` and, since pipenv 2023.10,
custom ones. ``pipenv requirements`` prints ``default``; ``--dev`` adds ``develop``;
``--categories a,b`` prints the named sections. cg-action calls ``develop`` the group ``dev``
and a custom category the group of its own name, and always installs ``default``.

``compare`` runs ``pipenv requirements`` on a lock (offline: it only reads the lock) for every
selection: all, none, each group alone (``default`` with it). Package by package, cg-action's
marker (the ``or`` of its entries' markers) evaluated for the selection must mean what pipenv
prints on the grid of ``tests.lockgen._marker_grid``. Where a package is locked in two of the
selected sections, pipenv prints one entry (the later section's; ``default`` last, as
``--dev`` does) and cg-action checks both: there cg-action's marker must hold wherever
pipenv's does, and a wider one is counted in ``broader`` rather than as a difference.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from cg_action._models import DependencyKind
from cg_action._sources._pipfile_lock import parse_pipfile_lock
from tests.lockgen._marker_grid import NEVER, Selected, any_of, differences, environments, shown
from tests.lockgen._pip_compile import offline_env, run
from tests.lockgen._pipenv import write_pipfile

_VCS = ("git+", "hg+", "svn+", "bzr+")


@dataclass
class PipenvComparison:
    """What comparing one Pipfile.lock with ``pipenv requirements`` found."""

    lock: Path
    compared: int = 0  # (package, selection) pairs
    packages: set[str] = field(default_factory=set)
    differing: dict[str, list[str]] = field(default_factory=dict)
    broader: dict[str, list[str]] = field(default_factory=dict)  # in two sections: the union


def write_groups_pipfile(project: Path, index_url: str) -> Path:
    """A Pipfile over the distributions of ``tests.lockgen._uv_markers`` in ``packages``,
    ``dev-packages`` and a custom ``Docs_Build`` category, some in two of them under different
    markers. pipenv resolves for the machine it runs on and locks a package whose marker does
    not hold there with version ``*``, so every marker here holds on Linux x86_64."""
    return write_pipfile(
        project,
        {"local": index_url},
        {
            "packages": [
                'app-core = "*"',
                'click = {version = "*", markers = "sys_platform != \'win32\'"}',
                'six = {version = "*", markers = "python_version >= \'3.9\'"}',
            ],
            "dev-packages": [
                'pytest = "*"',
                'six = "*"',
                'greenlet = {version = "*", markers = "sys_platform != \'darwin\'"}',
            ],
            "Docs_Build": [
                'python-dateutil = {version = "*", markers = "os_name != \'nt\'"}',
                'tomli = "*"',
                'click = "*"',
            ],
        },
    )


def group_of(section: str) -> str | None:
    """The dependency group a section installs (None: ``default``, always installed)."""
    if section == "default":
        return None
    return "dev" if section == "develop" else canonicalize_name(section)


def selections(lock: Path) -> list[tuple[str, Selected, tuple[str, ...], tuple[str, ...]]]:
    """(label, selection, ``pipenv requirements`` options, sections printed)."""
    sections = [key for key in json.loads(lock.read_text()) if key != "_meta"]
    others = [s for s in sections if s not in ("default", "develop")]
    every = frozenset(g for s in sections if (g := group_of(s)) is not None)
    chosen_all = (*others, *(["develop"] if "develop" in sections else []), "default")
    found = [
        ("all", Selected(groups=every), ("--categories", ",".join(chosen_all)), chosen_all),
        ("none", Selected(), (), ("default",)),
    ]
    if "develop" in sections:
        found.append(("group dev", Selected(groups=frozenset({"dev"})), ("--dev",),
                      ("develop", "default")))  # fmt: skip
    for section in others:
        group = group_of(section)
        assert group is not None
        found.append(
            (
                f"group {group}",
                Selected(groups=frozenset({group})),
                ("--categories", f"{section},default"),
                (section, "default"),
            )
        )
    return found


def pipenv_requirements(lock: Path, work: Path, *options: str) -> str:
    """``pipenv requirements`` of ``lock`` with ``options``, in a copy beside an empty Pipfile."""
    project = work / "project"
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy(lock, project / "Pipfile.lock")
    (project / "Pipfile").touch()
    env = offline_env(
        work / "home",
        {"PIPENV_VERBOSITY": "-1", "NO_COLOR": "1", "PIPENV_IGNORE_VIRTUALENVS": "1"},
    )
    found = shutil.which("pipenv")
    if found is None:
        raise RuntimeError("pipenv is not installed (it is in the test extra)")
    return run([found, "requirements", *options], project, env)


def compare(lock: Path, work: Path) -> PipenvComparison:
    """cg-action's marker of every package of ``lock`` against ``pipenv requirements``."""
    result = PipenvComparison(lock=lock)
    data = json.loads(lock.read_text())
    ours = _our_markers(lock)
    grid_all = environments()
    for label, selected, options, sections in selections(lock):
        theirs = dict(_requirement_lines(pipenv_requirements(lock, work, *options)))
        grid = [(selected, env) for _, env in grid_all]
        for key in sorted(set(ours) | set(theirs)):
            result.compared += 1
            result.packages.add(key)
            mine, pipenv = ours.get(key, NEVER), theirs.get(key, NEVER)
            wrong = differences(mine, pipenv, grid)
            if not wrong:
                continue
            note = f"{label}: cg-action {shown(mine)} / pipenv {shown(pipenv)}"
            in_sections = [s for s in sections if key in _keys(data.get(s, {}))]
            narrower = differences(NEVER, pipenv, wrong)  # where pipenv installs it
            if len(in_sections) > 1 and not [
                (s, env) for s, env in narrower if not _holds(mine, s, env)
            ]:
                result.broader.setdefault(key, []).append(note)
            else:
                result.differing.setdefault(key, []).append(note)
    return result


def _holds(marker: Marker | None, selected: Selected, env: dict[str, str]) -> bool:
    return not differences(marker, None, [(selected, env)])


def _keys(section: dict[str, object]) -> set[str]:
    found = set()
    for name, entry in section.items():
        location = _location(entry)
        found.add(f"path:{location}" if location else canonicalize_name(name))
    return found


def _location(entry: object) -> str | None:
    """The path or file of an entry that pipenv prints without its name."""
    if not isinstance(entry, dict):
        return None
    for key in ("file", "path"):
        value = entry.get(key)
        if isinstance(value, str):
            return value
    return None


def _our_markers(lock: Path) -> dict[str, Marker | None]:
    """Each package's marker: the ``or`` of its entries' (a package in two sections)."""
    found: dict[str, list[Marker | None]] = {}
    for dep in parse_pipfile_lock(lock).dependencies:
        named = dep.kind in (DependencyKind.PINNED, DependencyKind.VCS) or (
            dep.url is not None and dep.url.startswith(_VCS)
        )
        key = dep.name if named else f"path:{dep.url}"
        found.setdefault(key, []).append(dep.marker)
    return {key: any_of(markers) for key, markers in found.items()}


def _requirement_lines(text: str) -> Iterator[tuple[str, Marker | None]]:
    for raw in text.splitlines():
        line = raw.split(" --hash=")[0].strip()
        if not line or line.startswith(("#", "-i ", "--")):
            continue
        head, _, marker_text = line.partition("; ")
        marker = Marker(marker_text) if marker_text.strip() else None
        head = head.removeprefix("-e ").strip()
        if "#egg=" in head:  # an editable VCS checkout
            yield canonicalize_name(head.partition("#egg=")[2].split("&")[0]), marker
            continue
        try:
            requirement = Requirement(head)
        except InvalidRequirement:  # a path or file pipenv prints without a name
            yield f"path:{head}", marker
            continue
        if requirement.url and not requirement.url.startswith(_VCS):
            yield f"path:{requirement.url}", marker
            continue
        yield canonicalize_name(requirement.name), marker
