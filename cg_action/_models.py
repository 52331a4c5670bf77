"""Domain values shared by every role: what a file declares, what an index holds, what we found.

All values are frozen dataclasses. After parsing, names are ``NormalizedName``, versions
``Version``, specifiers ``SpecifierSet`` and markers ``Marker``; raw strings stay only where the
user's own spelling matters (``display_name``) or where a value is opaque (URLs, digests).
"""

from __future__ import annotations

import enum
from abc import abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload

from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import Version

from cg_action._compat import StrEnum
from cg_action._errors import Problem
from cg_action._urls import is_upstream_fallback_url

if TYPE_CHECKING:
    from datetime import datetime


class DependencyKind(StrEnum):
    """How a dependency names what it wants."""

    PINNED = "pinned"  # == without wildcard, or ===; every locked package
    RANGE = "range"  # any other specifier, or none
    URL = "url"  # name @ https://.../file.whl, or a bare archive URL
    VCS = "vcs"  # git+https://..., hg+..., svn+..., bzr+...
    PATH = "path"  # a local file or directory
    EDITABLE = "editable"  # -e / editable = true / uv's editable source


class FileFormat(StrEnum):
    """The kinds of file cg-action reads."""

    REQUIREMENTS = "requirements"
    PIP_COMPILE = "pip-compile"  # a requirements file written by pip-compile (a lock)
    PYPROJECT = "pyproject"
    PIPFILE = "pipfile"
    PIPFILE_LOCK = "pipfile-lock"
    UV_LOCK = "uv-lock"
    POETRY_LOCK = "poetry-lock"
    PDM_LOCK = "pdm-lock"
    PYLOCK = "pylock"

    @property
    def is_lock(self) -> bool:
        """Whether files of this format record what gets installed."""
        return self in _LOCK_FORMATS


_LOCK_FORMATS = frozenset(
    {
        FileFormat.PIP_COMPILE,
        FileFormat.PIPFILE_LOCK,
        FileFormat.UV_LOCK,
        FileFormat.POETRY_LOCK,
        FileFormat.PDM_LOCK,
        FileFormat.PYLOCK,
    }
)


class Status(StrEnum):
    """The verdict on one dependency. Reports count them in this order (the JSON summary too);
    ``STATUS_TABLE`` says how each is shown."""

    CHAINGUARD = "chainguard"  # served by the Chainguard index, built by Chainguard
    FALLBACK = "fallback"  # only the fallback (PyPI / upstream path) serves it
    LOCKED_UPSTREAM = "locked-upstream"  # Chainguard serves it, but the file pins upstream files
    BLOCKED = "blocked"  # the index withholds the file by policy (409)
    MISSING = "missing"  # served by neither index
    NOT_INDEXED = "not-indexed"  # url, vcs, path or editable: no index is asked
    UNKNOWN = "unknown"  # the index could not be asked (network, malformed answer, offline)


SarifLevel = Literal["error", "warning", "note", "none"]


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusRow:
    """How every report shows one status: one row of ``STATUS_TABLE``."""

    title: str  # a heading, and the SARIF rule's short description
    icon: str  # the GitHub emoji code in Markdown
    severity: int  # 0 is the worst: the order findings and annotations are shown in
    sarif_level: SarifLevel  # the SARIF rule's default level; "none"/"note": nothing to fix
    sarif_help: str  # the SARIF rule's help: what it means and what to do
    output: str  # the GitHub Action output that counts it (declared in action.yml)

    @property
    def needs_action(self) -> bool:
        """Whether a finding with this status asks something of the user (a warning or error)."""
        return self.sarif_level in ("warning", "error")


