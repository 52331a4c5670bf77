"""Verdicts: (dependency, what the indexes hold) -> finding. Pure functions, no I/O.

``classify`` answers ``NEED_FALLBACK`` when the verdict depends on a fallback index that has not
been asked yet; the caller asks it (only about those projects) and classifies again.

A pin a lock records from another index (PyTorch's ``/whl/cu128``, a company index) is asked of
that index's Chainguard counterpart (``counterpart_for``: Chainguard's CUDA indexes sit beside
its Python index), which the caller asks before classifying. Without a counterpart, such a pin
is never ``missing``: what Chainguard and the fallback lack is ``not-indexed``, with the evidence
"pinned to another index (host)".
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit, urlunsplit

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
    CHAINGUARD_HOST,
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
    # counterpart index URL (``counterpart_for``) -> its answer about this project
    counterparts: Mapping[str, ProjectAnswer] = field(default_factory=dict)


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
    # index a lock records (``index_key``) -> the index asked in its place: a URL, or a CUDA
    # variant (``cu128``) meaning Chainguard's index of it beside the primary one
    counterparts: Mapping[str, str] = field(default_factory=dict)


# Chainguard's CUDA indexes (``https://libraries.cgr.dev/cu128/simple/``), as documented
CUDA_VARIANTS = frozenset({"cu126", "cu128", "cu129"})
PYTORCH_HOSTS = frozenset({"download.pytorch.org", "download-r2.pytorch.org"})
_CUDA_NAME = re.compile(r"cu[0-9]+")
_PYTHON_SIMPLE = "/python/simple"


@functools.lru_cache(maxsize=4096)
def index_key(url: str) -> str:
    """An index URL compared with another: no user-info, lower-case scheme and host, and one
    trailing slash."""
    url = redact_url(url.strip())
    try:
        parts = urlsplit(url)
    except ValueError:
        return normalize_index_url(url)
    return normalize_index_url(
        urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))
    )


def cuda_variant(url: str) -> str | None:
    """``cu128`` for PyTorch's ``https://download.pytorch.org/whl/cu128`` (an index or a file
    in it) or Chainguard's ``https://libraries.cgr.dev/cu128/simple/``, when Chainguard builds
    that variant; None for anything else (``cpu``, ``cu118``, nightly builds, other hosts)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if host in PYTORCH_HOSTS and len(segments) >= 2 and segments[0] == "whl":
        variant = segments[1]
    elif host == CHAINGUARD_HOST and len(segments) >= 2 and segments[1] == "simple":
        variant = segments[0]
    else:
        return None
    return variant if variant in CUDA_VARIANTS else None


def _beside(primary_url: str, variant: str) -> str | None:
    """Chainguard's ``variant`` index beside the primary one: same host, same credentials.

    Only an index laid out as Chainguard's (``/python/simple/`` at the root of its host) has
    one: a repository manager's ``/api/pypi/python/simple/`` says nothing of its other
    repositories.
    """
    parts = urlsplit(primary_url)
    if parts.path.rstrip("/") == _PYTHON_SIMPLE:  # Chainguard's layout, at the host's root
        return urlunsplit((parts.scheme, parts.netloc, f"/{variant}/simple/", "", ""))
    if host_of(primary_url) == CHAINGUARD_HOST:
        return f"https://{CHAINGUARD_HOST}/{variant}/simple/"
    return None


def counterpart_index(recorded: str, context: Context) -> str | None:
    """The index asked in place of ``recorded`` (an index URL a lock records), or None.

    A configured counterpart wins (a URL, or a CUDA variant name); else PyTorch's and
    Chainguard's own CUDA indexes map to Chainguard's index of that variant beside the
    primary index (``.../python/simple/`` -> ``.../cu128/simple/``, or on Chainguard's host).
    """
    configured = context.counterparts.get(index_key(recorded))
    if configured is not None and not _CUDA_NAME.fullmatch(configured):
        return configured
    variant = configured or cuda_variant(recorded) or _variant_beside(recorded, context)
    return _beside(context.primary_url, variant) if variant else None


