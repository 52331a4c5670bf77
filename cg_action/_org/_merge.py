"""Merging repositories' reports: coverage per repository and what the organisation lacks.

Pure functions over what ``_load`` read; no I/O. Coverage is counted from the results, the
way ``check`` counts it: ``chainguard`` results over the results an index was asked about
(``not-indexed`` left out). The ranking lists every package that is ``fallback`` or
``missing`` in at least one repository: the builds to ask Chainguard for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import NormalizedName
from packaging.version import Version

from cg_action._models import Status
from cg_action._org._load import FileError, RepositoryReport

# The statuses that put a package on the list of builds to ask for.
NEEDED = (Status.FALLBACK, Status.MISSING)


@dataclass(frozen=True, slots=True, kw_only=True)
class RepositoryCoverage:
    """One repository's counts and coverage."""

    name: str
    source: Path
    counts: Mapping[Status, int]
    input_errors: int
    errors: tuple[FileError, ...]

    @property
    def dependencies(self) -> int:
        """Every result in the report."""
        return sum(self.counts.values())

    @property
    def checked(self) -> int:
        """Results an index was asked about."""
        return self.dependencies - self.counts[Status.NOT_INDEXED]

    @property
    def coverage_percent(self) -> float | None:
        """``chainguard`` over checked results, in percent (None: nothing was checked)."""
        if not self.checked:
            return None
        return 100.0 * self.counts[Status.CHAINGUARD] / self.checked


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionNeed:
    """A version of a needed package and how many repositories use it (None: not pinned)."""

    version: Version | None
    repositories: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageNeed:
    """A package some repositories get only from the fallback index, or from no index."""

    rank: int  # 1 for the most needed; packages needed by as many repositories share a rank
    name: NormalizedName
    repositories: tuple[str, ...]  # the repositories that need it, sorted
    fallback: int  # repositories where it is `fallback`
    missing: int  # repositories where it is `missing`
    versions: tuple[VersionNeed, ...]  # newest first, unpinned last


@dataclass(frozen=True, slots=True, kw_only=True)
class OrgReport:
    """The merged view: repositories (least covered first) and the ranking."""

    repositories: tuple[RepositoryCoverage, ...]
    packages: tuple[PackageNeed, ...]
    totals: Mapping[Status, int] = field(default_factory=dict)

    @property
    def dependencies(self) -> int:
        """Results across every repository."""
        return sum(self.totals.values())

    @property
    def checked(self) -> int:
        """Results an index was asked about, across every repository."""
        return self.dependencies - self.totals.get(Status.NOT_INDEXED, 0)

    @property
    def coverage_percent(self) -> float | None:
        """Chainguard results over checked results across the organisation (None: none)."""
        if not self.checked:
            return None
        return 100.0 * self.totals.get(Status.CHAINGUARD, 0) / self.checked

    @property
    def fully_covered(self) -> int:
        """Repositories whose every checked dependency Chainguard serves."""
        return sum(1 for r in self.repositories if r.coverage_percent == 100.0)


def _name_key(name: str) -> tuple[str, str]:
    return name.casefold(), name


def _coverage_key(repository: RepositoryCoverage) -> tuple[bool, float, tuple[str, str]]:
    percent = repository.coverage_percent
    return percent is None, percent if percent is not None else 0.0, _name_key(repository.name)


def coverage_of(report: RepositoryReport) -> RepositoryCoverage:
    """One repository's counts: every status, zeros included."""
    counts = dict.fromkeys(Status, 0)
    for result in report.results:
        counts[result.status] += 1
    return RepositoryCoverage(
        name=report.name,
        source=report.source,
        counts=counts,
        input_errors=report.error_count,
        errors=report.errors,
    )


@dataclass(slots=True)
class _Need:
    repositories: set[str] = field(default_factory=set)
    fallback: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)
    versions: dict[Version | None, set[str]] = field(default_factory=dict)


def rank_needs(reports: Iterable[RepositoryReport]) -> tuple[PackageNeed, ...]:
    """Packages `fallback` or `missing` anywhere, most repositories first.

    Order: repositories that need it (descending), then repositories where it is ``missing``
    (descending: no index serves it there), then the name. The rank is the place by the
    number of repositories alone: packages needed by as many repositories share it, and the
    next rank skips as many places (1, 2, 2, 4).
    """
    needs: dict[NormalizedName, _Need] = {}
    for report in reports:
        for result in report.results:
            if result.status not in NEEDED:
                continue
            need = needs.setdefault(result.name, _Need())
            need.repositories.add(report.name)
            if result.status is Status.MISSING:
                need.missing.add(report.name)
            else:
                need.fallback.add(report.name)
            need.versions.setdefault(result.version, set()).add(report.name)
    ordered = sorted(
        needs.items(), key=lambda item: (-len(item[1].repositories), -len(item[1].missing), item[0])
    )
    ranked: list[PackageNeed] = []
    rank = 0
    for place, (name, need) in enumerate(ordered, start=1):
        if not ranked or len(need.repositories) != len(ranked[-1].repositories):
            rank = place
        ranked.append(
            PackageNeed(
                rank=rank,
                name=name,
                repositories=tuple(sorted(need.repositories, key=_name_key)),
                fallback=len(need.fallback),
                missing=len(need.missing),
                versions=_versions(need.versions),
            )
        )
    return tuple(ranked)


def _versions(used: Mapping[Version | None, set[str]]) -> tuple[VersionNeed, ...]:
    pinned = sorted((v for v in used if v is not None), reverse=True)
    ordered: list[Version | None] = [*pinned, *([None] if None in used else [])]
    return tuple(VersionNeed(version=v, repositories=len(used[v])) for v in ordered)


def merge(reports: Sequence[RepositoryReport]) -> OrgReport:
    """The organisation's view of ``reports`` (one per repository)."""
    repositories = sorted((coverage_of(r) for r in reports), key=_coverage_key)
    totals = dict.fromkeys(Status, 0)
    for repository in repositories:
        for status, count in repository.counts.items():
            totals[status] += count
    return OrgReport(
        repositories=tuple(repositories),
        packages=rank_needs(reports),
        totals=totals,
    )
