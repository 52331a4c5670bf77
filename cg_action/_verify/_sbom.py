"""Embedded SPDX SBOMs (PEP 770) and what they say about who built a distribution, from what.

Chainguard's wheels carry ``<dist>.dist-info/sboms/sbom.spdx.json`` (SPDX 2.3 JSON). Its
``creationInfo.creators`` include ``Organization: Chainguard, Inc``, and the described package's
``sourceInfo`` reads like ``Build by Chainguard, Inc. from git+<repo>, tag: <tag>, commit id:
<sha>.``. Where that sentence lacks the repository or commit, ``downloadLocation`` and
``externalRefs`` (a ``vcs`` reference, or a purl's ``vcs_url`` qualifier) fill in.

Remediated (``+cgr.N``) builds list the patches they apply. The exact form is not documented,
so three plausible ones are read, all at once, keeping the first spelling of each patch:
``sourceInfo`` text (``patches: a.patch, b.patch``, or any ``*.patch`` / ``*.diff`` name in it),
SPDX ``annotations`` on the package whose comment mentions a patch, and SPDX relationships
``PATCH_APPLIED`` / ``PATCH_FOR`` pointing at the package (the patch element's name is taken).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from packaging.utils import NormalizedName, canonicalize_name

from cg_action._sources._typed import (
    Where,
    expect_str,
    expect_table,
    get_optional_list,
    get_optional_str,
    get_optional_table,
    load_json,
)

_SOURCE_REPO = re.compile(r"\bfrom\s+(\S+?)(?:,|\.?\s|\.?$)", re.IGNORECASE)
_SOURCE_TAG = re.compile(r"\btag:\s*([^,\s]+?)(?:,|\.?\s|\.?$)", re.IGNORECASE)
_SOURCE_COMMIT = re.compile(r"\bcommit(?:\s+id)?:\s*([0-9a-f]{7,64})\b", re.IGNORECASE)
_PATCH_LIST = re.compile(r"\bpatch(?:es)?(?:\s+applied)?\s*:\s*(.+?)(?:\.\s|\.?$)", re.IGNORECASE)
_PATCH_FILE = re.compile(r"[\w./@+-]+\.(?:patch|diff)\b")
_NO_VALUE = frozenset({"", "NOASSERTION", "NONE"})
_PATCH_RELATIONSHIPS = frozenset({"PATCH_APPLIED", "PATCH_FOR"})
_VCS_REF_TYPES = frozenset({"vcs", "git", "source", "source-repository"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where a build came from, as its SBOM tells."""

    repository: str | None = None  # e.g. https://github.com/pallets/flask (no "git+")
    tag: str | None = None
    commit: str | None = None
    patches: tuple[str, ...] = ()

    @property
    def source(self) -> str | None:
        """``<repo>@<commit>`` (or whichever half is known), None when neither is."""
        if self.repository and self.commit:
            return f"{self.repository}@{self.commit}"
        return self.repository or self.commit


@dataclass(frozen=True, slots=True, kw_only=True)
class Sbom:
    """What an embedded SPDX SBOM says about the distribution it describes."""

    path: str  # the member path, as RECORD lists it
    creators: tuple[str, ...]
    package_name: str | None  # the described package, as spelled in the SBOM
    package_version: str | None
    supplier: str | None
    provenance: Provenance

    @property
    def is_chainguard(self) -> bool:
        """Whether Chainguard wrote it: an ``Organization:`` creator or the supplier names it."""
        by_creator = any(
            c.lower().startswith("organization:") and "chainguard" in c.lower()
            for c in self.creators
        )
        return by_creator or "chainguard" in (self.supplier or "").lower()

    @property
    def normalized_name(self) -> NormalizedName | None:
        """The described package's name, normalized (None when the SBOM names none)."""
        return canonicalize_name(self.package_name) if self.package_name else None


def is_spdx_sbom_path(path: str, dist_info: str) -> bool:
    """Whether a RECORD path is an SPDX JSON SBOM in the dist-info ``sboms`` folder (PEP 770)."""
    prefix = f"{dist_info}/sboms/"
    return path.startswith(prefix) and path.endswith(".spdx.json")


def read_sbom(text: str, path: Path, member: str, dist_name: NormalizedName) -> Sbom:
    """Read an SPDX 2.x JSON SBOM; ``dist_name`` picks the described package among several.

    Raises ParseError (file and key path) when the text is not JSON or has the wrong shape.
    """
    document = expect_table(load_json(path, text), Where(path))
    where = Where(path)
    info = get_optional_table(document, "creationInfo", where)
    creators = tuple(
        expect_str(value, where.child("creationInfo").child("creators").child(i))
        for i, value in enumerate(get_optional_list(info, "creators", where.child("creationInfo")))
    )
    packages = _elements(document, "packages", where)
    package = _described_package(document, packages, dist_name, where)
    if package is None:
        return Sbom(
            path=member,
            creators=creators,
            package_name=None,
            package_version=None,
            supplier=None,
            provenance=Provenance(),
        )
    spdx_id, table, pwhere = package
    return Sbom(
        path=member,
        creators=creators,
        package_name=get_optional_str(table, "name", pwhere),
        package_version=get_optional_str(table, "versionInfo", pwhere),
        supplier=get_optional_str(table, "supplier", pwhere),
        provenance=_provenance(document, spdx_id, table, pwhere, where),
    )


_Element = tuple[str, Mapping[str, Any], Where]


def _elements(document: Mapping[str, Any], key: str, where: Where) -> list[_Element]:
    found: list[_Element] = []
    for i, value in enumerate(get_optional_list(document, key, where)):
        ewhere = where.child(key).child(i)
        table = expect_table(value, ewhere)
        found.append((get_optional_str(table, "SPDXID", ewhere) or "", table, ewhere))
    return found


