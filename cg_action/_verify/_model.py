"""The values ``verify`` produces: one result per distribution, and the run's report.

A distribution is ``verified`` when an intact Chainguard SBOM describes it, or when its files
match the RECORD of a Chainguard index's wheel for the same version; otherwise it is
``not-verified`` with a reason. A match against any other index (a repository manager, a mirror,
PyPI: it may serve the upstream wheel) is told as separate evidence and verifies nothing. The
report's coverage is verified over all distributions found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.utils import NormalizedName
from packaging.version import Version

from cg_action._compat import StrEnum
from cg_action._verify._sbom import Provenance

# The reasons users see (and scripts may match).
NO_SBOM = "no Chainguard SBOM: upstream or locally built"
EGG_INFO = "egg-info: no RECORD"
SBOM_MODIFIED = "Chainguard SBOM modified after install"
SBOM_MODIFIED_IN_WHEEL = "Chainguard SBOM modified after the wheel was built"
VERIFIED_BY_SBOM = "Chainguard SBOM"
MATCHED_INDEX = "matched the index's wheel RECORD"
MATCHED_OTHER_INDEX = (
    "files match the wheel RECORD of the index at {where}, which is not Chainguard's "
    "(only a Chainguard SBOM verifies there)"
)


class Verdict(StrEnum):
    """Whether a distribution is shown to be Chainguard's build."""

    VERIFIED = "verified"
    NOT_VERIFIED = "not-verified"


class Evidence(StrEnum):
    """What a verdict rests on: ``sbom`` and ``index-record`` verify, ``other-index-record``
    never does."""

    SBOM = "sbom"  # an intact Chainguard SBOM describing this name and version
    INDEX_RECORD = "index-record"  # every installed file matches a Chainguard index wheel's RECORD
    # every installed file matches the RECORD of a wheel on an index that is not Chainguard's
    OTHER_INDEX_RECORD = "other-index-record"


class DistributionKind(StrEnum):
    """Where a distribution was found."""

    INSTALLED = "installed"  # a *.dist-info folder in site-packages
    WHEEL = "wheel"  # a wheel file
    EGG_INFO = "egg-info"  # a legacy *.egg-info: no RECORD, never verified


class TargetKind(StrEnum):
    """What a PATH given to ``verify`` is."""

    VENV = "venv"
    SITE_PACKAGES = "site-packages"
    WHEEL = "wheel"
    WHEEL_DIR = "wheel-dir"


class IndexCheck(StrEnum):
    """The outcome of comparing with the index's wheel (``--index-url``)."""

    MATCHED = "matched"
    DIFFERENT = "different"  # the index's wheel for this version has other content
    NO_WHEEL = "no-wheel"  # the index has no wheel for this version and these tags
    UNAVAILABLE = "unavailable"  # the index could not be asked, or its wheel could not be read


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexComparison:
    """What the index's wheel RECORD said about one distribution."""

    outcome: IndexCheck
    detail: str
    index_url: str  # without credentials
    wheel_url: str | None = None  # without credentials
    bytes_fetched: int = 0
    wheel_size: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageResult:
    """The verdict on one distribution."""

    name: NormalizedName
    display_name: str  # as METADATA spells it
    version: Version | None
    kind: DistributionKind
    location: Path  # the dist-info or egg-info folder, or the wheel file
    verdict: Verdict
    reason: str  # why (for verified: what the verdict rests on)
    evidence: tuple[Evidence, ...] = ()
    provenance: Provenance | None = None  # from a Chainguard SBOM, intact or not
    sbom_path: str | None = None  # the SBOM's RECORD path
    index: IndexComparison | None = None

    @property
    def is_verified(self) -> bool:
        """Whether the distribution is shown to be Chainguard's build."""
        return self.verdict is Verdict.VERIFIED


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One PATH given to ``verify``, what it is, and where distributions were looked for."""

    path: Path
    kind: TargetKind
    searched: tuple[Path, ...]  # site-packages folders, the wheel folder, or the wheel itself


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyReport:
    """Everything one ``verify`` run found."""

    targets: tuple[Target, ...]
    packages: tuple[PackageResult, ...]
    index_url: str | None = None  # without credentials

    @property
    def verified_count(self) -> int:
        """How many distributions are verified."""
        return sum(1 for p in self.packages if p.is_verified)

    @property
    def coverage_percent(self) -> float | None:
        """Verified over all distributions found, in percent (None: none found)."""
        if not self.packages:
            return None
        return 100.0 * self.verified_count / len(self.packages)

    def is_below(self, percent: float) -> bool:
        """Whether coverage falls under ``percent`` (an empty report never does)."""
        coverage = self.coverage_percent
        return coverage is not None and coverage < percent
