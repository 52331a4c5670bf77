"""Which of Chainguard's files a lock names for a release, and which locked entry each replaces.

A lock made against PyPI names PyPI's files; Chainguard serves its own builds of the same
version, often under other names: one native wheel per Python and platform with its own tag
(``markupsafe-3.0.4-cp311-cp311-manylinux_2_28_x86_64.whl``) where PyPI has compound tags
(``...-manylinux2014_x86_64.manylinux_2_17_x86_64.whl``) and wheels for more platforms. So:

* The files a lock gets are Chainguard's files of the version that *fit* the lock: those that
  install on at least one target (platform and CPython version, see ``cg_action._targets``)
  inside the lock's scope: its ``requires-python``, its environment markers and, where the
  lock says so, the package's own markers. A wheel for a platform no target describes (a
  musllinux or armv7 wheel) fits when its Python tags do.
* Each file the lock gets replaces the locked entry it stands for, so that the entry keeps
  its place, comments and other keys: the entry with the same digest (then nothing changes),
  else the entry of the same file name, else the entry of the same Python, ABI, platform
  family and architecture (``manylinux_2_28_x86_64`` stands for ``manylinux_2_17_x86_64``).
  Files no entry stands for are new; entries no file replaces are dropped.
* A release whose locked digests are all served already is left alone (``unchanged``): a lock
  made from the same index, or updated before, stays byte for byte.
* The targets the locked wheels covered and Chainguard's do not are listed (``gaps``), the
  way ``check --target`` lists them.

Pure functions: no I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import Version

from cg_action._models import IndexFile
from cg_action._targets import PLATFORM_NAMES, Target

# CPython versions a lock may be installed with (its requires-python narrows them): the
# oldest any lock of today still names to the newest in sight.
PYTHONS = tuple((3, minor) for minor in range(6, 16))


def sha256_of(file: IndexFile) -> str | None:
    """The file's sha256 digest as the index lists it (None: the index gave none)."""
    return next((h.value for h in file.hashes if h.algorithm == "sha256"), None)


def upload_time_of(file: IndexFile) -> str | None:
    """The file's upload time when the index gives it (PEP 700 ``upload-time``), else None.

    Written in UTC with microseconds (``2025-01-02T03:04:05.678901Z``); ``format_time``
    shortens it to the form a lock uses.
    """
    value = getattr(file, "upload_time", None)
    if isinstance(value, datetime):
        utc = value.astimezone(timezone.utc) if value.tzinfo is not None else value
        return utc.strftime("%Y-%m-%dT%H:%M:%S") + f".{utc.microsecond:06d}Z"
    return value if isinstance(value, str) and value else None


# ---------------------------------------------------------------- scope: where a lock installs


@functools.cache
def all_targets() -> tuple[Target, ...]:
    """Every platform the targets know, with every Python of ``PYTHONS``."""
    return tuple(Target(platform=p, python=v) for p in PLATFORM_NAMES for v in PYTHONS)


@functools.cache
def marker_targets(marker: str) -> frozenset[Target]:
    """The targets on which ``marker`` holds (an unreadable marker: all of them)."""
    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return frozenset(all_targets())
    return frozenset(t for t in all_targets() if t.accepts_marker(parsed))


@functools.cache
def python_targets(requires_python: str | None) -> frozenset[Target]:
    """The targets whose Python ``requires_python`` admits (unreadable or None: all)."""
    return frozenset(t for t in all_targets() if t.accepts_python(requires_python))


def scope(requires_python: str | None, markers: Iterable[str] = ()) -> frozenset[Target]:
    """Targets inside ``requires_python`` on which one of ``markers`` holds (none given: any)."""
    found = python_targets(requires_python)
    wanted = list(markers)
    if wanted:
        found = found & frozenset().union(*(marker_targets(m) for m in wanted))
    return found


@functools.cache
def _platform_tags(platform: str) -> frozenset[str]:
    """The wheel platform tags (``manylinux_2_28_x86_64``, ``any``) a target platform takes."""
    return frozenset(tag.platform for tag in Target(platform=platform, python=(3, 12)).tags)


@functools.cache
def _platforms_taking() -> dict[str, frozenset[str]]:
    """Wheel platform tag -> the target platforms that take it."""
    found: dict[str, set[str]] = {}
    for platform in PLATFORM_NAMES:
        for tag in _platform_tags(platform):
            found.setdefault(tag, set()).add(platform)
    return {tag: frozenset(platforms) for tag, platforms in found.items()}


@functools.cache
def _known_platform_tags() -> frozenset[str]:
    return frozenset(_platforms_taking()) - {"any"}


@functools.cache
def _targets_by_key() -> dict[tuple[str, tuple[int, int]], Target]:
    return {(t.platform, t.python): t for t in all_targets()}


