"""Reader of ``uv.lock`` (lock version 1, any revision).

Every ``[[package]]`` entry is one locked ``Dependency``; a package locked at several versions
under different resolution markers gives one ``Dependency`` per version. The kind follows the
entry's ``source``:
``registry`` is PINNED (its URL is the ``index``), ``git`` VCS, ``url`` URL, ``path`` and
``directory`` PATH, ``editable`` EDITABLE. The workspace's own members (``[manifest] members``
and the root project at ``.``) are not dependencies and are left out.

``groups`` say through which of the members' dependency lists a package is installed:
``default`` for the members' own dependencies, the extra's name for an optional dependency,
the group's name for a dependency group (``dev``, ...), following the lock's dependency edges.

The ``marker`` says where a package installs, as ``uv export`` does: uv records markers on the
dependency edges, not on the packages, so a package's marker is the ``or``, over the edges
that reach it, of the parent's marker ``and`` the edge's, from the members (their own
dependencies always; their extras with ``'name' in extras``, their dependency groups with
``'name' in dependency_groups``, as PEP 751 writes them) to a fixed point, simplified within
the lock's ``requires-python`` (what it implies is left out). A package that no member reaches
keeps the ``resolution-markers`` of its entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from cg_action._errors import ParseError
from cg_action._markers import ALWAYS, NEVER, Condition, Versions, python_versions, reached
from cg_action._models import Artifact, Dependency, DependencyKind, FileFormat, Location, SourceFile
from cg_action._sources._lock_common import (
    Problems,
    any_of_markers,
    entry_lines,
    filename_of,
    load_lock,
    lock_source,
    locked_dependency,
    parse_hash,
    parse_marker,
)
from cg_action._sources._typed import (
    TomlLines,
    Where,
    expect_int,
    expect_list,
    expect_str,
    expect_table,
    get_optional_list,
    get_optional_str,
    get_optional_table,
    get_str,
    parse_name,
    parse_version,
)

SUPPORTED_VERSION = 1
DEFAULT_GROUP = "default"
_MAX_UPDATES = 200  # widenings of one package's marker before it is taken as "always"

_SOURCE_KINDS: dict[str, DependencyKind] = {
    "registry": DependencyKind.PINNED,
    "git": DependencyKind.VCS,
    "url": DependencyKind.URL,
    "path": DependencyKind.PATH,
    "directory": DependencyKind.PATH,
    "editable": DependencyKind.EDITABLE,
    "virtual": DependencyKind.PATH,
}
_MEMBER_SOURCES = frozenset({"editable", "virtual"})


@dataclass(frozen=True, slots=True, kw_only=True)
class _Edge:
    """A dependency edge of the lock: a package name, narrowed by version or source."""

    name: NormalizedName
    version: str | None = None
    source: Mapping[str, Any] | None = None
    extras: tuple[str, ...] = ()
    condition: Condition = field(default=ALWAYS, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Entry:
    """One ``[[package]]`` entry, read."""

    name: NormalizedName
    display_name: str
    version: Version | None
    source: Mapping[str, Any]
    kind: DependencyKind
    url: str | None
    index: str | None
    artifacts: tuple[Artifact, ...]
    marker: Marker | None
    is_member: bool
    location: Location
    edges: tuple[_Edge, ...]
    optional: Mapping[str, tuple[_Edge, ...]]
    dev: Mapping[str, tuple[_Edge, ...]]


def parse_uv_lock(path: Path, text: str | None = None) -> SourceFile:
    """Read a ``uv.lock``; raise ParseError if it is not a uv.lock this version understands."""
    data, lines = load_lock(path, text, remake="uv lock")
    root = Where(path)
    _check_version(data, root, lines)
    packages = get_optional_list(data, "package", root.at_line(lines.key("package")))
    problems = Problems()
    manifest_where = root.at_line(next(iter(lines.headers("manifest")), None))
    members = _members(data, manifest_where, problems)
    manifest_roots = _manifest_roots(data, manifest_where, problems)

    entries: list[_Entry] = []
    for i, (raw, line) in enumerate(
        zip(packages, entry_lines(lines, "package", packages), strict=True)
    ):
        where = root.child("package").child(i, line)
        try:
            entries.append(_read_entry(raw, where, members, problems))
        except ParseError as exc:
            problems.add(exc)

    groups = _groups(entries)
    requires_python = data.get("requires-python")
    python = python_versions(requires_python) if isinstance(requires_python, str) else None
    markers = _install_markers(entries, manifest_roots, python)
    dependencies: list[Dependency] = [
        locked_dependency(
            name=entry.name,
            display_name=entry.display_name,
            kind=entry.kind,
            location=entry.location,
            version=entry.version,
            marker=markers.get(i, entry.marker),
            groups=sorted(groups.get(i, ())),
            artifacts=entry.artifacts,
            index=entry.index,
            url=entry.url,
        )
        for i, entry in enumerate(entries)
        if not entry.is_member
    ]
    return lock_source(path, FileFormat.UV_LOCK, dependencies, problems)


def _check_version(data: Mapping[str, Any], root: Where, lines: TomlLines) -> None:
    top_level_end = lines.next_header(0)  # keys before the first table are the lock's own
    where = root.child("version", lines.key("version", 1, top_level_end))
    if "version" not in data:
        raise where.error("missing required key: is this a uv.lock written by uv?")
    version = expect_int(data["version"], where)
    if version != SUPPORTED_VERSION:
        raise where.error(f"unsupported uv.lock version {version}: upgrade cg-action")
    if "revision" in data:
        expect_int(
            data["revision"], root.child("revision", lines.key("revision", 1, top_level_end))
        )


def _members(
    data: Mapping[str, Any], where: Where, problems: Problems
) -> frozenset[NormalizedName]:
    """The names in ``[manifest] members``: the workspace's own packages."""
    try:
        manifest = get_optional_table(data, "manifest", where)
        members_where = where.child("manifest").child("members")
        return frozenset(
            parse_name(expect_str(item, members_where.child(i)), members_where.child(i))
            for i, item in enumerate(
                get_optional_list(manifest, "members", where.child("manifest"))
            )
        )
    except ParseError as exc:
        problems.add(exc)
        return frozenset()


