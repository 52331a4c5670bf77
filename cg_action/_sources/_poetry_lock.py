"""Reader of poetry.lock: every locked package, its files, digests, groups and source.

Lock versions 1.x (Poetry 1.0-1.2: files under ``[metadata.files]`` keyed by package name,
groups as ``category``) and 2.x (Poetry 1.3 and later: ``files`` inside each package, Poetry 2
adds ``groups`` and ``markers`` that may be a table per group) are read; any other major
version is a ParseError, since its layout is unknown.

What each package becomes:

- no ``[package.source]``: a PINNED dependency from PyPI (``index`` None);
- ``type = "legacy"``: PINNED, ``index`` = the source URL (credentials removed);
- ``type = "git"``: VCS, ``url`` = ``git+<url>@<resolved reference>``;
- ``type = "url"``: URL; ``"file"``: PATH; ``"directory"``: PATH, or EDITABLE when
  ``develop = true``.

Every package gets ``version``, ``specifier == "==<version>"`` and ``is_locked``. A package's
line is its ``[[package]]`` header.

Groups narrow the package for ``--groups`` as PEP 751 lock terms: its marker is the ``or``,
over its groups, of the group's term (``'dev' in dependency_groups``, the name normalized;
none for ``main``, which is always installed) and the group's marker (the one ``markers``
string, or the group's entry in a table of markers per group; a group without one installs
the package wherever the group is installed). A package of ``main`` installed everywhere has
no marker. Lock 1.x's ``category`` is its one group. Extras need nothing more: lock 2.1
writes ``extra == "cli"`` into the markers of what only an extra installs, which a target
evaluates for its selected extras. Older locks record no markers per package (1.x only a
``category``): like ``poetry export``, their dependency graph is walked from the pyproject.toml
beside the lock (``cg_action._sources._poetry_graph``); without one, lock 1.x's categories
narrow and lock 2.0's packages have no marker. A group name that cannot be a PEP 508 name adds
no term.
Problems within one package are collected in ``SourceFile.problems`` and that package is
skipped (or, for an unreadable marker, kept without it); problems with the file as a whole
raise ParseError.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from cg_action._errors import ParseError, Problem
from cg_action._models import (
    Artifact,
    Dependency,
    DependencyKind,
    FileFormat,
    Hash,
    Location,
    SourceFile,
)
from cg_action._sources._poetry_graph import LockedPackage, group_term, walked_markers
from cg_action._sources._typed import (
    TomlLines,
    Where,
    excerpt,
    expect_bool,
    expect_list,
    expect_str,
    expect_table,
    get_optional_list,
    get_optional_str,
    get_optional_table,
    get_str,
    load_toml,
    parse_name,
    parse_version,
    parser_message,
    read_text,
)
from cg_action._urls import redact_url

__all__ = ["KNOWN_LOCK_MAJORS", "parse_poetry_lock"]

logger = logging.getLogger(__name__)

KNOWN_LOCK_MAJORS = frozenset({1, 2})
_NEWEST_KNOWN = (2, 1)
_DEFAULT_LOCK_VERSION = "1.0"  # what Poetry assumes when [metadata] has no lock-version


def parse_poetry_lock(
    path: Path, text: str | None = None, *, root: Path | None = None
) -> SourceFile:
    """Read a poetry.lock (``text`` when given, else the file at ``path``).

    The packages of a lock older than version 2.1 get their markers from its dependency graph,
    walked from the pyproject.toml beside it (read only within ``root``; default: the lock's
    folder). Raises ParseError when the file is not TOML, has an unknown lock version, or its
    ``package`` / ``metadata`` keys have the wrong type; problems within single packages are
    returned in ``SourceFile.problems``.
    """
    content = read_text(path, text)
    data = load_toml(path, content)
    lines = TomlLines(content)
    top = Where(path)
    metadata_line = _first(lines.headers("metadata"))
    if "metadata" not in data:
        # Poetry writes [metadata] last: without it the file was cut short or not made by
        # Poetry, and Poetry itself refuses it.
        raise top.at_line(len(lines.lines) or None).error(
            "no [metadata] table: the lock looks truncated; regenerate it with `poetry lock`"
        )
    metadata = expect_table(data["metadata"], top.child("metadata", metadata_line))
    version = _lock_version(metadata, top.child("metadata", metadata_line), lines)
    major = version[0]
    packages = get_optional_list(data, "package", top.at_line(lines.key("package")))
    headers = lines.headers("package")
    if len(headers) != len(packages):
        # ``package = [...]`` written inline, or a header inside a multi-line string: the
        # headers cannot be matched to packages by position, so each name is searched.
        headers = []
    legacy_files = _legacy_files(metadata, top.child("metadata", metadata_line), lines)
    counts: dict[NormalizedName, int] = {}
    for entry in packages:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            name = canonicalize_name(entry["name"])
            counts[name] = counts.get(name, 0) + 1

    dependencies: list[Dependency] = []
    locked: list[LockedPackage] = []  # the table of each dependency, for the graph walk
    problems: list[Problem] = list(legacy_files.problems)
    for index, entry in enumerate(packages):
        line = headers[index] if headers else _name_line(entry, lines)
        where = top.child("package").child(index, line)
        try:
            dependency = _package(
                entry, where, major=major, legacy=legacy_files, counts=counts, problems=problems
            )
        except ParseError as exc:
            problems.extend(exc.problems)
            continue
        dependencies.append(dependency)
        table = entry if isinstance(entry, dict) else {}  # a table: _package read it
        locked.append(LockedPackage(dependency.name, dependency.version, table))
    if version < _NEWEST_KNOWN and not any("markers" in p.table for p in locked):
        python = metadata.get("python-versions")
        walked = walked_markers(
            path, locked, python if isinstance(python, str) else None, root=root
        )
        dependencies = [
            replace(dependency, marker=walked[i]) if i in walked else dependency
            for i, dependency in enumerate(dependencies)
        ]
    logger.debug("%s: %d locked packages, %d problems", path, len(dependencies), len(problems))
    return SourceFile(
        path=path,
        format=FileFormat.POETRY_LOCK,
        dependencies=tuple(dependencies),
        problems=tuple(problems),
    )


def _first(found: Sequence[int]) -> int | None:
    return found[0] if found else None


def _name_line(entry: object, lines: TomlLines) -> int | None:
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        return lines.string(entry["name"])
    return None


def _lock_version(metadata: Mapping[str, Any], where: Where, lines: TomlLines) -> tuple[int, ...]:
    """The lock file's version; ParseError for a major version this reader does not know."""
    key_where = where.child("lock-version", lines.key("lock-version", where.line or 1))
    raw = _DEFAULT_LOCK_VERSION
    if "lock-version" in metadata:
        raw = expect_str(metadata["lock-version"], key_where)
    parts = raw.strip().split(".")
    try:
        numbers = tuple(int(part) for part in parts)
    except ValueError:
        raise key_where.error(f"not a lock version: {excerpt(raw)}") from None
    if not numbers or numbers[0] not in KNOWN_LOCK_MAJORS:
        error = key_where.error(
            f"lock version {raw} is not one cg-action reads (1.x and 2.x are); "
            "upgrade cg-action, or re-lock with a Poetry release that writes lock version 2"
        )
        raise error
    if numbers > _NEWEST_KNOWN:
        logger.warning(
            "%s: lock version %s is newer than %d.%d; reading it as %d.x",
            where.path,
            raw,
            *_NEWEST_KNOWN,
            numbers[0],
        )
    return numbers


