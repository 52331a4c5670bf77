"""Build reports for the renderer tests from real dependency files or small hand-made values.

``findings_for`` gives each parsed dependency a status chosen by the test (the classifier is
tested elsewhere; these tests are about how verdicts are shown, not how they are reached).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from cg_action._errors import Problem
from cg_action._models import (
    Dependency,
    DependencyKind,
    FileFormat,
    FileReport,
    Finding,
    Ignore,
    Location,
    Report,
    ReportKind,
    SourceFile,
    Status,
)


def dependency(
    name: str,
    spec: str = "",
    *,
    path: Path,
    line: int | None = 1,
    kind: DependencyKind | None = None,
    url: str | None = None,
    groups: tuple[str, ...] = (),
) -> Dependency:
    """A requirement as a requirements file would declare it."""
    specifier = SpecifierSet(spec)
    version = None
    if kind is None:
        kind = DependencyKind.RANGE
        if len(specifier) == 1 and next(iter(specifier)).operator == "==":
            kind = DependencyKind.PINNED
    if kind is DependencyKind.PINNED and spec:
        version = Version(next(iter(specifier)).version)
    return Dependency(
        name=canonicalize_name(name),
        display_name=name,
        kind=kind,
        location=Location(path=path, line=line),
        specifier=specifier,
        version=version,
        url=url,
        groups=groups,
    )


def finding(
    dep: Dependency,
    status: Status,
    message: str | None = None,
    *,
    ignored: Ignore | None = None,
    **extra: object,
) -> Finding:
    """A verdict on ``dep``."""
    return Finding(
        dependency=dep,
        status=status,
        message=message or f"{dep.display_name}: {status.value}",
        ignored=ignored,
        **extra,  # type: ignore[arg-type]  # the keyword names are Finding's own fields
    )


def findings_for(
    sources: Iterable[SourceFile], choose: Callable[[Dependency], Status]
) -> list[Finding]:
    """One finding per dependency of ``sources``, with the status ``choose`` gives it."""
    return [finding(d, choose(d)) for s in sources for d in s.dependencies]


def check_report(
    root: Path,
    findings: Sequence[Finding],
    *,
    sources: Sequence[SourceFile] = (),
    problems: Sequence[Problem] = (),
    fail_on: frozenset[Status] = frozenset({Status.MISSING}),
    only_changed: frozenset[tuple[Path, int | None, str]] | None = None,
) -> Report:
    """A ``check`` report over ``findings``; files from ``sources`` or from the findings."""
    files: dict[Path, FileReport] = {}
    for source in sources:
        files[source.path] = FileReport(
            path=source.path,
            format=source.format,
            problems=source.problems,
            dependency_count=len(source.dependencies),
        )
    for f in findings:
        path = f.dependency.location.path
        files.setdefault(
            path, FileReport(path=path, format=FileFormat.REQUIREMENTS, dependency_count=1)
        )
    for problem in problems:
        old = files.get(problem.path, FileReport(path=problem.path, format=None))
        files[problem.path] = FileReport(
            path=old.path,
            format=old.format,
            problems=(*old.problems, problem),
            dependency_count=old.dependency_count,
        )
    return Report(
        kind=ReportKind.CHECK,
        root=root,
        files=tuple(files.values()),
        findings=tuple(findings),
        index_url="https://libraries.cgr.dev/python/simple/",
        fallback_index_url="https://pypi.org/simple/",
        fail_on=fail_on,
        only_changed=only_changed,  # type: ignore[arg-type]  # names are normalized by callers
    )
