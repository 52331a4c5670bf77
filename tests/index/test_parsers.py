"""The PEP 691 JSON and PEP 503 HTML parsers on sample pages shaped like real servers'."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from cg_action._index import PageError, parse_html_page, parse_json_page
from cg_action._index._files import hash_from_fragment, version_of
from cg_action._models import Hash, IndexProject

from . import _pages

Parser = Callable[[str], IndexProject]


def _json(text: str | bytes) -> IndexProject:
    return parse_json_page(
        text,
        _pages.CHAINGUARD_PAGE_URL,
        name=canonicalize_name("flask"),
        index_url=_pages.CHAINGUARD_INDEX,
    )


def _html(text: str) -> IndexProject:
    return parse_html_page(
        text,
        _pages.CHAINGUARD_PAGE_URL,
        name=canonicalize_name("flask"),
        index_url=_pages.CHAINGUARD_INDEX,
    )


@pytest.fixture(params=["json", "html"])
def chainguard_flask(request: pytest.FixtureRequest) -> IndexProject:
    """The same Chainguard-like flask page, read from its JSON and from its HTML form."""
    if request.param == "json":
        return _json(_pages.CHAINGUARD_JSON)
    return _html(_pages.CHAINGUARD_HTML)


def test_both_forms_list_the_same_files(chainguard_flask: IndexProject) -> None:
    project = chainguard_flask
    assert project.name == "flask"
    assert project.index_url == _pages.CHAINGUARD_INDEX
    assert [f.filename for f in project.files] == [
        "flask-3.0.2-py3-none-any.whl",
        "flask-3.0.2.tar.gz",
        "Flask-2.3.3-py3-none-any.whl",
    ]
    assert [f.url for f in project.files] == [
        "https://libraries.cgr.dev/files/flask/flask-3.0.2-py3-none-any.whl",
        "https://libraries.cgr.dev/files/1a/2b/flask/flask-3.0.2.tar.gz",
        "https://libraries.cgr.dev/python-upstream/simple/flask/2.3.3/Flask-2.3.3-py3-none-any.whl",
    ]
    assert project.versions == (Version("2.3.3"), Version("3.0.2"))


def test_both_forms_carry_hashes_and_attributes(chainguard_flask: IndexProject) -> None:
    wheel, sdist, old = chainguard_flask.files
    assert wheel.hashes == (Hash(algorithm="sha256", value=_pages.SHA_WHEEL),)
    assert sdist.hashes == (Hash(algorithm="sha256", value=_pages.SHA_SDIST),)
    assert old.hashes == ()
    assert wheel.requires_python == ">=3.8"
    assert wheel.has_core_metadata
    assert not sdist.has_core_metadata
    assert (wheel.yanked, old.yanked) == (False, True)
    assert old.yanked_reason == "broken metadata"
    assert wheel.is_wheel
    assert not sdist.is_wheel
    assert chainguard_flask.files_for(Version("3.0.2")) == (wheel, sdist)


def test_pypiserver_page() -> None:
    project = parse_html_page(
        _pages.PYPISERVER_HTML,
        _pages.PYPISERVER_URL,
        name=canonicalize_name("six"),
        index_url="http://127.0.0.1:8080/simple/",
    )
    assert [f.url for f in project.files] == [
        "http://127.0.0.1:8080/packages/six-1.16.0-py2.py3-none-any.whl",
        "http://127.0.0.1:8080/packages/six-1.16.0.tar.gz",
    ]
    assert project.versions == (Version("1.16.0"),)


def test_devpi_page_with_attribute_before_href() -> None:
    project = parse_html_page(
        _pages.DEVPI_HTML,
        _pages.DEVPI_URL,
        name=canonicalize_name("attrs"),
        index_url="http://127.0.0.1:3141/team/prod/+simple/",
    )
    (wheel,) = project.files
    assert (
        wheel.url
        == "http://127.0.0.1:3141/team/prod/+f/aaa/bbbbbbbbbbbbbbb/attrs-23.2.0-py3-none-any.whl"
    )
    assert wheel.requires_python == ">=3.7"
    assert wheel.version == Version("23.2.0")


def test_artifactory_quirks() -> None:
    project = parse_html_page(
        _pages.ARTIFACTORY_HTML,
        _pages.ARTIFACTORY_URL,
        name=canonicalize_name("requests"),
        index_url="https://acme.jfrog.io/artifactory/api/pypi/pypi-remote/simple/",
    )
    base = "https://acme.jfrog.io/artifactory/api/pypi/pypi-remote/packages/packages/"
    # the folder link "../" is not a file; the unclosed <A> still counts; <BASE HREF> applies
    assert [f.url for f in project.files] == [
        base + "requests-2.31.0-py3-none-any.whl",
        base + "requests-2.31.0.tar.gz",
        base + "requests-2.30.0.tar.gz",
    ]
    wheel, sdist, old = project.files
    assert wheel.requires_python == ">=3.7"
    assert sdist.hashes == (Hash(algorithm="md5", value="0123456789abcdef0123456789abcdef"),)
    assert old.yanked
    assert old.yanked_reason is None
    assert project.versions == (Version("2.30.0"), Version("2.31.0"))


def test_nexus_page_strips_credentials_and_tolerates_odd_names() -> None:
    project = parse_html_page(
        _pages.NEXUS_HTML,
        _pages.NEXUS_URL,
        name=canonicalize_name("python-dateutil"),
        index_url="https://nexus.example.com/repository/pypi-all/simple/",
    )
    wheel, sdist, odd = project.files
    assert wheel.version == Version("2.9.0.post0")
    assert wheel.requires_python == "!=3.0.*,!=3.1.*,!=3.2.*,>=2.7"
    assert sdist.url.startswith("https://nexus.example.com/repository/")
    assert "fake-password" not in sdist.url
    assert sdist.version == Version("2.8.2")
    assert odd.version is None
    assert project.versions == (Version("2.8.2"), Version("2.9.0.post0"))


def test_empty_simple_page_is_a_project_without_files() -> None:
    page = "<!DOCTYPE html><html><body><h1>Links for flask</h1></body></html>"
    project = _html(page)
    assert project.files == ()
    assert project.versions == ()


@pytest.mark.parametrize(
    "page",
    ["", "Service temporarily down", "{'json': 'no'}", '<meta name="x" content="y">'],
)
def test_text_that_is_not_a_simple_page_is_rejected(page: str) -> None:
    with pytest.raises(PageError, match="not a simple index page"):
        _html(page)


def test_html_with_a_newer_major_api_version_is_rejected() -> None:
    page = '<html><head><meta name="pypi:repository-version" content="2.0"></head></html>'
    with pytest.raises(PageError, match="unsupported simple API version"):
        _html(page)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "malformed JSON"),
        ("[]", "expected dict"),
        ('{"meta": {"api-version": "1.0"}, "name": "flask"}', "no 'files' key"),
        ('{"meta": {"api-version": "2.0"}, "files": []}', "unsupported simple API version"),
        ('{"files": {"a": 1}}', "files: expected list"),
        ('{"files": [{"filename": "flask-1.0.tar.gz"}]}', r"files\[0\]\.url"),
        (
            '{"files": [{"filename": "flask-1.0.tar.gz", "url": "x", "hashes": {"sha256": 5}}]}',
            r"files\[0\]\.hashes\.sha256",
        ),
        (
            '{"files": [{"filename": "flask-1.0.tar.gz", "url": "x", "yanked": 1}]}',
            r"files\[0\]\.yanked",
        ),
        ('{"files": [], "versions": "1.0"}', "versions: expected list"),
    ],
)
def test_malformed_json_names_the_key(document: str, message: str) -> None:
    with pytest.raises(PageError, match=message):
        _json(document)


def test_json_accepts_bytes_and_relative_urls() -> None:
    document = {
        "meta": {"api-version": "1.0"},
        "name": "flask",
        "files": [{"filename": "flask-1.0.tar.gz", "url": "flask-1.0.tar.gz", "hashes": {}}],
    }
    project = _json(json.dumps(document).encode())
    (sdist,) = project.files
    assert sdist.url == _pages.CHAINGUARD_PAGE_URL + "flask-1.0.tar.gz"
    assert sdist.version == Version("1.0")


def test_pep700_versions_add_versions_without_files() -> None:
    document = {"meta": {"api-version": "1.1"}, "files": [], "versions": ["1.0", "not a version"]}
    assert _json(json.dumps(document)).versions == (Version("1.0"),)


def test_remediated_local_versions_are_kept() -> None:
    page = (
        '<html><body><a href="/files/flask/flask-2.0.0+cgr.1-py3-none-any.whl">x</a>'
        '<a href="/files/flask/flask-2.0.0.tar.gz">y</a></body></html>'
    )
    project = _html(page)
    assert project.versions == (Version("2.0.0"), Version("2.0.0+cgr.1"))
    assert project.files_for(Version("2.0.0+cgr.1"))[0].filename.startswith("flask-2.0.0+cgr.1")


def test_filename_falls_back_to_the_link_text() -> None:
    page = '<html><body><a href="/download?id=17">flask-1.0.tar.gz</a></body></html>'
    (sdist,) = _html(page).files
    assert sdist.filename == "flask-1.0.tar.gz"
    assert sdist.url == "https://libraries.cgr.dev/download?id=17"


@pytest.mark.parametrize(
    ("filename", "name", "expected"),
    [
        ("flask-3.0.2-py3-none-any.whl", "flask", "3.0.2"),
        ("Flask-3.0.2.tar.gz", "flask", "3.0.2"),
        ("python-dateutil-2.8.2.tar.gz", "python-dateutil", "2.8.2"),
        ("foo-bar-1.0.tar.gz", "foo", None),  # another project's file
        ("foo-1.0.tar.bz2", "foo", "1.0"),
        ("foo-1.0-py3.8.egg", "foo", "1.0"),
        ("foo-latest.zip", "foo", None),
        ("foo-1.0.whl", "foo", None),  # too few parts for a wheel
        ("foo.exe", "foo", None),
    ],
)
def test_version_of(filename: str, name: str, expected: str | None) -> None:
    found = version_of(filename, NormalizedName(name))
    assert found == (Version(expected) if expected else None)


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("sha256=ABC", Hash(algorithm="sha256", value="abc")),
        ("md5=0f", Hash(algorithm="md5", value="0f")),
        ("egg=foo", None),
        ("sha256=", None),
        ("", None),
    ],
)
def test_hash_from_fragment(fragment: str, expected: Hash | None) -> None:
    assert hash_from_fragment(fragment) == expected


def test_the_written_out_hash_names_are_hashlibs_guaranteed_ones() -> None:
    import hashlib

    from cg_action._index._files import _HASH_NAMES

    assert frozenset(hashlib.algorithms_guaranteed) == _HASH_NAMES
