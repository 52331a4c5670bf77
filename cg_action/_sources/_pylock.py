"""Reader of PEP 751 lockfiles: ``pylock.toml`` and ``pylock.<name>.toml``.

The file is validated with ``packaging.pylock`` (packaging 25 or newer): first its top-level
keys, then each ``[[packages]]`` entry on its own, so that one bad entry becomes a problem and
the others are still read. Its ``PylockValidationError`` becomes a ``ParseError`` naming the
key path (``packages[3].wheels[0].hashes``) and the entry's line.

Entries with wheels or an sdist are PINNED, with the entry's ``index``; ``vcs`` is VCS,
``archive`` is URL (PATH for a local archive), ``directory`` is PATH (EDITABLE when editable).
The locking project itself (``directory = { path = "." }``) is not a dependency. PEP 751 has no
per-package groups: ``groups`` are the dependency groups and extras that the entry's marker
names (``"dev" in dependency_groups``), empty when the marker names none.

The groups of ``default-groups`` are installed unless told otherwise (pdm and pipenv name one
``default`` and mark the project's own dependencies ``'default' in dependency_groups``): a
marker is read with them selected, so that ``'default' in dependency_groups`` holds
everywhere and the project's dependencies are checked whatever groups are chosen.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.markers import Marker
from packaging.utils import canonicalize_name

from cg_action._errors import ParseError
from cg_action._models import (
    Artifact,
    Dependency,
    DependencyKind,
    FileFormat,
    Location,
    SourceFile,
)
from cg_action._sources._lock_common import (
    Problems,
    entry_lines,
    filename_of,
    hashes_from_table,
    load_lock,
    lock_source,
    locked_dependency,
)
from cg_action._sources._typed import TomlLines, Where, get_optional_list, parse_name

if TYPE_CHECKING:
    from packaging.pylock import Package, PackageArchive, PackageSdist, PackageWheel

_TOP_LEVEL_KEYS = ("lock-version", "created-by")
_GROUP_TERM = re.compile(r"""["']([^"']+)["']\s+in\s+(dependency_groups|extras)\b""")
_CONTEXT_INDEX = re.compile(r"^packages\[0\]")
_UNEXPECTED_TYPE = re.compile(r"Unexpected type (\w+) \(expected (\w+)\)")
_TYPE_NAMES = {
    "str": "a string",
    "int": "an integer",
    "bool": "a boolean",
    "float": "a number",
    "dict": "a table",
    "list": "an array",
    "Mapping": "a table",
    "Sequence": "an array",
    "datetime": "a date-time",
}


def parse_pylock(path: Path, text: str | None = None) -> SourceFile:
    """Read a PEP 751 lockfile; raise ParseError if it is not one this version understands."""
    from packaging.pylock import Pylock, PylockUnsupportedVersionError, PylockValidationError

    data, lines = load_lock(path, text, remake="uv export --format pylock.toml")
    root = Where(path)
    header = {key: data[key] for key in _TOP_LEVEL_KEYS if key in data}
    top_level = {key: value for key, value in data.items() if key != "packages"}
    try:
        Pylock.from_dict({**top_level, "packages": []})
    except PylockUnsupportedVersionError as exc:
        version = data.get("lock-version")
        raise root.child("lock-version", lines.key("lock-version")).error(
            f"unsupported pylock version {version}: upgrade cg-action"
        ) from exc
    except PylockValidationError as exc:
        raise _problem(exc, root, lines, None) from exc
    except (TypeError, ValueError) as exc:  # defensive: packaging's own checks of odd values
        raise root.error(f"not a valid pylock file: {exc}") from exc

    packages = get_optional_list(data, "packages", root.at_line(lines.key("packages")))
    defaults = _default_groups(data)
    problems = Problems()
    dependencies: list[Dependency] = []
    for i, (raw, line) in enumerate(
        zip(packages, entry_lines(lines, "packages", packages), strict=True)
    ):
        where = root.child("packages").child(i, line)
        try:
            package = Pylock.from_dict({**header, "packages": [_mended(raw)]}).packages[0]
        except PylockValidationError as exc:
            problems.add(_problem(exc, root, lines, (i, line)))
            continue
        except (TypeError, ValueError) as exc:
            problems.note(where, f"not a valid package entry: {exc}")
            continue
        try:
            dependency = _dependency(package, raw, where, defaults)
        except ParseError as exc:
            problems.add(exc)
            continue
        if dependency is not None:
            dependencies.append(dependency)
    return lock_source(path, FileFormat.PYLOCK, dependencies, problems)


def _mended(raw: object) -> object:
    """A copy of a package entry with what real tools write against PEP 751 mended.

    None of it changes what cg-action reads: a valid but not normalized name (pipenv writes
    ``jaraco.classes``) is normalized; an ``upload-time`` written as a string is dropped; a
    wheel or sdist that has a ``name`` but neither ``url`` nor ``path`` (pdm writes these when
    it does not know where the file is) is read by its name alone.
    """
    if not isinstance(raw, dict):
        return raw
    entry = dict(raw)
    name = entry.get("name")
    if isinstance(name, str):
        with contextlib.suppress(ParseError):  # an invalid name: packaging reports it
            entry["name"] = parse_name(name, Where(Path()))
    if isinstance(entry.get("sdist"), dict):
        entry["sdist"] = _mended_file(entry["sdist"])
    if isinstance(entry.get("wheels"), list):
        entry["wheels"] = [_mended_file(w) if isinstance(w, dict) else w for w in entry["wheels"]]
    return entry


def _mended_file(raw: dict[str, Any]) -> dict[str, Any]:
    file = dict(raw)
    if isinstance(file.get("upload-time"), str):
        del file["upload-time"]
    if "url" not in file and "path" not in file and isinstance(file.get("name"), str):
        file["path"] = file["name"]
    return file


def _problem(
    exc: Exception, root: Where, lines: TomlLines, entry: tuple[int, int | None] | None
) -> ParseError:
    """A ParseError from packaging's PylockValidationError, with our key path and line."""
    context: str | None = getattr(exc, "context", None)
    message = _readable(getattr(exc, "message", None) or str(exc))
    if entry is not None:
        index, line = entry
        key = _CONTEXT_INDEX.sub(f"packages[{index}]", context or "packages[0]")
        if not key.startswith("packages["):
            key = f"packages[{index}]"
        return ParseError.at(root.path, line, message, key=key)
    line = lines.key(context.split(".")[0].split("[")[0]) if context else None
    return ParseError.at(root.path, line, message, key=context)