@functools.lru_cache(maxsize=4096)
def _pythons_taking(interpreter: str, abi: str) -> tuple[tuple[int, int], ...]:
    tag = Tag(interpreter, abi, "any")
    return tuple(v for v in PYTHONS if _python_takes(tag, v))


@functools.lru_cache(maxsize=65536)
def _wheel_targets(filename: str, requires_python: str | None) -> frozenset[Target]:
    """The targets a wheel installs on: a tag's platform is the target's and its Python tag
    takes the target's Python (``cp314t``, ``abi3`` and PyPy wheels included)."""
    by_key = _targets_by_key()
    taking = _platforms_taking()
    found = {
        by_key[(platform, version)]
        for tag in _tags(filename) or ()
        for platform in taking.get(tag.platform, ())
        for version in _pythons_taking(tag.interpreter, tag.abi)
    }
    return frozenset(found) & python_targets(requires_python)


def fits(file: IndexFile, within: frozenset[Target]) -> bool:
    """Whether the file installs on at least one target of ``within``.

    A wheel for a platform no target describes (``ppc64le``, ``armv7l``, ``win32``) fits when
    its Python tag takes a Python of ``within``.
    """
    return _fits(file.filename, file.requires_python, within)


def _fits(filename: str, requires_python: str | None, within: frozenset[Target]) -> bool:
    if not within:
        return False
    if not filename.endswith(".whl"):
        return any(t.accepts_python(requires_python) for t in within)
    if _wheel_targets(filename, requires_python) & within:
        return True
    unknown = [tag for tag in _tags(filename) or () if tag.platform not in _known_platform_tags()]
    return any(
        _python_takes(tag, t.python) and t.accepts_python(requires_python)
        for tag in unknown
        for t in within
    )


def _python_takes(tag: Tag, version: tuple[int, int]) -> bool:
    interpreter = tag.interpreter
    major, minor = version
    found = re.fullmatch(r"(py|cp|pp|graalpy)(\d)(\d*)", interpreter)
    if found is None:
        return False
    kind, tag_major, tag_minor = found.group(1), int(found.group(2)), found.group(3)
    if tag_major != major:
        return False
    if not tag_minor:
        return True
    if kind == "py" or (kind == "cp" and tag.abi == "abi3"):
        return minor >= int(tag_minor)  # py37: Python 3.7 and later; cp39-abi3 likewise
    return minor == int(tag_minor)


# ---------------------------------------------------------------- pairing files with entries


@dataclass(frozen=True, slots=True)
class Locked:
    """One file entry of a lock: its file name and digest as recorded (either may be missing)."""

    filename: str | None
    digest: str | None  # lower-case hex sha256


@dataclass(slots=True)
class ReleasePlan:
    """What becomes of one release's file entries."""

    unchanged: bool
    # Chainguard's files the lock names afterwards, each with the locked entry it replaces
    # (None: a new entry), in no particular order.
    files: list[tuple[IndexFile, int | None]] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)  # entries no file replaces
    no_fit: bool = False  # Chainguard serves the version, but no file fits the lock


def plan_release(
    locked: Sequence[Locked],
    served: Sequence[IndexFile],
    within: frozenset[Target] | None,
    *,
    append: bool = False,
) -> ReleasePlan:
    """Pair Chainguard's files of a release with the lock's entries for it.

    ``served`` are Chainguard's files of the version with a sha256 digest; those that fit
    ``within`` are wanted (None: all of them, as Poetry lists every file of a release). When
    a locked wheel is outside ``within``, the lock's writer did not narrow its files to that
    scope (``uv pip compile`` and PDM list wheels for Pythons or platforms the markers rule
    out), and neither does this. With ``append`` every locked entry stays and only files the
    lock lacks are added.
    """
    served_digests = {sha256_of(f) for f in served}
    locked_digests = {entry.digest for entry in locked}
    if locked and all(entry.digest in served_digests for entry in locked):
        return ReleasePlan(unchanged=True)
    if within is not None and not all(
        _fits(e.filename, None, within)
        for e in locked
        if e.filename and e.filename.endswith(".whl")
    ):
        within = None  # the lock's writer listed files outside the scope: it does not filter
    wanted = [f for f in served if within is None or fits(f, within)]
    if not wanted:
        return ReleasePlan(unchanged=True, no_fit=True)
    if append:
        new = [f for f in wanted if sha256_of(f) not in locked_digests]
        return ReleasePlan(unchanged=not new, files=[(f, None) for f in new])
    taken: dict[int, IndexFile] = {}
    rest = list(wanted)
    for same in (_by_digest, _by_file, _by_slot):
        free: dict[object, list[int]] = {}
        for i, entry in enumerate(locked):
            if i not in taken:
                for key in same(entry.digest, entry.filename):
                    free.setdefault(key, []).append(i)
        left = []
        for file in rest:
            match = next(
                (
                    i
                    for key in same(sha256_of(file), file.filename)
                    for i in free.get(key, ())
                    if i not in taken
                ),
                None,
            )
            if match is None:
                left.append(file)
            else:
                taken[match] = file
        rest = left
    files: list[tuple[IndexFile, int | None]] = [(f, i) for i, f in taken.items()]
    files.extend((f, None) for f in rest)
    dropped = [i for i in range(len(locked)) if i not in taken]
    return ReleasePlan(unchanged=False, files=files, dropped=dropped)


