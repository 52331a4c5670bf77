"""Reader of Pipfile.lock (pipenv's JSON lock): every locked package of every category.

``_meta.sources`` lists the indexes (name, url, verify_ssl); they become the file's index
options the way pipenv hands them to pip (the first as ``index-url``, the others as
``extra-index-url``), credentials removed. Every other top-level object is a category:
``default``, ``develop`` and any custom category pipenv writes; an entry's ``groups`` is its
category. An entry becomes:

- ``"version": "==1.2.3"``: a PINNED dependency with that version and ``"==1.2.3"`` as its
  specifier; ``index`` is the URL of the source its ``index`` names (None when it names none);
- ``git`` (with ``ref``) or another VCS key: VCS; ``path``: PATH; ``file``: URL, or PATH when
  it is not a remote URL; ``editable = true`` on any of these: EDITABLE.

``hashes`` (``["sha256:..."]``), ``markers`` and ``extras`` are kept. Pipfile.lock records
digests without file names, so ``artifacts`` stays empty. Each entry's line is the line of its
key inside its own category object, so a name locked in two categories gets two lines.
Problems within one entry are collected in ``SourceFile.problems`` and that entry is skipped;
a file that is not a JSON object of objects raises ParseError.

Categories are dependency groups, written into each entry's marker as a PEP 751 lock term so
that ``--groups`` narrows the lock: ``default`` is always installed and gets none; ``develop``
(pipenv's ``--dev``) is the group ``dev``, the name pipenv's own pylock.toml export gives it
(``'dev' in dependency_groups``); a custom category (pipenv 2023.10 and later) is the group of
its own name, normalized. The term is and-ed to the entry's marker unless that marker already
names dependency groups (pipenv writes some itself). A category whose name cannot be a group
name adds no term: its entries are checked whatever groups are chosen. A package locked in two
categories stays two entries, so it is checked wherever either marker holds: the union of the
two (``pipenv requirements --dev`` prints the default entry's marker alone).
"""

from __future__ import annotations

import bisect
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from cg_action._errors import ParseError, Problem
from cg_action._models import (
    Dependency,
    DependencyKind,
    FileFormat,
    Hash,
    IndexOption,
    Location,
    SourceFile,
)
from cg_action._sources._typed import (
    Where,
    excerpt,
    expect_bool,
    expect_str,
    expect_table,
    get_optional_list,
    get_optional_str,
    get_optional_table,
    load_json,
    parse_name,
    parse_version,
    parser_message,
    read_text,
)
from cg_action._urls import redact_url

__all__ = ["parse_pipfile_lock"]

logger = logging.getLogger(__name__)

_META = "_meta"
_VCS_KEYS = ("git", "hg", "svn", "bzr")
_REMOTE_SCHEMES = ("http://", "https://", "ftp://")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:]')
_DEFAULT = "default"
_GROUP_OF = {"develop": "dev"}  # pipenv's section name -> the dependency group it installs
_GROUP_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


def parse_pipfile_lock(path: Path, text: str | None = None) -> SourceFile:
    """Read a Pipfile.lock (``text`` when given, else the file at ``path``).

    Raises ParseError when the text is not JSON, is not an object, or ``_meta`` or a
    category has the wrong type; problems within single entries are returned in
    ``SourceFile.problems``.
    """
    content = read_text(path, text)
    data = load_json(path, content)
    positions = _KeyLines(content)
    root = Where(path, line=1)
    document = expect_table(data, root)
    meta_where = root.child(_META, positions.top.get(_META))
    meta = get_optional_table(document, _META, root.at_line(meta_where.line))
    sources, options = _sources(meta, meta_where, positions)
    spec = meta.get("pipfile-spec")
    if spec is not None and spec != 6:
        logger.warning("%s: pipfile-spec %r is not 6; reading it as 6", path, spec)

    dependencies: list[Dependency] = []
    problems: list[Problem] = []
    for category, entries in document.items():
        if category == _META:
            continue
        category_where = root.child(category, positions.top.get(category))
        table = expect_table(entries, category_where)
        lines = positions.nested.get(category, {})
        for raw_name, entry in table.items():
            where = category_where.child(raw_name, lines.get(raw_name))
            try:
                dependencies.append(_entry(raw_name, entry, category, sources, where))
            except ParseError as exc:
                problems.extend(exc.problems)
    logger.debug("%s: %d locked packages, %d problems", path, len(dependencies), len(problems))
    return SourceFile(
        path=path,
        format=FileFormat.PIPFILE_LOCK,
        dependencies=tuple(dependencies),
        options=tuple(options),
        problems=tuple(problems),
    )