def _relationships(document: Mapping[str, Any], where: Where) -> list[tuple[str, str, str]]:
    """(element, type, related element) for every relationship."""
    found = []
    for _, table, rwhere in _elements(document, "relationships", where):
        element = get_optional_str(table, "spdxElementId", rwhere) or ""
        kind = (get_optional_str(table, "relationshipType", rwhere) or "").upper()
        related = get_optional_str(table, "relatedSpdxElement", rwhere) or ""
        found.append((element, kind, related))
    return found


def _described_package(
    document: Mapping[str, Any],
    packages: list[_Element],
    dist_name: NormalizedName,
    where: Where,
) -> _Element | None:
    doc_id = get_optional_str(document, "SPDXID", where) or "SPDXRef-DOCUMENT"
    described = [
        expect_str(v, where.child("documentDescribes").child(i))
        for i, v in enumerate(get_optional_list(document, "documentDescribes", where))
    ]
    for subject, kind, related in _relationships(document, where):
        if subject == doc_id and kind == "DESCRIBES":
            described.append(related)
        elif related == doc_id and kind == "DESCRIBED_BY":
            described.append(subject)
    candidates = [p for p in packages if p[0] in described] or packages

    def named(element: _Element) -> bool:
        name = get_optional_str(element[1], "name", element[2])
        return name is not None and canonicalize_name(name) == dist_name

    for candidate in candidates:
        if named(candidate):
            return candidate
    if len(candidates) == 1 or (described and candidates):
        return candidates[0]
    return None


def _provenance(
    document: Mapping[str, Any],
    spdx_id: str,
    package: Mapping[str, Any],
    pwhere: Where,
    where: Where,
) -> Provenance:
    source_info = get_optional_str(package, "sourceInfo", pwhere) or ""
    repository = _first(_SOURCE_REPO, source_info)
    if repository is not None and "://" not in repository:
        repository = None  # "from source", "from the sdist": not a repository
    tag = _first(_SOURCE_TAG, source_info)
    commit = _first(_SOURCE_COMMIT, source_info)
    for locator in _vcs_locators(package, pwhere):
        repo, rev = _split_vcs(locator)
        repository = repository or repo
        if commit is None and rev and re.fullmatch(r"[0-9a-fA-F]{7,64}", rev):
            commit = rev
    return Provenance(
        repository=_strip_vcs_prefix(repository) if repository else None,
        tag=tag,
        commit=commit.lower() if commit else None,
        patches=_patches(
            document=document,
            spdx_id=spdx_id,
            package=package,
            source_info=source_info,
            pwhere=pwhere,
            where=where,
        ),
    )


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(1) if found else None


def _vcs_locators(package: Mapping[str, Any], pwhere: Where) -> list[str]:
    """VCS URLs from ``downloadLocation``, ``vcs`` external refs and purl ``vcs_url``s."""
    locators = []
    download = (get_optional_str(package, "downloadLocation", pwhere) or "").strip()
    if download not in _NO_VALUE and "+" in download.split("://", 1)[0]:
        locators.append(download)
    for _, ref, rwhere in _elements(package, "externalRefs", pwhere):
        kind = (get_optional_str(ref, "referenceType", rwhere) or "").lower()
        locator = (get_optional_str(ref, "referenceLocator", rwhere) or "").strip()
        if kind in _VCS_REF_TYPES and locator:
            locators.append(locator)
        elif kind == "purl" and "?" in locator:
            query = locator.split("?", 1)[1].split("#", 1)[0]
            locators.extend(unquote(v) for v in parse_qs(query).get("vcs_url", []))
    return locators


def _split_vcs(locator: str) -> tuple[str | None, str | None]:
    """``git+https://host/repo@rev#sub`` -> (``git+https://host/repo``, ``rev``)."""
    url = locator.split("#", 1)[0]
    try:
        parts = urlsplit(url)
    except ValueError:
        return None, None
    if not parts.netloc:
        return None, None
    path, sep, rev = parts.path.rpartition("@")
    if not sep:
        return url, None
    return f"{parts.scheme}://{parts.netloc}{path}", rev or None


def _strip_vcs_prefix(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "+" in scheme:
        return f"{scheme.split('+', 1)[1]}://{rest}"
    return url


def _patches(
    *,
    document: Mapping[str, Any],
    spdx_id: str,
    package: Mapping[str, Any],
    source_info: str,
    pwhere: Where,
    where: Where,
) -> tuple[str, ...]:
    found: list[str] = []
    listed = _first(_PATCH_LIST, source_info)
    if listed:
        found.extend(p.strip() for p in re.split(r"[,;]", listed))
    found.extend(_PATCH_FILE.findall(source_info))
    for _, note, nwhere in _elements(package, "annotations", pwhere):
        comment = (get_optional_str(note, "comment", nwhere) or "").strip()
        if "patch" in comment.lower():
            head, sep, tail = comment.partition(":")
            found.append(tail.strip() if sep and "patch" in head.lower() else comment)
    names = {
        element_id: get_optional_str(table, "name", ewhere)
        or get_optional_str(table, "fileName", ewhere)
        or element_id
        for key in ("packages", "files", "snippets")
        for element_id, table, ewhere in _elements(document, key, where)
    }
    for element, kind, related in _relationships(document, where):
        if kind in _PATCH_RELATIONSHIPS and related == spdx_id and element:
            found.append(names.get(element, element))
    unique: dict[str, str] = {}
    for patch in found:
        cleaned = patch.strip().rstrip(".")
        if cleaned and cleaned.lower() not in unique:
            unique[cleaned.lower()] = cleaned
    return tuple(unique.values())
