"""The PEP 691 JSON form of a project page (with PEP 592, 658/714 and 700 fields).

Every value is untrusted: a wrong type makes the whole page unreadable (``PageError`` naming
the key path), never a silently wrong answer. Relative file URLs are resolved against the page.
A page that names another project, or that lists no files without PEP 691's
``meta.api-version``, is not taken as this project's page (an empty answer must prove it is one
before it can say "no files").
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from cg_action._index._files import Links, PageError, make_file
from cg_action._models import Hash, IndexFile, IndexProject
from cg_action._urls import redact_url


def _expect(value: object, kind: type, key: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise PageError(
            f"malformed JSON page: {key}: expected {kind.__name__}, found {type(value).__name__}"
        )
    return value


def _optional_str(entry: Mapping[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    return str(_expect(value, str, f"{where}.{key}"))


# PEP 700: ``yyyy-mm-ddThh:mm:ss.ffffffZ``; other fraction lengths and offsets are read too
_UPLOAD_TIME = re.compile(
    r"(?P<head>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d+))?"
    r"(?P<zone>[Zz]|[+-]\d{2}:\d{2})?"
)


def _upload_time(entry: Mapping[str, Any], where: str) -> dt.datetime | None:
    """The file's ``upload-time`` in UTC; None when absent or not a readable time."""
    found = _UPLOAD_TIME.fullmatch((_optional_str(entry, "upload-time", where) or "").strip())
    if found is None:
        return None
    zone = found["zone"] or "Z"
    fraction = (found["fraction"] or "").ljust(6, "0")[:6]
    try:
        value = dt.datetime.fromisoformat(
            f"{found['head']}.{fraction}{'+00:00' if zone in ('Z', 'z') else zone}"
        )
    except ValueError:
        return None
    return value.astimezone(dt.timezone.utc)


def _core_metadata(entry: Mapping[str, Any]) -> bool:
    for key in ("core-metadata", "data-dist-info-metadata", "dist-info-metadata"):
        if key in entry:
            value = entry[key]
            return bool(value) if isinstance(value, (bool, dict)) else False
    return False


def _validate(entry: object, index: int) -> None:
    """``PageError`` naming the first value of the wrong type in a file entry, if any."""
    where = f"files[{index}]"
    item = _expect(entry, dict, where)
    _expect(item.get("filename"), str, f"{where}.filename")
    _expect(item.get("url"), str, f"{where}.url")
    raw_hashes = _expect(item.get("hashes", {}), dict, f"{where}.hashes")
    for alg, val in raw_hashes.items():
        _expect(val, str, f"{where}.hashes.{alg}")
    if not isinstance(item.get("yanked", False), (bool, str)):
        raise PageError(f"malformed JSON page: {where}.yanked: expected a boolean or a string")
    _optional_str(item, "requires-python", where)
    _upload_time(item, where)


def _entry_error(entry: object, index: int) -> PageError:
    """The error of an entry the quick check in ``parse_json_page`` refused."""
    try:
        _validate(entry, index)
    except PageError as exc:
        return exc
    return PageError(f"malformed JSON page: files[{index}]: a value of the wrong type")


def _make_file(
    item: Mapping[str, Any], url: str, fragment: str, filename: str, version: Version | None
) -> IndexFile:
    """The ``IndexFile`` of a file entry ``parse_json_page`` has checked."""
    yanked = item.get("yanked", False)
    return make_file(
        url=url,
        fragment=fragment,
        filename=filename,
        version=version,
        hashes=tuple(
            Hash(algorithm=str(alg).lower(), value=val.lower())
            for alg, val in item.get("hashes", _NO_HASHES).items()
        ),
        requires_python=item.get("requires-python"),
        yanked=yanked is not False,
        yanked_reason=yanked if isinstance(yanked, str) and yanked else None,
        has_core_metadata=_core_metadata(item),
        upload_time=_upload_time(item, "files[]"),
        size=_size(item),
    )


def _size(entry: Mapping[str, Any]) -> int | None:
    """The file's PEP 700 ``size``; None when absent or not a count of bytes (the size is only
    ever written into a lockfile, so a page that gets it wrong loses it, not the page)."""
    value = entry.get("size")
    return value if type(value) is int and value >= 0 else None


_NO_HASHES: Mapping[str, Any] = {}


def parse_json_page(
    data: bytes | str, page_url: str, *, name: NormalizedName, index_url: str
) -> IndexProject:
    """Read a PEP 691 project page served at ``page_url`` into an ``IndexProject``.

    Raise ``PageError`` for invalid JSON, a major API version other than 1, a missing
    ``files`` list or a value of the wrong type. Every entry's values are checked here; the
    ``IndexFile`` of an entry is made when its version is asked for (``PageFiles``).
    """
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PageError(f"malformed JSON page: {exc}") from exc
    except RecursionError:  # nested deeper than the interpreter's stack: no index writes that
        raise PageError("malformed JSON page: nested too deeply") from None
    page = _expect(document, dict, "(page)")
    meta = page.get("meta", {})
    declared_version = meta.get("api-version") if isinstance(meta, dict) else None
    if declared_version is not None:
        api_version = str(declared_version)
        if api_version.split(".", 1)[0] != "1":
            raise PageError(f"unsupported simple API version {api_version!r} (this tool reads 1.x)")
    if "files" not in page:
        raise PageError("the answer is not a simple index page (no 'files' key)")
    page_name = page.get("name")
    if isinstance(page_name, str) and page_name and canonicalize_name(page_name) != name:
        raise PageError(f"the page is the one of another project ({page_name[:100]!r})")
    entries = _expect(page["files"], list, "files")
    links: Links[Mapping[str, Any]] = Links(name, page_url)
    checked: list[tuple[Mapping[str, Any], str, str | None, bool]] = []
    add = checked.append
    for index, item in enumerate(entries):
        # the checks of ``_validate``, written for speed: a page may list 20,000 files
        if type(item) is not dict:
            raise _entry_error(item, index)
        get = item.get
        url, filename, hashes = get("url"), get("filename"), get("hashes", _NO_HASHES)
        yanked, requires, uploaded = (
            get("yanked", False),
            get("requires-python"),
            get("upload-time"),
        )
        if (
            type(url) is not str
            or type(filename) is not str
            or type(hashes) is not dict
            or (yanked is not False and yanked is not True and type(yanked) is not str)
            or (requires is not None and type(requires) is not str)
            or (uploaded is not None and type(uploaded) is not str)
        ):
            raise _entry_error(item, index)
        for value in hashes.values():
            if type(value) is not str:
                raise _entry_error(item, index)
        add((item, url, filename, yanked is not False))
    links.add_all(checked)
    declared = page.get("versions")
    if declared is not None:
        declared = [
            str(_expect(v, str, f"versions[{i}]"))
            for i, v in enumerate(_expect(declared, list, "versions"))
        ]
    if not entries and declared_version is None:
        # PEP 691 pages always carry meta.api-version: an empty list without it is no
        # evidence that the project has no files
        raise PageError("the answer is not a simple index page (no files, no meta.api-version)")
    return IndexProject(
        name=name,
        index_url=redact_url(index_url),
        files=links.files(_make_file),
        versions=links.sorted_versions(declared),
    )