class _KeyLines:
    """The lines of the keys of the top-level object and of the objects directly inside it.

    The text has already been parsed as JSON, so a scan of its strings and brackets is
    enough: a string followed by ``:`` is a key, and the bracket depth says whose.
    """

    def __init__(self, text: str) -> None:
        newlines = [m.start() for m in re.finditer("\n", text)]
        self.top: dict[str, int] = {}
        self.nested: dict[str, dict[str, int]] = {}
        depth = 0
        current: str | None = None
        pending: tuple[str, int] | None = None  # a string that may turn out to be a key
        for match in _TOKEN.finditer(text):
            piece = match.group()
            if piece[0] == '"':
                pending = (piece, match.start())
                continue
            if piece == ":" and pending is not None:
                key = _decode(pending[0])
                line = bisect.bisect_right(newlines, pending[1]) + 1
                if depth == 1:
                    self.top[key] = line
                    current = key
                elif depth == 2 and current is not None:
                    self.nested.setdefault(current, {})[key] = line
            elif piece in "{[":
                depth += 1
            elif piece in "}]":
                depth -= 1
            pending = None


def _decode(token: str) -> str:
    try:
        value = json.loads(token)
    except ValueError:  # pragma: no cover - the whole text has been parsed already
        return token[1:-1]
    return value if isinstance(value, str) else token[1:-1]


def _sources(
    meta: Mapping[str, Any], where: Where, positions: _KeyLines
) -> tuple[dict[str, str], list[IndexOption]]:
    """``_meta.sources`` as name -> URL (without credentials), and as index options."""
    by_name: dict[str, str] = {}
    options: list[IndexOption] = []
    sources_where = where.child("sources", positions.nested.get(_META, {}).get("sources"))
    for index, value in enumerate(get_optional_list(meta, "sources", where)):
        item_where = sources_where.child(index)
        item = expect_table(value, item_where)
        url = get_optional_str(item, "url", item_where)
        if url is None:
            raise item_where.child("url").error("a source needs a url; run `pipenv lock` again")
        clean = redact_url(url)
        name = get_optional_str(item, "name", item_where)
        if name is not None:
            by_name.setdefault(name, clean)
        options.append(
            IndexOption(
                name="index-url" if index == 0 else "extra-index-url",
                value=clean,
                location=Location(path=where.path, line=sources_where.line),
            )
        )
    return by_name, options


