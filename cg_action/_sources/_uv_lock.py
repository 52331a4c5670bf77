"""Reader of ``uv.lock`` (lock version 1, any revision).

Every ``[[package]]`` entry is one locked ``Dependency``; a package locked at several versions
under different resolution markers gives one ``Dependency`` per version, each with the
``resolution-markers`` of its entry as its marker. The kind follows the entry's ``source``:
``registry`` is PINNED (its URL is the ``index``), ``git`` VCS, ``url`` URL, ``path`` and
``directory`` PATH, ``editable`` EDITABLE. The workspace's own members (``[manifest] members``
and the root project at ``.``) are not dependencies and are left out.

``groups`` say through which of the members' dependency lists a package is installed:
``default`` for the members' own dependencies, the extra's name for an optional dependency,
the group's name for a dependency group (``dev``, ...), following the lock's dependency edges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.utils import NormalizedName
from packaging.version import Version

from cg_action._errors import ParseError
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
    members = _members(data, root.at_line(next(iter(lines.headers("manifest")), None)), problems)

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
    dependencies: list[Dependency] = [
        locked_dependency(
            name=entry.name,
            display_name=entry.display_name,
            kind=entry.kind,
            location=entry.location,
            version=entry.version,
            marker=entry.marker,
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
            parse_marker(item, markers_where.child(i))
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
            extras = get_optional_list(table, "extra", item_where)
            edges.append(
                _Edge(
                    name=parse_name(get_str(table, "name", item_where), item_where.child("name")),
                    version=get_optional_str(table, "version", item_where),
                    source=get_optional_table(table, "source", item_where) or None,
                    extras=tuple(
                        expect_str(x, item_where.child("extra").child(j))
                        for j, x in enumerate(extras)
                    ),
                )
            )
        except ParseError as exc:
            problems.add(exc)
    return tuple(edges)


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
        found = by_name.get(edge.name, [])
        if len(found) > 1 and edge.version is not None:
            found = [i for i in found if str(entries[i].version) == edge.version] or [
                i for i in found if _same_version(entries[i].version, edge.version)
            ]
        if len(found) > 1 and edge.source is not None:
            found = [i for i in found if entries[i].source == edge.source]
        return found

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
