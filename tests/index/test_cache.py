"""The on-disk page cache: TTL hits without requests, revalidation, offline, sharing, secrecy."""

from __future__ import annotations

import base64
import dataclasses
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from cg_action._errors import IndexUnreachableError
from cg_action._index import IndexClient
from cg_action._index._cache import CachedPage, PageCache, cache_key
from cg_action._models import Absent, ClientSettings, Found, Unavailable

from .conftest import FAKE_PASSWORD, index_at

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
FLASK = canonicalize_name("flask")
ROOT = Path(__file__).resolve().parents[2]


def _page(version: str) -> str:
    return json.dumps(
        {
            "meta": {"api-version": "1.0"},
            "files": [
                {
                    "filename": f"flask-{version}.tar.gz",
                    "url": f"flask-{version}.tar.gz",
                    "hashes": {},
                }
            ],
        }
    )


def _settings(cache_dir: Path, **changes: object) -> ClientSettings:
    return dataclasses.replace(ClientSettings(cache_dir=cache_dir, max_retries=1), **changes)  # type: ignore[arg-type]


def _versions(answer: object) -> list[str]:
    assert isinstance(answer, Found), answer
    return [str(v) for v in answer.project.versions]


def test_fresh_entries_answer_without_a_request(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/simple/flask/").respond_with_data(_page("1.0"), content_type=JSON_TYPE)
    settings = _settings(tmp_path / "cache")
    names = [FLASK, canonicalize_name("absent")]
    with IndexClient(settings) as client:
        first = client.get_projects(index_at(server), names)
    assert len(server.log) == 2
    with IndexClient(settings) as client:
        second = client.get_projects(index_at(server), names)
        assert client.requests_sent == 0
    assert len(server.log) == 2
    assert first == second
    assert isinstance(second[canonicalize_name("absent")], Absent)


def test_stale_entries_are_revalidated(server: HTTPServer, tmp_path: Path) -> None:
    seen: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        seen.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(
            _page("1.0"),
            content_type=JSON_TYPE,
            headers={"ETag": '"v1"', "Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT"},
        )

    server.expect_request("/simple/flask/").respond_with_handler(handler)
    cache_dir = tmp_path / "cache"
    settings = _settings(cache_dir, cache_ttl=0.0)
    with IndexClient(settings) as client:
        first = client.get_projects(index_at(server), [FLASK])
    stored = PageCache(cache_dir).load(server.url_for("/simple/"), FLASK)
    assert stored is not None
    with IndexClient(settings) as client:
        second = client.get_projects(index_at(server), [FLASK])
    assert _versions(first[FLASK]) == _versions(second[FLASK]) == ["1.0"]
    assert "If-None-Match" not in seen[0]
    assert seen[1]["If-None-Match"] == '"v1"'
    assert seen[1]["If-Modified-Since"] == "Wed, 21 Oct 2026 07:28:00 GMT"
    refreshed = PageCache(cache_dir).load(server.url_for("/simple/"), FLASK)
    assert refreshed is not None
    assert refreshed.fetched_at > stored.fetched_at
    # the 304 kept the stored page: the same page (token) and summary, only a newer time
    assert (refreshed.token, refreshed.summary) == (stored.token, stored.summary)
    assert refreshed.token


def test_a_changed_page_replaces_the_entry(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_oneshot_request("/simple/flask/").respond_with_data(
        _page("1.0"), content_type=JSON_TYPE
    )
    server.expect_request("/simple/flask/").respond_with_data(_page("2.0"), content_type=JSON_TYPE)
    settings = _settings(tmp_path / "cache", cache_ttl=0.0)
    with IndexClient(settings) as client:
        assert _versions(client.get_projects(index_at(server), [FLASK])[FLASK]) == ["1.0"]
        assert _versions(client.get_projects(index_at(server), [FLASK])[FLASK]) == ["2.0"]
    with IndexClient(dataclasses.replace(settings, offline=True)) as client:
        assert _versions(client.get_projects(index_at(server), [FLASK])[FLASK]) == ["2.0"]


def test_offline_answers_from_the_cache_only(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/simple/flask/").respond_with_data(_page("1.0"), content_type=JSON_TYPE)
    settings = _settings(tmp_path / "cache", cache_ttl=0.0)
    with IndexClient(settings) as client:
        client.get_projects(index_at(server), [FLASK])
    requests_before = len(server.log)
    offline = dataclasses.replace(settings, offline=True)
    with IndexClient(offline) as client:
        answers = client.get_projects(index_at(server), [FLASK, canonicalize_name("other")])
        assert client.requests_sent == 0
    assert len(server.log) == requests_before
    assert _versions(answers[FLASK]) == ["1.0"]
    other = answers[canonicalize_name("other")]
    assert isinstance(other, Unavailable)
    assert other.reason == "offline: not in the cache"
    with IndexClient(ClientSettings(offline=True)) as client:  # offline with no cache at all
        answer = client.get_projects(index_at(server), [FLASK])[FLASK]
    assert isinstance(answer, Unavailable)


def test_failures_are_not_cached(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_oneshot_request("/simple/flask/").respond_with_data("x", status=500)
    server.expect_oneshot_request("/simple/flask/").respond_with_data("x", status=500)
    server.expect_request("/simple/flask/").respond_with_data(_page("1.0"), content_type=JSON_TYPE)
    settings = _settings(tmp_path / "cache")
    with IndexClient(settings) as client:
        assert isinstance(client.get_projects(index_at(server), [FLASK])[FLASK], Unavailable)
        assert _versions(client.get_projects(index_at(server), [FLASK])[FLASK]) == ["1.0"]


def test_a_damaged_entry_is_refetched(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/simple/flask/").respond_with_data(_page("1.0"), content_type=JSON_TYPE)
    cache_dir = tmp_path / "cache"
    settings = _settings(cache_dir)
    with IndexClient(settings) as client:
        client.get_projects(index_at(server), [FLASK])
    (entry,) = cache_dir.rglob("*.page")
    for damage in (b"garbage", entry.read_bytes()[:-5], b'{"format": 1}\n{}'):
        entry.write_bytes(damage)
        before = len(server.log)
        with IndexClient(settings) as client:
            assert _versions(client.get_projects(index_at(server), [FLASK])[FLASK]) == ["1.0"]
        assert len(server.log) == before + 1
    # a readable entry whose body is not a page is refetched too
    page = PageCache(cache_dir).load(server.url_for("/simple/"), FLASK)
    assert page is not None
    PageCache(cache_dir).store(
        server.url_for("/simple/"), FLASK, dataclasses.replace(page, body=b"{broken")
    )
    with IndexClient(settings) as client:
        assert _versions(client.get_projects(index_at(server), [FLASK])[FLASK]) == ["1.0"]
        assert client.requests_sent == 1


def test_no_credential_reaches_the_cache(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/simple/flask/").respond_with_data(_page("1.0"), content_type=JSON_TYPE)
    cache_dir = tmp_path / "cache"
    with IndexClient(_settings(cache_dir)) as client:
        client.get_projects(index_at(server), [FLASK, canonicalize_name("absent")])
    encoded = base64.b64encode(f"org-id/identity:{FAKE_PASSWORD}".encode())
    files = [p for p in cache_dir.rglob("*") if p.is_file()]
    assert len(files) == 2
    for path in files:
        data = path.read_bytes()
        assert FAKE_PASSWORD.encode() not in data
        assert encoded not in data
        assert b"org-id" not in data
        assert FAKE_PASSWORD not in path.name


def test_the_key_ignores_credentials() -> None:
    plain = cache_key("https://libraries.cgr.dev/python/simple/", "flask")
    assert cache_key("https://u%2Fx:secret@libraries.cgr.dev/python/simple", "flask") == plain
    assert cache_key("https://libraries.cgr.dev/python-remediated/simple/", "flask") != plain
    assert cache_key("https://libraries.cgr.dev/python/simple/", "django") != plain


def test_concurrent_writers_leave_whole_entries(tmp_path: Path) -> None:
    bodies = [b"A" * 50_000, b"B" * 70_000]
    errors: list[str] = []

    def write(body: bytes) -> None:
        cache = PageCache(tmp_path)
        page = CachedPage(
            status=200, body=body, content_type=JSON_TYPE, page_url="http://x/", fetched_at=1.0
        )
        for _ in range(150):
            cache.store("http://x/simple/", "flask", page)

    writers = [threading.Thread(target=write, args=(body,)) for body in bodies]
    for thread in writers:
        thread.start()
    reader = PageCache(tmp_path)
    reads = 0
    while any(t.is_alive() for t in writers) and reads < 100_000:
        reads += 1
        page = reader.load("http://x/simple/", "flask")
        if page is not None and page.body not in bodies:
            errors.append(f"torn entry of {len(page.body)} bytes")
    for thread in writers:
        thread.join(timeout=30)
    assert errors == []
    final = reader.load("http://x/simple/", "flask")
    assert final is not None
    assert final.body in bodies
    assert [p.name for p in tmp_path.rglob(".tmp-*")] == []


def test_two_runs_share_a_cache_directory(server: HTTPServer, tmp_path: Path) -> None:
    names = [canonicalize_name(f"p{n}") for n in range(30)]
    for name in names:
        server.expect_request(f"/simple/{name}/").respond_with_data(
            _page("1.0").replace("flask", name), content_type=JSON_TYPE
        )
    settings = _settings(tmp_path / "cache")
    results: list[dict[NormalizedName, object]] = []

    def run() -> None:
        with IndexClient(settings) as client:
            results.append(dict(client.get_projects(index_at(server), names)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2
    assert results[0] == results[1]
    assert all(isinstance(a, Found) for a in results[0].values())
    with IndexClient(dataclasses.replace(settings, offline=True)) as client:
        assert dict(client.get_projects(index_at(server), names)) == results[0]


def test_a_warm_run_does_not_import_httpx(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/simple/flask/").respond_with_data(_page("1.0"), content_type=JSON_TYPE)
    cache_dir = tmp_path / "cache"
    with IndexClient(_settings(cache_dir)) as client:
        client.get_projects(index_at(server), [FLASK])
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from cg_action._index import IndexClient\n"
        "from cg_action._models import ClientSettings, IndexConfig, Found\n"
        f"settings = ClientSettings(cache_dir=Path({str(cache_dir)!r}))\n"
        "with IndexClient(settings) as client:\n"
        f"    index = IndexConfig(url={server.url_for('/simple/')!r})\n"
        "    answers = client.get_projects(index, ['flask'])\n"
        "assert isinstance(answers['flask'], Found), answers\n"
        "print('httpx' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


def _two_version_page() -> str:
    files = [
        {
            "filename": f"flask-{v}-py3-none-any.whl",
            "url": f"flask-{v}-py3-none-any.whl",
            "hashes": {"sha256": digest * 64},
        }
        for v, digest in (("1.0", "a"), ("2.0", "b"))
    ]
    return json.dumps({"meta": {"api-version": "1.0"}, "files": files})


def _files_of(answer: object, version: str) -> list[str]:
    assert isinstance(answer, Found), answer
    return [f.filename for f in answer.project.files_for(Version(version))]


def test_a_warm_run_reads_the_summary_and_the_asked_files_not_the_page(
    server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.expect_request("/simple/flask/").respond_with_data(
        _two_version_page(), content_type=JSON_TYPE
    )
    settings = _settings(tmp_path / "cache")
    with IndexClient(settings) as client:
        cold = client.get_projects(index_at(server), [FLASK])[FLASK]
        assert _files_of(cold, "1.0") == ["flask-1.0-py3-none-any.whl"]
    (stored,) = (tmp_path / "cache").rglob("*.files")
    assert b"flask-1.0-py3-none-any.whl" in stored.read_bytes()
    assert b"flask-2.0" not in stored.read_bytes()  # only the version asked

    reads: list[str] = []
    original = PageCache.read_body

    def counted(self: PageCache, page: CachedPage) -> bytes | None:
        reads.append(page.token)
        return original(self, page)

    monkeypatch.setattr(PageCache, "read_body", counted)
    with IndexClient(settings) as client:
        warm = client.get_projects(index_at(server), [FLASK])[FLASK]
        assert client.requests_sent == 0
        assert _files_of(warm, "1.0") == ["flask-1.0-py3-none-any.whl"]
        assert reads == []  # the asked version came from .files
        assert isinstance(warm, Found)
        assert warm.project.versions == (Version("1.0"), Version("2.0"))
        # a version not asked before: read from the stored page, no request
        assert _files_of(warm, "2.0") == ["flask-2.0-py3-none-any.whl"]
        assert len(reads) == 1
        assert client.requests_sent == 0
    assert b"flask-2.0-py3-none-any.whl" in stored.read_bytes()  # kept for the next run
    with IndexClient(settings) as client:
        again = client.get_projects(index_at(server), [FLASK])[FLASK]
        assert _files_of(again, "2.0") == ["flask-2.0-py3-none-any.whl"]
        assert _files_of(again, "1.0") == ["flask-1.0-py3-none-any.whl"]
    assert len(reads) == 1
    assert len(server.log) == 1


def test_a_304_rewrites_the_asked_files_not_the_page(server: HTTPServer, tmp_path: Path) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(_two_version_page(), content_type=JSON_TYPE, headers={"ETag": '"v1"'})

    server.expect_request("/simple/flask/").respond_with_handler(handler)
    settings = _settings(tmp_path / "cache", cache_ttl=0.0)
    with IndexClient(settings) as client:
        _files_of(client.get_projects(index_at(server), [FLASK])[FLASK], "1.0")
    (page,) = (tmp_path / "cache").rglob("*.page")
    before = (page.stat().st_ino, page.stat().st_mtime_ns, page.read_bytes())
    first = PageCache(tmp_path / "cache").load(server.url_for("/simple/"), FLASK)
    with IndexClient(settings) as client:
        revalidated = client.get_projects(index_at(server), [FLASK])[FLASK]
        assert _files_of(revalidated, "1.0") == ["flask-1.0-py3-none-any.whl"]
    assert (page.stat().st_ino, page.stat().st_mtime_ns, page.read_bytes()) == before
    later = PageCache(tmp_path / "cache").load(server.url_for("/simple/"), FLASK)
    assert first is not None
    assert later is not None
    assert later.fetched_at > first.fetched_at
    assert [len(server.log), server.log[-1][1].status_code] == [2, 304]


def test_files_asked_of_an_older_page_are_not_taken(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_oneshot_request("/simple/flask/").respond_with_data(
        _two_version_page(), content_type=JSON_TYPE
    )
    server.expect_request("/simple/flask/").respond_with_data(
        _two_version_page().replace("a" * 64, "c" * 64), content_type=JSON_TYPE
    )
    settings = _settings(tmp_path / "cache", cache_ttl=0.0)
    with IndexClient(settings) as client:
        _files_of(client.get_projects(index_at(server), [FLASK])[FLASK], "1.0")
    (asked,) = (tmp_path / "cache").rglob("*.files")
    older = asked.read_bytes()
    with IndexClient(settings) as client:  # the page changed: a new page, no asked files yet
        changed = client.get_projects(index_at(server), [FLASK])[FLASK]
    asked.write_bytes(older)  # the older page's files, as a slow run might leave them
    with IndexClient(dataclasses.replace(settings, offline=True)) as client:
        (wheel,) = client.get_projects(index_at(server), [FLASK])[FLASK].project.files_for(  # type: ignore[union-attr]
            Version("1.0")
        )
    assert isinstance(changed, Found)
    assert wheel.hashes[0].value == "c" * 64


def test_a_page_replaced_while_read_is_read_again_and_a_removed_one_fails_the_run(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/simple/flask/").respond_with_data(
        _two_version_page(), content_type=JSON_TYPE
    )
    settings = _settings(tmp_path / "cache")
    with IndexClient(settings) as client:
        client.get_projects(index_at(server), [FLASK])
    (page,) = (tmp_path / "cache").rglob("*.page")
    stored = page.read_bytes()
    with IndexClient(settings) as client:
        warm = client.get_projects(index_at(server), [FLASK])[FLASK]
        # another run stores the page again (a new token) before this one reads it
        with IndexClient(dataclasses.replace(settings, cache_ttl=0.0)) as other:
            other.get_projects(index_at(server), [FLASK])
        assert page.read_bytes() != stored
        assert _files_of(warm, "2.0") == ["flask-2.0-py3-none-any.whl"]
    with IndexClient(settings) as client:
        warm = client.get_projects(index_at(server), [FLASK])[FLASK]
        page.unlink()
        with pytest.raises(IndexUnreachableError, match="run again"):
            _files_of(warm, "2.0")


def test_files_asked_while_answers_arrive_are_stored_with_the_page(
    server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what a check does: it reads each answer's pinned files as the answer comes
    server.expect_request("/simple/flask/").respond_with_data(
        _two_version_page(), content_type=JSON_TYPE
    )
    settings = _settings(tmp_path / "cache")

    def on_answer(_name: object, answer: object) -> None:
        _files_of(answer, "2.0")

    with IndexClient(settings) as client:
        client.get_projects(index_at(server), [FLASK], on_answer=on_answer)
    written = sorted(p.suffix for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert written == [".page"]  # one file per project: the asked files are in its summary
    monkeypatch.setattr(PageCache, "read_body", lambda *_: pytest.fail("the page was read"))
    with IndexClient(settings) as client:
        warm = client.get_projects(index_at(server), [FLASK], on_answer=on_answer)[FLASK]
        assert client.requests_sent == 0
    assert _files_of(warm, "2.0") == ["flask-2.0-py3-none-any.whl"]
    assert sorted(p.suffix for p in (tmp_path / "cache").rglob("*") if p.is_file()) == [".page"]
