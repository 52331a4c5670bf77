"""Helpers shared by the lockfile readers.

A lockfile reader loads the TOML (or JSON) once, walks its package entries with the typed
getters of ``_typed``, and turns each entry into a locked ``Dependency`` with
``locked_dependency``. A bad entry becomes a ``Problem`` (collected with ``Problems``) and the
other entries are still read. ``entry_lines`` finds the line of every package entry.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName
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
from cg_action._sources._typed import TomlLines, Where, expect_str, load_toml, read_text
from cg_action._urls import redact_url

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Problems:
    """The problems found in one file so far; a reader adds to it and keeps going."""

    items: list[Problem] = field(default_factory=list)

    def add(self, error: ParseError) -> None:
        """Record every problem an error carries."""
        self.items.extend(error.problems)

    def note(self, where: Where, message: str) -> None:
        """Record one problem at ``where``."""
        self.add(where.error(message))


def load_lock(path: Path, text: str | None, *, remake: str) -> tuple[dict[str, Any], TomlLines]:
    """The TOML document of a lockfile and its lines.

    An empty file (nothing but blanks and comments) is a ParseError: no tool writes one.
    ``remake`` says how to make the file again (``uv lock``), for the message.
    """
    content = read_text(path, text)
    try:
        data = load_toml(path, content)
    except ParseError as exc:
        cause = str(exc.__cause__ or "")
        if exc.problems[0].line is None and "at end of document" in cause:  # a truncated file
            last = content.count("\n") + (0 if content.endswith("\n") else 1)
            raise ParseError.at(path, last, exc.problems[0].message) from exc.__cause__
        raise
    if not data:
        raise ParseError.at(
            path, None, f"the file holds no lock data; make it again with `{remake}`"
        )
    return data, TomlLines(content)


def entry_lines(lines: TomlLines, table: str, entries: Sequence[object]) -> list[int | None]:
    """The line of each entry of the array of tables ``table`` (``package``, ``packages``).

    Headers like ``[[package]]`` are counted; sub-tables (``[[package.wheels]]``,
    ``[package.metadata]``) are not headers of entries. When the count does not match (an
    inline array, a header spelled with quotes), each entry's ``name`` string is searched for
    in order instead, and None is given where it cannot be found.
    """
    headers = lines.headers(table)
    if len(headers) == len(entries):
        return list(headers)
    found: list[int | None] = []
    start = 1
    for entry in entries:
        name = entry.get("name") if isinstance(entry, dict) else None
        line = lines.string(name, start) if isinstance(name, str) else None
        found.append(line)
        if line is not None:
            start = line + 1
    return found


def parse_hash(raw: object, where: Where) -> Hash:
    """A digest written ``algorithm:hex`` (uv.lock, pdm.lock, poetry.lock)."""
    text = expect_str(raw, where)
    try:
        return Hash.parse(text)
    except ValueError as exc:
        raise where.error(f"not a digest of the form 'sha256:<hex>': {text!r}") from exc


def hashes_from_table(raw: Mapping[str, Any], where: Where) -> tuple[Hash, ...]:
    """Digests written as a table ``{sha256 = "<hex>", ...}`` (pylock.toml, Pipfile.lock)."""
    hashes = []
    for algorithm, value in raw.items():
        digest = expect_str(value, where.child(algorithm))
        if not digest.strip():
            raise where.child(algorithm).error("expected a digest, found an empty string")
        hashes.append(Hash(algorithm=algorithm.strip().lower(), value=digest.strip().lower()))
    return tuple(hashes)


def filename_of(location: str) -> str | None:
    """The last path segment of a URL or a path (percent-decoded), or None if there is none."""
    if not any(c in location for c in "?#%\\"):  # the common case, without urlsplit
        if "://" in location and location.count("/") < 3:
            return None  # a bare host
        return location.rpartition("/")[2] or None
    try:
        path = urlsplit(location).path if "://" in location else location
    except ValueError:
        return None
    name = posixpath.basename(unquote(path).replace("\\", "/"))
    return name or None


def parse_marker(raw: object, where: Where) -> Marker:
    """A PEP 508 environment marker."""
    text = expect_str(raw, where)
    try:
        return Marker(text)
    except InvalidMarker as exc:
        raise where.error(f"not a valid environment marker: {text!r}") from exc


def any_of_markers(markers: Sequence[Marker]) -> Marker | None:
    """One marker that holds when any of ``markers`` holds (None for no markers)."""
    if not markers:
        return None
    if len(markers) == 1:
        return markers[0]
    return Marker(" or ".join(f"({m})" for m in markers))


def unique_hashes(artifacts: Iterable[Artifact]) -> tuple[Hash, ...]:
    """Every digest of ``artifacts``, in order, each once."""
    seen: dict[Hash, None] = {}
    for artifact in artifacts:
        for digest in artifact.hashes:
            seen.setdefault(digest, None)
    return tuple(seen)


def locked_dependency(
    *,
    name: NormalizedName,
    display_name: str,
    kind: DependencyKind,
    location: Location,
    version: Version | None,
    marker: Marker | None = None,
    groups: Iterable[str] = (),
    artifacts: Sequence[Artifact] = (),
    index: str | None = None,
    url: str | None = None,
    extras: frozenset[NormalizedName] = frozenset(),
) -> Dependency:
    """A locked package as a ``Dependency``: pinned with ``==version`` when it has a version.

    URLs (the index, the direct URL, the artifacts') are stored without credentials.
    """
    clean = tuple(
        a
        if not a.url or "@" not in a.url
        else Artifact(filename=a.filename, url=redact_url(a.url), hashes=a.hashes, size=a.size)
        for a in artifacts
    )
    return Dependency(
        name=name,
        display_name=display_name,
        kind=kind,
        location=location,
        specifier=SpecifierSet(f"=={version}") if version is not None else SpecifierSet(),
        version=version,
        extras=extras,
        marker=marker,
        url=_without_credentials(url),
        groups=tuple(dict.fromkeys(groups)),
        hashes=unique_hashes(clean),
        artifacts=clean,
        index=_without_credentials(index),
        is_locked=True,
    )


def _without_credentials(url: str | None) -> str | None:
    if not url or "@" not in url:
        return url or None
    return redact_url(url)


def lock_source(
    path: Path, fmt: FileFormat, dependencies: Sequence[Dependency], problems: Problems
) -> SourceFile:
    """The ``SourceFile`` of a lockfile, logging how much was read."""
    logger.debug(
        "%s: %d locked packages, %d problems", path, len(dependencies), len(problems.items)
    )
    return SourceFile(
        path=path,
        format=fmt,
        dependencies=tuple(dependencies),
        problems=tuple(problems.items),
    )
