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
from dataclasses import replace
from typing import Any

from packaging.utils import NormalizedName, canonicalize_name

from cg_action._index._files import PageError, build_file, versions_from
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


def _file(entry: object, index: int, base_url: str, name: NormalizedName) -> IndexFile | None:
    where = f"files[{index}]"
    item = _expect(entry, dict, where)
    filename = str(_expect(item.get("filename"), str, f"{where}.filename"))
    url = str(_expect(item.get("url"), str, f"{where}.url"))
    raw_hashes = _expect(item.get("hashes", {}), dict, f"{where}.hashes")
    hashes = tuple(
        Hash(
            algorithm=str(alg).lower(),
            value=str(_expect(val, str, f"{where}.hashes.{alg}")).lower(),
        )
        for alg, val in raw_hashes.items()
    )
    yanked_value = item.get("yanked", False)
    if not isinstance(yanked_value, (bool, str)):
        raise PageError(f"malformed JSON page: {where}.yanked: expected a boolean or a string")
    is_yanked = yanked_value is not False
    found = build_file(
        href=url,
        base_url=base_url,
        name=name,
        text_filename=filename,
        hashes=hashes,
        requires_python=_optional_str(item, "requires-python", where),
        yanked=is_yanked,
        yanked_reason=yanked_value if isinstance(yanked_value, str) and yanked_value else None,
        has_core_metadata=_core_metadata(item),
    )
    upload_time = _upload_time(item, where)
    if found is None or upload_time is None:
        return found
    return replace(found, upload_time=upload_time)


def parse_json_page(
    data: bytes | str, page_url: str, *, name: NormalizedName, index_url: str
) -> IndexProject:
    """Read a PEP 691 project page served at ``page_url`` into an ``IndexProject``.

    Raise ``PageError`` for invalid JSON, a major API version other than 1, a missing
    ``files`` list or a value of the wrong type.
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
    files: list[IndexFile] = []
    for index, entry in enumerate(entries):
        found = _file(entry, index, page_url, name)
        if found is not None:
            files.append(found)
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
        files=tuple(files),
        versions=versions_from(files, declared),
    )
