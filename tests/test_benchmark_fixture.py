"""The benchmark's captured index pages and the local index that serves them.

``benchmarks/data/real-pages.json.xz`` holds real PEP 691 pages with one pin per project;
``benchmarks/_real_index.py`` serves them on 127.0.0.1 (here: plain http, no latency).
"""

from __future__ import annotations

import email.parser
import importlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
PYPI_FILES = b"https://files.pythonhosted.org/"


@pytest.fixture(scope="module")
def real_index() -> Iterator[ModuleType]:
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(BENCHMARKS))  # the module imports its sibling scripts
        yield importlib.import_module("_real_index")


@pytest.fixture(scope="module")
def fixture(real_index: ModuleType) -> Any:
    return real_index.load_fixture()


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def test_the_fixture_holds_real_pages_with_a_pin_each(fixture: Any) -> None:
    projects = fixture.projects
    assert len(projects) >= 100
    assert {"numpy", "torch", "botocore"} <= set(projects)
    for name, project in projects.items():
        page = json.loads(project.page)
        assert canonicalize_name(page["name"]) == name
        pin = Version(project.pin)
        if "versions" in page:
            assert project.pin in page["versions"], name
        filenames = {entry["filename"] for entry in page["files"]}
        assert project.metadata, f"{name}: no metadata file for the pin"
        for filename, data in project.metadata.items():
            assert filename in filenames, f"{name}: {filename} is not on the page"
            assert parse_wheel_filename(filename)[1] == pin
            headers = email.parser.BytesParser().parsebytes(data, headersonly=True)
            assert canonicalize_name(headers["Name"]) == name
            assert Version(headers["Version"]) == pin
    pins = (BENCHMARKS / "data" / "real-pins.txt").read_text().splitlines()
    assert [line for line in pins if not line.startswith("#")] == [
        f"{p.name}=={p.pin}" for p in projects.values()
    ]


def test_the_local_index_serves_pages_byte_for_byte_and_metadata(
    real_index: ModuleType, fixture: Any
) -> None:
    numpy = fixture.projects["numpy"]
    with real_index.serve_in_thread(fixture) as site:
        url = f"{site.origin}/simple/numpy/"
        status, headers, body = _get(url, Accept=JSON_TYPE)
        assert status == 200
        assert headers["content-type"] == JSON_TYPE
        # the captured bytes, only the file host replaced by this server
        assert PYPI_FILES in numpy.page
        assert body == numpy.page.replace(PYPI_FILES, f"{site.origin}/files/".encode())

        filename, metadata = next(iter(numpy.metadata.items()))
        (entry,) = [e for e in json.loads(body)["files"] if e["filename"] == filename]
        assert entry["url"].startswith(site.origin + "/files/")
        assert _get(entry["url"] + ".metadata")[:3:2] == (200, metadata)
        assert _get(entry["url"])[0] == 404  # the distributions themselves are not stored

        status, _, again = _get(url, Accept=JSON_TYPE, **{"If-None-Match": headers["etag"]})
        assert (status, again) == (304, b"")

        status, html_headers, page = _get(url, Accept="text/html")
        assert status == 200
        assert html_headers["content-type"] == "text/html"
        assert html_headers["etag"] != headers["etag"]
        sha256 = entry["hashes"]["sha256"]
        assert f'<a href="{entry["url"]}#sha256={sha256}"'.encode() in page

        assert _get(f"{site.origin}/simple/no-such-project/", Accept=JSON_TYPE)[0] == 404
