"""Reader of ``pdm.lock`` (lock versions 3.x and 4.x).

Every ``[[package]]`` entry is one locked ``Dependency``. An entry that locks a package with
extras (``extras = ["socks"]``) is its own entry in pdm.lock and stays its own ``Dependency``
with those ``extras``. The kind follows the entry: ``git``/``hg``/``svn``/``bzr`` are VCS,
``path`` is PATH (EDITABLE with ``editable = true``), ``url`` is URL, anything else is PINNED.
``groups`` and ``marker`` are those pdm records (``inherit_metadata`` strategy). Files come
from the entry's ``files`` or, in locks written before pdm 2.8, from ``[metadata.files]``
keyed ``"<name> <version>"``. pdm.lock records no index URL, so ``index`` stays None.

Groups: pdm installs a package when one of its ``groups`` is selected (``pdm install -G``,
``--prod``, ``--without``), whatever its marker says. So that ``--extras`` and ``--groups``
narrow a pdm.lock the way they narrow a pylock.toml, the groups are written into the marker as
PEP 751 lock terms: the marker ``and`` the ``or`` of one term per group. ``default`` (the
project's own dependencies) is always installed and needs no term: a package in it keeps its
marker. pdm.lock does not say which groups are extras; pdm takes the names in
``[project.optional-dependencies]`` of the pyproject.toml beside the lock for extras
(``'cli' in extras``) and every other group for a dependency group (``'dev' in
dependency_groups``), and so does this reader. That pyproject.toml is read only when a package
has a group other than ``default``, and only when it lies in the lock's folder (a link that
leads elsewhere is not followed); without it every group is a dependency group. An entry
without ``groups`` (locks made before pdm recorded them) installs for every selection.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from cg_action._errors import ParseError
from cg_action._models import Artifact, Dependency, DependencyKind, FileFormat, Location, SourceFile
from cg_action._sources._lock_common import (
    Problems,
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
    read_text,
)

logger = logging.getLogger(__name__)

SUPPORTED_MAJOR_VERSIONS = frozenset({3, 4})
_VCS_KEYS = ("git", "hg", "svn", "bzr")
_DEFAULT_GROUP = "default"
_GROUP_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


def parse_pdm_lock(path: Path, text: str | None = None) -> SourceFile:
    """Read a ``pdm.lock``; raise ParseError if it is not a pdm.lock this version understands."""
    data, lines = load_lock(path, text, remake="pdm lock")
    root = Where(path)
    metadata_where = root.child("metadata", next(iter(lines.headers("metadata")), None))
    metadata = get_optional_table(data, "metadata", root.at_line(metadata_where.line))
    _check_version(metadata, metadata_where, lines)
    if "package" not in data and not metadata:
        raise root.error("neither [metadata] nor [[package]]: is this a pdm.lock written by pdm?")
    packages = get_optional_list(data, "package", root)
    problems = Problems()
    legacy_files = _legacy_files(metadata, metadata_where, lines, problems)
    extras = cache(lambda: _declared_extras(path))

    dependencies: list[Dependency] = []
    for i, (raw, line) in enumerate(
        zip(packages, entry_lines(lines, "package", packages), strict=True)
    ):
        where = root.child("package").child(i, line)
        try:
            dependencies.append(_read_entry(raw, where, legacy_files, extras))
        except ParseError as exc:
            problems.add(exc)
    return lock_source(path, FileFormat.PDM_LOCK, dependencies, problems)


def _declared_extras(lock: Path) -> frozenset[str]:
    """The groups pdm calls extras: ``[project.optional-dependencies]`` of the pyproject.toml
    beside the lock (normalized); none when it is missing, unreadable or elsewhere."""
    pyproject = lock.parent / "pyproject.toml"
    try:
        data = load_toml(pyproject, read_text(pyproject, root=lock.parent))
    except ParseError as exc:
        logger.debug("%s: every group is a dependency group (%s)", lock, exc)
        return frozenset()
    project = data.get("project")
    optional = project.get("optional-dependencies") if isinstance(project, dict) else None
    if not isinstance(optional, dict):
        return frozenset()
    return frozenset(canonicalize_name(name) for name in optional if isinstance(name, str))


def _with_groups(
    marker: Marker | None, groups: Sequence[str], extras: Callable[[], frozenset[str]]
) -> Marker | None:
    """``marker`` and the ``or`` of a term per group; as it is in ``default`` or in no group."""
    names = list(dict.fromkeys(canonicalize_name(group) for group in groups))
    if not names or _DEFAULT_GROUP in names:
        return marker
    declared = extras()
    terms = [
        f"'{name}' in extras" if name in declared else f"'{name}' in dependency_groups"
        for name in names
    ]
    selected = terms[0] if len(terms) == 1 else f"({' or '.join(terms)})"
    return Marker(selected if marker is None else f"({marker}) and {selected}")


def _check_version(metadata: Mapping[str, Any], where: Where, lines: TomlLines) -> None:
    line = lines.key("lock_version", where.line or 1)
    raw = get_optional_str(metadata, "lock_version", where.at_line(line))
    if raw is None:
        return  # pdm wrote lock_version from its first releases; accept files without it
    version_where = where.child("lock_version", line)
    try:
        version = Version(raw)
    except InvalidVersion as exc:
        raise version_where.error(f"not a valid lock version: {excerpt(raw)}") from exc
    if version.major not in SUPPORTED_MAJOR_VERSIONS:
        raise version_where.error(f"unsupported pdm.lock version {raw}: upgrade cg-action")


def _legacy_files(
    metadata: Mapping[str, Any], where: Where, lines: TomlLines, problems: Problems
) -> Mapping[str, Sequence[Artifact]]:
    """``[metadata.files]`` of locks before pdm 2.8: ``"<name> <version>" = [files]``."""
    try:
        files = get_optional_table(metadata, "files", where)
    except ParseError as exc:
        problems.add(exc)
        return {}
    found: dict[str, Sequence[Artifact]] = {}
    files_where = where.child("files", next(iter(lines.headers("metadata.files")), None))
    for key, raw in files.items():
        key_where = files_where.child(key)
        try:
            found[_legacy_key(key)] = _files(expect_list(raw, key_where), key_where)
        except ParseError as exc:
            problems.add(exc)
    return found


def _legacy_key(key: str) -> str:
    name, _, version = key.strip().partition(" ")
    return f"{canonicalize_name(name.partition('[')[0])} {version.strip()}"


def _read_entry(
    raw: object,
    where: Where,
    legacy_files: Mapping[str, Sequence[Artifact]],
    extras: Callable[[], frozenset[str]],
) -> Dependency:
    table = expect_table(raw, where)
    display_name = get_str(table, "name", where)
    name = parse_name(display_name, where.child("name"))
    raw_version = get_optional_str(table, "version", where)
    version = parse_version(raw_version, where.child("version")) if raw_version else None

    kind = DependencyKind.PINNED
    url: str | None = None
    vcs = next((key for key in _VCS_KEYS if key in table), None)
    if vcs is not None:
        kind = DependencyKind.VCS
        url = f"{vcs}+{get_str(table, vcs, where)}"
        revision = get_optional_str(table, "revision", where) or get_optional_str(
            table, "ref", where
        )
        if revision:
            url += f"@{revision}"
    elif "path" in table:
        url = get_str(table, "path", where)
        editable = "editable" in table and expect_bool(table["editable"], where.child("editable"))
        kind = DependencyKind.EDITABLE if editable else DependencyKind.PATH
    elif "url" in table:
        kind = DependencyKind.URL
        url = get_str(table, "url", where)
    elif version is None:
        raise where.child("version").error("missing required key for a package from an index")

    groups = [
        _group_name(item, where.child("groups").child(i))
        for i, item in enumerate(get_optional_list(table, "groups", where))
    ]
    package_extras = frozenset(
        canonicalize_name(expect_str(item, where.child("extras").child(i)))
        for i, item in enumerate(get_optional_list(table, "extras", where))
    )
    marker = parse_marker(table["marker"], where.child("marker")) if "marker" in table else None
    marker = _with_groups(marker, groups, extras)

    if "files" in table:
        artifacts: Sequence[Artifact] = _files(
            expect_list(table["files"], where.child("files")), where.child("files")
        )
    else:
        artifacts = legacy_files.get(f"{name} {raw_version}", ())

    return locked_dependency(
        name=name,
        display_name=display_name,
        kind=kind,
        location=Location(path=where.path, line=where.line),
        version=version,
        marker=marker,
        groups=groups,
        artifacts=artifacts,
        url=url,
        extras=package_extras,
    )


def _group_name(raw: object, where: Where) -> str:
    name = expect_str(raw, where)
    if not _GROUP_NAME.match(name):
        raise where.error(f"not a valid group name: {excerpt(name)}")
    return name


def _files(raw: Sequence[object], where: Where) -> tuple[Artifact, ...]:
    artifacts = []
    for i, item in enumerate(raw):
        item_where = where.child(i)
        table = expect_table(item, item_where)
        url = get_optional_str(table, "url", item_where)
        filename = get_optional_str(table, "file", item_where)
        if url is None and filename is None:
            raise item_where.error("expected a 'file' or a 'url' key")
        hashes = (parse_hash(table["hash"], item_where.child("hash")),) if "hash" in table else ()
        artifacts.append(
            Artifact(filename=filename or filename_of(url or ""), url=url, hashes=hashes)
        )
    return tuple(artifacts)
