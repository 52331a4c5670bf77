"""Orchestration of ``list`` and ``check``: sources -> index -> classify -> report.

Reads every file (collecting, not stopping at, problems), decides which dependencies are
checked (locked versions win over the declarations they cover), asks each index once per
distinct project, and classifies. Knows nothing of argv, the environment or output formats.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName

from cg_action._classify import Context, Evidence, Pending, classify, counterpart_for
from cg_action._errors import ParseError
from cg_action._models import (
    ClientSettings,
    Dependency,
    FileProbe,
    FileReport,
    Finding,
    Found,
    IndexConfig,
    ProjectAnswer,
    SourceFile,
    Status,
    Unavailable,
)
from cg_action._policy import Policy, apply_ignores
from cg_action._sources._discovery import discover
from cg_action._sources._dispatch import parse_file
from cg_action._targets import Target
from cg_action._urls import is_upstream_fallback_url, split_credentials

if TYPE_CHECKING:
    from cg_action._index import IndexClient

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Loaded:
    """What reading the inputs gave: the files read and a report line per file."""

    sources: tuple[SourceFile, ...]
    files: tuple[FileReport, ...]


def load_sources(
    paths: Sequence[Path],
    *,
    root: Path | None = None,
    secrets: Collection[str] = (),
    environ: Mapping[str, str] | None = None,
) -> Loaded:
    """Discover and read every dependency file under ``paths``; problems are collected.

    Requirements files may include only files under ``root`` (default: the current directory),
    take their ``${VAR}`` values from ``environ`` (the command line's environment; None: none),
    and never expand a ``${VAR}`` holding one of ``secrets`` (the credentials the run holds).
    """
    sources: list[SourceFile] = []
    reports: list[FileReport] = []
    base = (root or Path.cwd()).resolve()
    seen: set[Path] = set()
    for given in paths:
        found = discover([given])  # first: it refuses what cannot be resolved (a link loop)
        # Includes stay inside the project: the root, or the named folder when it lies elsewhere.
        resolved = given.resolve()
        bound = (
            base
            if resolved.is_relative_to(base)
            else (resolved if given.is_dir() else resolved.parent)
        )
        for path in found:
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            try:
                source = parse_file(path, root=bound, secrets=secrets, environ=environ)
            except ParseError as exc:
                reports.append(FileReport(path=path, format=None, problems=exc.problems))
                continue
            sources.append(source)
            reports.append(
                FileReport(
                    path=path,
                    format=source.format,
                    problems=source.problems,
                    dependency_count=len(source.dependencies),
                )
            )
    return Loaded(sources=tuple(sources), files=tuple(reports))


class _Resolved(dict[Path, Path]):
    """``Path.resolve()`` once per path: a lockfile's thousand entries share one file."""

    def __missing__(self, path: Path) -> Path:
        resolved = self[path] = path.resolve()
        return resolved


def all_dependencies(sources: Iterable[SourceFile]) -> list[Dependency]:
    """Every dependency once, by (file, line, name): an included file read twice counts once."""
    seen: set[tuple[Path, int | None, NormalizedName, str]] = set()
    out: list[Dependency] = []
    resolved = _Resolved()
    for source in sources:
        for dep in source.dependencies:
            key = (resolved[dep.location.path], dep.location.line, dep.name, str(dep.specifier))
            if key not in seen:
                seen.add(key)
                out.append(dep)
    return out


def dependencies_to_check(sources: Sequence[SourceFile]) -> list[Dependency]:
    """What ``check`` verifies: locked versions, and declarations no lock in their folder covers.

    When a project folder has a lockfile, the lock is the truth of what gets installed: a
    declaration there (pyproject.toml, Pipfile, requirements.in) whose project the lock records
    is covered by it and not checked again. Constraint-only entries are not installs.
    """
    locked_by_dir: dict[Path, set[NormalizedName]] = {}
    resolved = _Resolved()
    for source in sources:
        if source.is_lock:
            names = locked_by_dir.setdefault(resolved[source.path].parent, set())
            names.update(dep.name for dep in source.dependencies)
    chosen: list[Dependency] = []
    for dep in all_dependencies(sources):
        if dep.is_constraint:
            continue
        if not dep.is_locked:
            covered = locked_by_dir.get(resolved[dep.location.path].parent)
            if covered is not None and dep.name in covered:
                continue
        chosen.append(dep)
    return chosen


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckSettings:
    """The indexes and options of one check."""

    primary: IndexConfig
    fallback: IndexConfig | None = None
    remediated: IndexConfig | None = None
    probe_files: bool = False
    cooldown_days: float = 7.0  # a fallback release younger than this may be held back
    # index a lock records -> the index asked in its place (a URL or a CUDA variant name)
    counterparts: Mapping[str, str] = field(default_factory=dict)
    targets: Sequence[Target] = ()
    client: ClientSettings = field(default_factory=ClientSettings)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckOutcome:
    """The findings, and notes for the user (expired ignores, ...)."""

    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()

    @property
    def index_failed(self) -> bool:
        """Whether any verdict is unknown because an index could not be asked."""
        return any(f.status is Status.UNKNOWN for f in self.findings)


def check_dependencies(
    deps: Sequence[Dependency],
    settings: CheckSettings,
    *,
    policy: Policy | None = None,
    today: dt.date | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> CheckOutcome:
    """Ask the indexes about ``deps`` and classify each one.

    ``meanwhile`` runs while the primary index is being asked (see ``get_projects``).
    """
    from cg_action._index import IndexClient

    names = sorted({d.name for d in deps if d.is_index_checkable})
    context = Context(
        primary_url=settings.primary.url,
        fallback_url=settings.fallback.url if settings.fallback else None,
        remediated_url=settings.remediated.url if settings.remediated else None,
        targets=settings.targets,
        cooldown_days=settings.cooldown_days,
        now=dt.datetime.now(dt.timezone.utc),
        counterparts=settings.counterparts,
    )
    # pins a lock records from another index: asked of that index's Chainguard counterpart
    elsewhere: dict[str, set[NormalizedName]] = {}
    for dep in deps:
        if dep.is_index_checkable and (url := counterpart_for(dep, context)) is not None:
            elsewhere.setdefault(url, set()).add(dep.name)
    findings: list[Finding | None] = [None] * len(deps)
    pending: set[NormalizedName] = set()
    classified = [False] * len(deps)

    def first_pass(number: int, evidence: dict[NormalizedName, Evidence]) -> None:
        dep = deps[number]
        result = _classify(dep, evidence, context)
        if isinstance(result, Pending):
            pending.add(dep.name)
        else:
            findings[number] = result
        classified[number] = True

    on_answer = None
    if settings.remediated is None and not elsewhere:
        # a verdict needs only the primary answer: classify each dependency as its answer
        # arrives, while the next answers are on their way
        numbers: dict[NormalizedName, list[int]] = {}
        for number, dep in enumerate(deps):
            if dep.is_index_checkable:
                numbers.setdefault(dep.name, []).append(number)

        def on_answer(name: NormalizedName, answer: ProjectAnswer) -> None:
            for number in numbers.get(name, ()):
                first_pass(number, {name: Evidence(primary=answer)})

    with IndexClient(settings.client) as client:
        primary = (
            client.get_projects(settings.primary, names, meanwhile=meanwhile, on_answer=on_answer)
            if names
            else {}
        )
        remediated: dict[NormalizedName, ProjectAnswer] = {}
        if settings.remediated is not None and names:
            remediated = client.get_projects(settings.remediated, names)
        others = {
            url: client.get_projects(_counterpart_config(url, settings.primary), sorted(asked))
            for url, asked in sorted(elsewhere.items())
        }
        evidence = {
            name: Evidence(
                primary=primary[name],
                remediated=remediated.get(name),
                counterparts={url: found[name] for url, found in others.items() if name in found},
            )
            for name in names
        }
        for number in range(len(deps)):
            if not classified[number]:
                first_pass(number, evidence)
        # Locked pins whose digests differ from Chainguard's: the fallback says whose they are.
        for dep, finding in zip(deps, findings, strict=True):
            if (
                finding is not None
                and finding.status is Status.LOCKED_UPSTREAM
                and finding.evidence == "digests"
            ):
                pending.add(dep.name)
        if pending and settings.fallback is not None:
            answers = client.get_projects(settings.fallback, sorted(pending))
            for name, answer in answers.items():
                evidence[name] = replace(evidence[name], fallback=answer)
        if settings.probe_files:
            probes = _probe(client, settings, deps, findings, evidence)
            for name, found in probes.items():
                evidence[name] = replace(evidence[name], probes=found)
    final: list[Finding] = []
    for dep, first in zip(deps, findings, strict=True):
        if first is None or dep.name in pending or settings.probe_files:
            result = _classify(dep, evidence, context)
            if isinstance(result, Pending):  # the fallback was asked: cannot happen
                raise AssertionError(f"no verdict for {dep.name}")
            final.append(result)
        else:
            final.append(first)
    notes: list[str] = []
    if policy is not None:
        final, notes = apply_ignores(final, policy, today=today or dt.date.today())
    return CheckOutcome(findings=tuple(final), notes=tuple(notes))


def _origin(url: str) -> tuple[str, str, int | None]:
    from urllib.parse import urlsplit

    parts = urlsplit(split_credentials(url)[0])
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def _counterpart_config(url: str, primary: IndexConfig) -> IndexConfig:
    """How to ask a counterpart index: with the primary's credentials only on its own scheme,
    host and port (Chainguard's CUDA indexes sit beside its Python index), else ``.netrc``."""
    same = _origin(url) == _origin(primary.url)
    return IndexConfig(
        url=url,
        credentials=primary.credentials if same else None,
        use_netrc=primary.use_netrc,
        netrc_path=primary.netrc_path,
    )


def _classify(
    dep: Dependency, evidence: dict[NormalizedName, Evidence], context: Context
) -> Finding | Pending:
    if dep.is_index_checkable:
        return classify(dep, evidence[dep.name], context)
    # url, vcs, path and editable entries are never looked up: their verdict needs no answer
    unasked = Unavailable(name=dep.name, index_url=context.primary_url, reason="not asked")
    return classify(dep, Evidence(primary=unasked), context)


def _probe(
    client: IndexClient,
    settings: CheckSettings,
    deps: Sequence[Dependency],
    findings: Sequence[Finding | None],
    evidence: dict[NormalizedName, Evidence],
) -> dict[NormalizedName, dict[str, FileProbe]]:
    """Probe the files of every served version: one request per file, no download."""
    urls_by_name: dict[NormalizedName, set[str]] = {}
    for dep, finding in zip(deps, findings, strict=True):
        if finding is None or finding.status is not Status.CHAINGUARD or finding.version is None:
            continue
        answer = evidence[dep.name].primary
        if isinstance(answer, Found):
            urls_by_name.setdefault(dep.name, set()).update(
                f.url
                for f in answer.project.files_for(finding.version)
                if not is_upstream_fallback_url(f.url)
            )
    all_urls = sorted({u for urls in urls_by_name.values() for u in urls})
    if not all_urls:
        return {}
    answers = client.probe_files(settings.primary, all_urls)
    return {
        name: {u: answers[u] for u in urls if u in answers} for name, urls in urls_by_name.items()
    }