class _LegacyFiles:
    """Lock 1.x's ``[metadata.files]``: each package name's files, with their problems."""

    def __init__(self) -> None:
        self.by_name: dict[NormalizedName, tuple[Artifact, ...]] = {}
        self.problems: list[Problem] = []


def _legacy_files(metadata: Mapping[str, Any], where: Where, lines: TomlLines) -> _LegacyFiles:
    result = _LegacyFiles()
    files_line = _first(lines.headers("metadata.files"))
    try:
        table = get_optional_table(metadata, "files", where.at_line(files_line))
    except ParseError as exc:
        result.problems.extend(exc.problems)
        return result
    start = files_line or 1
    end = lines.next_header(start) if files_line else None
    for raw_name, value in table.items():
        entry_where = where.child("files").child(raw_name, lines.key(raw_name, start, end))
        try:
            artifacts = _artifacts(expect_list(value, entry_where), entry_where)
        except ParseError as exc:
            result.problems.extend(exc.problems)
            continue
        name = canonicalize_name(raw_name)
        result.by_name[name] = result.by_name.get(name, ()) + artifacts
    return result


def _artifacts(files: list[Any], where: Where) -> tuple[Artifact, ...]:
    """``[{file = "...", hash = "sha256:..."}, ...]`` as artifacts."""
    artifacts: list[Artifact] = []
    problems: list[Problem] = []
    for index, value in enumerate(files):
        fast = _plain_artifact(value)
        if fast is not None:
            artifacts.append(fast)
            continue
        item_where = where.child(index)
        try:
            item = expect_table(value, item_where)
            filename = get_str(item, "file", item_where)
            raw_hash = get_optional_str(item, "hash", item_where)
            url = get_optional_str(item, "url", item_where)
            hashes: tuple[Hash, ...] = ()
            if raw_hash:
                try:
                    hashes = (Hash.parse(raw_hash),)
                except ValueError as exc:
                    raise item_where.child("hash").error(str(exc)) from exc
        except ParseError as exc:
            problems.extend(exc.problems)
            continue
        artifacts.append(
            Artifact(
                filename=filename,
                url=redact_url(url) if url else None,
                hashes=hashes,
            )
        )
    if problems:
        raise ParseError(problems)
    return tuple(artifacts)


