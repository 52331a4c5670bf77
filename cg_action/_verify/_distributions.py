"""Finding distributions in a virtual environment, site-packages, a wheel or a wheel folder.

A virtual environment is a folder with ``pyvenv.cfg``; its site-packages is
``lib/python3.X/site-packages`` (also ``lib64``, free-threaded ``python3.Xt`` and PyPy's
``pypy3.X``) on POSIX and ``Lib/site-packages`` on Windows. Installed distributions are
``*.dist-info`` folders, read from disk; a wheel's are read from the archive. Legacy
``*.egg-info`` entries are found too, so they count as not verified.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path
from typing import Protocol

from packaging.tags import Tag, parse_tag
from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from cg_action._errors import UsageError
from cg_action._verify._model import DistributionKind, Target, TargetKind

logger = logging.getLogger(__name__)

_SITE_PACKAGES_PATTERNS = (
    "Lib/site-packages",  # Windows
    "lib/python*/site-packages",
    "lib64/python*/site-packages",
    "lib/pypy*/site-packages",
)


class FileReader(Protocol):
    """Reads a distribution's files by their RECORD path."""

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when it does not exist or cannot be read."""


@dataclass(frozen=True, slots=True)
class DirectoryReader:
    """Files below an install root (site-packages): RECORD paths are relative to it."""

    root: Path

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when absent or unreadable."""
        try:
            return (self.root / path).read_bytes()
        except OSError:
            return None


@dataclass(frozen=True, slots=True)
class WheelReader:
    """Members of a wheel archive: RECORD paths are member names."""

    path: Path

    def read(self, path: str) -> bytes | None:
        """The member's bytes, or None when absent or unreadable."""
        try:
            with zipfile.ZipFile(self.path) as archive:
                return archive.read(path)
        except (KeyError, OSError, zipfile.BadZipFile, RuntimeError, EOFError):
            return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Distribution:
    """One distribution found, with a way to read its files."""

    kind: DistributionKind
    location: Path  # the dist-info or egg-info entry, or the wheel file
    dist_info: str  # the dist-info folder name RECORD paths start with ("" for egg-info)
    name: NormalizedName
    display_name: str
    version: Version | None
    reader: FileReader = field(compare=False)
    tags: frozenset[Tag] = frozenset()  # the WHEEL file's Tag lines
    problem: str | None = None  # why it could not be read properly (METADATA, archive)


def locate(path: Path) -> Target:
    """What ``path`` is and where its distributions are; UsageError when it is none of those."""
    if path.is_file():
        if path.suffix == ".whl":
            return Target(path=path, kind=TargetKind.WHEEL, searched=(path,))
        raise _not_a_target(path, "it is a file, but not a wheel (*.whl)")
    if not path.is_dir():
        raise _not_a_target(path, "it does not exist")
    if (path / "pyvenv.cfg").is_file():
        found = site_packages_of(path)
        if not found:
            raise _not_a_target(path, "it has pyvenv.cfg but no lib/python3.X/site-packages")
        return Target(path=path, kind=TargetKind.VENV, searched=found)
    entries = _entries(path)
    if path.name in ("site-packages", "dist-packages") or any(
        e.name.endswith((".dist-info", ".egg-info")) for e in entries
    ):
        return Target(path=path, kind=TargetKind.SITE_PACKAGES, searched=(path,))
    if any(e.suffix == ".whl" and e.is_file() for e in entries):
        return Target(path=path, kind=TargetKind.WHEEL_DIR, searched=(path,))
    raise _not_a_target(path, "it holds no pyvenv.cfg, *.dist-info, *.egg-info or *.whl")


def _not_a_target(path: Path, why: str) -> UsageError:
    error = UsageError(f"{path}: cannot verify: {why}")
    error.hint = (
        "give a virtual environment (a folder with pyvenv.cfg), a site-packages folder, "
        "a wheel, or a folder of wheels"
    )
    return error


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError as exc:
        raise _not_a_target(folder, f"it cannot be listed ({exc.strerror or exc})") from exc


def site_packages_of(venv: Path) -> tuple[Path, ...]:
    """The site-packages folders of a virtual environment, each once (lib64 is often a link)."""
    found: dict[Path, Path] = {}
    for pattern in _SITE_PACKAGES_PATTERNS:
        for candidate in sorted(venv.glob(pattern)):
            if candidate.is_dir():
                found.setdefault(candidate.resolve(), candidate)
    return tuple(found.values())


def find_distributions(target: Target) -> list[Distribution]:
    """Every distribution of a target, sorted by name then version."""
    found: list[Distribution] = []
    for folder in target.searched:
        match target.kind:
            case TargetKind.WHEEL:
                found.append(read_wheel(folder))
            case TargetKind.WHEEL_DIR:
                found.extend(read_wheel(p) for p in _entries(folder) if p.suffix == ".whl")
            case TargetKind.VENV | TargetKind.SITE_PACKAGES:
                found.extend(_installed(folder))
    found.sort(key=lambda d: (d.name, str(d.version or ""), str(d.location)))
    return found


