"""The verdict on each distribution: an intact Chainguard SBOM, and optionally the index's RECORD.

Pure decisions over what ``_distributions`` reads; the only network use is through the index
client handed in (``get_projects``, then ``_remote`` for the RECORD of the index's wheel).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version

from cg_action._errors import ParseError
from cg_action._models import Absent, Found, IndexConfig, ProjectAnswer, Unavailable
from cg_action._urls import is_chainguard_url, redact_url
from cg_action._verify._distributions import Distribution, find_distributions, locate
from cg_action._verify._model import (
    EGG_INFO,
    MATCHED_INDEX,
    MATCHED_OTHER_INDEX,
    NO_SBOM,
    SBOM_MODIFIED,
    SBOM_MODIFIED_IN_WHEEL,
    VERIFIED_BY_SBOM,
    DistributionKind,
    Evidence,
    IndexCheck,
    IndexComparison,
    PackageResult,
    Verdict,
    VerifyReport,
)
from cg_action._verify._record import RecordEntry, compare_installed, matches_entry, parse_record
from cg_action._verify._remote import RangeClient, RemoteRecord, fetch_wheel_record
from cg_action._verify._sbom import Sbom, is_spdx_sbom_path, read_sbom

logger = logging.getLogger(__name__)


class IndexReader(RangeClient, Protocol):
    """What ``verify`` asks of the index client: project pages and byte ranges."""

    def get_projects(
        self, index: IndexConfig, names: Iterable[NormalizedName]
    ) -> dict[NormalizedName, ProjectAnswer]:
        """One answer per project name."""


def verify_paths(
    paths: Sequence[Path],
    *,
    index: IndexConfig | None = None,
    client: IndexReader | None = None,
    index_is_chainguard: bool | None = None,
) -> VerifyReport:
    """Verify every distribution under ``paths``; with ``index`` and ``client``, also compare
    each with the index's wheel. A PATH of no accepted kind raises UsageError before any work.

    A match verifies only on a Chainguard index (``index_is_chainguard``; None: whether the
    index is on Chainguard's host); on another it is told as ``other-index-record``.
    """
    targets = tuple(locate(path) for path in paths)
    distributions = [d for t in targets for d in find_distributions(t)]
    results = [verify_distribution(d) for d in distributions]
    if index is not None and client is not None:
        trusted = (
            is_chainguard_url(index.url) if index_is_chainguard is None else index_is_chainguard
        )
        results = _compare_with_index(distributions, results, index, client, trusted=trusted)
    return VerifyReport(
        targets=targets,
        packages=tuple(results),
        index_url=redact_url(index.url) if index is not None else None,
    )


def verify_distribution(dist: Distribution) -> PackageResult:
    """The verdict from the distribution alone: an intact Chainguard SBOM that describes it."""
    result = PackageResult(
        name=dist.name,
        display_name=dist.display_name,
        version=dist.version,
        kind=dist.kind,
        location=dist.location,
        verdict=Verdict.NOT_VERIFIED,
        reason=NO_SBOM,
    )
    if dist.kind is DistributionKind.EGG_INFO:
        return replace(result, reason=EGG_INFO)
    if dist.problem is not None:
        return replace(result, reason=dist.problem)
    record = _installed_record(dist)
    if isinstance(record, str):
        return replace(result, reason=record)
    failures: list[PackageResult] = []
    for path, entry in record.items():
        if not is_spdx_sbom_path(path, dist.dist_info):
            continue
        checked = _check_sbom(dist, result, path, entry)
        if checked.is_verified:
            return checked
        if checked.provenance is not None:  # a Chainguard SBOM that failed a check
            failures.append(checked)
    return failures[0] if failures else result


def _installed_record(dist: Distribution) -> dict[str, RecordEntry] | str:
    """The distribution's RECORD, or why it cannot be had."""
    data = dist.reader.read(f"{dist.dist_info}/RECORD")
    if data is None:
        return "no RECORD: cannot tell whether any file was changed"
    try:
        return parse_record(data.decode("utf-8", errors="replace"), dist.location / "RECORD")
    except ParseError as exc:
        return f"RECORD is malformed: {exc.problems[0]}"


def _check_sbom(
    dist: Distribution, result: PackageResult, path: str, entry: RecordEntry
) -> PackageResult:
    data = dist.reader.read(path)
    if data is None:
        return replace(result, reason=f"{NO_SBOM} ({path} is listed in RECORD but missing)")
    try:
        sbom = read_sbom(data.decode("utf-8", errors="replace"), dist.location, path, dist.name)
    except ParseError as exc:
        logger.info("unreadable SBOM in %s: %s", dist.location, exc)
        return replace(result, reason=f"{NO_SBOM} (unreadable SBOM {path})")
    if not sbom.is_chainguard:
        return result
    found = replace(result, provenance=sbom.provenance, sbom_path=path)
    if not matches_entry(entry, data):
        installed = dist.kind is DistributionKind.INSTALLED
        reason = SBOM_MODIFIED if installed else SBOM_MODIFIED_IN_WHEEL
        return replace(found, reason=f"{reason}: its digest differs from RECORD")
    mismatch = _describes_other(sbom, dist)
    if mismatch:
        return replace(found, reason=mismatch)
    return replace(
        found, verdict=Verdict.VERIFIED, reason=VERIFIED_BY_SBOM, evidence=(Evidence.SBOM,)
    )


def _describes_other(sbom: Sbom, dist: Distribution) -> str | None:
    """Why the SBOM does not describe this distribution (None: it does).

    Versions compare as PEP 440 versions. A remediated distribution (``+cgr.N``) also matches
    an SBOM that gives the public version alone: whether remediated SBOMs carry the local
    label is not documented.
    """
    described = f"{sbom.package_name or '?'} {sbom.package_version or '?'}"
    if sbom.normalized_name != dist.name or sbom.package_version is None:
        return f"Chainguard SBOM describes {described}, not {dist.display_name} {dist.version}"
    try:
        version = Version(sbom.package_version)
    except InvalidVersion:
        return f"Chainguard SBOM gives an invalid version: {sbom.package_version!r}"
    if dist.version is None:
        return "the distribution has no valid version"
    remediated = (dist.version.local or "").startswith("cgr.")
    if version == dist.version or (remediated and version == Version(dist.version.public)):
        return None
    return f"Chainguard SBOM describes {described}, not {dist.display_name} {dist.version}"


def _compare_with_index(
    distributions: Sequence[Distribution],
    results: list[PackageResult],
    index: IndexConfig,
    client: IndexReader,
    *,
    trusted: bool,
) -> list[PackageResult]:
    names = sorted({d.name for d in distributions if _is_comparable(d)})
    answers = client.get_projects(index, names) if names else {}
    return [
        _apply_index(dist, result, answers.get(dist.name), index, client, trusted=trusted)
        if _is_comparable(dist)
        else result
        for dist, result in zip(distributions, results, strict=True)
    ]


def _is_comparable(dist: Distribution) -> bool:
    """Whether a distribution can be compared with an index wheel (it has a RECORD and version)."""
    return (
        dist.kind is not DistributionKind.EGG_INFO
        and dist.problem is None
        and dist.version is not None
    )


def _apply_index(
    dist: Distribution,
    result: PackageResult,
    answer: ProjectAnswer | None,
    index: IndexConfig,
    client: IndexReader,
    *,
    trusted: bool,
) -> PackageResult:
    index_url = redact_url(index.url)
    if dist.version is None:  # pragma: no cover - _is_comparable leaves these out
        return result
    match answer:
        case Found(project=project):
            fetched = fetch_wheel_record(client, index, project, dist.version, dist.tags)
        case Absent():
            fetched = IndexComparison(
                outcome=IndexCheck.NO_WHEEL,
                detail=f"the index has no project {dist.name}",
                index_url=index_url,
            )
        case Unavailable(reason=reason):
            fetched = IndexComparison(
                outcome=IndexCheck.UNAVAILABLE, detail=reason, index_url=index_url
            )
        case None:
            fetched = IndexComparison(
                outcome=IndexCheck.UNAVAILABLE,
                detail="the index gave no answer",
                index_url=index_url,
            )
    if isinstance(fetched, IndexComparison):
        return replace(result, index=fetched)
    return _judge_by_record(dist, result, fetched, index_url, trusted=trusted)


def _host(url: str) -> str:
    """``127.0.0.1:8080``, ``mirror.example.com``: an index named by its host (and port)."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or url)


def _judge_by_record(
    dist: Distribution,
    result: PackageResult,
    remote: RemoteRecord,
    index_url: str,
    *,
    trusted: bool,
) -> PackageResult:
    """Compare the installed files with the index wheel's RECORD and settle the verdict.

    On a Chainguard index (``trusted``) a match verifies by content; on another it is only
    told (the index may serve the upstream wheel). A difference makes the distribution not
    verified even with an intact SBOM: some installed file is not what the index serves.
    """
    installed = _installed_record(dist)
    if isinstance(installed, str):  # pragma: no cover - such dists were not verified either
        return result
    try:
        wheel_record = parse_record(remote.text, Path(remote.wheel.filename) / "RECORD")
    except ParseError as exc:
        comparison = IndexComparison(
            outcome=IndexCheck.UNAVAILABLE,
            detail=f"the index wheel's RECORD is malformed: {exc.problems[0].message}",
            index_url=index_url,
            wheel_url=redact_url(remote.wheel.url),
            bytes_fetched=remote.bytes_fetched,
            wheel_size=remote.wheel_size,
        )
        return replace(result, index=comparison)
    if remote.dist_info != dist.dist_info:
        old = remote.dist_info + "/"
        wheel_record = {
            (dist.dist_info + "/" + p[len(old) :] if p.startswith(old) else p): e
            for p, e in wheel_record.items()
        }
    diff = compare_installed(wheel_record, installed, dist.dist_info, dist.reader.read)
    base = IndexComparison(
        outcome=IndexCheck.MATCHED if diff.is_match else IndexCheck.DIFFERENT,
        detail="",
        index_url=index_url,
        wheel_url=redact_url(remote.wheel.url),
        bytes_fetched=remote.bytes_fetched,
        wheel_size=remote.wheel_size,
    )
    if diff.is_match and not trusted:
        comparison = replace(base, detail=f"{diff.compared} files match {remote.wheel.filename}")
        return replace(
            result,
            reason=f"{result.reason}; {MATCHED_OTHER_INDEX.format(where=_host(index_url))}",
            evidence=(*result.evidence, Evidence.OTHER_INDEX_RECORD),
            index=comparison,
        )
    if diff.is_match:
        comparison = replace(base, detail=f"{diff.compared} files match {remote.wheel.filename}")
        evidence = (*result.evidence, Evidence.INDEX_RECORD)
        reason = MATCHED_INDEX if not result.is_verified else f"{result.reason}; {MATCHED_INDEX}"
        return replace(
            result, verdict=Verdict.VERIFIED, reason=reason, evidence=evidence, index=comparison
        )
    parts = [
        f"{len(paths)} {label}"
        for paths, label in (
            (diff.mismatched, "changed"),
            (diff.missing, "missing"),
            (diff.extra, "not in the wheel"),
        )
        if paths
    ]
    first = (diff.mismatched or diff.missing or diff.extra or ("",))[0]
    detail = f"differs from {remote.wheel.filename}: {', '.join(parts) or 'no files compared'}"
    if first:
        detail += f" (first: {first})"
    return replace(
        result,
        verdict=Verdict.NOT_VERIFIED,
        reason=f"files differ from the index's wheel RECORD: {', '.join(parts) or 'none compared'}",
        evidence=(),
        index=replace(base, detail=detail),
    )
