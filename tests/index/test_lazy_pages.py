"""Pages read the short way give what resolving and parsing every link gives.

A page's links are read with string work on their last segment (``link_filename``) and each
distinct piece of a file name parsed once (``FilenameReader``); ``IndexFile``s are made only
for the versions asked about. These tests hold that to the long way, written here from
``urllib.parse`` and ``packaging`` alone: on the real pages the benchmark captured (every
file of 119 projects, both page forms), on generated links and file names, and on the counts
(``releases``) a check reads instead of the files.
"""

from __future__ import annotations

import importlib
import json
import lzma
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from cg_action._index import PageError, parse_html_page, parse_json_page
from cg_action._index._files import DIST_SUFFIXES, FilenameReader, link_filename
from cg_action._models import FileListing, IndexProject, Release, releases_of
from cg_action._urls import is_upstream_fallback_url, redact_url

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
INDEX = "https://index.example/simple/"


def reference_filename(href: str, base_url: str) -> str:
    """The file name the long way: resolve, drop the fragment and any user-info, take the last
    segment."""
    absolute, _ = urldefrag(urljoin(base_url, href.strip()))
    path = urlsplit(redact_url(absolute)).path
    return "" if path.endswith("/") else unquote(path.rstrip("/").rpartition("/")[2])


def reference_version(filename: str, name: str) -> Version | None:
    """The version the long way: ``packaging``'s parsers on the whole name, once per file."""
    lower = filename.lower()
    try:
        if lower.endswith(".whl"):
            wheel_name, version, _, _ = parse_wheel_filename(filename)
            return version if wheel_name == name else None
        if lower.endswith((".tar.gz", ".zip")):
            sdist_name, version = parse_sdist_filename(filename)
            return version if sdist_name == name else None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    stem = filename
    for suffix in DIST_SUFFIXES:
        if lower.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if lower.endswith(".egg"):
        stem = stem.rsplit("-py", 1)[0]
    project, sep, raw = stem.rpartition("-")
    if not sep or canonicalize_name(project) != name:
        return None
    try:
        return Version(raw)
    except InvalidVersion:
        return None


def reference_files(
    links: list[tuple[str, str]], base_url: str, name: str
) -> list[tuple[str, str, Version | None]]:
    """(file name, URL, version) of each distribution link, the long way; ``links`` holds
    (href, the file name written beside it)."""
    found = []
    for href, written in links:
        filename = reference_filename(href, base_url)
        if not filename.lower().endswith(DIST_SUFFIXES):
            filename = written.strip()
            if not filename.lower().endswith(DIST_SUFFIXES):
                continue
        absolute, _ = urldefrag(urljoin(base_url, href.strip()))
        found.append((filename, redact_url(absolute), reference_version(filename, name)))
    return found


@pytest.fixture(scope="module")
def real_pages() -> list[dict[str, Any]]:
    document = json.loads(
        lzma.decompress((BENCHMARKS / "data" / "real-pages.json.xz").read_bytes())
    )
    projects: list[dict[str, Any]] = document["projects"]
    return projects


@pytest.fixture(scope="module")
def real_index() -> Iterator[ModuleType]:
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(BENCHMARKS))
        yield importlib.import_module("_real_index")


def _check_project(project: IndexProject, expected: list[tuple[str, str, Version | None]]) -> None:
    """``project``, read the short way, against the long way's files."""
    assert isinstance(project.files, FileListing)
    assert len(project.files) == len(expected)
    by_version: dict[Version | None, list[tuple[str, str]]] = {}
    for filename, url, version in expected:
        by_version.setdefault(version, []).append((filename, url))
    for version, files in by_version.items():
        if version is None:
            continue
        made = project.files_for(version)
        assert [(f.filename, f.url) for f in made] == files, version
        assert all(f.version == version for f in made)
    assert {v for v in by_version if v is not None} <= set(project.versions)
    # every file, made now, is the long way's file (order and versions)
    assert [(f.filename, f.url, f.version) for f in project.files] == expected
    assert dict(project.releases) == releases_of(project.files)


def test_real_json_pages_read_as_the_long_way_reads_them(real_pages: list[dict[str, Any]]) -> None:
    for entry in real_pages:
        name = canonicalize_name(entry["name"])
        page_url = f"{INDEX}{name}/"
        project = parse_json_page(entry["page"], page_url, name=name, index_url=INDEX)
        files = json.loads(entry["page"])["files"]
        expected = reference_files([(f["url"], f["filename"]) for f in files], page_url, name)
        _check_project(project, expected)
        assert Version(entry["pin"]) in project.releases, name


