"""Reader of Pipfile (pipenv's TOML manifest).

- ``[[source]]`` entries are kept as ``IndexOption(name="source", value=<url>)`` at the line of
  their ``url`` (the header's line when not found);
- ``[packages]`` gives ``groups=()``, ``[dev-packages]`` ``("dev",)``, and every other table
  pipenv treats as a package category (all but ``source``, ``requires``, ``scripts``,
  ``pipenv`` and ``build-system``) gives ``(<category>,)``;
- values: ``"*"`` (any), a PEP 440 specifier (``"==1.2"``, ``">=1,<2"``), or a bare version
  (``"1.2"``, ``"3.*"``), which pipenv reads as ``==``; or a table with ``version``, ``extras``,
  ``markers``, ``index``, ``editable``, ``path``, ``file``, ``git``/``hg``/``svn``/``bzr`` with
  ``ref``, and the old marker keys (``sys_platform = "== 'linux'"``), all joined with ``and``;
- ``index = "<name>"`` sets ``Dependency.index`` to that source's URL; a name no
  ``[[source]]`` declares is a problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from cg_action._errors import ParseError, Problem
from cg_action._models import (
    Dependency,
    DependencyKind,
    FileFormat,
    IndexOption,
    Location,
    SourceFile,
)
from cg_action._sources._pep508 import VCS_SCHEMES, all_of, parse_marker, url_kind, vcs_url
from cg_action._sources._pyproject import TextLocator
from cg_action._sources._typed import (
    Where,
    excerpt,
    expect_bool,
    expect_list,
    expect_str,
    expect_table,
    get_optional_str,
    load_toml,
    parse_name,
    read_text,
    specifier_kind,
)

__all__ = ["parse_pipfile"]

NON_CATEGORY_SECTIONS = frozenset({"build-system", "pipenv", "requires", "scripts", "source"})
_GROUPS = {"packages": (), "dev-packages": ("dev",)}
_MARKER_KEYS = (
    "os_name",
    "sys_platform",
    "platform_machine",
    "platform_python_implementation",
    "platform_release",
    "platform_system",
    "platform_version",
    "python_version",
    "python_full_version",
    "implementation_name",
    "implementation_version",
)
_OPERATORS = ("<", ">", "=", "!", "~")


def parse_pipfile(path: Path, text: str | None = None) -> SourceFile:
    """Every package a Pipfile declares, and its sources (see the module docstring)."""
    content = read_text(path, text)
    data = load_toml(path, content)
    locator = TextLocator(content)
    problems: list[Problem] = []
    options, sources = _sources(path, data, locator, problems)
    dependencies: list[Dependency] = []
    for category, table in data.items():
        if category in NON_CATEGORY_SECTIONS:
            continue
        start, end = locator.span((category,))
        where = Where(path, category, start - 1 if start > 1 else None)
        if not isinstance(table, dict):
            if category in _GROUPS:
                problems.extend(where.error("expected a table of packages").problems)
            continue
        groups = _GROUPS.get(category, (category,))
        for key, value in table.items():
            line = locator.key((key,), start, end) or where.line
            entry_where = Where(path, f"{category}.{key}", line)
            try:
                dependencies.append(
                    _dependency(
                        key,
                        value,
                        where=entry_where,
                        groups=groups,
                        sources=sources,
                        problems=problems,
                    )
                )
            except ParseError as exc:
                problems.extend(exc.problems)
    return SourceFile(
        path=path,
        format=FileFormat.PIPFILE,
        dependencies=tuple(dependencies),
        options=tuple(options),
        problems=tuple(problems),
    )


def _sources(
    path: Path, data: Mapping[str, Any], locator: TextLocator, problems: list[Problem]
) -> tuple[list[IndexOption], dict[str, str]]:
    options: list[IndexOption] = []
    urls: dict[str, str] = {}
    if "source" not in data:
        return options, urls
    headers = locator.toml.headers("source")
    try:
        entries = expect_list(
            data["source"], Where(path, "source", headers[0] if headers else None)
        )
    except ParseError as exc:
        problems.extend(exc.problems)
        return options, urls
    for index, entry in enumerate(entries):
        header = headers[index] if index < len(headers) else None
        where = Where(path, "source", header).child(index)
        try:
            table = expect_table(entry, where)
            line = header
            if header is not None:
                line = locator.toml.key("url", header + 1, locator.toml.next_header(header))
            url = expect_str(table.get("url"), where.child("url", line))
            name = get_optional_str(table, "name", where)
            if "verify_ssl" in table:
                expect_bool(table["verify_ssl"], where.child("verify_ssl"))
        except ParseError as exc:
            problems.extend(exc.problems)
            continue
        options.append(
            IndexOption(name="source", value=url, location=Location(path=path, line=line or header))
        )
        if name is not None:
            urls[name] = url
    return options, urls


def _specifier(raw: str, where: Where) -> SpecifierSet:
    text = raw.strip()
    if text in ("", "*"):
        return SpecifierSet()
    if not text.startswith(_OPERATORS):
        text = f"=={text}"
    try:
        return SpecifierSet(text)
    except InvalidSpecifier as exc:
        raise where.error(
            f"{excerpt(raw)} is not a version specifier; write e.g. '==1.2' or '*'"
        ) from exc


def _dependency(
    key: str,
    value: object,
    *,
    where: Where,
    groups: tuple[str, ...],
    sources: Mapping[str, str],
    problems: list[Problem],
) -> Dependency:
    """One package entry; a problem that leaves the package readable goes to ``problems``."""
    name = parse_name(key, where)
    location = Location(path=where.path, line=where.line)
    if isinstance(value, str):
        specifier = _specifier(value, where)
        pin_kind, pinned = specifier_kind(specifier)
        return Dependency(
            name=name,
            display_name=key,
            kind=pin_kind,
            location=location,
            specifier=specifier,
            version=pinned,
            groups=groups,
        )
    table = expect_table(value, where)
    extras = frozenset(
        canonicalize_name(expect_str(extra, where.child("extras").child(i)))
        for i, extra in enumerate(expect_list(table.get("extras", []), where.child("extras")))
    )
    markers: list[Marker] = []
    if "markers" in table:
        markers.append(parse_marker(expect_str(table["markers"], where.child("markers")), where))
    for marker_key in _MARKER_KEYS:
        if marker_key in table:
            condition = expect_str(table[marker_key], where.child(marker_key)).strip()
            if not condition.startswith(_OPERATORS):
                condition = f"== {condition!r}"
            markers.append(parse_marker(f"{marker_key} {condition}", where.child(marker_key)))
    marker = all_of(markers)
    index = None
    if "index" in table:
        index_name = expect_str(table["index"], where.child("index"))
        index = sources.get(index_name)
        if index is None:
            problems.extend(
                where.child("index")
                .error(f"no [[source]] is named {excerpt(index_name)}; declare it or fix the name")
                .problems
            )
    editable = "editable" in table and expect_bool(table["editable"], where.child("editable"))
    url: str | None = None
    kind: DependencyKind | None = None
    for vcs in VCS_SCHEMES:
        if vcs in table:
            url = expect_str(table[vcs], where.child(vcs))
            url = vcs_url(vcs, url, ref=get_optional_str(table, "ref", where) or None)
            kind = DependencyKind.VCS
            break
    else:
        for location_key in ("path", "file"):
            if location_key in table:
                url = expect_str(table[location_key], where.child(location_key))
                kind = url_kind(url)
                break
    specifier = _specifier(expect_str(table.get("version", "*"), where.child("version")), where)
    version = None
    if kind is None:
        kind, version = specifier_kind(specifier)
        if editable:
            raise where.child("editable").error("an editable needs a path or a VCS url; add one")
    elif editable:
        kind = DependencyKind.EDITABLE
    return Dependency(
        name=name,
        display_name=key,
        kind=kind,
        location=location,
        specifier=specifier if url is None else SpecifierSet(),
        version=version,
        extras=extras,
        marker=marker,
        url=url,
        groups=groups,
        index=index,
    )
