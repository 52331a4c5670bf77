"""The index's wheel RECORD read with HTTP range requests, against pypiserver on 127.0.0.1.

The index serves (conftest.py ``index_root``):

- aiohttp, jinja2, six: the very wheels that were installed;
- flask: the installed wheel's members re-zipped, with a short archive comment;
- bigblob (3 MB incompressible): re-zipped as ZIP64 with a 23 KB archive comment;
- requests 2.31.0: another build (other content) of the installed version;
- itsdangerous 2.1.2: only a manylinux wheel (the installed one is py3-none-any);
- markupsafe: nothing;
- plainblob, frontblob: 3 MB wheels, the second with RECORD as its first member;
- notzip: a "wheel" that is not a ZIP archive.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.tags import Tag
from packaging.utils import canonicalize_name
from packaging.version import Version
from pytest_httpserver import HTTPServer

from cg_action._cli import main
from cg_action._index import IndexClient
from cg_action._models import ClientSettings, Found, IndexConfig
from cg_action._verify._check import verify_paths
from cg_action._verify._model import Evidence, IndexCheck, PackageResult, Verdict
from cg_action._verify._remote import (
    TAIL_BYTES,
    RemoteRecord,
    _apply_zip64,
    fetch_wheel_record,
    read_remote_member,
)
from tests._servers import LocalIndex, free_port
from tests.verify.conftest import Venv, Wheelhouse

# A suffix long enough for the longest comment: ZIP64 end record and locator, EOCD, comment.
EOCD_SEARCH = 56 + 20 + 22 + 0xFFFF


@pytest.fixture
def client() -> Iterator[IndexClient]:
    with IndexClient(ClientSettings(cache_dir=None, max_retries=0)) as index_client:
        yield index_client


def _wheel_url(client: IndexClient, index: IndexConfig, name: str) -> tuple[str, Path]:
    answer = client.get_projects(index, [canonicalize_name(name)])[canonicalize_name(name)]
    assert isinstance(answer, Found)
    (wheel,) = [f for f in answer.project.files if f.is_wheel]
    return wheel.url, Path(wheel.filename)


def _record_of(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/RECORD")]
        return archive.read(name)


def test_plain_wheel_costs_one_tail_read(
    local_index: LocalIndex, index_root: Path, client: IndexClient
) -> None:
    index = IndexConfig(url=local_index.url)
    url, filename = _wheel_url(client, index, "plainblob")
    size = (index_root / filename).stat().st_size
    member = read_remote_member(client, index, url, "*/RECORD")
    assert member.name == "plainblob-1.0.dist-info/RECORD"
    assert member.data == _record_of(index_root / filename)
    assert member.archive_size == size > 3_000_000
    assert member.requests == 1  # the tail held the end record, the directory and RECORD
    assert member.bytes_fetched == TAIL_BYTES


def test_record_at_the_front_costs_one_more_read(
    local_index: LocalIndex, index_root: Path, client: IndexClient
) -> None:
    index = IndexConfig(url=local_index.url)
    url, filename = _wheel_url(client, index, "frontblob")
    path = index_root / filename
    with zipfile.ZipFile(path) as archive:
        first = archive.infolist()[0]
    assert first.filename.endswith("/RECORD")
    assert first.header_offset == 0
    member = read_remote_member(client, index, url, "*/RECORD")
    assert member.data == _record_of(path)
    assert member.requests == 2
    # the local header, the name, the slack for a longer local extra field, the data
    assert (
        member.bytes_fetched == TAIL_BYTES + 30 + len(first.filename) + 1024 + first.compress_size
    )
    assert member.bytes_fetched < path.stat().st_size // 100


def test_zip64_with_a_long_comment(
    local_index: LocalIndex, index_root: Path, client: IndexClient
) -> None:
    index = IndexConfig(url=local_index.url)
    url, filename = _wheel_url(client, index, "bigblob")
    path = index_root / filename
    assert path.read_bytes().endswith(b"as some build tools write. ")  # ends in the comment
    member = read_remote_member(client, index, url, "*/RECORD")
    assert member.data == _record_of(path)
    assert member.requests == 2  # 16 KiB, then the longest suffix that can hold the EOCD
    assert member.bytes_fetched == TAIL_BYTES + EOCD_SEARCH
    assert member.bytes_fetched < path.stat().st_size // 30


def test_short_comment(local_index: LocalIndex, index_root: Path, client: IndexClient) -> None:
    index = IndexConfig(url=local_index.url)
    url, filename = _wheel_url(client, index, "flask")
    member = read_remote_member(client, index, url, "*/RECORD")
    assert member.data == _record_of(index_root / filename)


def test_verify_against_the_index(venv: Venv, local_index: LocalIndex, client: IndexClient) -> None:
    # the local index stands for a Chainguard one: there a RECORD match verifies
    index = IndexConfig(url=local_index.url)
    report = verify_paths([venv.path], index=index, client=client, index_is_chainguard=True)
    assert report.index_url == local_index.url
    by_name: dict[str, PackageResult] = {p.name: p for p in report.packages}
    verified = sorted(p.name for p in report.packages if p.verdict is Verdict.VERIFIED)
    assert verified == ["aiohttp", "bigblob", "flask", "six"]
    assert report.coverage_percent == pytest.approx(100 * 4 / 9)

    six = by_name["six"]  # no SBOM, but byte-for-byte what the index serves
    assert six.evidence == (Evidence.INDEX_RECORD,)
    assert six.reason == "matched the index's wheel RECORD"
    assert six.index is not None
    assert six.index.outcome is IndexCheck.MATCHED

    flask = by_name["flask"]
    assert flask.evidence == (Evidence.SBOM, Evidence.INDEX_RECORD)
    bigblob = by_name["bigblob"]
    assert bigblob.index is not None
    assert bigblob.index.outcome is IndexCheck.MATCHED
    assert bigblob.index.wheel_size is not None
    assert bigblob.index.bytes_fetched == TAIL_BYTES + EOCD_SEARCH < bigblob.index.wheel_size // 30

    jinja2 = by_name["jinja2"]  # SBOM edited after install: the index's RECORD says so too
    assert jinja2.verdict is Verdict.NOT_VERIFIED
    assert jinja2.index is not None
    assert jinja2.index.outcome is IndexCheck.DIFFERENT
    assert jinja2.reason == "files differ from the index's wheel RECORD: 1 changed"
    assert jinja2.index.detail.endswith("(first: jinja2-3.1.3.dist-info/sboms/sbom.spdx.json)")

    requests = by_name["requests"]  # another build of the same version
    assert requests.index is not None
    assert requests.index.outcome is IndexCheck.DIFFERENT
    assert requests.index.detail.endswith("(first: requests/__init__.py)")

    itsdangerous = by_name["itsdangerous"]
    assert itsdangerous.index is not None
    assert itsdangerous.index.outcome is IndexCheck.NO_WHEEL
    assert itsdangerous.index.detail == "the index has no wheel of 2.1.2 for py3-none-any"

    markupsafe = by_name["markupsafe"]
    assert markupsafe.index is not None
    assert markupsafe.index.outcome is IndexCheck.NO_WHEEL
    assert markupsafe.reason.startswith("Chainguard SBOM describes markupsafe 2.1.4")
    assert by_name["legacy-thing"].index is None  # egg-info: nothing to compare


def test_unreachable_index_is_unavailable_not_a_verdict(venv: Venv, client: IndexClient) -> None:
    index = IndexConfig(url=f"http://127.0.0.1:{free_port()}/simple/")
    report = verify_paths([venv.path], index=index, client=client)
    local = verify_paths([venv.path])
    assert [(p.name, p.verdict, p.reason) for p in report.packages] == [
        (p.name, p.verdict, p.reason) for p in local.packages
    ]
    compared = [p for p in report.packages if p.index is not None]
    assert len(compared) == 8
    assert {p.index.outcome for p in compared if p.index} == {IndexCheck.UNAVAILABLE}


def test_cli_with_index_url(venv: Venv, local_index: LocalIndex) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["verify", str(venv.path), "--index-url", local_index.url, "--no-cache", "--no-netrc"]
    assert main(argv, env={}, out=out, err=err) == 0, err.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[:3] == [
        "Verification coverage: 33.33%",
        "Verified packages: 3 of 9",
        f"Compared with the index: {local_index.url}",
    ]
    # a local index is not Chainguard's: its RECORD match is told, it verifies nothing
    (six,) = [line for line in lines if line.startswith("six ")]
    assert six.split(None, 3)[2] == "not-verified"
    assert "files match the wheel RECORD of the index at 127.0.0.1:" in six


def test_not_a_zip_archive_is_unavailable(local_index: LocalIndex, client: IndexClient) -> None:
    index = IndexConfig(url=local_index.url)
    answer = client.get_projects(index, [canonicalize_name("notzip")])[canonicalize_name("notzip")]
    assert isinstance(answer, Found)
    tags = frozenset({Tag("py3", "none", "any")})
    result = fetch_wheel_record(client, index, answer.project, Version("1.0"), tags)
    assert not isinstance(result, RemoteRecord)
    assert result.outcome is IndexCheck.UNAVAILABLE
    assert result.detail == (
        "could not read the RECORD of notzip-1.0-py3-none-any.whl: "
        "no End of Central Directory record: not a ZIP archive"
    )
    assert result.wheel_url is not None
    assert result.wheel_url.startswith("http://127.0.0.1:")


def test_zip64_extra_field_replaces_placeholders() -> None:
    import struct

    extra = struct.pack("<HH", 0x5455, 5) + b"\x01abcd"  # an unrelated extended-timestamp field
    extra += struct.pack("<HHQQ", 0x0001, 16, 5_000_000_000, 4_900_000_000)
    assert _apply_zip64(extra, 0xFFFFFFFF, 0xFFFFFFFF, 1234) == (
        5_000_000_000,
        4_900_000_000,
        1234,
    )
    only_offset = struct.pack("<HHQ", 0x0001, 8, 6_000_000_000)
    assert _apply_zip64(only_offset, 10, 9, 0xFFFFFFFF) == (10, 9, 6_000_000_000)


def test_no_head_request_is_sent(
    httpserver: HTTPServer, wheelhouse: Wheelhouse, client: IndexClient
) -> None:
    """A pre-signed file host may refuse HEAD (403): only GETs with suffix ranges are sent.

    pytest-httpserver stands in for such a host on 127.0.0.1, serving one real wheel.
    """
    from werkzeug import Request, Response

    data = wheelhouse.wheels["bigblob"].read_bytes()
    seen: list[tuple[str, str | None]] = []

    def serve(request: Request) -> Response:
        seen.append((request.method, request.headers.get("Range")))
        if request.method != "GET":
            return Response(status=403)
        first, _, last = request.headers["Range"].removeprefix("bytes=").partition("-")
        start = len(data) - int(last) if first == "" else int(first)
        end = len(data) - 1 if first == "" or not last else int(last)
        headers = {"Content-Range": f"bytes {start}-{end}/{len(data)}"}
        return Response(data[start : end + 1], status=206, headers=headers)

    httpserver.expect_request("/files/bigblob-1.0-py3-none-any.whl").respond_with_handler(serve)
    index = IndexConfig(url=httpserver.url_for("/simple/"))
    url = httpserver.url_for("/files/bigblob-1.0-py3-none-any.whl")
    member = read_remote_member(client, index, url, "*/RECORD")
    assert member.data == _record_of(wheelhouse.wheels["bigblob"])
    assert seen == [("GET", f"bytes=-{TAIL_BYTES}")]
    assert member.archive_size == len(data)