def test_real_html_pages_read_as_the_long_way_reads_them(
    real_pages: list[dict[str, Any]], real_index: ModuleType
) -> None:
    for entry in real_pages[::7]:  # a sample: the HTML form is generated from the JSON one
        name = canonicalize_name(entry["name"])
        page_url = f"{INDEX}{name}/"
        html = real_index.html_page(entry["page"].encode()).decode()
        project = parse_html_page(html, page_url, name=name, index_url=INDEX)
        links = []
        for file in json.loads(entry["page"])["files"]:
            hashes = file.get("hashes") or {}
            algorithm = "sha256" if "sha256" in hashes else min(hashes, default="")
            fragment = f"#{algorithm}={hashes[algorithm]}" if hashes else ""
            links.append((file["url"] + fragment, file["filename"]))
        _check_project(project, reference_files(links, page_url, name))


BASES = [
    "https://index.example/simple/flask/",
    "https://index.example/python-upstream/simple/flask/",
    "http://127.0.0.1:8080/a/b/c",
]
SEGMENT = st.text(alphabet=st.sampled_from("ab.-_+/:@?#%;[]\\ \t~!$&'()*=,é0179Fw"), max_size=12)


@settings(max_examples=3000, deadline=None)
@given(
    prefix=st.sampled_from(["", "/", "//", "https://", "https://h/", "../", "./", "http:", "x/"]),
    middle=SEGMENT,
    tail=SEGMENT,
    suffix=st.sampled_from(["", ".whl", ".tar.gz", ".zip", "/", "/.", "/..", "#sha256=ab"]),
    base=st.sampled_from(BASES),
)
@example(prefix="https://", middle="h", tail="", suffix="", base=BASES[0])
@example(prefix="", middle="", tail="http:b", suffix=".whl", base=BASES[0])
@example(prefix="https://[::1", middle="/x", tail="", suffix=".whl", base=BASES[0])
@example(prefix="//", middle="@/", tail="[", suffix="", base=BASES[0])  # an empty user-info
def test_a_link_read_from_its_text_is_the_resolved_links_name(
    prefix: str, middle: str, tail: str, suffix: str, base: str
) -> None:
    href = prefix + middle + "/" + tail + suffix if middle else prefix + tail + suffix
    quick = link_filename(href)
    try:
        expected = reference_files([(href, "flask-9.tar.gz")], base, "flask")
    except ValueError:  # urljoin cannot read it: neither can the page reader
        with pytest.raises(PageError):
            _one_link_page(href, base)
        return
    if quick is not None:
        assert quick == reference_filename(href, base), href
    # the page reader's own loop, on a page of this one link
    project = _one_link_page(href, base)
    assert [(f.filename, f.url, f.version) for f in project.files] == expected, href


def _one_link_page(href: str, base: str) -> IndexProject:
    document = {
        "meta": {"api-version": "1.0"},
        "files": [{"filename": "flask-9.tar.gz", "url": href}],
    }
    name = canonicalize_name("flask")
    return parse_json_page(json.dumps(document), base, name=name, index_url=INDEX)


NAMES = ["flask", "zope-interface", "foo-bar", "foo"]
NAME_PART = st.sampled_from(
    [
        "flask",
        "Flask",
        "zope.interface",
        "zope_interface",
        "foo-bar",
        "foo__bar",
        "foo",
        "",
        "fo o",
        "Foo_Bar",
    ]
)
VERSION_PART = st.sampled_from(
    [
        "1.0",
        "1.0.0",
        "2.4.6+cgr.1",
        "1.0rc1",
        "1.0-rc1",
        "v1",
        "latest",
        "1..0",
        "",
        "1.0.post1",
        "1!2.0",
        "2004d",
    ]
)
TAG_PARTS = st.sampled_from(
    [
        "py3",
        "cp311",
        "3py",
        "",
        "py2.py3",
        "py3.",
        "none",
        "abi3",
        "any",
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
        "win_amd64",
        "x.y.z",
    ]
)
TAGS = st.one_of(
    st.builds(lambda i, a, p: f"{i}-{a}-{p}", TAG_PARTS, TAG_PARTS, TAG_PARTS),
    st.sampled_from(
        [
            "py3-none-any",
            "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
            "py2.py3-none-any",
            "py3--any",
            "3py-none-any",
            "py3-none",
            "x-y-z",
        ]
    ),
)
BUILD = st.sampled_from(["", "1-", "1abc-", "abc-", "-"])
SUFFIX = st.sampled_from(
    [
        ".whl",
        ".WHL",
        ".tar.gz",
        ".TAR.GZ",
        ".zip",
        ".tar.bz2",
        ".egg",
        "-py3.8.egg",
        ".tgz",
        ".exe",
        "",
    ]
)