def _variant_beside(recorded: str, context: Context) -> str | None:
    """``cu128`` when ``recorded`` is the ``/cu128/simple/`` index beside the primary one."""
    variant = _root_variant(recorded)
    beside = _beside(context.primary_url, variant) if variant else None
    return variant if beside is not None and index_key(beside) == index_key(recorded) else None


def _recorded_index(dep: Dependency) -> str | None:
    """The index a lock records for the pin; else PyTorch's index its file URLs lie in (some
    locks record file URLs only)."""
    if dep.index:
        return redact_url(dep.index)
    variants = {cuda_variant(a.url) for a in dep.artifacts if a.url and "pytorch.org" in a.url}
    if len(variants) == 1 and (variant := variants.pop()) is not None:
        return f"https://download.pytorch.org/whl/{variant}/"
    return None


def _other_index(dep: Dependency, context: Context) -> str | None:
    """The index the pin comes from when it is none of the run's: not the primary, remediated
    or fallback index, not PyPI, not one of Chainguard's Python indexes. None otherwise."""
    recorded = _recorded_index(dep)
    if recorded is None:
        return None
    ours = {
        index_key(u)
        for u in (context.primary_url, context.fallback_url, context.remediated_url)
        if u
    }
    if index_key(recorded) in ours or is_pypi_url(recorded):
        return None
    if host_of(recorded) == CHAINGUARD_HOST and cuda_variant(recorded) is None:
        return None
    return recorded


def counterpart_for(dep: Dependency, context: Context) -> str | None:
    """The counterpart index to ask about ``dep`` before classifying it (None: none)."""
    other = _other_index(dep, context)
    return counterpart_index(other, context) if other is not None else None


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
    if not project.files:  # a JSON page may list versions (PEP 700) with no files
        return list(project.versions) if built else []
    releases = project.releases  # counted per version: no file is read one by one
    if built:
        return sorted(v for v, r in releases.items() if r.upstream < r.files)
    return sorted(v for v, r in releases.items() if r.upstream == r.files)


def _yanked_versions(projects: Sequence[IndexProject]) -> set[Version]:
    """Versions all of whose files are yanked."""
    counts: dict[Version, list[int]] = {}
    for project in projects:
        for version, release in project.releases.items():
            count = counts.setdefault(version, [0, 0])
            count[0] += release.files
            count[1] += release.yanked
    return {v for v, (files, yanked) in counts.items() if yanked == files}


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
    other = _other_index(dep, context) if dep.is_index_checkable else None
    if other is not None:
        counterpart = counterpart_index(other, context)
        if counterpart is not None:
            return _from_counterpart(dep, other, counterpart, evidence, context)
    result = _classify_indexed(dep, evidence, context)
    if other is not None and isinstance(result, Finding):
        return _pinned_elsewhere(result, other, context)
    return result


def _where(dep: Dependency) -> str:
    return dep.location.path.name