# One row per status, in the order of the enum; a test holds that every status has one.
STATUS_TABLE: Mapping[Status, StatusRow] = {
    Status.CHAINGUARD: StatusRow(
        title="Served by Chainguard",
        icon=":white_check_mark:",
        severity=6,
        sarif_level="none",
        sarif_help="The Chainguard index serves this version, built from source.",
        output="chainguard",
    ),
    Status.FALLBACK: StatusRow(
        title="Only the fallback index serves it",
        icon=":warning:",
        severity=3,
        sarif_level="warning",
        sarif_help=(
            "Only the fallback index (PyPI or Chainguard's upstream fallback) serves this "
            "version: it is not built by Chainguard. Pin a version Chainguard serves or request "
            "a build."
        ),
        output="fallback",
    ),
    Status.LOCKED_UPSTREAM: StatusRow(
        title="Chainguard serves it, but the file pins upstream files",
        icon=":lock:",
        severity=2,
        sarif_level="warning",
        sarif_help=(
            "Chainguard serves this version, but the file pins upstream (PyPI) files or "
            "digests, so installs keep using them. Run `python -m cg_action update-hashes` or "
            "re-lock against the Chainguard index."
        ),
        output="locked-upstream",
    ),
    Status.BLOCKED: StatusRow(
        title="Withheld by policy",
        icon=":no_entry:",
        severity=1,
        sarif_level="error",
        sarif_help=(
            "The Chainguard index withholds this file by policy (for example a blocklist, a "
            "malware finding or a cooldown). Pick another version or ask your administrator."
        ),
        output="blocked",
    ),
    Status.MISSING: StatusRow(
        title="Served by no index",
        icon=":x:",
        severity=0,
        sarif_level="error",
        sarif_help=(
            "No configured index serves this version. Installs will fail once the Chainguard "
            "index is the only source. Pin a version Chainguard serves or request a build."
        ),
        output="missing",
    ),
    Status.NOT_INDEXED: StatusRow(
        title="Not checked (URL, VCS, path, editable or another index)",
        icon=":link:",
        severity=5,
        sarif_level="note",
        sarif_help=(
            "A URL, VCS, path or editable dependency, or a pin a lock takes from another index "
            "that has no Chainguard counterpart: its origin is not checked against Chainguard."
        ),
        output="not-indexed",
    ),
    Status.UNKNOWN: StatusRow(
        title="The index could not be asked",
        icon=":grey_question:",
        severity=4,
        sarif_level="warning",
        sarif_help=(
            "The index could not be asked about this dependency (network, credentials, a "
            "malformed answer or an offline run without a cached answer). Run again."
        ),
        output="unknown",
    ),
}


def _redact_fields(value: object, *names: str) -> None:
    """Remove user-info from URL fields of a frozen dataclass being created."""
    from cg_action._urls import redact_url

    for name in names:
        text = getattr(value, name)
        if text and "@" in text:
            object.__setattr__(value, name, redact_url(text))


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """Where something stands in a file: the path as found and a 1-based line (None: unknown)."""

    path: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else str(self.path)


