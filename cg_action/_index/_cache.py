"""The on-disk cache of project pages: per (index URL without credentials, project), two files.

``<key>.page`` holds, after a header line (status, content type, the page's URL, ``ETag``,
``Last-Modified``, the fetch time, a random token naming this stored page, lengths), a short
*summary* of the page and then the page itself as the index sent it (inflated). The summary is
what a check reads of every project: the versions (sorted); for each version with files, how
many files it has, how many are yanked and how many sit under Chainguard's upstream fallback;
and the files (URL, hashes, Requires-Python, yanked, upload time, ...) of the versions the run
that stored it asked about. ``<key>.files``, written only when a later run asks about other
versions or revalidates the page, adds their files and the time of the revalidation, with the
token of the page they belong to.

So a warm run reads a few kilobytes per project, not the page: pages of large projects are
megabytes (pydantic-core's lists 15,000 files). A version whose files were never asked (a pin
that changed) is read from the stored page itself, once, and added to ``.files``; a check
never needs the network for it. Within the TTL an entry answers with no request; after it the
client revalidates with ``If-None-Match`` / ``If-Modified-Since``, and a 304 rewrites only
``.files``, never the page.

Neither file holds a request header, so never a credential. Each is written to a temporary file
in the same directory and moved into place with ``os.replace``: two runs sharing the
directory each see whole files. ``.files`` counts only when its token is the page's; a page
replaced by another run between reading its summary and reading its page is read again whole.
A damaged entry reads as a miss. Entries of the first format (one file, the parsed project as
compact JSON, ``STORED_TYPE``) are still read. With ``background=True`` the writes are done
by a thread of their own, in order, and ``flush`` waits for them: reading answers never waits
for the disk.

Why not ``hishel`` (2.0): it implements RFC 9111, so a page's own ``Cache-Control`` decides
freshness where this tool needs a fixed, user-chosen TTL and an offline mode; its storages are
SQLite or Redis rather than plain files; and it stores the request's headers with each entry,
``Authorization`` included, which this cache must never do. The rules here fit in a page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version

from cg_action._index._files import PageError
from cg_action._models import FileListing, Hash, IndexFile, IndexProject, Release
from cg_action._urls import redact_url

logger = logging.getLogger(__name__)

_FORMAT = 2
_FIRST_FORMAT = 1  # one file: header line + body (a raw page or a STORED_TYPE project)
_PAGE = ".page"
_FILES = ".files"
_HEAD_READ = 64 * 1024  # the first read of an entry: its header and, mostly, its summary
_TEMPORARY_NUMBERS = itertools.count()  # with the process id and random bytes: a unique name
STORED_TYPE = "application/vnd.cg-action.project.v1+json"


@dataclass(frozen=True, slots=True, kw_only=True)
class CachedPage:
    """One stored answer for a project page.

    ``body`` is the page; an entry stored with a ``summary`` is read without it (``body`` is
    empty, ``body_at`` says where it is) and answers from the summary and ``asked``.
    """

    status: int  # 200 or 404
    content_type: str
    page_url: str  # the final URL the body came from, without credentials
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: float  # time.time() of the fetch or last revalidation
    body: bytes = b""
    summary: bytes = b""  # JSON: {"versions": [...], "releases": [[v, files, yanked, up], ...]}
    token: str = ""  # names the stored page; its ``.files`` carry the same
    asked: Mapping[str, Any] = field(default_factory=dict)  # version -> file records
    body_at: tuple[str, int, int] | None = None  # (path, offset, length) of the unread body

    def is_fresh(self, ttl: float, *, now: float | None = None) -> bool:
        """Whether the entry may answer without asking the index."""
        age = (time.time() if now is None else now) - self.fetched_at
        return 0.0 <= age <= ttl


def cache_key(index_url: str, name: str) -> str:
    """The entry's file stem: a digest of the credential-free index URL and the project."""
    import hashlib

    text = f"{redact_url(index_url).rstrip('/')}/\0{name}"
    return hashlib.sha256(text.encode()).hexdigest()


