"""PEP 508 requirements as dependencies, for every reader of a manifest.

One place for what a requirement means once parsed: its name and extras normalized, its
marker, and for a direct reference (``name @ URL``) its kind, told by the URL's scheme:

* ``git+https://...`` (or ``hg``, ``svn``, ``bzr``, alone or with ``+``) is a VCS reference;
* no scheme, ``file:``, or a one-letter scheme, which is a Windows drive (``C:\\src\\pkg`` and
  ``C:/src/pkg`` are local paths, never a URL of scheme ``c``), is a local path;
* any other scheme is a remote URL.

Markers written apart from a requirement (Poetry's ``markers``, Pipfile's ``markers`` and
``sys_platform``) are parsed with ``parse_marker`` and joined with ``all_of``.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from cg_action._models import Dependency, DependencyKind, Location
from cg_action._sources._typed import (
    Where,
    excerpt,
    parser_message,
    specifier_kind,
    without_userinfo,
)

VCS_SCHEMES = ("git", "hg", "svn", "bzr")
"""The version control systems a direct reference may name (``git+https://``, ``hg+ssh://``)."""


def url_scheme(text: str) -> str:
    """The lower-case URL scheme of ``text``; '' when it is not a URL.

    A one-letter scheme is a Windows drive letter (``C:\\path``, ``C:/path``): a local path.
    """
    try:
        scheme = urlsplit(text).scheme
    except ValueError:
        return ""
    return scheme if len(scheme) > 1 else ""


def is_vcs_scheme(scheme: str) -> bool:
    """Whether ``scheme`` names a VCS and a transport, as ``git+https`` does."""
    return "+" in scheme and scheme.partition("+")[0] in VCS_SCHEMES


def url_kind(url: str) -> DependencyKind:
    """The kind of a direct reference: VCS by its scheme, a local path, or a remote URL."""
    scheme = url_scheme(url)
    if is_vcs_scheme(scheme) or scheme in VCS_SCHEMES:
        return DependencyKind.VCS
    if scheme in ("", "file"):
        return DependencyKind.PATH
    return DependencyKind.URL


def vcs_url(vcs: str, url: str, *, ref: str | None = None, subdirectory: str | None = None) -> str:
    """A direct reference to a repository: ``git+https://host/repo@ref#subdirectory=dir``."""
    text = url if url.startswith(f"{vcs}+") else f"{vcs}+{url}"
    if ref is not None:
        text += f"@{ref}"
    if subdirectory is not None:
        text += f"#subdirectory={subdirectory}"
    return text


def parse_marker(text: str, where: Where) -> Marker:
    """An environment marker written in a manifest; a ParseError at ``where`` when invalid."""
    try:
        return Marker(text)
    except InvalidMarker as exc:
        message = parser_message(exc)
        raise where.error(f"{excerpt(text)} is not a valid marker ({message}); fix it") from exc


def all_of(markers: Iterable[Marker | None]) -> Marker | None:
    """One marker that holds when every one of ``markers`` holds (None: no condition)."""
    present = [m for m in markers if m is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return Marker(" and ".join(f"({m})" for m in present))


def dependency_from_requirement(
    requirement: Requirement,
    *,
    location: Location,
    groups: tuple[str, ...] = (),
    marker: Marker | None = None,
    url_as_read: str | None = None,
    url_version: Version | None = None,
) -> Dependency:
    """The dependency a parsed PEP 508 requirement declares, as written.

    ``marker``, when given, stands for the requirement's own (a requirements file reads a
    line's marker apart from it). For a direct reference, ``url_as_read`` is its URL as the
    reader understands it (a requirements file expands ``${VAR}`` there), which tells its kind
    (default: the URL as written), and ``url_version`` the version its file name spells, when
    the reader looks; ``Dependency.url`` is the URL as written, without user-info.
    """
    name = canonicalize_name(requirement.name)
    extras = frozenset(canonicalize_name(extra) for extra in requirement.extras)
    if marker is None:
        marker = requirement.marker
    if requirement.url:
        return Dependency(
            name=name,
            display_name=requirement.name,
            kind=url_kind(requirement.url if url_as_read is None else url_as_read),
            location=location,
            version=url_version,
            extras=extras,
            marker=marker,
            url=without_userinfo(requirement.url),
            groups=groups,
        )
    kind, version = specifier_kind(requirement.specifier)
    return Dependency(
        name=name,
        display_name=requirement.name,
        kind=kind,
        location=location,
        specifier=requirement.specifier,
        version=version,
        extras=extras,
        marker=marker,
        groups=groups,
    )
