"""The on-disk cache of project pages: one file per (index URL without credentials, project).

Each entry holds a body, its content type, the status (200 or 404), ``ETag``,
``Last-Modified`` and the fetch time; never a request header, so never a credential. The client
stores a page it has read as the *parsed* project (``STORED_TYPE``: compact JSON of the files
with their resolved URLs, hashes and versions), so a warm run neither parses HTML nor joins
URLs; an entry with a raw page body (an older cache) is still read. Within
the TTL an entry answers with no request; after it the client revalidates with
``If-None-Match`` / ``If-Modified-Since`` and a 304 only refreshes the time. Writes go to a
temporary file in the same directory and are moved into place with ``os.replace``, so two runs
sharing the directory each see whole entries; a damaged entry reads as a miss.

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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import NormalizedName
from packaging.version import Version

from cg_action._index._files import PageError
from cg_action._models import Hash, IndexFile, IndexProject
from cg_action._urls import redact_url

logger = logging.getLogger(__name__)

_FORMAT = 1
_SUFFIX = ".page"
_TEMPORARY_NUMBERS = itertools.count()  # with the process id and random bytes: a unique name
STORED_TYPE = "application/vnd.cg-action.project.v1+json"


@dataclass(frozen=True, slots=True, kw_only=True)
class CachedPage:
    """One stored answer for a project page."""

    status: int  # 200 or 404
    body: bytes
    content_type: str
    page_url: str  # the final URL the body came from, without credentials
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: float  # time.time() of the fetch or last revalidation

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

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, index_url: str, name: str) -> str:
        key = cache_key(index_url, name)  # strings, not Path: a warm run builds a thousand
        return os.path.join(self.directory, key[:2], f"{key}{_SUFFIX}")

    def load(self, index_url: str, name: str) -> CachedPage | None:
        """The stored entry, or None when there is none or it cannot be read."""
        path = self._path(index_url, name)
        try:
            with open(path, "rb") as stored:
                raw = stored.read()
        except OSError:
            return None
        header, sep, body = raw.partition(b"\n")
        try:
            if not sep:
                raise ValueError("no header line")
            meta = json.loads(header)
            if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
                raise ValueError("unknown entry format")
            if meta.get("length") != len(body):
                raise ValueError("body length differs from the header")
            return CachedPage(
                status=int(meta["status"]),
                body=body,
                content_type=str(meta["content_type"]),
                page_url=str(meta["page_url"]),
                etag=meta.get("etag") if isinstance(meta.get("etag"), str) else None,
                last_modified=(
                    meta["last_modified"] if isinstance(meta.get("last_modified"), str) else None
                ),
                fetched_at=float(meta["fetched_at"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            logger.debug("ignoring the damaged cache entry %s: %s", path, exc)
            return None

    def store(self, index_url: str, name: str, page: CachedPage) -> None:
        """Write the entry atomically; a failure to write is logged, never raised."""
        path = self._path(index_url, name)
        meta = {
            "format": _FORMAT,
            "status": page.status,
            "content_type": page.content_type,
            "page_url": redact_url(page.page_url),
            "etag": page.etag,
            "last_modified": page.last_modified,
            "fetched_at": page.fetched_at,
            "length": len(page.body),
        }
        data = json.dumps(meta, separators=(",", ":")).encode() + b"\n" + page.body
        unique = f"{os.getpid()}-{next(_TEMPORARY_NUMBERS)}-{os.urandom(4).hex()}"
        folder = os.path.dirname(path)
        temporary = os.path.join(folder, f".tmp-{unique}{_SUFFIX}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            try:
                handle = os.open(temporary, flags, 0o600)
            except FileNotFoundError:  # the entry's folder is not there yet
                os.makedirs(folder, exist_ok=True)
                handle = os.open(temporary, flags, 0o600)
        except OSError as exc:
            logger.warning("cannot write the cache in %s: %s", self.directory, exc)
            return
        try:
            with open(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except OSError as exc:
            logger.warning("cannot write the cache entry %s: %s", path, exc)
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def encode_project(project: IndexProject) -> bytes:
    """The compact ``STORED_TYPE`` body of a parsed project (read back by ``decode_project``).

    Each file is a list ``[filename, url, version, [[algorithm, value], ...],
    requires_python, yanked, yanked_reason, has_core_metadata]``, with the ISO 8601
    ``upload_time`` appended when the index gave one; versions are strings.
    """
    files = [
        [
            f.filename,
            f.url,
            None if f.version is None else str(f.version),
            [[h.algorithm, h.value] for h in f.hashes],
            f.requires_python,
            f.yanked,
            f.yanked_reason,
            f.has_core_metadata,
            *([f.upload_time.isoformat()] if f.upload_time is not None else []),
        ]
        for f in project.files
    ]
    document = {"files": files, "versions": [str(v) for v in project.versions]}
    return json.dumps(document, separators=(",", ":")).encode()


def _typed(value: Any, kind: type, what: str) -> Any:
    if not isinstance(value, kind):
        raise PageError(f"damaged cache entry: {what} is not a {kind.__name__}")
    return value


def _optional_str(value: Any, what: str) -> str | None:
    return None if value is None else str(_typed(value, str, what))


def decode_project(data: bytes, *, name: NormalizedName, index_url: str) -> IndexProject:
    """The project an ``encode_project`` body holds; ``PageError`` when it is damaged."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PageError(f"damaged cache entry: {exc}") from exc
    parsed: dict[str, Version] = {}  # one Version per distinct string: many files share one

    def version(raw: Any) -> Version:
        text = str(_typed(raw, str, "a version"))
        found = parsed.get(text)
        if found is None:
            found = parsed[text] = Version(text)
        return found

    try:
        entries = _typed(_typed(document, dict, "the entry").get("files"), list, "files")
        files = []
        for entry in entries:
            (filename, url, raw_version, hashes, requires_python, yanked, reason, metadata) = (
                _typed(entry, list, "a file")[:8]
            )
            uploaded = _optional_str(entry[8] if len(entry) > 8 else None, "an upload time")
            files.append(
                IndexFile(
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
                )
            )
        versions = tuple(version(v) for v in _typed(document.get("versions"), list, "versions"))
    except PageError:
        raise
    except (ValueError, TypeError) as exc:  # a wrong shape, or InvalidVersion
        raise PageError(f"damaged cache entry: {exc}") from exc
    return IndexProject(
        name=name, index_url=redact_url(index_url), files=tuple(files), versions=versions
    )