def _manifest_roots(
    data: Mapping[str, Any], where: Where, problems: Problems
) -> dict[str | None, tuple[_Edge, ...]]:
    """What the lock installs besides its members: ``[manifest] requirements`` (a script's
    lock; key None) and a virtual workspace root's ``[manifest.dependency-groups]``."""
    manifest = data.get("manifest")
    if not isinstance(manifest, Mapping):
        return {}
    manifest_where = where.child("manifest")
    roots: dict[str | None, tuple[_Edge, ...]] = {}
    try:
        requirements = get_optional_list(manifest, "requirements", manifest_where)
        if requirements:
            roots[None] = _edges(requirements, manifest_where.child("requirements"), problems)
    except ParseError as exc:
        problems.add(exc)
    for group, edges in _edge_tables(
        manifest, "dependency-groups", manifest_where, problems
    ).items():
        roots[group] = edges
    return roots


def _read_entry(
    raw: object, where: Where, members: frozenset[NormalizedName], problems: Problems
) -> _Entry:
    table = expect_table(raw, where)
    display_name = get_str(table, "name", where)
    name = parse_name(display_name, where.child("name"))
    raw_version = get_optional_str(table, "version", where)
    version = parse_version(raw_version, where.child("version")) if raw_version else None

    source = get_optional_table(table, "source", where)
    source_key = next((key for key in _SOURCE_KINDS if key in source), None)
    if source and source_key is None:
        raise where.child("source").error(
            f"unknown source {sorted(source)!r}: expected one of {', '.join(_SOURCE_KINDS)}"
        )
    source_value = (
        expect_str(source[source_key], where.child("source").child(source_key))
        if (source_key)
        else None
    )
    kind = _SOURCE_KINDS[source_key] if source_key else DependencyKind.PINNED
    is_member = source_key in _MEMBER_SOURCES and (source_value == "." or name in members)
    if kind is DependencyKind.PINNED and version is None:
        raise where.child("version").error("missing required key for a package from an index")

    marker = None
    markers_where = where.child("resolution-markers")
    try:
        markers = [
            _uv_marker(item, markers_where.child(i))
            for i, item in enumerate(get_optional_list(table, "resolution-markers", where))
        ]
        marker = any_of_markers(markers)
    except ParseError as exc:  # the package is still locked; only its marker is unknown
        problems.add(exc)

    artifacts: list[Artifact] = []
    if "sdist" in table:
        sdist_where = where.child("sdist")
        fallback = (
            filename_of(source_value) if source_key in ("url", "path") and source_value else None
        )
        artifacts.append(
            _artifact(expect_table(table["sdist"], sdist_where), sdist_where, fallback)
        )
    for i, wheel in enumerate(get_optional_list(table, "wheels", where)):
        wheel_where = where.child("wheels").child(i)
        artifacts.append(_artifact(expect_table(wheel, wheel_where), wheel_where, None))

    return _Entry(
        name=name,
        display_name=display_name,
        version=version,
        source=source,
        kind=kind,
        url=source_value if kind is not DependencyKind.PINNED else None,
        index=source_value if kind is DependencyKind.PINNED else None,
        artifacts=tuple(artifacts),
        marker=marker,
        is_member=is_member,
        location=Location(path=where.path, line=where.line),
        edges=_edges(
            get_optional_list(table, "dependencies", where), where.child("dependencies"), problems
        ),
        optional=_edge_tables(table, "optional-dependencies", where, problems),
        dev=_edge_tables(table, "dev-dependencies", where, problems),
    )


