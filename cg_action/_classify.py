"""Verdicts: (dependency, what the indexes hold) -> finding. Pure functions, no I/O.

``classify`` answers ``NEED_FALLBACK`` when the verdict depends on a fallback index that has not
been asked yet; the caller asks it (only about those projects) and classifies again.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from packaging.version import Version

from cg_action._models import (
    Absent,
    Dependency,
    FileProbe,
    Finding,
    Found,
    HeldBack,
    IndexFile,
    IndexProject,
    PlatformGap,
    ProjectAnswer,
    Status,
    Unavailable,
)
from cg_action._targets import Target
from cg_action._urls import (
    host_of,
    is_pypi_url,
    is_upstream_fallback_url,
    normalize_index_url,
    redact_url,
)


class Pending(enum.Enum):
    """The verdict needs an answer that has not been asked for yet."""

    NEED_FALLBACK = "need-fallback"


NEED_FALLBACK = Pending.NEED_FALLBACK


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """What the indexes said about one project."""

    primary: ProjectAnswer
    fallback: ProjectAnswer | None = None  # None: not asked (yet, or no fallback configured)
    remediated: ProjectAnswer | None = None  # None: --remediated not given
    probes: Mapping[str, FileProbe] = field(default_factory=dict)  # file URL -> probe


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """The run's settings that verdicts depend on."""

    primary_url: str
    fallback_url: str | None = None  # None: --no-fallback
    remediated_url: str | None = None
    targets: Sequence[Target] = ()
    # A pin Chainguard lacks whose fallback files are younger than this may be held back by
    # Chainguard's cooldown or malware scan; ``now`` None: not looked at.
    cooldown_days: float = 7.0
    now: dt.datetime | None = None


def _sha256s(dep: Dependency) -> set[str]:
    found = {h.value for h in dep.hashes if h.algorithm == "sha256"}
    for artifact in dep.artifacts:
        found.update(h.value for h in artifact.hashes if h.algorithm == "sha256")
    return found


def _file_sha256s(files: Iterable[IndexFile]) -> set[str]:
    return {h.value for f in files for h in f.hashes if h.algorithm == "sha256"}


def _is_built(file: IndexFile) -> bool:
    return not is_upstream_fallback_url(file.url)


def _versions(project: IndexProject, *, built: bool) -> list[Version]:
    """The versions with files built by Chainguard (built=True) or only upstream files."""
    by_version: dict[Version, list[IndexFile]] = {}
    for file in project.files:
        if file.version is not None:
            by_version.setdefault(file.version, []).append(file)
    if not project.files:  # a JSON page may list versions (PEP 700) with no files
        return list(project.versions) if built else []
    if built:
        return sorted(v for v, files in by_version.items() if any(map(_is_built, files)))
    return sorted(v for v, files in by_version.items() if not any(map(_is_built, files)))


def _yanked_versions(projects: Sequence[IndexProject]) -> set[Version]:
    """Versions all of whose files are yanked."""
    files_by_version: dict[Version, list[IndexFile]] = {}
    for project in projects:
        for file in project.files:
            if file.version is not None:
                files_by_version.setdefault(file.version, []).append(file)
    return {v for v, files in files_by_version.items() if all(f.yanked for f in files)}


def _matching(dep: Dependency, versions: Sequence[Version]) -> list[Version]:
    if dep.is_pinned:
        return [v for v in versions if dep.specifier.contains(v, prereleases=True)]
    return list(dep.specifier.filter(versions))


def _choose(dep: Dependency, matches: Sequence[Version]) -> Version:
    """The exact pinned version when served, else the newest match (e.g. ``X+cgr.2``)."""
    if dep.version is not None and dep.version in matches:
        return dep.version
    return max(matches)