def _plain_artifact(value: object) -> Artifact | None:
    """The common ``{file, hash}`` entry read without building key paths (None: not plain)."""
    if not isinstance(value, dict) or len(value) != 2:
        return None
    filename, raw_hash = value.get("file"), value.get("hash")
    if not isinstance(filename, str) or not isinstance(raw_hash, str):
        return None
    algorithm, colon, digest = raw_hash.partition(":")
    if not (colon and algorithm and digest):
        return None
    hashes = (Hash(algorithm=algorithm.strip().lower(), value=digest.strip().lower()),)
    return Artifact(filename=filename, hashes=hashes)


def _file_version(filename: str) -> Version | None:
    """The version in a wheel or sdist file name (None when the name does not say)."""
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


def _package(
    entry: object,
    where: Where,
    *,
    major: int,
    legacy: _LegacyFiles,
    counts: Mapping[NormalizedName, int],
    problems: list[Problem],
) -> Dependency:
    """One ``[[package]]`` table as a dependency (marker problems go to ``problems``)."""
    table = expect_table(entry, where)
    display_name = get_str(table, "name", where)
    name = parse_name(display_name, where.child("name"))
    version = parse_version(get_str(table, "version", where), where.child("version"))
    groups = _groups(table, where)
    marker = _marker(table, groups, where, problems)

    if "files" in table or major >= 2:
        artifacts = _artifacts(get_optional_list(table, "files", where), where.child("files"))
    else:
        artifacts = legacy.by_name.get(name, ())
        if counts.get(name, 0) > 1:  # several versions share one [metadata.files] entry
            artifacts = tuple(
                a
                for a in artifacts
                if a.filename is None or _file_version(a.filename) in (None, version)
            )

    kind, url, index = _source(table, where)
    if kind is DependencyKind.URL and url is not None:
        artifacts = tuple(
            a if a.url is not None else Artifact(filename=a.filename, url=url, hashes=a.hashes)
            for a in artifacts
        )
    hashes = tuple(h for artifact in artifacts for h in artifact.hashes)
    return Dependency(
        name=name,
        display_name=display_name,
        kind=kind,
        location=Location(path=where.path, line=where.line),
        specifier=SpecifierSet(f"=={version}"),
        version=version,
        marker=marker,
        url=url,
        groups=groups,
        hashes=hashes,
        artifacts=artifacts,
        index=index,
        is_locked=True,
    )