# What two files must share to be paired, in the order tried: the digest, the file (name,
# version and tags), one (interpreter, ABI, platform family) slot.


def _by_digest(digest: str | None, filename: str | None) -> tuple[object, ...]:
    return (digest,) if digest is not None else ()


def _by_file(digest: str | None, filename: str | None) -> tuple[object, ...]:
    key = file_key(filename) if filename is not None else None
    return (key,) if key is not None else ()


def _by_slot(digest: str | None, filename: str | None) -> tuple[object, ...]:
    return tuple(sorted(_slots(filename))) if filename is not None else ()


_GLIBC = re.compile(r"^(?:manylinux\d+|manylinux_\d+_\d+)_")
_MUSL = re.compile(r"^musllinux_\d+_\d+_")
_MACOS = re.compile(r"^macosx_\d+_\d+_")


@functools.lru_cache(maxsize=65536)
def _slots(filename: str) -> frozenset[tuple[str, str, str]]:
    """(interpreter, ABI, platform family and architecture) of each of a wheel's tags."""
    tags = _tags(filename)
    if tags is None:
        return frozenset()
    found = set()
    for tag in tags:
        platform = _GLIBC.sub("manylinux_", tag.platform)
        platform = _MUSL.sub("musllinux_", platform)
        platform = _MACOS.sub("macosx_", platform)
        found.add((tag.interpreter, tag.abi, platform))
    return frozenset(found)


@functools.lru_cache(maxsize=65536)
def _wheel(filename: str) -> tuple[str, str, frozenset[Tag]] | None:
    """(normalized name, version, tags) of a wheel file name; None for anything else."""
    try:
        name, version, _build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return None
    return name, str(version), tags


def _tags(filename: str) -> frozenset[Tag] | None:
    parsed = _wheel(filename)
    return parsed[2] if parsed is not None else None


@functools.lru_cache(maxsize=65536)
def file_key(filename: str) -> tuple[str, ...] | None:
    """What makes two files 'the same file': name, version and wheel tags (or sdist)."""
    from packaging.utils import InvalidSdistFilename, parse_sdist_filename

    if filename.endswith(".whl"):
        parsed = _wheel(filename)
        if parsed is None:
            return None
        name, version, tags = parsed
        return ("wheel", name, version, *sorted(str(t) for t in tags))
    try:
        name, parsed_version = parse_sdist_filename(filename)
    except InvalidSdistFilename:
        return None
    return ("sdist", name, str(parsed_version))


def is_release_file(filename: str | None, name: str, version: Version) -> bool:
    """Whether a file name belongs to this release (name spelling and case ignored)."""
    key = file_key(filename) if filename else None
    return key is not None and key[1] == name and Version(key[2]) == version


# ---------------------------------------------------------------- what the new files lack


def gaps(
    locked_wheels: Iterable[str], files: Sequence[IndexFile], within: frozenset[Target]
) -> str | None:
    """The targets the locked wheels installed on and ``files`` have no wheel for, or None.

    Written per platform with its Pythons: ``macos-arm64 (3.11, 3.12), windows-amd64 (3.12)``,
    and what happens there instead (the install builds the sdist, or cannot use Chainguard).
    """
    before: set[Target] = set()
    for filename in locked_wheels:
        before |= _wheel_targets(filename, None) & within
    after: set[Target] = set()
    for file in files:
        if file.is_wheel:
            after |= _wheel_targets(file.filename, file.requires_python) & within
    missing = before - after
    if not missing:
        return None
    by_platform: dict[str, list[tuple[int, int]]] = {}
    for target in sorted(missing, key=lambda t: (t.platform, t.python)):
        by_platform.setdefault(target.platform, []).append(target.python)
    listed = ", ".join(
        f"{platform} ({', '.join(f'{major}.{minor}' for major, minor in versions)})"
        for platform, versions in by_platform.items()
    )
    has_sdist = any(not f.is_wheel for f in files)
    there = (
        "there the install builds Chainguard's sdist"
        if has_sdist
        else "there it cannot install from this lock"
    )
    return f"Chainguard has no wheel for {listed}, which the lock had ({there})"


def specifier_or_none(text: str | None) -> str | None:
    """``text`` when it is a valid PEP 440 specifier set, else None (taken as: any Python)."""
    if not text:
        return None
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        return None
    return text
