"""The CycloneDX 1.6 JSON SBOM: the checked dependencies, at the versions they install.

For scanners that read requirements files and so miss Chainguard's remediated builds. Each
dependency, at its place, is one component: its exact version as locked or pinned, or as the
index serves it (the ``+cgr.N`` build a pin takes from the remediated index, the newest match
of a range), a purl (``pkg:pypi/name@version``, with ``repository_url`` when the index that
serves it is not PyPI) and cg-action's verdict as properties (``cg-action:status``,
``cg-action:file``, ``cg-action:line``, ``cg-action:index``, ...). URL, VCS and path
dependencies come from no index: they have no version and no purl.

Written with the standard library's ``json``, one line per component (as the JSON report
writes its entries: the C encoder, fast for thousands). Components are in reading order (file, line,
name), so two runs differ only in ``serialNumber``, new for every BOM as the specification
asks. Index URLs carry no user-info, query or fragment.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from packaging.version import Version

from cg_action import __version__
from cg_action._compat import assert_never
from cg_action._models import Dependency, Finding, Report, ReportKind, Status
from cg_action._report._formats import ReportFormat
from cg_action._report._interface import (
    INFORMATION_URI,
    TOOL_NAME,
    dependency_sort_key,
    display_path,
    sort_key,
)
from cg_action._report._json import dumps
from cg_action._urls import is_pypi_url, redact_url

FORMAT = ReportFormat.CYCLONEDX

SPEC_VERSION = "1.6"
SCHEMA = "http://cyclonedx.org/schema/bom-1.6.schema.json"
PROPERTY_PREFIX = f"{TOOL_NAME}:"

JsonObject = dict[str, Any]


def render(report: Report, *, path_prefix: str = "") -> str:
    """The ``Renderer`` entry point: the SBOM as JSON text, with a new serial number."""
    return render_cyclonedx(report, path_prefix=path_prefix)


def render_cyclonedx(
    report: Report, *, path_prefix: str = "", serial: uuid.UUID | None = None
) -> str:
    """The SBOM as JSON text ending with a newline, one line per component (as ``json``)."""
    return dumps(report_to_cyclonedx(report, path_prefix=path_prefix, serial=serial))


def report_to_cyclonedx(
    report: Report, *, path_prefix: str = "", serial: uuid.UUID | None = None
) -> JsonObject:
    """The SBOM as plain JSON values; ``serial`` is a new random UUID unless given."""
    match report.kind:
        case ReportKind.LIST:
            deps = sorted(report.dependencies, key=lambda d: dependency_sort_key(report, d))
            components = [_component(report, d, None, path_prefix) for d in deps]
        case ReportKind.CHECK:
            findings = sorted(report.findings, key=lambda f: sort_key(report, f))
            components = [_component(report, f.dependency, f, path_prefix) for f in findings]
        case _:  # pragma: no cover - exhaustive
            assert_never(report.kind)
    _unique_refs(components)
    return {
        "$schema": SCHEMA,
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": (serial or uuid.uuid4()).urn,
        "version": 1,
        "metadata": {
            # read from the dependency files, before anything is built or installed
            "lifecycles": [{"phase": "pre-build"}],
            "tools": {
                "components": [
                    {
                        "type": "application",
                        "name": TOOL_NAME,
                        "version": __version__,
                        "externalReferences": [{"type": "website", "url": INFORMATION_URI}],
                    }
                ]
            },
        },
        "components": components,
    }


def installed_version(dependency: Dependency, finding: Finding | None) -> Version | None:
    """The version an install takes: as locked; as pinned, unless the remediated index serves
    a ``+cgr.N`` build of the pin (which the pin matches and installers prefer); for a range,
    the newest match the index serves. None when no index answers for a range, or for a URL,
    VCS or path dependency."""
    if dependency.is_locked or not dependency.is_index_checkable:
        return dependency.version
    if finding is None:
        return dependency.version if dependency.is_pinned else None
    pinned = dependency.version if dependency.is_pinned else None
    if pinned is None:
        return finding.version
    for served in (finding.remediated_version, finding.version):
        if (
            served is not None
            and Version(served.public) == Version(pinned.public)  # 1.0 is 1.0.0
            and dependency.specifier.contains(served, prereleases=True)
        ):
            return max(served, pinned)
    return pinned


def serving_index(report: Report, dependency: Dependency, finding: Finding | None) -> str | None:
    """The simple index an install takes the dependency from, or None (not known, none)."""
    if finding is None:
        return dependency.index
    version = installed_version(dependency, finding)
    match finding.status:
        case Status.CHAINGUARD | Status.BLOCKED:
            if version is not None and _is_remediated(version) and report.remediated_index_url:
                return report.remediated_index_url
            return report.index_url
        case Status.FALLBACK:
            return report.fallback_index_url or report.index_url
        case Status.LOCKED_UPSTREAM:  # the file pins upstream files: they come from upstream
            return dependency.index or report.fallback_index_url
        case Status.MISSING | Status.UNKNOWN | Status.NOT_INDEXED:
            return None
        case _:  # pragma: no cover - exhaustive
            assert_never(finding.status)


def purl(name: str, version: Version | None, index: str | None) -> str:
    """``pkg:pypi/name@version``, with ``?repository_url=`` for an index that is not PyPI.

    The name is lower-cased with ``_`` as ``-`` (the purl spec's rule for PyPI); the version
    is percent-encoded (``+`` as ``%2B``, ``!`` as ``%21``).
    """
    text = "pkg:pypi/" + quote(name.lower().replace("_", "-"), safe="")
    if version is not None:
        text += "@" + quote(str(version), safe="")
    if index is not None and not is_pypi_url(index):
        text += "?repository_url=" + quote(_clean_url(index), safe=":/")
    return text


def _is_remediated(version: Version) -> bool:
    return version.local is not None and version.local.startswith("cgr")


def _clean_url(url: str) -> str:
    """``url`` without user-info, query or fragment: nothing there may hold a secret."""
    redacted = redact_url(url)
    try:
        parts = urlsplit(redacted)
    except ValueError:
        return redacted.split("?", 1)[0].split("#", 1)[0]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _component(
    report: Report, dependency: Dependency, finding: Finding | None, prefix: str
) -> JsonObject:
    version = installed_version(dependency, finding)
    index = serving_index(report, dependency, finding)
    where = display_path(report, dependency.location.path, prefix=prefix)
    line = dependency.location.line
    component: JsonObject = {
        "type": "library",
        "bom-ref": f"{where}:{line if line is not None else ''}:{dependency.name}",
        "name": dependency.display_name,
    }
    if version is not None:
        component["version"] = str(version)
    if dependency.is_index_checkable:
        component["purl"] = purl(dependency.display_name, version, index)
    properties: list[tuple[str, str]] = []
    if finding is not None:
        properties.append(("status", finding.status.value))
    properties.append(("file", where))
    if line is not None:
        properties.append(("line", str(line)))
    if index is not None:
        properties.append(("index", _clean_url(index)))
    if str(dependency.specifier):
        properties.append(("specifier", str(dependency.specifier)))
    if dependency.marker is not None:
        properties.append(("marker", str(dependency.marker)))
    if finding is not None:
        remediated = finding.remediated_version
        if remediated is not None and remediated != version:
            properties.append(("remediated-version", str(remediated)))
        if finding.ignored is not None:
            properties.append(("ignored", finding.ignored.reason))
        failing = (
            finding.status in report.fail_on
            and finding.ignored is None
            and report.is_changed(finding)
        )
        properties.append(("failing", "true" if failing else "false"))
    component["properties"] = [
        {"name": PROPERTY_PREFIX + name, "value": value} for name, value in properties
    ]
    return component


def _unique_refs(components: list[JsonObject]) -> None:
    """Number a ``bom-ref`` that repeats (a package twice at an unknown line of one file)."""
    seen: dict[str, int] = {}
    for component in components:
        ref = component["bom-ref"]
        seen[ref] = seen.get(ref, 0) + 1
        if seen[ref] > 1:
            component["bom-ref"] = f"{ref}#{seen[ref]}"