def _artifact(table: Mapping[str, Any], where: Where, fallback_name: str | None) -> Artifact:
    url = get_optional_str(table, "url", where)
    file_path = get_optional_str(table, "path", where)
    filename = get_optional_str(table, "filename", where)
    if filename is None:
        filename = filename_of(url or file_path or "") or fallback_name
    hashes = (parse_hash(table["hash"], where.child("hash")),) if "hash" in table else ()
    size = expect_int(table["size"], where.child("size")) if "size" in table else None
    if size is not None and size < 0:
        raise where.child("size").error(f"expected a size in bytes, found {size}")
    return Artifact(filename=filename, url=url, hashes=hashes, size=size)


def _edges(raw: Sequence[object], where: Where, problems: Problems) -> tuple[_Edge, ...]:
    edges = []
    for i, item in enumerate(raw):
        item_where = where.child(i)
        try:
            table = expect_table(item, item_where)
            # "extra" on a lock edge, "extras" on a manifest requirement
            key = "extra" if "extra" in table else "extras"
            extras = get_optional_list(table, key, item_where)
            edges.append(
                _Edge(
                    name=parse_name(get_str(table, "name", item_where), item_where.child("name")),
                    version=get_optional_str(table, "version", item_where),
                    source=get_optional_table(table, "source", item_where) or None,
                    extras=tuple(
                        expect_str(x, item_where.child(key).child(j)) for j, x in enumerate(extras)
                    ),
                    condition=_edge_condition(table, item_where, problems),
                )
            )
        except ParseError as exc:
            problems.add(exc)
    return tuple(edges)


def _edge_condition(table: Mapping[str, Any], where: Where, problems: Problems) -> Condition:
    """The edge's marker as a condition; a marker that cannot be read is a problem, and the
    edge is then taken to hold everywhere (the package is checked rather than skipped)."""
    if "marker" not in table:
        return ALWAYS
    try:
        return Condition.parse_wide(_uv_marker(table["marker"], where.child("marker")))
    except ParseError as exc:
        problems.add(exc)
    return ALWAYS


def _edge_tables(
    table: Mapping[str, Any], key: str, where: Where, problems: Problems
) -> Mapping[str, tuple[_Edge, ...]]:
    try:
        groups = get_optional_table(table, key, where)
        return {
            group: _edges(
                expect_list(items, where.child(key).child(group)),
                where.child(key).child(group),
                problems,
            )
            for group, items in groups.items()
        }
    except ParseError as exc:
        problems.add(exc)
        return {}


def _groups(entries: Sequence[_Entry]) -> dict[int, set[str]]:
    """For each entry, the members' dependency lists through which it is installed."""
    by_name: dict[NormalizedName, list[int]] = {}
    for i, entry in enumerate(entries):
        by_name.setdefault(entry.name, []).append(i)

    def resolve(edge: _Edge) -> list[int]:
        return _resolve(edge, entries, by_name)

    def reach(start: Sequence[_Edge]) -> set[int]:
        seen: set[int] = set()
        seen_extras: set[tuple[int, str]] = set()
        stack = list(start)
        while stack:
            edge = stack.pop()
            for i in resolve(edge):
                for extra in edge.extras:
                    if (i, extra) not in seen_extras:
                        seen_extras.add((i, extra))
                        stack.extend(entries[i].optional.get(extra, ()))
                if i not in seen:
                    seen.add(i)
                    stack.extend(entries[i].edges)
        return seen

    groups: dict[int, set[str]] = {}
    for member in (e for e in entries if e.is_member):
        lists = [(DEFAULT_GROUP, member.edges), *member.optional.items(), *member.dev.items()]
        for label, edges in lists:
            for i in reach(edges):
                groups.setdefault(i, set()).add(label)
    return groups


def _same_version(version: Version | None, raw: str) -> bool:
    try:
        return version == Version(raw)
    except ValueError:
        return False


