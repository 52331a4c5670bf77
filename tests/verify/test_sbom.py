"""Reading SPDX SBOMs: who wrote them, what they describe, where the source came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from cg_action._errors import ParseError
from cg_action._verify._sbom import Sbom, is_spdx_sbom_path, read_sbom
from tests.verify._builders import commit_for, spdx_sbom

SHA = "8c2f0a4e1b9d7c6a5f4e3d2c1b0a9f8e7d6c5b4a"


def _read(document: bytes | dict[str, Any], name: str = "flask") -> Sbom:
    text = document.decode() if isinstance(document, bytes) else json.dumps(document)
    return read_sbom(text, Path("flask.dist-info"), "sboms/sbom.spdx.json", canonicalize_name(name))


def _document(**package: Any) -> dict[str, Any]:
    base = {"name": "flask", "SPDXID": "SPDXRef-Package-flask", "versionInfo": "3.0.2"}
    return {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "creationInfo": {"creators": ["Organization: Chainguard, Inc"]},
        "packages": [{**base, **package}],
    }


def test_chainguard_sentence() -> None:
    sbom = _read(spdx_sbom("flask", "3.0.2", tag="3.0.2"))
    assert sbom.is_chainguard
    assert sbom.normalized_name == "flask"
    assert sbom.package_version == "3.0.2"
    assert sbom.provenance.repository == "https://github.com/example/flask"
    assert sbom.provenance.tag == "3.0.2"
    assert sbom.provenance.commit == commit_for("flask")
    assert sbom.provenance.patches == ()


@pytest.mark.parametrize(
    ("creators", "supplier", "expected"),
    [
        (["Organization: Chainguard, Inc"], None, True),
        (["organization: CHAINGUARD"], None, True),
        (["Tool: Syft"], "Organization: Chainguard, Inc.", True),
        (["Tool: chainguard-lookalike", "Organization: Example"], None, False),
        (["Tool: Syft"], None, False),
    ],
)
def test_who_wrote_it(creators: list[str], supplier: str | None, expected: bool) -> None:
    sbom = _read(spdx_sbom("flask", "3.0.2", creators=creators, supplier=supplier))
    assert sbom.is_chainguard is expected


def test_download_location_fills_in_repository_and_commit() -> None:
    sbom = _read(
        _document(
            sourceInfo="Build by Chainguard, Inc.",
            downloadLocation=f"git+https://github.com/pallets/flask@{SHA}",
        )
    )
    assert sbom.provenance.repository == "https://github.com/pallets/flask"
    assert sbom.provenance.commit == SHA
    assert sbom.provenance.source == f"https://github.com/pallets/flask@{SHA}"


def test_purl_vcs_url_fills_in() -> None:
    locator = f"pkg:pypi/flask@3.0.2?vcs_url=git%2Bhttps://github.com/pallets/flask.git%40{SHA}"
    sbom = _read(
        _document(
            externalRefs=[
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": locator,
                }
            ]
        )
    )
    assert sbom.provenance.repository == "https://github.com/pallets/flask.git"
    assert sbom.provenance.commit == SHA


def test_sentence_wins_over_download_location() -> None:
    sbom = _read(
        _document(
            sourceInfo=(
                f"Build by Chainguard, Inc. from git+https://a.example/x, tag: 1, commit id: {SHA}."
            ),
            downloadLocation="git+https://b.example/y@0000000",
        )
    )
    assert sbom.provenance.repository == "https://a.example/x"
    assert sbom.provenance.commit == SHA


def test_words_after_from_that_are_no_repository() -> None:
    sbom = _read(_document(sourceInfo=f"Build by Chainguard, Inc. from source, commit id: {SHA}."))
    assert sbom.provenance.repository is None
    assert sbom.provenance.source == SHA


def test_no_source_at_all() -> None:
    sbom = _read(_document(downloadLocation="NOASSERTION"))
    assert sbom.provenance.source is None


def test_patches_from_annotations_and_relationships() -> None:
    document = _document(
        annotations=[
            {"annotationType": "OTHER", "comment": "Patch applied: GHSA-xxxx-yyyy-zzzz.patch"},
            {"annotationType": "REVIEW", "comment": "reviewed by the build system"},
        ]
    )
    document["files"] = [{"fileName": "fix-cookie.diff", "SPDXID": "SPDXRef-File-1"}]
    document["relationships"] = [
        {
            "spdxElementId": "SPDXRef-File-1",
            "relationshipType": "PATCH_FOR",
            "relatedSpdxElement": "SPDXRef-Package-flask",
        }
    ]
    sbom = _read(document)
    assert sbom.provenance.patches == ("GHSA-xxxx-yyyy-zzzz.patch", "fix-cookie.diff")


def test_same_patch_named_twice_is_listed_once() -> None:
    sbom = _read(spdx_sbom("flask", "3.0.2", patches=["a.patch", "b.patch"]))
    assert sbom.provenance.patches == ("a.patch", "b.patch")


def test_described_package_among_several() -> None:
    document = _document()
    document["packages"].insert(
        0, {"name": "werkzeug", "SPDXID": "SPDXRef-Package-werkzeug", "versionInfo": "3.0.1"}
    )
    document["documentDescribes"] = ["SPDXRef-Package-flask"]
    assert _read(document).package_name == "flask"
    document["documentDescribes"] = ["SPDXRef-Package-werkzeug"]
    assert _read(document).package_name == "werkzeug"  # then the name check fails


def test_undescribed_packages_are_matched_by_name() -> None:
    document = _document()
    document["packages"].append({"name": "werkzeug", "SPDXID": "SPDXRef-W"})
    assert _read(document).package_name == "flask"
    assert _read(document, name="click").package_name is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"flask\.dist-info:1: invalid JSON"),
        ('{"creationInfo": {"creators": "Organization: Chainguard"}}', "creationInfo.creators"),
        ('{"packages": [{"name": 3}]}', r"packages\[0\]\.name: expected a string"),
        ("[]", "expected a table"),
    ],
)
def test_malformed_sboms_name_the_place(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        _read(text.encode())


def test_sbom_paths() -> None:
    assert is_spdx_sbom_path("x-1.dist-info/sboms/sbom.spdx.json", "x-1.dist-info")
    assert is_spdx_sbom_path("x-1.dist-info/sboms/other.spdx.json", "x-1.dist-info")
    assert not is_spdx_sbom_path("x-1.dist-info/sboms/bom.cdx.json", "x-1.dist-info")
    assert not is_spdx_sbom_path("x/sboms/sbom.spdx.json", "x-1.dist-info")