class PageCache:
    """A directory of cached project pages (see the module docstring)."""

    def __init__(self, directory: Path, *, background: bool = False) -> None:
        self.directory = directory
        self._background = background
        self._writes: queue.SimpleQueue[tuple[str, list[bytes]] | None] | None = None
        self._writer: threading.Thread | None = None

    def flush(self) -> None:
        """Wait for the writes handed to the background thread."""
        if self._writer is not None and self._writes is not None:
            self._writes.put(None)
            self._writer.join()
            self._writer = self._writes = None

    def _write_later(self, path: str, parts: list[bytes]) -> None:
        if not self._background:
            self._write(path, parts)
            return
        if self._writer is None or self._writes is None:
            writes: queue.SimpleQueue[tuple[str, list[bytes]] | None] = queue.SimpleQueue()
            self._writes = writes

            def run() -> None:
                while (job := writes.get()) is not None:
                    self._write(*job)

            self._writer = threading.Thread(target=run, name="cg-action-cache", daemon=True)
            self._writer.start()
        self._writes.put((path, parts))

    def _stem(self, index_url: str, name: str) -> str:
        key = cache_key(index_url, name)  # strings, not Path: a warm run builds a thousand
        return os.path.join(self.directory, key[:2], key)

    def load(self, index_url: str, name: str) -> CachedPage | None:
        """The stored entry (its summary and asked files, not its page when it has a summary),
        or None when there is none or it cannot be read."""
        stem = self._stem(index_url, name)
        page = _read_page(stem + _PAGE, with_body=False)
        if page is None or not page.token:
            return page
        asked = _read_files(stem + _FILES, page.token)
        if asked is None:
            return page
        fetched_at, files = asked
        return _replace(page, fetched_at=max(page.fetched_at, fetched_at), asked=files)

    def read_body(self, page: CachedPage) -> bytes | None:
        """The page ``load`` left unread; None when the entry was replaced since (or is gone)."""
        if page.body_at is None:
            return page.body
        path, offset, length = page.body_at
        try:
            with open(path, "rb") as stored:
                head = stored.readline(_HEAD_READ)
                meta = _header(head)
                if meta.get("token") != page.token:
                    return None
                stored.seek(offset)
                body = stored.read(length + 1)
        except (OSError, ValueError):
            return None
        return body if len(body) == length else None

    def reload(self, index_url: str, name: str) -> CachedPage | None:
        """The entry as stored now, page included (``load`` with the body read)."""
        return _read_page(self._stem(index_url, name) + _PAGE, with_body=True)

    def store(self, index_url: str, name: str, page: CachedPage, *, summary: bytes = b"") -> str:
        """Write the page (with ``summary`` before it); the token that names it.

        Files asked of the page before stay only if they belong to this same page (same
        token): a page stored anew has those of its summary.
        """
        token = os.urandom(8).hex() if summary else ""
        meta = {
            "format": _FORMAT,
            "status": page.status,
            "content_type": page.content_type,
            "page_url": redact_url(page.page_url),
            "etag": page.etag,
            "last_modified": page.last_modified,
            "fetched_at": page.fetched_at,
            "token": token,
            "summary": len(summary),
            "length": len(page.body),
        }
        head = json.dumps(meta, separators=(",", ":")).encode() + b"\n"
        self._write_later(self._stem(index_url, name) + _PAGE, [head, summary, page.body])
        return token

    def store_files(
        self, index_url: str, name: str, *, token: str, fetched_at: float, files: Mapping[str, Any]
    ) -> None:
        """Write the asked files of the page named ``token`` and the time it was last fetched."""
        document = {"format": _FORMAT, "token": token, "fetched_at": fetched_at, "files": files}
        data = json.dumps(document, separators=(",", ":")).encode()
        self._write_later(self._stem(index_url, name) + _FILES, [data])

    def _write(self, path: str, parts: list[bytes]) -> bool:
        """Write atomically; a failure is logged, never raised."""
        unique = f"{os.getpid()}-{next(_TEMPORARY_NUMBERS)}-{os.urandom(4).hex()}"
        folder = os.path.dirname(path)
        temporary = os.path.join(folder, f".tmp-{unique}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            try:
                handle = os.open(temporary, flags, 0o600)
            except FileNotFoundError:  # the entry's folder is not there yet
                os.makedirs(folder, exist_ok=True)
                handle = os.open(temporary, flags, 0o600)
        except OSError as exc:
            logger.warning("cannot write the cache in %s: %s", self.directory, exc)
            return False
        try:
            with open(handle, "wb") as out:
                for part in parts:
                    out.write(part)
            os.replace(temporary, path)
        except OSError as exc:
            logger.warning("cannot write the cache entry %s: %s", path, exc)
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            return False
        return True


def _replace(page: CachedPage, **changes: Any) -> CachedPage:
    import dataclasses

    return dataclasses.replace(page, **changes)


def _header(line: bytes) -> dict[str, Any]:
    meta = json.loads(line)
    if not isinstance(meta, dict):
        raise ValueError("the header is not an object")
    return meta


def _optional_text(meta: Mapping[str, Any], key: str) -> str | None:
    value = meta.get(key)
    return value if isinstance(value, str) else None


def _cached_page(meta: Mapping[str, Any], **parts: Any) -> CachedPage:
    """The entry a header describes, with its other ``parts``; ``ValueError``, ``KeyError`` or
    ``TypeError`` when the header lacks a value or holds one of the wrong kind."""
    return CachedPage(
        status=int(meta["status"]),
        content_type=str(meta["content_type"]),
        page_url=str(meta["page_url"]),
        etag=_optional_text(meta, "etag"),
        last_modified=_optional_text(meta, "last_modified"),
        fetched_at=float(meta["fetched_at"]),
        **parts,
    )


def _read_page(path: str, *, with_body: bool) -> CachedPage | None:
    try:
        with open(path, "rb") as stored:
            start = stored.read(_HEAD_READ)
            header, sep, rest = start.partition(b"\n")
            if not sep:
                raise ValueError("no header line")
            meta = _header(header)
            version = meta.get("format")
            if version == _FIRST_FORMAT:
                body = rest + stored.read()
                summary_length = 0
            elif version == _FORMAT:
                summary_length = meta["summary"]
                length = meta["length"]
                if not isinstance(summary_length, int) or not isinstance(length, int):
                    raise ValueError("lengths are not numbers")
                if summary_length and not with_body:
                    # the summary stands in for the page: read it, not the page
                    if len(rest) < summary_length:
                        rest += stored.read(summary_length - len(rest))
                    summary = rest[:summary_length]
                    if len(summary) != summary_length:
                        raise ValueError("the summary is cut short")
                    body = b""
                    offset = len(header) + 1 + summary_length
                    stored.seek(0, os.SEEK_END)
                    if stored.tell() != offset + length:
                        raise ValueError("the entry's length differs from its header")
                    return _cached_page(
                        meta,
                        summary=summary,
                        token=str(meta["token"]),
                        body_at=(path, offset, length),
                    )
                body = rest + stored.read()
                summary, body = body[:summary_length], body[summary_length:]
            else:
                raise ValueError("unknown entry format")
    except OSError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        logger.debug("ignoring the damaged cache entry %s: %s", path, exc)
        return None
    if version == _FIRST_FORMAT:
        summary = b""
    if meta.get("length") != len(body):
        logger.debug("ignoring the damaged cache entry %s: body length differs", path)
        return None
    try:
        return _cached_page(meta, body=body, summary=summary, token=str(meta.get("token") or ""))
    except (ValueError, KeyError, TypeError) as exc:
        logger.debug("ignoring the damaged cache entry %s: %s", path, exc)
        return None


def _read_files(path: str, token: str) -> tuple[float, Mapping[str, Any]] | None:
    """(fetched_at, files by version) of a ``.files`` of the page named ``token``, else None."""
    try:
        with open(path, "rb") as stored:
            document = json.loads(stored.read())
        if not isinstance(document, dict) or document.get("token") != token:
            return None
        files = document.get("files")
        if document.get("format") != _FORMAT or not isinstance(files, dict):
            return None
        return float(document["fetched_at"]), files
    except (OSError, ValueError, KeyError, TypeError):
        return None


# -- the summary and the file records -----------------------------------------------------------


def encode_summary(project: IndexProject, asked: Mapping[str, Any]) -> bytes:
    """The summary stored before a page, with the ``asked_records`` of its files (read back
    by ``decode_summary``)."""
    releases = [
        [str(version), release.files, release.yanked, release.upstream]
        for version, release in project.releases.items()
    ]
    document = {
        "versions": [str(v) for v in project.versions],
        "releases": releases,
        "count": len(project.files),
        "files": asked,
    }
    return json.dumps(document, separators=(",", ":")).encode()


def encode_file(f: IndexFile) -> list[Any]:
    """A file as a compact list: ``[filename, url, version, [[algorithm, value], ...],
    requires_python, yanked, yanked_reason, has_core_metadata]``, then the ISO 8601
    ``upload_time`` and the ``size`` when the index gave them (the time null when only the size
    was given)."""
    encoded: list[Any] = [
        f.filename,
        f.url,
        None if f.version is None else str(f.version),
        [[h.algorithm, h.value] for h in f.hashes],
        f.requires_python,
        f.yanked,
        f.yanked_reason,
        f.has_core_metadata,
    ]
    uploaded = None if f.upload_time is None else f.upload_time.isoformat()
    if f.size is not None:
        encoded += [uploaded, f.size]
    elif uploaded is not None:
        encoded.append(uploaded)
    return encoded


def _typed(value: Any, kind: type, what: str) -> Any:
    if not isinstance(value, kind):
        raise PageError(f"damaged cache entry: {what} is not a {kind.__name__}")
    return value


def _optional_str(value: Any, what: str) -> str | None:
    return None if value is None else str(_typed(value, str, what))


def decode_file(entry: Any, version: Callable[[Any], Version]) -> IndexFile:
    """The file an ``encode_file`` list holds; ``PageError`` (or ``ValueError``) if damaged."""
    (filename, url, raw_version, hashes, requires_python, yanked, reason, metadata) = _typed(
        entry, list, "a file"
    )[:8]
    uploaded = _optional_str(entry[8] if len(entry) > 8 else None, "an upload time")
    size = entry[9] if len(entry) > 9 else None
    if size is not None and (type(size) is not int or size < 0):
        raise PageError("damaged cache entry: a size is not a count of bytes")
    return IndexFile(
        filename=str(_typed(filename, str, "a file name")),
        url=str(_typed(url, str, "a file URL")),
        version=None if raw_version is None else version(raw_version),
        hashes=tuple(
            Hash(
                algorithm=str(_typed(a, str, "a hash")),
                value=str(_typed(v, str, "a hash")),
            )
            for a, v in _typed(hashes, list, "hashes")
        ),
        requires_python=_optional_str(requires_python, "requires-python"),
        yanked=bool(_typed(yanked, bool, "yanked")),
        yanked_reason=_optional_str(reason, "a yanked reason"),
        has_core_metadata=bool(_typed(metadata, bool, "core-metadata")),
        upload_time=None if uploaded is None else dt.datetime.fromisoformat(uploaded),
        size=size,
    )


class _Versions:
    """One ``Version`` per distinct text (many files and counts share one)."""

    def __init__(self) -> None:
        self.parsed: dict[str, Version] = {}

    def __call__(self, raw: Any) -> Version:
        text = str(_typed(raw, str, "a version"))
        found = self.parsed.get(text)
        if found is None:
            found = self.parsed[text] = Version(text)
        return found


class StoredFiles(FileListing):
    """The files of a stored page: the asked ones from ``.files``, the others from the page,
    read (``read_page``) and parsed the first time one of them is asked for."""

    __slots__ = ("_asked", "_count", "_page", "_read_page", "_releases", "stored")

    def __init__(
        self,
        *,
        count: int,
        releases: dict[Version, Release],
        asked: dict[Version, tuple[IndexFile, ...]],
        read_page: Callable[[], FileListing],
    ) -> None:
        self._count = count
        self._releases = releases
        self._asked = asked
        self._read_page = read_page
        self._page: FileListing | None = None
        self.stored = frozenset(str(v) for v in asked)  # the versions read from the cache

    def __len__(self) -> int:
        return self._count

    @property
    def releases(self) -> Mapping[Version, Release]:
        return self._releases

    def of_version(self, version: Version) -> tuple[IndexFile, ...]:
        found = self._asked.get(version)
        if found is None:
            if version not in self._releases:
                return ()
            found = self._asked[version] = self.page().of_version(version)
        return found

    def all(self) -> tuple[IndexFile, ...]:
        return self.page().all()

    def page(self) -> FileListing:
        """The listing of the whole stored page (read and parsed once)."""
        if self._page is None:
            self._page = self._read_page()
        return self._page

    def asked_versions(self) -> Mapping[Version, tuple[IndexFile, ...]]:
        """The files of every version asked for, from ``.files`` or since."""
        return self._asked


def decode_summary(
    summary: bytes,
    asked: Mapping[str, Any],
    *,
    name: NormalizedName,
    index_url: str,
    read_page: Callable[[], FileListing],
) -> IndexProject:
    """The project a stored summary and its asked files describe; ``PageError`` if damaged."""
    parse = _Versions()
    try:
        document = _typed(json.loads(summary), dict, "the summary")
        versions = sorted(parse(v) for v in _typed(document.get("versions"), list, "versions"))
        releases: dict[Version, Release] = {}
        for entry in _typed(document.get("releases"), list, "releases"):
            raw, files, yanked, upstream = _typed(entry, list, "a release")
            counts = [_typed(n, int, "a count") for n in (files, yanked, upstream)]
            releases[parse(raw)] = Release(files=counts[0], yanked=counts[1], upstream=counts[2])
        count = _typed(document.get("count"), int, "the count")
        stored = _typed(document.get("files", {}), dict, "the files")
        files_by_version = {
            parse(raw): tuple(decode_file(entry, parse) for entry in _typed(entries, list, "files"))
            for raw, entries in {**stored, **asked}.items()
        }
    except PageError:
        raise
    except (ValueError, TypeError, InvalidVersion) as exc:
        raise PageError(f"damaged cache entry: {exc}") from exc
    listing = StoredFiles(
        count=count, releases=releases, asked=files_by_version, read_page=read_page
    )
    return IndexProject(
        name=name, index_url=redact_url(index_url), files=listing, versions=tuple(versions)
    )


def stored_versions(files: object) -> frozenset[str]:
    """The versions whose files a project read from the cache had there."""
    return files.stored if isinstance(files, StoredFiles) else frozenset()


def asked_records(files: FileListing) -> dict[str, list[Any]] | None:
    """The records of the versions asked of a page's files, by version; None: nothing new."""
    from cg_action._index._files import PageFiles

    if isinstance(files, StoredFiles):
        asked: Mapping[Version, Iterable[IndexFile]] = files.asked_versions()
    elif isinstance(files, PageFiles):
        asked = files.asked_versions()
    else:
        return None
    return {str(v): [encode_file(f) for f in found] for v, found in asked.items()}


# -- the first format (still read; written only by ``encode_project``'s callers) ---------------


def encode_project(project: IndexProject) -> bytes:
    """The compact ``STORED_TYPE`` body of a parsed project (read back by ``decode_project``).

    Each file is an ``encode_file`` list; versions are strings.
    """
    files = [encode_file(f) for f in project.files]
    document = {"files": files, "versions": [str(v) for v in project.versions]}
    return json.dumps(document, separators=(",", ":")).encode()


def decode_project(data: bytes, *, name: NormalizedName, index_url: str) -> IndexProject:
    """The project an ``encode_project`` body holds; ``PageError`` when it is damaged."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PageError(f"damaged cache entry: {exc}") from exc
    version = _Versions()
    try:
        entries = _typed(_typed(document, dict, "the entry").get("files"), list, "files")
        files = [decode_file(entry, version) for entry in entries]
        versions = tuple(version(v) for v in _typed(document.get("versions"), list, "versions"))
    except PageError:
        raise
    except (ValueError, TypeError) as exc:  # a wrong shape, or InvalidVersion
        raise PageError(f"damaged cache entry: {exc}") from exc
    return IndexProject(
        name=name, index_url=redact_url(index_url), files=tuple(files), versions=versions
    )
