"""RECORD files (the wheel spec's ``path,sha256=<urlsafe-b64>,size`` CSV) and their digests.

A RECORD lists every file of a distribution with a digest in urlsafe base64 without padding.
``parse_record`` reads one; ``record_digest`` computes the same form for some bytes, so a file
on disk or in a wheel can be compared with what RECORD promised.
"""

from __future__ import annotations

import base64
import csv
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cg_action._errors import ParseError, Problem

# Files an installer writes or rewrites: they never match the wheel and are not compared.
INSTALLER_FILES = frozenset({"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"})


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordEntry:
    """One RECORD row: a '/'-separated path, and its digest and size when RECORD gives them."""

    path: str
    algorithm: str | None = None  # lower-case, e.g. "sha256"
    digest: str | None = None  # urlsafe base64 without padding, as RECORD writes it
    size: int | None = None

    @property
    def hash_text(self) -> str | None:
        """``sha256=<digest>`` as in the file, or None when RECORD gives no digest."""
        if self.algorithm is None or self.digest is None:
            return None
        return f"{self.algorithm}={self.digest}"


def record_digest(data: bytes, algorithm: str = "sha256") -> str:
    """The RECORD form of the digest of ``data``: urlsafe base64 without ``=`` padding."""
    raw = hashlib.new(algorithm, data).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def matches_entry(entry: RecordEntry, data: bytes) -> bool:
    """Whether ``data`` has the digest (and size, when given) that ``entry`` records."""
    if entry.algorithm is None or entry.digest is None:
        return False
    if entry.algorithm not in hashlib.algorithms_guaranteed:
        return False
    if entry.size is not None and entry.size != len(data):
        return False
    return record_digest(data, entry.algorithm) == entry.digest.rstrip("=")


def parse_record(text: str, path: Path) -> dict[str, RecordEntry]:
    """The entries of a RECORD, keyed by path; every malformed row is named in one ParseError."""
    entries: dict[str, RecordEntry] = {}
    problems: list[Problem] = []
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        raise ParseError.at(path, None, f"not a CSV file: {exc}") from exc
    for line, row in enumerate(rows, start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            problems.append(_problem(path, line, f"expected 3 columns, found {len(row)}"))
            continue
        file_path, hash_text, size_text = (cell.strip() for cell in row)
        algorithm: str | None = None
        digest: str | None = None
        if hash_text:
            algorithm, sep, digest = hash_text.partition("=")
            algorithm = algorithm.lower()
            if not sep or not algorithm or not digest:
                problems.append(_problem(path, line, f"not a 'algorithm=digest': {hash_text!r}"))
                continue
        size: int | None = None
        if size_text:
            if not size_text.isdigit():
                problems.append(_problem(path, line, f"size is not a number: {size_text!r}"))
                continue
            size = int(size_text)
        entries[file_path] = RecordEntry(
            path=file_path, algorithm=algorithm, digest=digest, size=size
        )
    if problems:
        raise ParseError(problems)
    return entries


def _problem(path: Path, line: int, message: str) -> Problem:
    return Problem(path=path, line=line, message=message)


def is_compared(path: str, dist_info: str) -> bool:
    """Whether a RECORD path takes part in a wheel-to-installation comparison.

    Left out: the installer's own files in the dist-info folder, compiled ``.pyc`` files, and
    anything outside the install root (``../`` paths: scripts pip generates or relocates).
    """
    if path.endswith(".pyc") or path.startswith("../") or "/__pycache__/" in f"/{path}":
        return False
    folder, _, name = path.rpartition("/")
    return not (folder == dist_info and name in INSTALLER_FILES)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordComparison:
    """How the files installed on disk compare with the RECORD of a wheel."""

    compared: int  # wheel entries checked against installed files
    mismatched: tuple[str, ...] = ()  # installed, but with other content
    missing: tuple[str, ...] = ()  # in the wheel, not installed
    extra: tuple[str, ...] = ()  # installed and recorded, but not in the wheel

    @property
    def is_match(self) -> bool:
        """Whether every compared file is installed with the wheel's content, and nothing more."""
        return self.compared > 0 and not (self.mismatched or self.missing or self.extra)


def installed_path(wheel_path: str, dist_info: str) -> str | None:
    """Where a wheel member lands in site-packages (None: relocated, so not compared).

    ``<name>.data/purelib/x`` and ``.../platlib/x`` land at ``x``; the other ``.data`` schemes
    (scripts, headers, data) go outside site-packages, and scripts are rewritten on install.
    """
    data_dir = dist_info.removesuffix(".dist-info") + ".data/"
    if not wheel_path.startswith(data_dir):
        return wheel_path
    scheme, _, rest = wheel_path[len(data_dir) :].partition("/")
    return rest if scheme in ("purelib", "platlib") and rest else None


def compare_installed(
    wheel_record: dict[str, RecordEntry],
    installed_record: dict[str, RecordEntry],
    dist_info: str,
    read_installed: Callable[[str], bytes | None],
) -> RecordComparison:
    """Compare the files on disk (read through ``read_installed``) with a wheel's RECORD."""
    mismatched: list[str] = []
    missing: list[str] = []
    expected: set[str] = set()
    for wheel_path, entry in wheel_record.items():
        target = installed_path(wheel_path, dist_info)
        if target is None or not is_compared(target, dist_info):
            continue
        expected.add(target)
        data = read_installed(target) if target in installed_record else None
        if data is None:
            missing.append(target)
        elif not matches_entry(entry, data):
            mismatched.append(target)
    extra = sorted(
        path for path in installed_record if is_compared(path, dist_info) and path not in expected
    )
    return RecordComparison(
        compared=len(expected),
        mismatched=tuple(sorted(mismatched)),
        missing=tuple(sorted(missing)),
        extra=tuple(extra),
    )