@dataclass(frozen=True, slots=True, kw_only=True)
class Hash:
    """A file digest, e.g. ``sha256:3232e0e9...``; the algorithm and value are lower-case."""

    algorithm: str
    value: str

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.value}"

    @classmethod
    def parse(cls, text: str) -> Hash:
        """Read ``alg:hex`` or ``alg=hex``; raise ValueError for anything else."""
        for sep in (":", "="):
            algorithm, found, value = text.partition(sep)
            if found and algorithm and value:
                return cls(algorithm=algorithm.strip().lower(), value=value.strip().lower())
        raise ValueError(f"not a hash of the form 'algorithm:hexdigest': {text!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Artifact:
    """A file a lockfile records for a locked package: a wheel or an sdist."""

    filename: str | None = None
    url: str | None = None  # user-info is removed on creation
    hashes: tuple[Hash, ...] = ()
    size: int | None = None

    def __post_init__(self) -> None:
        _redact_fields(self, "url")


@dataclass(frozen=True, slots=True, kw_only=True)
class InlineIgnore:
    """A ``# cg-action: ignore[status,...] reason`` comment on a requirements line."""

    statuses: frozenset[str]  # empty: every status
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Dependency:
    """One requirement or locked package, at its place in its file."""

    name: NormalizedName
    display_name: str
    kind: DependencyKind
    location: Location
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    version: Version | None = None  # the pinned or locked version
    extras: frozenset[NormalizedName] = frozenset()
    marker: Marker | None = None
    url: str | None = None  # direct reference, VCS URL or path, as written
    groups: tuple[str, ...] = ()  # dependency group, optional-dependency extra, "dev", ...
    hashes: tuple[Hash, ...] = ()  # --hash options or the digests a lock records
    artifacts: tuple[Artifact, ...] = ()  # locked files
    index: str | None = None  # the index URL a lock or Pipfile records for it
    is_locked: bool = False  # comes from a lockfile (or pip-compile output)
    is_constraint: bool = False  # comes from a -c constraints file
    inline_ignore: InlineIgnore | None = None

    def __post_init__(self) -> None:
        # A URL written with credentials in a committed file must not travel further: every
        # report, annotation and comment is built from these values.
        _redact_fields(self, "url", "index")

    @property
    def is_pinned(self) -> bool:
        """Whether exactly one version is wanted."""
        return self.kind is DependencyKind.PINNED

    @property
    def is_index_checkable(self) -> bool:
        """Whether an index is asked about it (not a URL, VCS, path or editable)."""
        return self.kind in (DependencyKind.PINNED, DependencyKind.RANGE)


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexOption:
    """An index-related option line kept from a requirements file (``--index-url URL``, ...)."""

    name: str  # the long option name without dashes: index-url, extra-index-url, find-links, ...
    value: str | None  # user-info is removed on creation
    location: Location

    def __post_init__(self) -> None:
        _redact_fields(self, "value")


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceFile:
    """Everything read from one dependency file."""

    path: Path
    format: FileFormat
    dependencies: tuple[Dependency, ...] = ()
    options: tuple[IndexOption, ...] = ()
    problems: tuple[Problem, ...] = ()  # what could not be read; the rest is still checked
    includes: tuple[Path, ...] = ()  # files pulled in with -r / -c

    @property
    def is_lock(self) -> bool:
        """Whether this file records what gets installed."""
        return self.format.is_lock


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexFile:
    """One file an index lists for a project."""

    filename: str
    url: str  # absolute, without credentials
    version: Version | None  # from the file name; None when it cannot be parsed
    hashes: tuple[Hash, ...] = ()
    requires_python: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    has_core_metadata: bool = False
    upload_time: datetime | None = None  # PEP 700 ``upload-time``, timezone-aware (UTC)
    size: int | None = None  # PEP 700 ``size`` in bytes (JSON pages only)

    @property
    def is_wheel(self) -> bool:
        """Whether this is a wheel (not an sdist)."""
        return self.filename.endswith(".whl")


@dataclass(frozen=True, slots=True, kw_only=True)
class Release:
    """What an index lists for one version, counted without reading its files one by one."""

    files: int  # distribution files whose name carries this version
    yanked: int = 0  # of which yanked (PEP 592)
    upstream: int = 0  # of which under Chainguard's upstream fallback (``/python-upstream/``)


def releases_of(files: Iterable[IndexFile]) -> dict[Version, Release]:
    """The ``Release`` of each version that ``files`` carry (files without a version left out)."""
    counts: dict[Version, list[int]] = {}
    for file in files:
        if file.version is not None:
            count = counts.setdefault(file.version, [0, 0, 0])
            count[0] += 1
            count[1] += file.yanked
            count[2] += is_upstream_fallback_url(file.url)
    return {v: Release(files=f, yanked=y, upstream=u) for v, (f, y, u) in counts.items()}


class FileListing(Sequence[IndexFile]):
    """The files of a project page, in page order, made into ``IndexFile``s only when asked for.

    A page of a large project lists tens of thousands of files; a check needs those of one or
    two versions. ``of_version`` builds the files of one version, iterating builds them all;
    ``len`` and ``releases`` are known without building any. Compares equal to any sequence of
    the same files.
    """

    __slots__ = ()

    @abstractmethod
    def of_version(self, version: Version) -> tuple[IndexFile, ...]:
        """The files of exactly this version, in page order."""

    @property
    @abstractmethod
    def releases(self) -> Mapping[Version, Release]:
        """The versions the files carry, each with its counts."""

    @abstractmethod
    def all(self) -> tuple[IndexFile, ...]:
        """Every file, in page order."""

    @overload
    def __getitem__(self, index: int) -> IndexFile: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[IndexFile, ...]: ...

    def __getitem__(self, index: int | slice) -> IndexFile | tuple[IndexFile, ...]:
        return self.all()[index]

    def __iter__(self) -> Iterator[IndexFile]:
        return iter(self.all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return self.all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.all())

    def __repr__(self) -> str:
        return repr(self.all())


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexProject:
    """What an index serves for one project."""

    name: NormalizedName
    index_url: str  # the simple index root, without credentials
    # every file, in page order; a page read from an index gives a ``FileListing``, which builds
    # them when they are asked for: ask ``files_for`` and ``releases`` rather than iterate
    files: Sequence[IndexFile] = ()
    versions: tuple[Version, ...] = ()  # sorted; PEP 700 ``versions`` or taken from the files

    def files_for(self, version: Version) -> tuple[IndexFile, ...]:
        """The files of exactly this version (local labels included in the comparison)."""
        files = self.files
        if isinstance(files, FileListing):
            return files.of_version(version)
        return tuple(f for f in files if f.version == version)

    @property
    def releases(self) -> Mapping[Version, Release]:
        """Each version the files carry, with how many files it has, yanked and upstream."""
        files = self.files
        if isinstance(files, FileListing):
            return files.releases
        return releases_of(files)


@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    """The index has a page for the project."""

    project: IndexProject


@dataclass(frozen=True, slots=True, kw_only=True)
class Absent:
    """The index answered cleanly that it has no such project (404)."""

    name: NormalizedName
    index_url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Unavailable:
    """The index could not be asked about the project; the verdict is ``unknown``."""

    name: NormalizedName
    index_url: str
    reason: str


ProjectAnswer = Found | Absent | Unavailable


@dataclass(frozen=True, slots=True, kw_only=True)
class FileProbe:
    """The answer to asking the index for one file without downloading it."""

    url: str
    status_code: int | None  # None: no answer
    blocked_reason: str | None = None  # the JSON ``reason`` of a 409
    message: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlatformGap:
    """A target on which a served version has no usable wheel."""

    target: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Ignore:
    """Why a finding does not fail the run."""

    reason: str
    source: str  # "inline comment" or the policy file it came from


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldBack:
    """A pinned version Chainguard lacks whose fallback files are younger than the cooldown:
    Chainguard may be withholding it (cooldown, pending malware scan) rather than refusing it."""

    uploaded: datetime  # the earliest upload time of the version's files on the fallback (UTC)
    cooldown_days: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """The verdict on one dependency."""

    dependency: Dependency
    status: Status
    message: str
    version: Version | None = None  # the served version that matched (newest for a range)
    available_versions: tuple[Version, ...] = ()  # for missing: the nearest ones the index holds
    evidence: str | None = None  # which evidence a locked-upstream or chainguard verdict rests on
    platform_gaps: tuple[PlatformGap, ...] = ()
    remediated_version: Version | None = None  # a +cgr.N build of the pin, or an upgrade to one
    blocked_reason: str | None = None
    ignored: Ignore | None = None
    held_back: HeldBack | None = None  # fallback: a version too new for Chainguard to serve yet


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigNotice:
    """A configuration that defeats the purpose (PyPI first, credentials in a URL, ...)."""

    location: Location
    code: str  # e.g. "pypi-index-url", "credentials-in-url"
    message: str  # never holds a secret
    hint: str = ""


class ReportKind(StrEnum):
    """Which command produced a report."""

    LIST = "list"
    CHECK = "check"


@dataclass(frozen=True, slots=True, kw_only=True)
class FileReport:
    """One input file: what it is and what could not be read in it."""

    path: Path
    format: FileFormat | None
    problems: tuple[Problem, ...] = ()
    dependency_count: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """Everything one ``list`` or ``check`` run found, ready for any output format.

    Paths in ``files``, ``dependencies`` and ``findings`` are as found; renderers show them
    relative to ``root`` with POSIX separators. URLs here carry no credentials.
    """

    kind: ReportKind
    root: Path
    files: tuple[FileReport, ...] = ()
    dependencies: tuple[Dependency, ...] = ()  # list
    findings: tuple[Finding, ...] = ()  # check
    index_url: str | None = None
    fallback_index_url: str | None = None
    remediated_index_url: str | None = None
    fail_on: frozenset[Status] = frozenset({Status.MISSING})
    only_changed: frozenset[tuple[Path, int | None, NormalizedName]] | None = None
    # with --only-changed: the (path, line, name) of dependencies added or changed on the branch
    notes: tuple[str, ...] = ()  # things the user should know that are not findings
    config_notices: tuple[ConfigNotice, ...] = ()  # index configuration traps (never fail)

    def counts(self) -> dict[Status, int]:
        """How many findings have each status (every status present, zero included)."""
        counts = dict.fromkeys(Status, 0)
        for finding in self.findings:
            counts[finding.status] += 1
        return counts

    @property
    def checkable_count(self) -> int:
        """Findings an index was asked about (not url, vcs, path or editable)."""
        return sum(1 for f in self.findings if f.status is not Status.NOT_INDEXED)

    @property
    def coverage_percent(self) -> float | None:
        """Chainguard findings over index-checkable findings, in percent (None: nothing checked)."""
        total = self.checkable_count
        if not total:
            return None
        return 100.0 * self.counts()[Status.CHAINGUARD] / total

    def is_changed(self, finding: Finding) -> bool:
        """Whether the finding is on a dependency the change added or modified."""
        if self.only_changed is None:
            return True
        dep = finding.dependency
        return (dep.location.path, dep.location.line, dep.name) in self.only_changed

    def failing(self) -> tuple[Finding, ...]:
        """Findings that fail the run: status in ``fail_on``, not ignored, and changed."""
        return tuple(
            f
            for f in self.findings
            if f.status in self.fail_on and f.ignored is None and self.is_changed(f)
        )

    @property
    def has_input_errors(self) -> bool:
        """Whether any input file could not be read (fully or in part)."""
        return any(f.problems for f in self.files)


class ExitCode(enum.IntEnum):
    """What the process exit code means; each code means one thing."""

    OK = 0  # nothing at or above the failure threshold
    FINDINGS = 1  # findings that fail the run (or files a --check would change)
    INPUT = 2  # usage or input error
    INDEX = 3  # the index could not be used (unreachable, auth)


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """A username and password for an index. The password never appears in a repr."""

    username: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password='***')"


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexConfig:
    """One index to ask: its simple URL (no user-info) and how to authenticate to it."""

    url: str  # ends with "/", carries no credentials
    credentials: Credentials | None = None
    use_netrc: bool = True  # look the host up in .netrc when no credentials are given
    netrc_path: Path | None = None  # NETRC, or None for ~/.netrc


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientSettings:
    """How the index client behaves: concurrency, time limits, cache."""

    concurrency: int = 50
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 120.0  # wall-clock bound on one project or file, retries included
    time_limit: float = 600.0  # wall-clock bound on all one client asks, from its creation
    max_retries: int = 3
    cache_dir: Path | None = None  # None: no on-disk cache
    cache_ttl: float = 600.0  # seconds an answer is used without revalidation
    offline: bool = False  # answer from the cache alone
    max_page_bytes: int = 20 * 1024 * 1024
    show_progress: bool = False