def _host_and_port(url: str) -> str:
    """``pypi.example.com``, ``127.0.0.1:8080``: how a message names an index's host."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return redact_url(url)
    if not host:
        return redact_url(url)
    return f"{host}:{port}" if port else host


def _elsewhere(other: str) -> str:
    return f"pinned to another index ({_host_and_port(other)})"


def _root_variant(url: str) -> str | None:
    """``cu128`` for an index at ``/cu128/simple/`` on its host (Chainguard's layout)."""
    try:
        segments = [s for s in urlsplit(url).path.split("/") if s]
    except ValueError:
        return None
    if len(segments) == 2 and segments[1] == "simple" and _CUDA_NAME.fullmatch(segments[0]):
        return segments[0]
    return None


def is_chainguard_index(url: str) -> bool:
    """Whether ``url`` is on Chainguard's own host (what may be called "Chainguard")."""
    return host_of(url) == CHAINGUARD_HOST


def index_name(url: str) -> str:
    """How messages name an index: ``Chainguard``, ``Chainguard's cu128 index``, or by its host
    (``the index at 127.0.0.1:8080``): only Chainguard's own host is called Chainguard."""
    variant = _root_variant(url)
    if is_chainguard_index(url):
        return f"Chainguard's {variant} index" if variant else "Chainguard"
    where = _host_and_port(url)
    return f"the {variant} index at {where}" if variant else f"the index at {where}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _builds(url: str) -> str:
    """What an index does with the files it lists: Chainguard builds them; another serves them."""
    return "builds" if is_chainguard_index(url) else "serves"


def _the_index(url: str) -> str:
    """``the Chainguard index`` or ``the index at host``: an index as a place."""
    name = index_name(url)
    return "the Chainguard index" if name == "Chainguard" else name


def _from_counterpart(
    dep: Dependency, other: str, counterpart: str, evidence: Evidence, context: Context
) -> Finding:
    """The verdict on a pin from another index that has a Chainguard counterpart."""
    answer = evidence.counterparts.get(counterpart)
    pinned = f"{_describe(dep)} is pinned to {other} ({_where(dep)})"
    if answer is None or isinstance(answer, Unavailable):
        reason = "it was not asked" if answer is None else answer.reason
        return Finding(
            dependency=dep,
            status=Status.UNKNOWN,
            evidence=_elsewhere(other),
            message=f"{pinned}; its Chainguard counterpart {counterpart} could not be asked "
            f"({reason})",
        )
    projects = [answer.project] if isinstance(answer, Found) else []
    built = sorted({v for p in projects for v in _versions(p, built=True)})
    matches = _matching(dep, built)
    if matches:
        return _served(
            dep,
            _choose(dep, matches),
            projects=projects,
            built_versions=built,
            evidence=Evidence(primary=answer, fallback=evidence.fallback, probes=evidence.probes),
            context=replace(context, primary_url=counterpart, remediated_url=None),
        )
    nearest = _nearest(built, dep.version)
    has = f"it has {_join(nearest)}" if built else "it does not serve this project"
    return Finding(
        dependency=dep,
        status=Status.FALLBACK,
        available_versions=nearest,
        evidence=_elsewhere(other),
        message=f"{pinned}, not built by Chainguard: its Chainguard counterpart {counterpart} "
        f"does not serve it ({has})",
    )


def _pinned_elsewhere(result: Finding, other: str, context: Context) -> Finding:
    """A verdict on a pin from another index with no counterpart: never ``missing``."""
    dep = result.dependency
    if result.status is Status.FALLBACK:
        return replace(
            result,
            evidence=_elsewhere(other),
            message=f"{result.message} ({_where(dep)} pins it to {other})",
        )
    if result.status is not Status.MISSING:
        return result
    hint = ""
    variant = cuda_variant(other)
    if variant is not None:  # a CUDA index Chainguard builds, but not beside this index
        hint = (
            f" Chainguard's {variant} index (https://{CHAINGUARD_HOST}/{variant}/simple/) is "
            "asked only beside a Chainguard index: name it with --counterpart-index."
        )
    elif (found := _CUDA_NAME.search(other)) is not None and host_of(other) in PYTORCH_HOSTS:
        hint = (
            f" Chainguard builds no {found.group()} index (it has "
            f"{', '.join(sorted(CUDA_VARIANTS))})."
        )
    return replace(
        result,
        status=Status.NOT_INDEXED,
        evidence=_elsewhere(other),
        message=f"{_describe(dep)} is pinned to another index, {other} ({_where(dep)}), and has "
        f"no known Chainguard counterpart: it is not checked.{hint} ({result.message})",
    )


def _classify_indexed(dep: Dependency, evidence: Evidence, context: Context) -> Finding | Pending:
    """The verdict from the primary, remediated and fallback indexes."""
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
        chosen = _choose(dep, matches)
        theirs = _fallbacks_files(
            [f for p in projects for f in p.files_for(chosen) if _is_built(f)],
            chosen,
            evidence,
            context,
        )
        if isinstance(theirs, Pending):
            return theirs
        return _served(
            dep,
            chosen,
            projects=projects,
            built_versions=built_versions,
            evidence=evidence,
            context=context,
            fallbacks=theirs,
        )

    if isinstance(remediated, Unavailable):
        # The remediated index might hold a +cgr build of it: not knowing is not "missing".
        return Finding(
            dependency=dep,
            status=Status.UNKNOWN,
            available_versions=_nearest(built_versions, dep.version),
            message=(
                f"{_describe(dep)} is not in "
                + (
                    "the standard Chainguard index"
                    if index_name(context.primary_url) == "Chainguard"
                    else index_name(context.primary_url)
                )
                + f", and the remediated index could not be asked ({remediated.reason})"
            ),
        )
    upstream_only = sorted({v for p in projects for v in _versions(p, built=False)})
    upstream_matches = _matching(dep, upstream_only)
    if upstream_matches:
        chosen = _choose(dep, upstream_matches)
        name = index_name(context.primary_url)
        own = name == "Chainguard"
        return Finding(
            dependency=dep,
            status=Status.FALLBACK,
            version=chosen,
            available_versions=_nearest(built_versions, dep.version),
            message=(
                f"{_describe(dep)}: {name} serves {chosen} only through "
                + ("its" if own else "Chainguard's")
                + " upstream fallback (files under /python-upstream/): it comes from PyPI, not "
                "built by Chainguard. "
                + (
                    f"Pin a version {name} {_builds(context.primary_url)} "
                    f"({_join(_nearest(built_versions, dep.version))}) or request a build"
                    if built_versions
                    else f"{_capital(name)} {_builds(context.primary_url)} no version of it yet: "
                    "request a build"
                )
            ),
        )
    return _not_served(dep, built_versions, evidence, context)


def _not_served(
    dep: Dependency, built: Sequence[Version], evidence: Evidence, context: Context
) -> Finding | Pending:
    nearest = _nearest(built, dep.version)
    name = index_name(context.primary_url)
    has = (
        f"{_capital(name)} has {_join(nearest)}"
        if built
        else f"{_capital(name)} does not serve this project at all"
    )
    if isinstance(evidence.primary, Absent) and not built:
        has = f"{_capital(name)} does not serve this project (404)"
    if context.fallback_url is None:
        return Finding(
            dependency=dep,
            status=Status.MISSING,
            available_versions=nearest,
            message=f"{_describe(dep)} is not served by {name}; {has}",
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
                f"{_describe(dep)} is not served by {name} ({has}), and the fallback index "
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
                        f"{_describe(dep)} is not in {_the_index(context.primary_url)} yet: "
                        f"{chosen} was "
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
                    f"{_describe(dep)} is not "
                    + ("built by Chainguard" if name == "Chainguard" else f"served by {name}")
                    + f": {chosen} would come from the fallback index {fallback_name}. {has}"
                ),
            )
    return Finding(
        dependency=dep,
        status=Status.MISSING,
        available_versions=nearest,
        message=f"{_describe(dep)} is served neither by {name} nor by {fallback_name}; {has}",
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
    return sorted(project.releases)


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
        if recorded not in ours and not (
            host_of(recorded) == CHAINGUARD_HOST and cuda_variant(recorded) is None
        ):
            return f"its recorded index is {recorded}, not {_the_index(context.primary_url)}"
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Theirs:
    """Served files that are the fallback's own, and what says so."""

    files: tuple[IndexFile, ...]
    evidence: str


def _fallbacks_files(
    files: Sequence[IndexFile], version: Version, evidence: Evidence, context: Context
) -> _Theirs | Pending | None:
    """Which served files are the fallback's own: the same sha256 as a fallback file of the
    version (Chainguard builds from source, so its files never carry the upstream digests).

    Asked only of an index that is not Chainguard's (Chainguard marks what it passes through
    by URL), such as a repository manager merging Chainguard and PyPI. None: none is, or it
    cannot be told (no digests, the fallback absent or down); NEED_FALLBACK: ask it first.
    """
    fallback_url = context.fallback_url
    if fallback_url is None or not files or is_chainguard_index(context.primary_url):
        return None
    hashed = [f for f in files if _file_sha256s([f])]
    if index_key(context.primary_url) == index_key(fallback_url):
        if not hashed:
            return _Theirs(files=tuple(files), evidence="the index is the fallback index")
        digests = _file_sha256s(hashed)
    elif not hashed:
        return None
    elif evidence.fallback is None:
        return NEED_FALLBACK
    elif isinstance(evidence.fallback, Found):
        digests = _file_sha256s(evidence.fallback.project.files_for(version))
    else:
        return None
    theirs = tuple(f for f in hashed if not _file_sha256s([f]).isdisjoint(digests))
    if not theirs:
        return None
    text = (
        "the index serves PyPI's file: same sha256 as the fallback's"
        if is_pypi_url(fallback_url)
        else "the index serves the fallback's file: same sha256"
    )
    return _Theirs(files=theirs, evidence=text)


def _served(
    dep: Dependency,
    version: Version,
    *,
    projects: Sequence[IndexProject],
    built_versions: Sequence[Version],
    evidence: Evidence,
    context: Context,
    fallbacks: _Theirs | None = None,
) -> Finding:
    files = [f for p in projects for f in p.files_for(version) if _is_built(f)]
    where = dep.location.path.name
    name = index_name(context.primary_url)
    if fallbacks is not None and len(fallbacks.files) == len(files):
        fallback_name = redact_url(context.fallback_url or "")
        plural = "s" if len(files) > 1 else ""
        return Finding(
            dependency=dep,
            status=Status.FALLBACK,
            version=version,
            evidence=fallbacks.evidence,
            message=(
                f"{dep.display_name} {version}: {name} serves the fallback's own file{plural} "
                f"({fallback_name}), not a Chainguard build: "
                + (
                    "it is the fallback index itself"
                    if fallbacks.evidence == "the index is the fallback index"
                    else "same sha256 (a repository that merges Chainguard and the fallback "
                    "passes them through)"
                )
                + ". Pin a version Chainguard builds or request a build"
            ),
        )
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
                f"its sha256 digests match none of the {len(files)} file(s) {name} "
                f"{_builds(context.primary_url)} for {version}{fallback_note}"
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
                f"{_capital(name)} {_builds(context.primary_url)} {dep.display_name} {version}, "
                f"but {where} pins upstream artifacts: {upstream_reason}. Installing it would "
                "take PyPI's files or fail the hash check: run `cg-action update-hashes` or "
                f"re-lock against {name}"
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
                f"{dep.display_name} {version} is listed by {name}, but the index withholds "
                f"its file ({reason}"
                + (f": {blocked[0].message}" if blocked[0].message else "")
                + ")"
            ),
        )

    notes: list[str] = []
    if fallbacks is not None:  # some files of the release are the fallback's, others not
        names = ", ".join(f.filename for f in fallbacks.files)
        verb = "is" if len(fallbacks.files) == 1 else "are"
        notes.append(
            f"{names} {verb} the fallback's file{'s' if verb == 'are' else ''} (same sha256)"
        )
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
        message = f"{dep.display_name} {version} is " + (
            f"built by {name}" if is_chainguard_index(context.primary_url) else f"served by {name}"
        )
    else:
        message = (
            f"{_describe(dep)}: {name} {_builds(context.primary_url)} it; newest match {version}"
        )
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
