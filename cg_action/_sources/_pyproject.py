"""Reader of pyproject.toml: PEP 621, PEP 735, build-system, uv, PDM and Poetry dependencies.

What is read, and the ``Dependency.groups`` each part gets:

- ``[project] dependencies``: ``()``; ``[project.optional-dependencies] <x>``: ``("extra:<x>",)``;
- ``[dependency-groups] <g>`` (PEP 735): the group's own name first, then every group that
  includes it through ``{include-group = "..."}``, so each requirement is reported once, at
  the line it is written on; include cycles and unknown groups are problems;
- ``[build-system] requires``: ``("build-system",)``;
- ``[tool.uv] dev-dependencies``: ``("dev",)``; ``[tool.pdm.dev-dependencies] <g>``: ``(g,)``;
- Poetry: ``[tool.poetry.dependencies]`` (``python`` skipped; optional ones get the
  ``extra:<x>`` groups of ``[tool.poetry.extras]``), ``[tool.poetry.dev-dependencies]``:
  ``("dev",)``, ``[tool.poetry.group.<g>.dependencies]``: ``(g,)``. Constraints are translated
  with ``_poetry_constraint``; a ``||`` union becomes a range over any version (logged).

``[tool.uv.sources]`` turns a requirement into a VCS, path, editable or URL dependency, or
points it at a named ``[[tool.uv.index]]``; Poetry's ``source = "name"`` points a dependency at
a ``[[tool.poetry.source]]``. When ``[project] dependencies`` exists, a same-named entry of
``[tool.poetry.dependencies]`` only adds its source (Poetry 2 semantics) and is not reported
twice. A project's references to itself (``pdm[pytest]`` inside pdm) are skipped.

Lines are found textually (``tomllib`` gives none): each array is searched from its own key
line within its table's span, moving forward, so the same string in two tables, or twice in
one array, gets its own line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from cg_action._errors import ParseError, Problem
from cg_action._models import Dependency, DependencyKind, FileFormat, Location, SourceFile
from cg_action._sources._pep508 import (
    VCS_SCHEMES,
    all_of,
    dependency_from_requirement,
    parse_marker,
    vcs_url,
)
from cg_action._sources._poetry_constraint import (
    InvalidPoetryConstraint,
    poetry_alternatives,
)
from cg_action._sources._typed import (
    TomlLines,
    Where,
    excerpt,
    expect_bool,
    expect_list,
    expect_str,
    expect_table,
    load_toml,
    parse_name,
    parser_message,
    read_text,
    specifier_kind,
)

__all__ = ["TextLocator", "parse_pyproject", "poetry_marker"]

logger = logging.getLogger(__name__)

# The members of a [tool.uv.sources] entry and of an index entry that cg-action reads or that
# change where a package comes from, with the type uv (or Poetry) reads them as.
_UV_SOURCE_TYPES: dict[str, Callable[[object, Where], object]] = {
    **dict.fromkeys(
        ("git", "rev", "tag", "branch", "subdirectory", "path", "url", "index", "marker"),
        expect_str,
    ),
    **dict.fromkeys(("extra", "group"), expect_str),
    **dict.fromkeys(("editable", "workspace", "package"), expect_bool),
}
_INDEX_TYPES: dict[str, Callable[[object, Where], object]] = {
    **dict.fromkeys(("name", "url", "format", "publish-url", "priority"), expect_str),
    **dict.fromkeys(("default", "explicit", "secondary"), expect_bool),
}
PYPI_SIMPLE = "https://pypi.org/simple/"


# -- where things stand in the text (also used by the Pipfile reader) ---------------------


class TextLocator:
    """Finds where tables, keys and strings stand in TOML text (1-based lines)."""

    def __init__(self, text: str) -> None:
        self.toml = TomlLines(text)
        self.lines = self.toml.lines

    @property
    def end(self) -> int:
        """One past the last line."""
        return len(self.lines) + 1

    def span(self, path: Iterable[str]) -> tuple[int, int]:
        """The lines [start, end) holding the members of the table or array at ``path``.

        The longest header that is a prefix of ``path`` is taken; the rest of the path is then
        looked up as a (dotted) key inside that header's span.
        """
        parts = tuple(path)
        for cut in range(len(parts), -1, -1):
            if cut:
                headers = self.toml.headers(".".join(parts[:cut]))
                if not headers:
                    continue
                start = headers[0] + 1
                end = self.toml.next_header(headers[0])
            else:
                start = 1
                end = self.toml.next_header(0)
            rest = parts[cut:]
            if not rest:
                return start, end
            line = self.key(rest, start, end)
            if line is not None:
                return line, end
            if cut:
                return start, end
        return 1, self.end

    def key(self, key: Iterable[str], start: int, end: int) -> int | None:
        """The first line in [start, end) assigning the dotted ``key``, also inside an inline
        table (``deps = { name = "..." }``)."""
        dotted = r"\s*\.\s*".join(r"[\"']?" + re.escape(part) + r"[\"']?" for part in key)
        pattern = re.compile(r"(?:^|[{,])\s*" + dotted + r"\s*=(?!=)")
        for index in range(max(start, 1) - 1, min(end, self.end) - 1):
            if pattern.search(self.lines[index]):
                return index + 1
        return None

    def cursor(self, start: int, end: int) -> StringCursor:
        """A forward search for strings in [start, end)."""
        return StringCursor(self.lines, start, end)


class StringCursor:
    """Finds successive quoted strings, each after the previous one found."""

    def __init__(self, lines: list[str], start: int, end: int) -> None:
        self._lines = lines
        self._line = max(start, 1)
        self._column = 0
        self._end = min(end, len(lines) + 1)
        self.anchor = self._line

    def find(self, value: str) -> int | None:
        """The line of the next occurrence of ``value`` as a quoted string, or None."""
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        needles = {f'"{value}"', f"'{value}'", f'"{escaped}"'}
        line, column = self._line, self._column
        while line < self._end:
            text = self._lines[line - 1]
            hits = [i for i in (text.find(n, column) for n in needles) if i >= 0]
            if hits:
                hit = min(hits)
                self._line, self._column = line, hit + 1
                return line
            line, column = line + 1, 0
        return None


def python_marker(constraint: str) -> Marker | None:
    """A Poetry ``python = "^3.8"`` constraint as a ``python_version`` marker (None: any)."""
    alternatives = poetry_alternatives(constraint)
    parts: list[str] = []
    for specifier in alternatives:
        clauses = []
        for clause in specifier:
            release = clause.version.removesuffix(".*")
            variable = "python_full_version" if release.count(".") >= 2 else "python_version"
            clauses.append(f'{variable} {clause.operator} "{clause.version}"')
        if not clauses:
            return None
        parts.append(" and ".join(clauses))
    if len(parts) == 1:
        return Marker(parts[0])
    return Marker(" or ".join(f"({part})" for part in parts))


def poetry_marker(spec: Mapping[str, Any], where: Where) -> Marker | None:
    """The marker of a Poetry dependency table: its ``markers``, ``python`` and ``platform``
    keys together (None: none of them). The same keys in pyproject.toml and in a poetry.lock's
    ``[package.dependencies]``; ParseError for one that cannot be read."""
    markers: list[Marker | None] = []
    if "markers" in spec:
        markers.append(parse_marker(expect_str(spec["markers"], where.child("markers")), where))
    if "python" in spec:
        python = expect_str(spec["python"], where.child("python"))
        try:
            markers.append(python_marker(python))
        except InvalidPoetryConstraint as exc:
            raise where.child("python").error(f"{exc}; fix the constraint") from exc
    if "platform" in spec:
        platform = expect_str(spec["platform"], where.child("platform"))
        markers.append(parse_marker(f"sys_platform == {platform!r}", where))
    try:
        return all_of(markers)
    except InvalidMarker as exc:  # pragma: no cover - each part was parsed already
        raise where.error(f"cannot combine the markers: {parser_message(exc)}") from exc


# -- the reader ----------------------------------------------------------------------------


@dataclass
class _Reader:
    path: Path
    locator: TextLocator
    data: Mapping[str, Any]
    problems: list[Problem] = field(default_factory=list)
    self_name: NormalizedName | None = None

    def problem(self, where: Where, message: str) -> None:
        self.problems.append(
            Problem(path=self.path, line=where.line, message=message, key=where.key or None)
        )

    def collect(self, exc: ParseError) -> None:
        self.problems.extend(exc.problems)

    def table(self, path: tuple[str, ...]) -> Mapping[str, Any] | None:
        """The table at ``path``, None when absent; a non-table is a problem."""
        value: Any = self.data
        for depth, part in enumerate(path):
            if part not in value:
                return None
            value = value[part]
            if not isinstance(value, dict):
                line = self.locator.span(path[: depth + 1])[0]
                where = Where(self.path, ".".join(path[: depth + 1]), line)
                self.problem(where, "expected a table; fix the file")
                return None
        return value  # type: ignore[no-any-return]  # checked above, dict from tomllib

    # -- PEP 508 arrays ------------------------------------------------------------------

    def pep508_array(
        self,
        path: tuple[str, ...],
        value: object,
        groups: tuple[str, ...],
        *,
        skip_self: bool = False,
    ) -> list[Dependency]:
        start, end = self.locator.span(path)
        where = Where(self.path, ".".join(path), start)
        try:
            items = expect_list(value, where)
        except ParseError as exc:
            self.collect(exc)
            return []
        cursor = self.locator.cursor(start, end)
        found: list[Dependency] = []
        for index, item in enumerate(items):
            item_where = where.child(index)
            if not isinstance(item, str):
                self.problem(item_where, "expected a requirement string")
                continue
            line = cursor.find(item) or start
            dependency = self.pep508(item, item_where.at_line(line), groups)
            if dependency is None:
                continue
            if skip_self and dependency.name == self.self_name:
                logger.debug("%s:%s: skipping a reference to the project itself", self.path, line)
                continue
            found.append(dependency)
        return found

    def pep508(self, raw: str, where: Where, groups: tuple[str, ...]) -> Dependency | None:
        location = Location(path=self.path, line=where.line)
        text = raw.strip()
        editable = False
        if text.startswith(("-e ", "-e\t", "--editable ")):  # PDM writes editables this way
            editable = True
            text = text.split(None, 1)[1].strip()
            if "@" not in text or "://" in text.split("@", 1)[0]:
                return self.editable_without_name(text, where, groups)
        try:
            requirement = Requirement(text)
            dependency = dependency_from_requirement(requirement, location=location, groups=groups)
        except ValueError as exc:
            self.problem(
                where,
                f"{excerpt(raw)} is not a valid PEP 508 requirement ({parser_message(exc)}); "
                "fix it",
            )
            return None
        if editable:
            dependency = replace(dependency, kind=DependencyKind.EDITABLE)
        return dependency

    def editable_without_name(
        self, text: str, where: Where, groups: tuple[str, ...]
    ) -> Dependency | None:
        """``-e ./path`` or ``-e file:///...#egg=name``: the name from ``#egg=``."""
        _, _, fragment = text.partition("#")
        egg = dict(part.split("=", 1) for part in fragment.split("&") if "=" in part).get("egg")
        if not egg:
            self.problem(
                where, f"{excerpt(text)}: an editable needs '#egg=<name>' or 'name @ <url>'"
            )
            return None
        try:
            name = parse_name(egg, where)
        except ParseError as exc:
            self.collect(exc)
            return None
        return Dependency(
            name=name,
            display_name=egg,
            kind=DependencyKind.EDITABLE,
            location=Location(path=self.path, line=where.line),
            url=text,
            groups=groups,
        )

    # -- PEP 621 / PEP 735 / build-system / uv / PDM -----------------------------------

    def project(self) -> list[Dependency]:
        project = self.table(("project",))
        if project is None:
            return []
        found: list[Dependency] = []
        if "dependencies" in project:
            path: tuple[str, ...] = ("project", "dependencies")
            found += self.pep508_array(path, project["dependencies"], ())
        extras = self.table(("project", "optional-dependencies"))
        for extra, value in (extras or {}).items():
            path = ("project", "optional-dependencies", extra)
            found += self.pep508_array(path, value, (f"extra:{extra}",), skip_self=True)
        return found

    def dependency_groups(self) -> list[Dependency]:
        table = self.table(("dependency-groups",))
        if not table:
            return []
        by_normal: dict[str, str] = {}
        for name in table:
            normal = canonicalize_name(name)
            if normal in by_normal:
                line = self.locator.span(("dependency-groups", name))[0]
                where = Where(self.path, f"dependency-groups.{name}", line)
                self.problem(where, f"same group as {excerpt(by_normal[normal])}; merge the two")
                continue
            by_normal[normal] = name
        direct: dict[str, list[Dependency]] = {}
        includes: dict[str, list[tuple[str, Where]]] = {}
        for name in by_normal.values():
            path = ("dependency-groups", name)
            start, end = self.locator.span(path)
            where = Where(self.path, ".".join(path), start)
            direct[name], includes[name] = [], []
            try:
                items = expect_list(table[name], where)
            except ParseError as exc:
                self.collect(exc)
                continue
            cursor = self.locator.cursor(start, end)
            for index, item in enumerate(items):
                item_where = where.child(index)
                if isinstance(item, str):
                    item_where = item_where.at_line(cursor.find(item))
                    dependency = self.pep508(item, item_where, (name,))
                    if dependency is not None and dependency.name != self.self_name:
                        direct[name].append(dependency)
                    continue
                target = item.get("include-group") if isinstance(item, dict) else None
                if not isinstance(target, str) or len(item) != 1:
                    self.problem(
                        item_where, "expected a requirement string or {include-group = '<name>'}"
                    )
                    continue
                includes[name].append((target, item_where.at_line(cursor.find(target))))
        members = self.resolve_includes(by_normal, includes)
        found: list[Dependency] = []
        for name, dependencies in direct.items():
            including = sorted(group for group, closure in members.items() if name in closure)
            extra = tuple(group for group in including if group != name)
            found += [replace(dep, groups=(name, *extra)) for dep in dependencies]
        return found

    def resolve_includes(
        self, by_normal: Mapping[str, str], includes: Mapping[str, list[tuple[str, Where]]]
    ) -> dict[str, set[str]]:
        """For each group, the groups whose requirements it installs (itself included)."""
        reported: set[tuple[str, str]] = set()
        done: set[str] = set()

        def resolve(group: str, target: str, where: Where) -> str | None:
            resolved = by_normal.get(canonicalize_name(target))
            if resolved is None and (group, target) not in reported:
                reported.add((group, target))
                self.problem(where, f"includes unknown group {excerpt(target)}; define it")
            return resolved

        def check(group: str, trail: tuple[str, ...]) -> None:
            """Report every include that closes a cycle, once."""
            if group in done:
                return
            for target, where in includes.get(group, []):
                resolved = resolve(group, target, where)
                if resolved is None:
                    continue
                if resolved == group or resolved in trail:
                    if (group, resolved) not in reported:
                        reported.add((group, resolved))
                        loop = trail[trail.index(resolved) :] if resolved in trail else ()
                        cycle = " -> ".join((*loop, group, resolved))
                        self.problem(where, f"include-group cycle {cycle}; remove an include")
                    continue
                check(resolved, (*trail, group))
            done.add(group)

        closures: dict[str, set[str]] = {}
        for group in includes:
            check(group, ())
            reach, stack = {group}, [group]
            while stack:
                for target, _ in includes.get(stack.pop(), []):
                    resolved = by_normal.get(canonicalize_name(target))
                    if resolved is not None and resolved not in reach:
                        reach.add(resolved)
                        stack.append(resolved)
            closures[group] = reach
        return closures

    def build_system(self) -> list[Dependency]:
        table = self.table(("build-system",))
        if table is None or "requires" not in table:
            return []
        path = ("build-system", "requires")
        return self.pep508_array(path, table["requires"], ("build-system",))

    def uv_dev(self) -> list[Dependency]:
        table = self.table(("tool", "uv"))
        if table is None or "dev-dependencies" not in table:
            return []
        path = ("tool", "uv", "dev-dependencies")
        return self.pep508_array(path, table["dev-dependencies"], ("dev",), skip_self=True)

    def pdm_dev(self) -> list[Dependency]:
        table = self.table(("tool", "pdm", "dev-dependencies"))
        found: list[Dependency] = []
        for group, value in (table or {}).items():
            path = ("tool", "pdm", "dev-dependencies", group)
            found += self.pep508_array(path, value, (group,), skip_self=True)
        return found

    def named_urls(self, path: tuple[str, ...], default: Mapping[str, str]) -> dict[str, str]:
        """``name -> url`` of an array of tables such as ``[[tool.uv.index]]``.

        A value of the wrong type is a problem at its line and key path; its entry is not used.
        """
        urls = dict(default)
        value: Any = self.data
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return urls
        dotted = ".".join(path)
        headers = self.locator.toml.headers(dotted)
        start = self.locator.span(path)[0]
        try:
            entries = expect_list(value, Where(self.path, dotted, start))
        except ParseError as exc:
            self.collect(exc)
            return urls
        for position, entry in enumerate(entries):
            line = headers[position] if position < len(headers) else start
            where = Where(self.path, dotted, line).child(position)
            end = self.locator.toml.next_header(line) if position < len(headers) else line + 1
            try:
                table = expect_table(entry, where)
            except ParseError as exc:
                self.collect(exc)
                continue
            if self.check_types(table, where, _INDEX_TYPES, line, end):
                name, url = table.get("name"), table.get("url")
                if isinstance(name, str) and isinstance(url, str):
                    urls[name.lower()] = url
        return urls

    def check_types(
        self,
        table: Mapping[str, Any],
        where: Where,
        types: Mapping[str, Callable[[object, Where], object]],
        start: int,
        end: int,
    ) -> bool:
        """Whether the members ``types`` names have their type; a problem for each that has not.

        Members not named are left alone (the tools add keys cg-action need not know).
        """
        well_typed = True
        for key, expect in types.items():
            if key in table:
                line = self.locator.key((key,), start, end) or where.line
                try:
                    expect(table[key], where.child(key, line))
                except ParseError as exc:
                    self.collect(exc)
                    well_typed = False
        return well_typed

    def apply_uv_sources(self, dependencies: list[Dependency]) -> list[Dependency]:
        sources = self.table(("tool", "uv", "sources"))
        indexes = self.named_urls(("tool", "uv", "index"), {"pypi": PYPI_SIMPLE})
        if not sources:
            return dependencies
        start, end = self.locator.span(("tool", "uv", "sources"))
        by_name: dict[NormalizedName, Mapping[str, Any]] = {}
        for key, value in sources.items():
            line = self.locator.key((key,), start, end) or start
            where = Where(self.path, f"tool.uv.sources.{key}", line)
            entries = value if isinstance(value, list) else [value]
            tables: list[Mapping[str, Any]] = []
            for index, entry in enumerate(entries):
                entry_where = where.child(index) if isinstance(value, list) else where
                try:
                    table = expect_table(entry, entry_where)
                except ParseError as exc:
                    self.collect(exc)
                    continue
                if self.check_types(table, entry_where, _UV_SOURCE_TYPES, line, line + 1):
                    tables.append(table)
            if len(tables) == 1:
                by_name[canonicalize_name(key)] = tables[0]
            elif tables and all(t.get("index") == tables[0].get("index") for t in tables):
                by_name[canonicalize_name(key)] = {"index": tables[0].get("index")}
            else:
                logger.debug("%s: %s has several uv sources; kept as written", self.path, key)
        return [
            self.with_source(dep, by_name[dep.name], indexes) if dep.name in by_name else dep
            for dep in dependencies
        ]

    def with_source(
        self, dependency: Dependency, source: Mapping[str, Any], indexes: Mapping[str, str]
    ) -> Dependency:
        if isinstance(source.get("git"), str):
            url = _vcs_url("git", source["git"], source)
            return replace(dependency, kind=DependencyKind.VCS, url=url)
        if isinstance(source.get("path"), str):
            editable = source.get("editable") is True
            kind = DependencyKind.EDITABLE if editable else DependencyKind.PATH
            return replace(dependency, kind=kind, url=source["path"])
        if isinstance(source.get("url"), str):
            return replace(dependency, kind=DependencyKind.URL, url=source["url"])
        if source.get("workspace") is True:
            return replace(dependency, kind=DependencyKind.PATH, url="workspace")
        if isinstance(source.get("index"), str):
            return replace(dependency, index=indexes.get(source["index"].lower()))
        return dependency

    # -- Poetry --------------------------------------------------------------------------

    def poetry(self, project_dependencies: list[Dependency]) -> list[Dependency]:
        poetry = self.table(("tool", "poetry"))
        if poetry is None:
            return []
        sources = self.named_urls(("tool", "poetry", "source"), {"pypi": PYPI_SIMPLE})
        extras_of: dict[NormalizedName, list[str]] = {}
        for extra, names in (self.table(("tool", "poetry", "extras")) or {}).items():
            for name in names if isinstance(names, list) else []:
                if isinstance(name, str):
                    extras_of.setdefault(canonicalize_name(name), []).append(f"extra:{extra}")
        found: list[Dependency] = []
        main = self.poetry_table(("tool", "poetry", "dependencies"), (), sources, extras_of)
        in_project = {dep.name: dep for dep in project_dependencies}
        for dependency in main:
            if dependency.name in in_project:
                continue  # Poetry 2: [project] holds the requirement, this only adds a source
            found.append(dependency)
        found += self.poetry_table(("tool", "poetry", "dev-dependencies"), ("dev",), sources, {})
        for group in self.table(("tool", "poetry", "group")) or {}:
            path = ("tool", "poetry", "group", group, "dependencies")
            found += self.poetry_table(path, (group,), sources, {})
        self.poetry_sources_for_project(main, project_dependencies)
        return found

    def poetry_sources_for_project(
        self, main: list[Dependency], project_dependencies: list[Dependency]
    ) -> None:
        indexed = {dep.name: dep.index for dep in main if dep.index}
        for position, dependency in enumerate(project_dependencies):
            if dependency.name in indexed and dependency.groups == ():
                project_dependencies[position] = replace(dependency, index=indexed[dependency.name])

    def poetry_table(
        self,
        path: tuple[str, ...],
        groups: tuple[str, ...],
        sources: Mapping[str, str],
        extras_of: Mapping[NormalizedName, list[str]],
    ) -> list[Dependency]:
        table = self.table(path)
        if not table:
            return []
        start, end = self.locator.span(path)
        found: list[Dependency] = []
        for key, value in table.items():
            if path == ("tool", "poetry", "dependencies") and key == "python":
                continue
            sub = self.locator.toml.headers(".".join((*path, key)))
            line = sub[0] if sub else (self.locator.key((key,), start, end) or start)
            where = Where(self.path, ".".join((*path, key)), line)
            entries = value if isinstance(value, list) else [value]
            cursor = self.locator.cursor(line, end)
            for index, entry in enumerate(entries):
                entry_where = where.child(index) if isinstance(value, list) else where
                if isinstance(value, list) and isinstance(entry, dict):
                    first = next((v for v in entry.values() if isinstance(v, str)), None)
                    entry_where = entry_where.at_line(cursor.find(first) if first else None)
                try:
                    name = parse_name(key, where)
                    entry_groups = groups
                    if isinstance(entry, dict) and entry.get("optional") is True:
                        entry_groups = tuple(extras_of.get(name, [])) or groups
                    dependency = self.poetry_dependency(
                        name=name,
                        display=key,
                        entry=entry,
                        where=entry_where,
                        groups=entry_groups,
                        sources=sources,
                    )
                except ParseError as exc:
                    self.collect(exc)
                    continue
                found.append(dependency)
        return found

    def poetry_dependency(
        self,
        *,
        name: NormalizedName,
        display: str,
        entry: object,
        where: Where,
        groups: tuple[str, ...],
        sources: Mapping[str, str],
    ) -> Dependency:
        location = Location(path=self.path, line=where.line)
        if isinstance(entry, str):
            return _ranged(name, display, location, groups, _poetry_spec(entry, where))
        spec = expect_table(entry, where)
        extras = frozenset(
            canonicalize_name(expect_str(extra, where.child("extras").child(i)))
            for i, extra in enumerate(expect_list(spec.get("extras", []), where.child("extras")))
        )
        marker = poetry_marker(spec, where)
        index = None
        if "source" in spec:
            source = expect_str(spec["source"], where.child("source"))
            index = sources.get(source.lower())
            if index is None:
                logger.debug("%s: source %r is not declared", where.key, source)
        base = Dependency(
            name=name,
            display_name=display,
            kind=DependencyKind.RANGE,
            location=location,
            extras=extras,
            marker=marker,
            groups=groups,
            index=index,
        )
        for vcs in VCS_SCHEMES:
            if vcs in spec:
                url = _vcs_url(vcs, expect_str(spec[vcs], where.child(vcs)), spec)
                return replace(base, kind=DependencyKind.VCS, url=url)
        if "path" in spec:
            path = expect_str(spec["path"], where.child("path"))
            develop = "develop" in spec and expect_bool(spec["develop"], where.child("develop"))
            kind = DependencyKind.EDITABLE if develop else DependencyKind.PATH
            return replace(base, kind=kind, url=path)
        if "url" in spec:
            url = expect_str(spec["url"], where.child("url"))
            return replace(base, kind=DependencyKind.URL, url=url)
        constraint = expect_str(spec.get("version", "*"), where.child("version"))
        specifier = _poetry_spec(constraint, where.child("version"))
        kind, version = specifier_kind(specifier)
        return replace(base, kind=kind, specifier=specifier, version=version)

    # -- all together --------------------------------------------------------------------

    def read(self) -> list[Dependency]:
        for owner in (self.data.get("project"), _member(self.data, "tool", "poetry")):
            raw = owner.get("name") if isinstance(owner, dict) else None
            if isinstance(raw, str):
                self.self_name = canonicalize_name(raw)
                break
        project = self.project()
        main = [dep for dep in project if dep.groups == ()]
        rest = [dep for dep in project if dep.groups != ()]
        poetry_deps = self.poetry(main)
        declared = [*main, *rest, *self.dependency_groups(), *self.uv_dev(), *self.pdm_dev()]
        declared = self.apply_uv_sources(declared)
        return [*declared, *self.build_system(), *poetry_deps]