def _groups(table: Mapping[str, Any], where: Where) -> tuple[str, ...]:
    """Poetry 2's ``groups``, or lock 1.x's ``category`` (``main`` / ``dev``)."""
    if "groups" in table:
        groups_where = where.child("groups")
        values = expect_list(table["groups"], groups_where)
        return tuple(expect_str(v, groups_where.child(i)) for i, v in enumerate(values))
    category = get_optional_str(table, "category", where)
    return (category,) if category else ()


def _marker(
    table: Mapping[str, Any], groups: tuple[str, ...], where: Where, problems: list[Problem]
) -> Marker | None:
    """The package's marker with its groups: for each group, the group's term and its marker
    (the one string, or the group's entry in a table of markers per group); the ``or`` of them.

    ``main`` needs no term; a group without a marker in the table installs the package wherever
    the group is installed. An unreadable marker is a problem and the package keeps none.
    """
    markers_where = where.child("markers")
    value = table.get("markers")
    per_group: Mapping[str, Any] = {}
    shared: Marker | None = None
    if isinstance(value, str):
        shared = _one_marker(value, markers_where, problems)
        if shared is None:
            return None
    elif value is not None:
        per_group = expect_table(value, markers_where)
    branches: list[str] = []
    for group in dict.fromkeys((*groups, *per_group)):
        marker = shared
        if group in per_group:
            marker = _one_marker(
                expect_str(per_group[group], markers_where.child(group)), markers_where, problems
            )
            if marker is None:
                return None
        term = group_term(group)
        if term is None and marker is None:
            return None  # installed everywhere, whatever is selected
        parts = [f"({marker})" if marker is not None else "", term or ""]
        branches.append(" and ".join(part for part in parts if part))
    if not branches:
        return shared
    if len(branches) == 1:
        return Marker(branches[0])
    return Marker(" or ".join(f"({branch})" for branch in branches))


def _one_marker(text: str, where: Where, problems: list[Problem]) -> Marker | None:
    try:
        return Marker(text)
    except InvalidMarker as exc:
        problems.append(
            Problem(
                path=where.path,
                line=where.line,
                key=where.key,
                message=f"not a valid marker: {excerpt(text)} ({parser_message(exc)}); the "
                "package is checked as if it had none",
            )
        )
        return None


def _source(
    table: Mapping[str, Any], where: Where
) -> tuple[DependencyKind, str | None, str | None]:
    """(kind, url, index) from ``[package.source]``."""
    if "source" not in table:
        return DependencyKind.PINNED, None, None
    source_where = where.child("source")
    source = expect_table(table["source"], source_where)
    source_type = get_optional_str(source, "type", source_where)
    url = get_optional_str(source, "url", source_where)
    if source_type is None and url is None:
        return DependencyKind.PINNED, None, None
    if url is None:
        raise source_where.child("url").error(
            f"a source of type {excerpt(source_type or '')} needs a url; re-lock with Poetry"
        )
    match source_type:
        case "legacy":
            return DependencyKind.PINNED, None, redact_url(url)
        case "git":
            reference = get_optional_str(
                source, "resolved_reference", source_where
            ) or get_optional_str(source, "reference", source_where)
            subdirectory = get_optional_str(source, "subdirectory", source_where)
            vcs_url = redact_url(url)
            if not vcs_url.startswith("git+"):
                vcs_url = f"git+{vcs_url}"
            if reference:
                vcs_url += f"@{reference}"
            if subdirectory:
                vcs_url += f"#subdirectory={subdirectory}"
            return DependencyKind.VCS, vcs_url, None
        case "url":
            return DependencyKind.URL, redact_url(url), None
        case "file":
            return DependencyKind.PATH, url, None
        case "directory":
            develop = "develop" in table and expect_bool(table["develop"], where.child("develop"))
            return (DependencyKind.EDITABLE if develop else DependencyKind.PATH), url, None
        case _:
            raise source_where.child("type").error(
                f"unknown source type {excerpt(source_type or '')} (legacy, git, url, file and "
                "directory are known)"
            )