def _dependency(
    package: Package, raw: Mapping[str, Any], where: Where, defaults: tuple[str, ...]
) -> Dependency | None:
    location = Location(path=where.path, line=where.line)
    groups = _groups(str(package.marker)) if package.marker is not None else ()
    common: dict[str, Any] = {
        "name": package.name,
        "display_name": str(raw.get("name", package.name)),
        "location": location,
        "version": package.version,
        "marker": _with_defaults(package.marker, defaults),
        "groups": groups,
    }
    if package.wheels or package.sdist:
        if package.version is None:
            raise where.child("version").error("missing required key for a package from an index")
        artifacts = [
            _artifact(wheel, where.child("wheels").child(i))
            for i, wheel in enumerate(package.wheels or ())
        ]
        if package.sdist is not None:
            artifacts.insert(0, _artifact(package.sdist, where.child("sdist")))
        return locked_dependency(
            kind=DependencyKind.PINNED, artifacts=artifacts, index=package.index, **common
        )
    if package.vcs is not None:
        vcs = package.vcs
        url = f"{vcs.type}+{vcs.url or vcs.path}@{vcs.commit_id}"
        return locked_dependency(kind=DependencyKind.VCS, url=url, **common)
    if package.archive is not None:
        archive = package.archive
        kind = DependencyKind.URL if archive.url else DependencyKind.PATH
        return locked_dependency(
            kind=kind,
            url=archive.url or archive.path,
            artifacts=[_artifact(archive, where.child("archive"))],
            **common,
        )
    if package.directory is not None:
        directory = package.directory
        if directory.path.rstrip("/\\") in (".", ""):
            return None  # the locking project itself
        kind = DependencyKind.EDITABLE if directory.editable else DependencyKind.PATH
        return locked_dependency(kind=kind, url=directory.path, **common)
    return None  # packaging requires one of the above; kept for its future versions


def _artifact(file: PackageWheel | PackageSdist | PackageArchive, where: Where) -> Artifact:
    """A wheel, sdist or archive; an empty digest (packaging lets one through) is a ParseError."""
    name = getattr(file, "name", None)
    filename = name or filename_of(file.url or file.path or "")
    hashes = hashes_from_table(file.hashes, where.child("hashes"))
    return Artifact(filename=filename, url=file.url, hashes=hashes, size=file.size)


def _readable(message: str) -> str:
    """packaging's wording in the project's: 'expected a string, found an integer'."""
    if message == "Missing required value":
        return "missing required key"
    found = _UNEXPECTED_TYPE.fullmatch(message)
    if found is None:
        return message
    actual, expected = found.groups()
    return (
        f"expected {_TYPE_NAMES.get(expected, expected)}, found {_TYPE_NAMES.get(actual, actual)}"
    )


def _default_groups(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The names of ``default-groups`` (packaging has checked that it is a list of strings)."""
    raw = data.get("default-groups")
    if not isinstance(raw, list):
        return ()
    return tuple(canonicalize_name(name) for name in raw if isinstance(name, str) and name)


def _with_defaults(marker: Marker | None, defaults: tuple[str, ...]) -> Marker | None:
    """``marker`` with the default groups selected; as it is when it names none of them (or
    when, with them selected, it would never hold)."""
    if marker is None or not defaults or "dependency_groups" not in str(marker):
        return marker
    from cg_action._markers import Condition

    named = {match.group(1) for match in _GROUP_TERM.finditer(str(marker))}
    chosen = [group for group in defaults if group in {canonicalize_name(n) for n in named}]
    if not chosen:
        return marker
    try:
        condition = Condition.parse(marker)
        for group in chosen:
            condition = condition.assuming(f"'{group}' in dependency_groups")
    except ValueError:  # pragma: no cover - a marker packaging read is read here too
        return marker
    if condition.is_never:
        return marker
    return condition.to_marker()


def _groups(marker: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(match.group(1) for match in _GROUP_TERM.finditer(marker)))