def _member(data: Mapping[str, Any], *path: str) -> object:
    value: object = data
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _vcs_url(vcs: str, url: str, spec: Mapping[str, Any]) -> str:
    """uv's and Poetry's ``git = "URL"`` with its ``rev``/``tag``/``branch``, ``subdirectory``."""
    ref = next(
        (spec[key] for key in ("rev", "tag", "branch", "ref") if isinstance(spec.get(key), str)),
        None,
    )
    subdirectory = spec.get("subdirectory")
    return vcs_url(
        vcs, url, ref=ref, subdirectory=subdirectory if isinstance(subdirectory, str) else None
    )


def _poetry_spec(constraint: str, where: Where) -> SpecifierSet:
    try:
        alternatives = poetry_alternatives(constraint)
    except InvalidPoetryConstraint as exc:
        raise where.error(f"{exc}; fix the version constraint") from exc
    if len(alternatives) > 1:
        logger.debug("%s: %r is a union; checked as any version", where.key, constraint)
        return SpecifierSet()
    return alternatives[0]


def _ranged(
    name: NormalizedName,
    display: str,
    location: Location,
    groups: tuple[str, ...],
    specifier: SpecifierSet,
) -> Dependency:
    kind, version = specifier_kind(specifier)
    return Dependency(
        name=name,
        display_name=display,
        kind=kind,
        location=location,
        specifier=specifier,
        version=version,
        groups=groups,
    )


def parse_pyproject(path: Path, text: str | None = None) -> SourceFile:
    """Every dependency a pyproject.toml declares (see the module docstring)."""
    content = read_text(path, text)
    data = load_toml(path, content)
    reader = _Reader(path=path, locator=TextLocator(content), data=data)
    dependencies = reader.read()
    return SourceFile(
        path=path,
        format=FileFormat.PYPROJECT,
        dependencies=tuple(dependencies),
        problems=tuple(reader.problems),
    )