def _entry(
    raw_name: str,
    entry: object,
    category: str,
    sources: Mapping[str, str],
    where: Where,
) -> Dependency:
    """One locked entry of a category."""
    table = expect_table(entry, where)
    name = parse_name(raw_name, where)
    problems: list[Problem] = []

    hashes: list[Hash] = []
    hashes_where = where.child("hashes")
    for i, value in enumerate(get_optional_list(table, "hashes", where)):
        try:
            hashes.append(Hash.parse(expect_str(value, hashes_where.child(i))))
        except ParseError as exc:
            problems.extend(exc.problems)
        except ValueError as exc:
            problems.append(_problem(hashes_where.child(i), str(exc)))

    marker: Marker | None = None
    raw_marker = get_optional_str(table, "markers", where)
    if raw_marker:
        try:
            marker = Marker(raw_marker)
        except InvalidMarker as exc:
            problems.append(
                _problem(where.child("markers"), f"not a valid marker: {parser_message(exc)}")
            )
    marker = _in_group(marker, category)

    extras: set[NormalizedName] = set()
    extras_where = where.child("extras")
    for i, value in enumerate(get_optional_list(table, "extras", where)):
        extras.add(canonicalize_name(expect_str(value, extras_where.child(i))))

    index: str | None = None
    index_name = get_optional_str(table, "index", where)
    if index_name is not None:
        index = sources.get(index_name)
        if index is None:
            known = ", ".join(sorted(sources)) or "none"
            problems.append(
                _problem(
                    where.child("index"),
                    f"names the source {excerpt(index_name)}, which _meta.sources does not list "
                    f"(known: {known}); run `pipenv lock` again",
                )
            )

    kind, url = _kind(table, where)
    version: Version | None = None
    specifier = SpecifierSet()
    raw_version = get_optional_str(table, "version", where)
    if raw_version is not None:
        version_where = where.child("version")
        pin = raw_version.strip()
        if pin == "*" and kind is DependencyKind.PINNED:
            # pipenv writes "*" for a package whose marker was false where it locked: no
            # version was chosen, so it is any version (a range), still under its marker
            kind = DependencyKind.RANGE
        elif not pin.startswith("=="):
            problems.append(
                _problem(version_where, f"expected '==<version>', found {excerpt(pin)}")
            )
        else:
            version = parse_version(pin.lstrip("=").strip(), version_where)
            specifier = SpecifierSet(f"=={version}")
    elif kind is DependencyKind.PINNED:
        problems.append(
            _problem(where, "has no version and no git, path or file; run `pipenv lock` again")
        )
    if problems:
        raise ParseError(problems)

    return Dependency(
        name=name,
        display_name=raw_name,
        kind=kind,
        location=Location(path=where.path, line=where.line),
        specifier=specifier,
        version=version,
        extras=frozenset(extras),
        marker=marker,
        url=url,
        groups=(category,),
        hashes=tuple(hashes),
        index=index,
        is_locked=True,
    )


def _in_group(marker: Marker | None, category: str) -> Marker | None:
    """``marker`` and the term of the category's dependency group (see the module's text)."""
    if category == _DEFAULT or (marker is not None and "dependency_groups" in str(marker)):
        return marker
    if category not in _GROUP_OF and not _GROUP_NAME.match(category):
        return marker
    term = f"'{_GROUP_OF.get(category) or canonicalize_name(category)}' in dependency_groups"
    return Marker(term if marker is None else f"({marker}) and {term}")


def _kind(table: Mapping[str, Any], where: Where) -> tuple[DependencyKind, str | None]:
    """The entry's kind and direct reference: VCS, path, file, or a pin from an index."""
    editable = "editable" in table and expect_bool(table["editable"], where.child("editable"))
    for vcs in _VCS_KEYS:
        location = get_optional_str(table, vcs, where)
        if location is not None:
            url = redact_url(location)
            if not url.startswith(f"{vcs}+"):
                url = f"{vcs}+{url}"
            ref = get_optional_str(table, "ref", where)
            if ref:
                url += f"@{ref}"
            subdirectory = get_optional_str(table, "subdirectory", where)
            if subdirectory:
                url += f"#subdirectory={subdirectory}"
            return (DependencyKind.EDITABLE if editable else DependencyKind.VCS), url
    local = get_optional_str(table, "path", where)
    if local is not None:
        return (DependencyKind.EDITABLE if editable else DependencyKind.PATH), local
    file = get_optional_str(table, "file", where)
    if file is not None:
        if editable:
            return DependencyKind.EDITABLE, redact_url(file)
        if file.lower().startswith(_REMOTE_SCHEMES):
            return DependencyKind.URL, redact_url(file)
        return DependencyKind.PATH, file
    return DependencyKind.PINNED, None


def _problem(where: Where, message: str) -> Problem:
    return Problem(path=where.path, line=where.line, message=message, key=where.key or None)
