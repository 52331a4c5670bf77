"""The PEP 700 ``upload-time`` and ``size`` of index files: read from JSON pages, kept through
the cache."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from packaging.utils import canonicalize_name

from cg_action._index._cache import decode_project, encode_project
from cg_action._index._files import PageError
from cg_action._index._json import parse_json_page

FLASK = canonicalize_name("flask")
INDEX = "https://pypi.org/simple/"
PAGE_URL = "https://pypi.org/simple/flask/"


def _page(*times: object) -> str:
    files = []
    for number, value in enumerate(times):
        entry: dict[str, object] = {
            "filename": f"flask-1.{number}.tar.gz",
            "url": f"https://files.example/flask-1.{number}.tar.gz",
            "hashes": {"sha256": f"{number:064x}"},
        }
        if value is not ...:
            entry["upload-time"] = value
        files.append(entry)
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "flask", "files": files})


UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # PEP 700's own form, with the microseconds PyPI writes
        ("2024-02-06T23:28:29.271823Z", dt.datetime(2024, 2, 6, 23, 28, 29, 271823, tzinfo=UTC)),
        # no fraction, an explicit offset, and fractions of other lengths
        ("2024-02-06T23:28:29Z", dt.datetime(2024, 2, 6, 23, 28, 29, tzinfo=UTC)),
        ("2024-02-07T01:28:29+02:00", dt.datetime(2024, 2, 6, 23, 28, 29, tzinfo=UTC)),
        ("2024-02-06T23:28:29.5Z", dt.datetime(2024, 2, 6, 23, 28, 29, 500000, tzinfo=UTC)),
        ("2024-02-06T23:28:29.123456789Z", dt.datetime(2024, 2, 6, 23, 28, 29, 123456, tzinfo=UTC)),
        # no zone: PEP 700 says UTC
        ("2024-02-06T23:28:29", dt.datetime(2024, 2, 6, 23, 28, 29, tzinfo=UTC)),
    ],
)
def test_upload_time_is_read_as_an_aware_datetime(text: str, expected: dt.datetime) -> None:
    project = parse_json_page(_page(text), PAGE_URL, name=FLASK, index_url=INDEX)
    (file,) = project.files
    assert file.upload_time == expected
    assert file.upload_time is not None
    assert file.upload_time.utcoffset() == dt.timedelta(0)


def test_absent_null_or_unreadable_upload_time_is_none() -> None:
    project = parse_json_page(
        _page(..., None, "yesterday", "2024-13-45T00:00:00Z"), PAGE_URL, name=FLASK, index_url=INDEX
    )
    assert [f.upload_time for f in project.files] == [None, None, None, None]
    assert len(project.files) == 4  # the files themselves are still read


def test_an_upload_time_of_the_wrong_type_makes_the_page_unreadable() -> None:
    with pytest.raises(PageError, match=r"files\[0\]\.upload-time"):
        parse_json_page(_page(1707262109), PAGE_URL, name=FLASK, index_url=INDEX)


def test_upload_time_survives_the_cache() -> None:
    page = _page("2024-02-06T23:28:29.271823Z", ...)
    project = parse_json_page(page, PAGE_URL, name=FLASK, index_url=INDEX)
    stored = decode_project(encode_project(project), name=FLASK, index_url=INDEX)
    assert stored == project
    assert [f.upload_time for f in stored.files] == [
        dt.datetime(2024, 2, 6, 23, 28, 29, 271823, tzinfo=UTC),
        None,
    ]


OLD_ENTRY: list[object] = [
    "flask-1.0.tar.gz",
    "https://files.example/flask-1.0.tar.gz",
    "1.0",
    [],
    None,
]


def test_a_cache_entry_written_before_upload_times_is_still_read() -> None:
    older = {
        "files": [[*OLD_ENTRY, False, None, False]],
        "versions": ["1.0"],
    }
    project = decode_project(json.dumps(older).encode(), name=FLASK, index_url=INDEX)
    assert [f.upload_time for f in project.files] == [None]


def test_a_damaged_upload_time_in_the_cache_is_a_damaged_entry() -> None:
    entry = {
        "files": [[*OLD_ENTRY, False, None, False, "not a time"]],
        "versions": ["1.0"],
    }
    with pytest.raises(PageError, match="damaged cache entry"):
        decode_project(json.dumps(entry).encode(), name=FLASK, index_url=INDEX)


def _sized_page(*sizes: object, uploaded: str | None = None) -> str:
    document = json.loads(_page(*[uploaded or ... for _ in sizes]))
    for entry, size in zip(document["files"], sizes, strict=True):
        if size is not ...:
            entry["size"] = size
    return json.dumps(document)


def test_size_is_read_from_json_pages_and_a_wrong_one_is_left_out() -> None:
    page = _sized_page(1234, 0, ..., None, -1, True, "12", 1.5)
    project = parse_json_page(page, PAGE_URL, name=FLASK, index_url=INDEX)
    assert [f.size for f in project.files] == [1234, 0, None, None, None, None, None, None]


@pytest.mark.parametrize("uploaded", [None, "2024-02-06T23:28:29.271823Z"])
def test_size_survives_the_cache(uploaded: str | None) -> None:
    page = _sized_page(1234, ..., uploaded=uploaded)
    project = parse_json_page(page, PAGE_URL, name=FLASK, index_url=INDEX)
    stored = decode_project(encode_project(project), name=FLASK, index_url=INDEX)
    assert stored == project
    assert [f.size for f in stored.files] == [1234, None]
    assert (stored.files[0].upload_time is None) == (uploaded is None)


@pytest.mark.parametrize("size", [-1, "12", True, 1.5])
def test_a_damaged_size_in_the_cache_is_a_damaged_entry(size: object) -> None:
    entry = {"files": [[*OLD_ENTRY, False, None, False, None, size]], "versions": ["1.0"]}
    with pytest.raises(PageError, match="damaged cache entry"):
        decode_project(json.dumps(entry).encode(), name=FLASK, index_url=INDEX)