@settings(max_examples=3000, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    project=NAME_PART,
    version=VERSION_PART,
    build=BUILD,
    tags=TAGS,
    suffix=SUFFIX,
    wheel=st.booleans(),
)
def test_file_name_versions_are_packagings(
    name: str, project: str, version: str, build: str, tags: str, suffix: str, wheel: bool
) -> None:
    filename = (
        f"{project}-{version}-{build}{tags}{suffix}" if wheel else f"{project}-{version}{suffix}"
    )
    reader = FilenameReader(NormalizedName(name))
    expected = reference_version(filename, name)
    assert reader.version(filename) == expected, filename
    assert reader.version(filename) == expected, filename  # and again, from what it saw
    # and through a page's own loop, twice on one page (the second time from what it saw)
    if filename.lower().endswith(DIST_SUFFIXES) and "/" not in filename:
        entries = [{"filename": filename, "url": f"/f/{n}/{filename}"} for n in (1, 2)]
        document = json.dumps({"meta": {"api-version": "1.0"}, "files": entries})
        read = parse_json_page(
            document, INDEX + f"{name}/", name=NormalizedName(name), index_url=INDEX
        )
        assert [f.version for f in read.files] == [expected, expected], filename


def test_releases_count_files_yanked_and_upstream() -> None:
    page = {
        "meta": {"api-version": "1.1"},
        "versions": ["1.0", "2.0", "3.0"],
        "files": [
            {"filename": "flask-1.0.tar.gz", "url": "/files/flask-1.0.tar.gz", "yanked": True},
            {
                "filename": "flask-1.0-py3-none-any.whl",
                "url": "/files/flask-1.0-py3-none-any.whl",
                "yanked": "broken",
            },
            {"filename": "flask-2.0.tar.gz", "url": "../../../python-upstream/f/flask-2.0.tar.gz"},
            {"filename": "flask-2.0.0-py3-none-any.whl", "url": "flask-2.0.0-py3-none-any.whl"},
            {"filename": "odd.txt", "url": "odd.txt"},
        ],
    }
    project = parse_json_page(
        json.dumps(page),
        "https://libraries.cgr.dev/python/simple/flask/",
        name=canonicalize_name("flask"),
        index_url="https://libraries.cgr.dev/python/simple/",
    )
    assert len(project.files) == 4  # the text file is no distribution
    assert project.versions == (Version("1.0"), Version("2.0"), Version("3.0"))
    assert dict(project.releases) == {
        Version("1.0"): Release(files=2, yanked=2, upstream=0),
        Version("2.0"): Release(files=2, yanked=0, upstream=1),  # 2.0 and 2.0.0: one version
    }
    upstream, built = project.files_for(Version("2.0.0"))
    assert is_upstream_fallback_url(upstream.url)
    assert not is_upstream_fallback_url(built.url)
    assert project.files_for(Version("3.0")) == ()
    assert dict(project.releases) == releases_of(project.files)


def test_files_are_made_only_for_the_versions_asked() -> None:
    files = [
        {
            "filename": f"flask-{minor}.0-py3-none-any.whl",
            "url": f"flask-{minor}.0-py3-none-any.whl",
        }
        for minor in range(50)
    ]
    page = json.dumps({"meta": {"api-version": "1.0"}, "files": files})
    project = parse_json_page(
        page,
        "https://h/simple/flask/",
        name=canonicalize_name("flask"),
        index_url="https://h/simple/",
    )
    listing = project.files
    assert isinstance(listing, FileListing)
    assert len(listing) == 50
    assert len(project.releases) == 50
    made = [f for f in getattr(listing, "_made") if f is not None]  # noqa: B009 - what was made
    assert made == []
    (wheel,) = project.files_for(Version("7.0"))
    assert wheel.filename == "flask-7.0-py3-none-any.whl"
    assert [f for f in getattr(listing, "_made") if f is not None] == [wheel]  # noqa: B009
    assert project.files_for(Version("7.0"))[0] is wheel  # made once
    assert listing == tuple(listing)  # compares as the sequence of its files


def test_a_link_whose_url_cannot_be_read_makes_the_page_unreadable() -> None:
    page = '<a href="http://[::1/flask-1.0.tar.gz">flask-1.0.tar.gz</a>'
    with pytest.raises(PageError, match="cannot be read as a URL"):
        parse_html_page(
            page,
            "https://h/simple/flask/",
            name=canonicalize_name("flask"),
            index_url="https://h/simple/",
        )