def _installed(site_packages: Path) -> Iterator[Distribution]:
    for entry in _entries(site_packages):
        if entry.name.endswith(".dist-info") and entry.is_dir():
            yield _read_dist_info(entry)
        elif entry.name.endswith(".egg-info"):
            yield _read_egg_info(entry)


def _read_dist_info(folder: Path) -> Distribution:
    reader = DirectoryReader(folder.parent)
    metadata = reader.read(f"{folder.name}/METADATA")
    wheel = reader.read(f"{folder.name}/WHEEL")
    return _distribution(
        kind=DistributionKind.INSTALLED,
        location=folder,
        dist_info=folder.name,
        reader=reader,
        metadata=metadata,
        wheel=wheel,
        fallback=folder.name.removesuffix(".dist-info"),
    )


def _read_egg_info(entry: Path) -> Distribution:
    pkg_info = entry / "PKG-INFO" if entry.is_dir() else entry
    try:
        metadata: bytes | None = pkg_info.read_bytes()
    except OSError:
        metadata = None
    return _distribution(
        kind=DistributionKind.EGG_INFO,
        location=entry,
        dist_info="",
        reader=DirectoryReader(entry.parent),
        metadata=metadata,
        wheel=None,
        fallback=entry.name.removesuffix(".egg-info"),
    )


def read_wheel(path: Path) -> Distribution:
    """A wheel file as a distribution (a broken archive gives one with a ``problem``)."""
    try:
        name, version, _, _ = parse_wheel_filename(path.name)
        fallback = f"{name}-{version}"
    except InvalidWheelFilename:
        fallback = path.name.removesuffix(".whl")
    reader = WheelReader(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile) as exc:
        logger.debug("cannot open %s: %s", path, exc)
        return _distribution(
            kind=DistributionKind.WHEEL,
            location=path,
            dist_info="",
            reader=reader,
            metadata=None,
            wheel=None,
            fallback=fallback,
            problem=f"not a readable wheel: {exc}",
        )
    folders = sorted({n.split("/", 1)[0] for n in names if n.count("/") == 1})
    dist_infos = [f for f in folders if f.endswith(".dist-info") and f"{f}/METADATA" in names]
    dist_info = dist_infos[0] if len(dist_infos) == 1 else ""
    problem = None if dist_info else f"the wheel has {len(dist_infos)} *.dist-info folders, not 1"
    return _distribution(
        kind=DistributionKind.WHEEL,
        location=path,
        dist_info=dist_info,
        reader=reader,
        metadata=reader.read(f"{dist_info}/METADATA") if dist_info else None,
        wheel=reader.read(f"{dist_info}/WHEEL") if dist_info else None,
        fallback=fallback,
        problem=problem,
    )


def _distribution(
    *,
    kind: DistributionKind,
    location: Path,
    dist_info: str,
    reader: FileReader,
    metadata: bytes | None,
    wheel: bytes | None,
    fallback: str,
    problem: str | None = None,
) -> Distribution:
    """Build a Distribution from METADATA (``fallback``: ``name-version`` from the file name)."""
    fallback_name, _, fallback_version = fallback.partition("-")
    fallback_version = fallback_version.split("-", 1)[0]
    headers = _headers(metadata) if metadata is not None else {}
    if metadata is None and problem is None:
        problem = "no METADATA" if kind is not DistributionKind.EGG_INFO else "no PKG-INFO"
    raw_name = headers.get("name") or fallback_name
    raw_version = headers.get("version") or fallback_version
    if metadata is not None and not (headers.get("name") and headers.get("version")):
        problem = problem or "METADATA has no Name or no Version"
    try:
        version: Version | None = Version(raw_version)
    except InvalidVersion:
        version = None
        problem = problem or f"METADATA Version is not a valid version: {raw_version!r}"
    tags: set[Tag] = set()
    for line in _header_values(wheel, "tag") if wheel is not None else []:
        try:
            tags.update(parse_tag(line))
        except ValueError:
            logger.debug("%s: ignoring malformed WHEEL Tag %r", location, line)
    return Distribution(
        kind=kind,
        location=location,
        dist_info=dist_info,
        name=canonicalize_name(raw_name),
        display_name=raw_name,
        version=version,
        reader=reader,
        tags=frozenset(tags),
        problem=problem,
    )


def _headers(data: bytes) -> dict[str, str]:
    message = HeaderParser().parsestr(data.decode("utf-8", errors="replace"))
    return {key.lower(): str(value).strip() for key, value in message.items()}


def _header_values(data: bytes, key: str) -> list[str]:
    message = HeaderParser().parsestr(data.decode("utf-8", errors="replace"))
    return [str(v).strip() for v in message.get_all(key) or []]