_CONFLICT = re.compile(r"""\bextra\s*(==|!=)\s*(['"])(extra|group)-(\d+)-([^'"]+)\2""")


def _uv_marker(raw: object, where: Where) -> Marker:
    """A marker of the lock, uv's conflict terms written as PEP 751 says.

    With conflicting extras or groups declared, uv writes ``extra == 'extra-4-demo-cpu'``
    (extra ``cpu`` of package ``demo``) and ``extra == 'group-4-demo-lint'``: they become
    ``'cpu' in extras`` and ``'lint' in dependency_groups``.
    """
    marker = parse_marker(raw, where)
    text = str(marker)
    if "extra" not in text:
        return marker
    translated = _CONFLICT.sub(_conflict_term, text)
    return marker if translated == text else Marker(translated)


def _conflict_term(match: re.Match[str]) -> str:
    op, kind, length, rest = match.group(1), match.group(3), int(match.group(4)), match.group(5)
    name = rest[length + 1 :]
    if rest[length : length + 1] != "-" or not name:
        return match.group(0)
    variable = "extras" if kind == "extra" else "dependency_groups"
    return f"'{canonicalize_name(name)}' {'in' if op == '==' else 'not in'} {variable}"


_Node = tuple[int, str | None]  # an entry, with one of its extras (None: the package itself)


def _install_markers(
    entries: Sequence[_Entry],
    manifest_roots: Mapping[str | None, tuple[_Edge, ...]],
    python: Versions | None,
) -> dict[int, Marker | None]:
    """For each entry that the members (or the manifest) reach, the marker where it installs.

    Nodes are (entry, extra): a package and one of its extras; the members' dependency groups
    are nodes (entry, ``group:<name>``) and the manifest's lists belong to entry -1.
    """
    by_name: dict[NormalizedName, list[int]] = {}
    for i, entry in enumerate(entries):
        by_name.setdefault(entry.name, []).append(i)
    within = ALWAYS if python is None else Condition.python(python)

    def edges_of(node: _Node) -> tuple[_Edge, ...]:
        index, label = node
        if index < 0:
            key = None if label is None else label.removeprefix("group:")
            return manifest_roots.get(key, ())
        entry = entries[index]
        if label is None:
            return entry.edges
        if label.startswith("group:"):
            return entry.dev.get(label.removeprefix("group:"), ())
        return next((edges for extra, edges in entry.optional.items() if _same(extra, label)), ())

    conditions: dict[_Node, Condition] = {}
    for i, member in enumerate(entries):
        if not member.is_member:
            continue
        conditions[(i, None)] = within
        for extra in member.optional:
            conditions[(i, extra)] = within & Condition.selected("extras", extra)
        for group in member.dev:
            conditions[(i, f"group:{group}")] = within & Condition.selected(
                "dependency_groups", group
            )
    for label in manifest_roots:
        if label is None:
            conditions[(-1, None)] = within
        else:
            conditions[(-1, f"group:{label}")] = within & Condition.selected(
                "dependency_groups", label
            )
    if not conditions:
        return {}

    def step(node: _Node, condition: Condition) -> Iterator[tuple[_Node, Condition]]:
        for edge in edges_of(node):
            via = condition & edge.condition
            if via.is_never:
                continue
            found = _resolve(edge, entries, by_name)
            for target in found:
                reached_with = via
                fork = entries[target].marker
                if len(found) > 1 and fork is not None:  # not told which version: its fork's
                    reached_with = via & Condition.parse_wide(fork)
                for child in [(target, None), *((target, x) for x in edge.extras)]:
                    yield child, reached_with

    conditions = reached(conditions, step, widest=within, max_updates=_MAX_UPDATES)
    markers: dict[int, Marker | None] = {}
    for i, entry in enumerate(entries):
        condition = conditions.get((i, None), NEVER)
        if entry.is_member or condition.is_never:
            continue
        markers[i] = condition.to_marker(python) if python is not None else condition.to_marker()
    return markers


def _same(a: str, b: str) -> bool:
    return a == b or canonicalize_name(a) == canonicalize_name(b)


def _resolve(
    edge: _Edge, entries: Sequence[_Entry], by_name: Mapping[NormalizedName, list[int]]
) -> list[int]:
    """The entries an edge points to: by name, then narrowed by version and source."""
    found = by_name.get(edge.name, [])
    if len(found) > 1 and edge.version is not None:
        found = [i for i in found if str(entries[i].version) == edge.version] or [
            i for i in found if _same_version(entries[i].version, edge.version)
        ]
    if len(found) > 1 and edge.source is not None:
        found = [i for i in found if entries[i].source == edge.source]
    return found