def _nearest(
    versions: Sequence[Version], around: Version | None, count: int = 5
) -> tuple[Version, ...]:
    if not versions:
        return ()
    ordered = sorted(versions)
    if around is None:
        return tuple(ordered[-count:])
    below = [v for v in ordered if v < around][-(count // 2 + count % 2) :]
    above = [v for v in ordered if v > around][: count // 2]
    return tuple(below + above)


def _describe(dep: Dependency) -> str:
    if dep.version is not None and dep.is_pinned:
        return f"{dep.display_name} {dep.version}"
    spec = str(dep.specifier)
    return f"{dep.display_name} {spec}" if spec else dep.display_name


def _join(versions: Sequence[Version]) -> str:
    return ", ".join(str(v) for v in versions) if versions else "no versions"


def classify(dep: Dependency, evidence: Evidence, context: Context) -> Finding | Pending:
    """The verdict on one dependency, or NEED_FALLBACK when the fallback must be asked."""
    if not dep.is_index_checkable:
        what = {
            "url": "a direct URL",
            "vcs": "a VCS checkout",
            "path": "a local path",
            "editable": "a local path, as an editable install",
        }[dep.kind.value]
        return Finding(
            dependency=dep,
            status=Status.NOT_INDEXED,
            message=f"{dep.display_name} is installed from {what}, not from an index",
        )
    primary = evidence.primary
    if isinstance(primary, Unavailable):
        return Finding(
            dependency=dep,
            status=Status.UNKNOWN,
            message=f"{dep.display_name}: the index could not be asked ({primary.reason})",
        )
    projects: list[IndexProject] = []
    if isinstance(primary, Found):
        projects.append(primary.project)
    remediated = evidence.remediated
    if isinstance(remediated, Found):
        projects.append(remediated.project)

    built_versions = sorted({v for p in projects for v in _versions(p, built=True)})
    matches = _matching(dep, built_versions)
    if not dep.is_pinned:
        # PEP 592: a range never selects a yanked release (a pin still may)
        yanked = _yanked_versions(projects)
        matches = [v for v in matches if v not in yanked] or matches
    if matches:
        return _served(
            dep,
            _choose(dep, matches),
            projects=projects,
            built_versions=built_versions,
            evidence=evidence,
            context=context,
        )

    if isinstance(remediated, Unavailable):
        # The remediated index might hold a +cgr build of it: not knowing is not "missing".
        return Finding(
            dependency=dep,
            status=Status.UNKNOWN,
            available_versions=_nearest(built_versions, dep.version),
            message=(
                f"{_describe(dep)} is not in the standard Chainguard index, and the remediated "
                f"index could not be asked ({remediated.reason})"
            ),
        )
    upstream_only = sorted({v for p in projects for v in _versions(p, built=False)})
    upstream_matches = _matching(dep, upstream_only)
    if upstream_matches:
        chosen = _choose(dep, upstream_matches)
        return Finding(
            dependency=dep,
            status=Status.FALLBACK,
            version=chosen,
            available_versions=_nearest(built_versions, dep.version),
            message=(
                f"{_describe(dep)}: Chainguard serves {chosen} only through its upstream "
                "fallback (files under /python-upstream/): it comes from PyPI, not built by "
                "Chainguard. "
                + (
                    "Pin a version Chainguard builds "
                    f"({_join(_nearest(built_versions, dep.version))}) or request a build"
                    if built_versions
                    else "Chainguard builds no version of it yet: request a build"
                )
            ),
        )
    return _not_served(dep, built_versions, evidence, context)


def _not_served(
    dep: Dependency, built: Sequence[Version], evidence: Evidence, context: Context
) -> Finding | Pending:
    nearest = _nearest(built, dep.version)
    has = (
        f"Chainguard has {_join(nearest)}"
        if built
        else "Chainguard does not serve this project at all"
    )
    if isinstance(evidence.primary, Absent) and not built:
        has = "Chainguard does not serve this project (404)"
    if context.fallback_url is None:
        return Finding(
            dependency=dep,
            status=Status.MISSING,
            available_versions=nearest,
            message=f"{_describe(dep)} is not served by Chainguard; {has}",
        )
    fallback = evidence.fallback
    if fallback is None:
        return NEED_FALLBACK
    fallback_name = redact_url(context.fallback_url)
    if isinstance(fallback, Unavailable):
        return Finding(
            dependency=dep,
            status=Status.UNKNOWN,
            available_versions=nearest,
            message=(
                f"{_describe(dep)} is not served by Chainguard ({has}), and the fallback index "
                f"{fallback_name} could not be asked ({fallback.reason})"
            ),
        )
    if isinstance(fallback, Found):
        fallback_matches = _matching(
            dep, fallback.project.versions or _all_versions(fallback.project)
        )
        if fallback_matches:
            chosen = _choose(dep, fallback_matches)
            held_back = _held_back(dep, fallback.project.files_for(chosen), context)
            if held_back is not None:
                return Finding(
                    dependency=dep,
                    status=Status.FALLBACK,
                    version=chosen,
                    available_versions=nearest,
                    held_back=held_back,
                    message=(
                        f"{_describe(dep)} is not in the Chainguard index yet: {chosen} was "
                        f"uploaded to {host_of(fallback_name) or fallback_name} on "
                        f"{_when(held_back.uploaded, context)}, within the "
                        f"{held_back.cooldown_days:g}-day cooldown, so Chainguard may be holding "
                        "it back (cooldown or a pending malware scan): wait for it rather than "
                        f"change the pin. Until then it would come from the fallback index "
                        f"{fallback_name}. {has}"
                    ),
                )
            return Finding(
                dependency=dep,
                status=Status.FALLBACK,
                version=chosen,
                available_versions=nearest,
                message=(
                    f"{_describe(dep)} is not built by Chainguard: {chosen} would come from the "
                    f"fallback index {fallback_name}. {has}"
                ),
            )
    return Finding(
        dependency=dep,
        status=Status.MISSING,
        available_versions=nearest,
        message=f"{_describe(dep)} is served neither by Chainguard nor by {fallback_name}; {has}",
    )


def _held_back(dep: Dependency, files: Sequence[IndexFile], context: Context) -> HeldBack | None:
    """A pin whose release reached the fallback less than the cooldown ago (None: older, a
    range, or no upload time known). The earliest file dates the release: a wheel added to
    an old release later does not make it new."""
    if not dep.is_pinned or context.now is None or context.cooldown_days <= 0:
        return None
    times = [f.upload_time for f in files if f.upload_time is not None]
    if not times:
        return None
    uploaded = min(times)
    if context.now - uploaded >= dt.timedelta(days=context.cooldown_days):
        return None
    return HeldBack(uploaded=uploaded, cooldown_days=context.cooldown_days)


def _when(moment: dt.datetime, context: Context) -> str:
    """``2026-08-18 (2 days ago)``: the UTC date and the whole days since."""
    date = moment.astimezone(dt.timezone.utc).date().isoformat()
    if context.now is None:
        return date
    days = (context.now - moment).days
    ago = "less than a day ago" if days < 1 else "1 day ago" if days == 1 else f"{days} days ago"
    return f"{date} ({ago})"


def _all_versions(project: IndexProject) -> list[Version]:
    return sorted({f.version for f in project.files if f.version is not None})


def _recorded_upstream(dep: Dependency, context: Context) -> str | None:
    """Why the file's own record points upstream (URL or index), or None."""
    for artifact in dep.artifacts:
        if artifact.url and (is_pypi_url(artifact.url) or is_upstream_fallback_url(artifact.url)):
            return f"its recorded file URL points upstream ({redact_url(artifact.url)})"
    if dep.index:
        ours = {normalize_index_url(context.primary_url)}
        if context.remediated_url:
            ours.add(normalize_index_url(context.remediated_url))
        recorded = normalize_index_url(redact_url(dep.index))
        if recorded not in ours:
            return f"its recorded index is {recorded}, not the Chainguard index"
    return None


def _served(
    dep: Dependency,
    version: Version,
    *,
    projects: Sequence[IndexProject],
    built_versions: Sequence[Version],
    evidence: Evidence,
    context: Context,
) -> Finding:
    files = [f for p in projects for f in p.files_for(version) if _is_built(f)]
    where = dep.location.path.name
    recorded = _sha256s(dep)
    index_digests = _file_sha256s(files)
    upstream_reason: str | None = None
    evidence_text: str | None = None
    if recorded and index_digests:
        if recorded.isdisjoint(index_digests):
            fallback_note = ""
            fallback = evidence.fallback
            if isinstance(fallback, Found):
                theirs = _file_sha256s(fallback.project.files_for(version))
                if theirs and not recorded.isdisjoint(theirs):
                    fallback_note = "; they match the fallback index's files"
            upstream_reason = (
                f"its sha256 digests match none of Chainguard's {len(files)} file(s) for "
                f"{version}{fallback_note}"
            )
            evidence_text = "digests"
        else:
            evidence_text = "digests"
    if evidence_text is None:
        # Digests are the strongest evidence; only where they cannot be compared do the
        # recorded URLs and index speak (a lock may list Chainguard's wheel beside a
        # pass-through sdist: its digests decide, not the sdist's URL).
        recorded_reason = _recorded_upstream(dep, context)
        if recorded_reason is not None:
            upstream_reason = recorded_reason
            evidence_text = "recorded URL" if "URL" in recorded_reason else "recorded index"
        elif recorded:
            evidence_text = (
                "version only: the index lists no digests, so the recorded ones were not compared"
            )
    if upstream_reason is not None:
        return Finding(
            dependency=dep,
            status=Status.LOCKED_UPSTREAM,
            version=version,
            evidence=evidence_text,
            message=(
                f"Chainguard builds {dep.display_name} {version}, but {where} pins upstream "
                f"artifacts: {upstream_reason}. Installing it would take PyPI's files or fail "
                "the hash check: run `cg-action update-hashes` or re-lock against Chainguard"
            ),
        )

    blocked = [
        probe
        for f in files
        if (probe := evidence.probes.get(f.url)) is not None and probe.status_code == 409
    ]
    if blocked:
        reason = blocked[0].blocked_reason or "withheld by policy"
        return Finding(
            dependency=dep,
            status=Status.BLOCKED,
            version=version,
            blocked_reason=reason,
            message=(
                f"{dep.display_name} {version} is listed by Chainguard, but the index withholds "
                f"its file ({reason}"
                + (f": {blocked[0].message}" if blocked[0].message else "")
                + ")"
            ),
        )

    notes: list[str] = []
    remediated_version = _remediation(dep, version, evidence)
    if remediated_version is not None:
        if remediated_version == version:
            notes.append(f"{version} is a remediated build (CVE fixes)")
        elif dep.version is not None and _same_release(remediated_version, dep.version):
            if dep.is_locked:
                taken = "re-lock to take it"
            elif dep.specifier.contains(remediated_version, prereleases=True):
                taken = "the remediated index serves it for this pin"
            else:  # === never matches a local label
                taken = "the pin excludes it (===): change the pin to take it"
            notes.append(f"a remediated build {remediated_version} exists: {taken}")
        else:
            notes.append(f"a remediated build {remediated_version} is available as an upgrade")
    if files and all(f.yanked for f in files):
        reasons = {f.yanked_reason for f in files if f.yanked_reason}
        notes.append(
            "this version is yanked" + (f" ({'; '.join(sorted(reasons))})" if reasons else "")
        )
    gaps = _platform_gaps(dep, files, context.targets)
    if dep.is_pinned:
        message = f"{dep.display_name} {version} is built by Chainguard"
    else:
        message = f"{_describe(dep)}: Chainguard builds it; newest match {version}"
    if evidence_text:
        message += f" (evidence: {evidence_text})"
    if notes:
        message += "; " + "; ".join(notes)
    return Finding(
        dependency=dep,
        status=Status.CHAINGUARD,
        version=version,
        available_versions=tuple(
            v for v in built_versions if dep.specifier.contains(v, prereleases=True)
        )[-5:]
        if not dep.is_pinned
        else (),
        evidence=evidence_text,
        platform_gaps=gaps,
        remediated_version=remediated_version,
        message=message,
    )


def _remediation(dep: Dependency, version: Version, evidence: Evidence) -> Version | None:
    """The +cgr.N build that fits: the version itself, or the newest remediated build of it."""
    remediated = evidence.remediated
    if not isinstance(remediated, Found):
        return None
    if version.local and version.local.startswith("cgr"):
        return version
    builds = [
        v
        for v in _versions(remediated.project, built=True)
        if v.local and v.local.startswith("cgr") and _same_release(v, version)
    ]
    return max(builds) if builds else None


def _same_release(one: Version, other: Version) -> bool:
    """Whether two versions are the same release, local labels aside, compared as PEP 440
    versions: ``3.7`` and ``3.7.0+cgr.1`` are (their public texts differ)."""
    return Version(one.public) == Version(other.public)


def _platform_gaps(
    dep: Dependency, files: Sequence[IndexFile], targets: Sequence[Target]
) -> tuple[PlatformGap, ...]:
    gaps: list[PlatformGap] = []
    if not files:
        return ()
    wheels = [f for f in files if f.is_wheel and not f.yanked] or [f for f in files if f.is_wheel]
    has_sdist = any(not f.is_wheel for f in files)
    for target in targets:
        if not target.accepts_marker(dep.marker):
            continue
        usable = [w for w in wheels if target.accepts_wheel(w.filename)]
        if usable and not any(target.accepts_python(w.requires_python) for w in usable):
            gaps.append(
                PlatformGap(
                    target=str(target),
                    reason=f"Requires-Python {usable[0].requires_python} excludes Python "
                    f"{target.python[0]}.{target.python[1]}",
                )
            )
        elif not usable:
            reason = (
                "only an sdist: the install builds from source (or falls back to PyPI)"
                if has_sdist and not wheels
                else "no wheel for this platform"
                + (
                    ": the install builds from the sdist"
                    if has_sdist
                    else ": it cannot install from Chainguard"
                )
            )
            gaps.append(PlatformGap(target=str(target), reason=reason))
    return tuple(gaps)
