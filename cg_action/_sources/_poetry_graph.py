"""Where each package of an older poetry.lock installs: its dependency graph walked from
pyproject.toml.

Lock version 2.1 (Poetry 2) records each package's groups and a marker for each group. Older
locks do not: 2.0 (Poetry 1.3-1.8) records neither, 1.x only a ``category``. For them
``poetry export`` walks the graph, from the project's requirements in pyproject.toml through
each locked package's ``[package.dependencies]``, and so does this module, with
``cg_action._markers.reached``. A package's marker is the ``or``, over the paths from the
project to it, of the ``and`` of what each step needs:

- the first step, the project's requirement: its group as a PEP 751 lock term
  (``'dev' in dependency_groups``; ``'cli' in extras`` for an optional dependency of the
  ``cli`` extra; nothing for the main dependencies) and the requirement's own marker;
- every later step, a ``[package.dependencies]`` entry: its ``markers``, ``python`` and
  ``platform`` keys. An entry with ``optional = true`` is taken only when the package is asked
  for with an extra that lists it in ``[package.extras]``; an entry's ``extras`` ask for the
  extras of the package it names. A name locked at several versions is narrowed by the
  entry's version constraint.

Markers are simplified within the lock's ``python-versions``. Whatever cannot be read is read
wide, so that no package is checked in fewer places than it installs: an entry that cannot be
read leads to every version of its name everywhere; a package that no path reaches keeps what
the lock records (a pyproject.toml that does not match the lock changes nothing), and so does
every package when no pyproject.toml beside the lock can be read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from cg_action._errors import ParseError
from cg_action._markers import ALWAYS, NEVER, Condition, Versions, python_versions, reached
from cg_action._models import Dependency
from cg_action._sources._poetry_constraint import InvalidPoetryConstraint, poetry_alternatives
from cg_action._sources._pyproject import parse_pyproject, poetry_marker
from cg_action._sources._typed import Where, read_text

__all__ = ["LockedPackage", "group_term", "walked_markers"]

logger = logging.getLogger(__name__)

_MAX_UPDATES = 200  # widenings of one package's condition before it is taken as "everywhere"
_MAIN = "main"  # the project's own dependencies: always installed
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_EXTRA = re.compile(r"""\bextra == ["']([^"']*)["']""")
_Node = tuple[int, NormalizedName | None]  # a locked package, with one of its extras


@dataclass(frozen=True, slots=True)
class LockedPackage:
    """One readable ``[[package]]`` of the lock: its name, version and table."""

    name: NormalizedName
    version: Version | None
    table: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Edge:
    name: NormalizedName
    versions: tuple[SpecifierSet, ...]  # the constraint's alternatives; () for any version
    condition: Condition
    extras: tuple[NormalizedName, ...]
    optional: bool


def walked_markers(
    lock: Path,
    packages: Sequence[LockedPackage],
    python: str | None,
    *,
    root: Path | None = None,
) -> dict[int, Marker | None]:
    """The marker of each package (by its position) that the dependency graph of the project
    whose pyproject.toml is beside ``lock`` reaches; empty when there is none that can be read.

    ``python`` is the lock's ``python-versions`` (a Poetry constraint); ``root`` bounds what may
    be read (default: the lock's folder).
    """
    project = _project(lock.parent / "pyproject.toml", root or lock.parent)
    if project is None:
        return {}
    within = _python(python)
    start = ALWAYS if within is None else Condition.python(within)
    by_name: dict[NormalizedName, list[int]] = {}
    for index, package in enumerate(packages):
        by_name.setdefault(package.name, []).append(index)
    edges = [_edges(package, lock) for package in packages]
    extras = [_extras(package.table) for package in packages]

    def targets(edge: _Edge) -> list[int]:
        found = by_name.get(edge.name, [])
        if len(found) > 1 and edge.versions:
            found = [i for i in found if _allows(edge, packages[i].version)] or found
        return found

    def lead(edge: _Edge, condition: Condition) -> Iterator[tuple[_Node, Condition]]:
        via = condition & edge.condition
        if via.is_never:
            return
        for target in targets(edge):
            yield (target, None), via
            for extra in edge.extras:
                yield (target, extra), via

    starts: dict[_Node, Condition] = {}
    for requirement in project:
        edge = _requirement_edge(requirement)
        for target in targets(edge):
            optional = packages[target].table.get("optional") is True
            condition = start & _requirement_condition(requirement, optional=optional)
            for node in [(target, None), *((target, extra) for extra in edge.extras)]:
                starts[node] = starts.get(node, NEVER) | condition

    def step(node: _Node, condition: Condition) -> Iterator[tuple[_Node, Condition]]:
        index, extra = node
        if extra is None:
            chosen = [edge for edge in edges[index] if not edge.optional]
        else:  # the optional dependencies the extra adds; the others come with the package
            asked = extras[index].get(extra, frozenset())
            chosen = [edge for edge in edges[index] if edge.optional and edge.name in asked]
        for edge in chosen:
            yield from lead(edge, condition)

    conditions = reached(starts, step, widest=start, max_updates=_MAX_UPDATES)
    markers: dict[int, Marker | None] = {}
    for (index, extra), condition in conditions.items():
        if extra is None and not condition.is_never:
            markers[index] = condition.to_marker(within) if within else condition.to_marker()
    return markers


def _project(pyproject: Path, root: Path) -> list[Dependency] | None:
    """The requirements of the project that a lock walk starts from (None: none readable)."""
    if not pyproject.is_file():
        return None
    try:
        source = parse_pyproject(pyproject, read_text(pyproject, root=root))
    except ParseError as exc:
        logger.debug("%s not read, the lock is not walked: %s", pyproject, exc)
        return None
    return [dep for dep in source.dependencies if "build-system" not in dep.groups]


def _python(constraint: str | None) -> Versions | None:
    """The lock's ``python-versions`` as versions (None: any, or not readable)."""
    if not constraint:
        return None
    try:
        alternatives = poetry_alternatives(constraint)
    except InvalidPoetryConstraint:
        return None
    if len(alternatives) != 1:
        return None
    return python_versions(str(alternatives[0]))


def _requirement_edge(requirement: Dependency) -> _Edge:
    """The project's requirement as the first step of a path (its condition: see
    ``_requirement_condition``)."""
    versions = (requirement.specifier,) if requirement.specifier else ()
    return _Edge(requirement.name, versions, ALWAYS, tuple(requirement.extras), optional=False)


def _requirement_condition(requirement: Dependency, *, optional: bool) -> Condition:
    """Where the project's requirement installs a package: its marker, and the ``or`` of its
    groups' terms (none for the main dependencies).

    An extra's requirement needs its extra (``'cli' in extras``) only when the lock marks the
    package it leads to ``optional``, that is wanted by extras alone; otherwise the package is
    installed anyway and the requirement only adds its marker, as ``poetry export`` reads it.
    """
    condition = NEVER
    for group in requirement.groups or ("main",):
        if group.startswith("extra:"):
            name = group.removeprefix("extra:")
            if optional and _NAME.fullmatch(name):
                condition = condition | Condition.selected("extras", name)
            else:
                condition = ALWAYS
            continue
        term = group_term(group)
        condition = condition | (ALWAYS if term is None else Condition.parse(term))
    if requirement.marker is not None:
        condition = condition & Condition.parse_wide(requirement.marker)
    return condition


def group_term(group: str) -> str | None:
    """``'dev' in dependency_groups`` for a Poetry group; None for ``main`` (always installed)
    and for a name that cannot be a group's (its packages are then checked whatever is
    selected)."""
    name = canonicalize_name(group)
    if name == _MAIN or not _NAME.fullmatch(group):
        return None
    return f"'{name}' in dependency_groups"


def _edges(package: LockedPackage, lock: Path) -> tuple[_Edge, ...]:
    """A package's ``[package.dependencies]``, each entry of a list of constraints an edge."""
    table = package.table.get("dependencies")
    if not isinstance(table, dict):
        return ()
    found: list[_Edge] = []
    for raw_name, value in table.items():
        if not isinstance(raw_name, str) or not _NAME.fullmatch(raw_name):
            continue
        name = canonicalize_name(raw_name)
        for entry in value if isinstance(value, list) else [value]:
            found.append(_edge(name, entry, Where(lock, f"package.{package.name}.{raw_name}")))
    return tuple(found)


def _edge(name: NormalizedName, entry: object, where: Where) -> _Edge:
    """One dependency entry; one that cannot be read leads to any version, everywhere."""
    wide = _Edge(name, (), ALWAYS, (), optional=False)
    if isinstance(entry, str):
        return _Edge(name, _versions(entry), ALWAYS, (), optional=False)
    if not isinstance(entry, dict):
        return wide
    try:
        marker = poetry_marker(entry, where)
    except ParseError:
        return wide
    raw_extras = entry.get("extras", [])
    extras = tuple(
        canonicalize_name(x)
        for x in (raw_extras if isinstance(raw_extras, list) else [])
        if isinstance(x, str)
    )
    version = entry.get("version")
    return _Edge(
        name,
        _versions(version) if isinstance(version, str) else (),
        ALWAYS if marker is None else _without_extras(marker),
        extras,
        optional=entry.get("optional") is True,
    )


def _without_extras(marker: Marker) -> Condition:
    """A dependency's marker with its ``extra == "x"`` comparisons taken as holding: they name
    the extras of the package that depends on it, which the walk follows itself (an optional
    dependency only from an extra that lists it)."""
    condition = Condition.parse_wide(marker)
    for name in _EXTRA.findall(str(marker)):
        try:
            condition = condition.assuming(f'extra == "{name}"')
        except ValueError:  # a name no marker can hold: the comparison stays
            continue
    return condition


def _allows(edge: _Edge, version: Version | None) -> bool:
    return version is not None and any(s.contains(version, prereleases=True) for s in edge.versions)


def _versions(constraint: str) -> tuple[SpecifierSet, ...]:
    try:
        return poetry_alternatives(constraint)
    except InvalidPoetryConstraint:
        return ()


def _extras(table: Mapping[str, Any]) -> dict[NormalizedName | None, frozenset[str]]:
    """``[package.extras]``: each extra and the names of the optional dependencies it adds."""
    raw = table.get("extras")
    found: dict[NormalizedName | None, frozenset[str]] = {}
    if not isinstance(raw, dict):
        return found
    for extra, requirements in raw.items():
        if not isinstance(extra, str) or not isinstance(requirements, list):
            continue
        names = set()
        for requirement in requirements:
            match = _NAME.match(requirement.strip()) if isinstance(requirement, str) else None
            if match:  # "PySocks (>=1.5.6,!=1.5.7)", "rich[jupyter]>=13; ..."
                names.add(canonicalize_name(match.group()))
        found[canonicalize_name(extra)] = frozenset(names)
    return found
