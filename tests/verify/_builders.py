"""Wheels shaped like Chainguard's (an embedded SPDX SBOM), and re-zipped variants of a wheel.

The SBOM follows the public description of Chainguard's: SPDX 2.3 JSON at
``<dist>.dist-info/sboms/sbom.spdx.json``, creators ``Tool: ecosystems-wheels-rebuilder`` and
``Organization: Chainguard, Inc``, a ``sourceInfo`` sentence naming the repository, tag and
commit. Repositories and commits here are made up.
"""

from __future__ import annotations

import json
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path

SBOM_MEMBER = "{dist_info}/sboms/sbom.spdx.json"
CHAINGUARD_CREATORS = (
    "Tool: Syft",
    "Tool: ecosystems-wheels-rebuilder",
    "Organization: Chainguard, Inc",
)


def commit_for(name: str) -> str:
    """A made-up 40-hex commit id, different per project."""
    return (name.encode().hex() * 40)[:40]


def spdx_sbom(
    name: str,
    version: str,
    *,
    creators: Sequence[str] = CHAINGUARD_CREATORS,
    repository: str | None = None,
    tag: str | None = None,
    source_info: str | None = None,
    patches: Sequence[str] = (),
    patch_files: Sequence[str] = (),
    supplier: str | None = "Organization: Chainguard, Inc.",
) -> bytes:
    """An SPDX 2.3 JSON SBOM describing ``name`` ``version``.

    ``patches`` are listed in the ``sourceInfo`` sentence; ``patch_files`` become SPDX file
    elements related to the package with ``PATCH_APPLIED``.
    """
    repository = repository or f"https://github.com/example/{name}"
    package_id = f"SPDXRef-Package-python-{name}"
    if source_info is None:
        source_info = (
            f"Build by Chainguard, Inc. from git+{repository}, tag: {tag or version}, "
            f"commit id: {commit_for(name)}."
        )
        if patches:
            source_info += f" Patches applied: {', '.join(patches)}."
    package: dict[str, object] = {
        "name": name,
        "SPDXID": package_id,
        "versionInfo": version,
        "downloadLocation": "NOASSERTION",
        "sourceInfo": source_info,
        "externalRefs": [
            {
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": f"pkg:pypi/{name}@{version}",
            }
        ],
    }
    if supplier:
        package["supplier"] = supplier
    files = [
        {"fileName": f"./patches/{p}", "SPDXID": f"SPDXRef-File-patch-{i}"}
        for i, p in enumerate(patch_files)
    ]
    relationships = [
        {
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": package_id,
        }
    ] + [
        {
            "spdxElementId": f"SPDXRef-File-patch-{i}",
            "relationshipType": "PATCH_APPLIED",
            "relatedSpdxElement": package_id,
        }
        for i in range(len(patch_files))
    ]
    document = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": f"https://example.invalid/spdx/{name}-{version}",
        "creationInfo": {
            "licenseListVersion": "3.27",
            "creators": list(creators),
            "created": "2026-01-01T00:00:00Z",
        },
        "packages": [package],
        "files": files,
        "relationships": relationships,
    }
    return json.dumps(document, indent=2).encode()


def rezip(
    source: Path,
    target: Path,
    *,
    comment: bytes = b"",
    zip64: bool = False,
    first: str | None = None,
) -> Path:
    """Copy a wheel's members (same bytes) into a new archive.

    ``comment`` becomes the archive comment; ``zip64`` adds ZIP64 end records and puts the
    0xFFFF/0xFFFFFFFF placeholders in the classic end record, so a reader must use ZIP64;
    ``first`` names a member (e.g. ``*/RECORD``) moved to the front of the archive.
    """
    with zipfile.ZipFile(source) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    if first is not None:
        members.sort(key=lambda m: not (m[0].filename.endswith(first.lstrip("*"))))
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, data)
    data = target.read_bytes()
    if zip64:
        data = _with_zip64_end(data)
    eocd = data[-22:]
    target.write_bytes(data[:-2] + struct.pack("<H", len(comment)) + comment)
    assert eocd[:4] == b"PK\x05\x06"
    with zipfile.ZipFile(target) as check:  # the result is a valid archive
        assert check.testzip() is None
        assert check.comment == comment
    return target


def _with_zip64_end(data: bytes) -> bytes:
    """Insert a ZIP64 end record and locator before the (comment-less) classic end record."""
    end_at = len(data) - 22
    _sig, _disk, _cd_disk, on_disk, total, cd_size, cd_offset, _comment = struct.unpack(
        "<4sHHHHIIH", data[end_at:]
    )
    record = struct.pack(
        "<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, on_disk, total, cd_size, cd_offset
    )
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, end_at, 1)
    classic = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0
    )
    return data[:end_at] + record + locator + classic
