"""The RECORD of an index's wheel, read with HTTP range requests: never the whole wheel.

A wheel is a ZIP archive. Its End of Central Directory record (EOCD) sits in the last
22 bytes plus an archive comment of up to 64 KiB; for archives past 4 GiB or 65,535 members a
ZIP64 locator just before it points at a ZIP64 EOCD record. The EOCD gives the central
directory's offset and size; the central directory gives, for ``<dist>.dist-info/RECORD``, the
offset of its local header and its compressed size. So a few small reads: a 16 KiB suffix of the
file (a longer one only when a long archive comment hides the EOCD), the central directory when
the suffix does not hold it, and the RECORD member when the suffix does not hold it either.
Suffix ranges (``bytes=-N``) mean the file's size is never asked for with a HEAD request.

The HTTP goes through the index client (``fetch_range``), the one place that talks to
indexes; this module only decides which bytes to ask for and decodes them.
"""

from __future__ import annotations

import logging
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import Version

from cg_action._errors import CgActionError, IndexAuthError
from cg_action._models import IndexConfig, IndexFile, IndexProject
from cg_action._urls import redact_text, redact_url
from cg_action._verify._model import IndexCheck, IndexComparison

logger = logging.getLogger(__name__)

TAIL_BYTES = 16 * 1024  # first read from the end: the EOCD and, for most wheels, the whole CD
MAX_COMMENT = 0xFFFF
MAX_CENTRAL_DIRECTORY = 64 * 1024 * 1024
MAX_RECORD_BYTES = 32 * 1024 * 1024
LOCAL_SLACK = 1024  # extra bytes asked after a member, in case its local extra field is longer

_EOCD = struct.Struct("<4sHHHHIIH")  # signature ... comment length: 22 bytes
_ZIP64_LOCATOR = struct.Struct("<4sIQI")  # 20 bytes
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")  # 56 bytes
# the longest suffix ever needed: the ZIP64 end record and locator, the EOCD, the longest comment
EOCD_SEARCH_BYTES = _ZIP64_EOCD.size + _ZIP64_LOCATOR.size + _EOCD.size + MAX_COMMENT
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")  # 46 bytes
_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # 30 bytes
_ZIP64_TRAILER = _ZIP64_EOCD.size + _ZIP64_LOCATOR.size  # what may precede the EOCD
_EOCD_SIG = b"PK\x05\x06"
_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_ZIP64_EOCD_SIG = b"PK\x06\x06"
_CENTRAL_SIG = b"PK\x01\x02"
_LOCAL_SIG = b"PK\x03\x04"
_UTF8_FLAG = 0x800
_STORED, _DEFLATED = 0, 8


class RangeClient(Protocol):
    """The index-client call this module needs (``cg_action._index.IndexClient.fetch_range``)."""

    def fetch_range(self, index: IndexConfig, url: str, start: int, end: int | None) -> bytes:
        """Bytes ``start`` to ``end`` inclusive of the file at ``url``; a negative ``start``
        with ``end`` None asks for the last ``-start`` bytes."""


class _BadArchive(CgActionError):
    """The index's wheel could not be read as a ZIP archive (never leaves this module)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteMember:
    """One member read out of a remote archive, and what reading it cost."""

    name: str
    data: bytes
    archive_size: int
    bytes_fetched: int
    requests: int


@dataclass(frozen=True, slots=True, kw_only=True)
class _Entry:
    name: str
    method: int
    crc: int
    compressed_size: int
    size: int
    local_offset: int


class _RangeReader:
    """Reads byte ranges of one remote file, counting what it fetched; keeps its tail.

    The file's size is not asked for (a HEAD on a pre-signed redirect target may be refused):
    the tail comes from a suffix range, and where it starts follows from the end records.
    """

    def __init__(self, client: RangeClient, index: IndexConfig, url: str) -> None:
        self.client, self.index, self.url = client, index, url
        self.bytes_fetched = 0
        self.requests = 0
        self.size = 0
        self.tail_start = 0
        self.tail = b""

    def fetch_suffix(self, length: int) -> bool:
        """Keep the last ``length`` bytes (``tail_start`` is settled later); False: got less,
        so the tail is the whole file and ``size`` is known."""
        self.tail = self._count(self.client.fetch_range(self.index, self.url, -length, None))
        if len(self.tail) < length:
            self.size, self.tail_start = len(self.tail), 0
            return False
        return True

    def place_tail(self, start: int) -> None:
        """Settle where the kept tail starts in the file, hence the file's size."""
        if start < 0:
            raise _BadArchive("the end records point before the start of the file")
        self.tail_start, self.size = start, start + len(self.tail)

    def fetch(self, start: int, length: int) -> bytes:
        """``length`` bytes from ``start``: from the kept tail when it holds them."""
        if start < 0 or length < 0 or start + length > self.size:
            raise _BadArchive(f"range {start}+{length} lies outside the {self.size}-byte file")
        if start >= self.tail_start:
            offset = start - self.tail_start
            return self.tail[offset : offset + length]
        if length == 0:
            return b""
        data = self._count(self.client.fetch_range(self.index, self.url, start, start + length - 1))
        if len(data) != length:
            raise _BadArchive(f"asked for {length} bytes at {start}, got {len(data)}")
        return data

    def _count(self, data: bytes) -> bytes:
        self.requests += 1
        self.bytes_fetched += len(data)
        return data


def read_remote_member(
    client: RangeClient, index: IndexConfig, url: str, wanted: str
) -> RemoteMember:
    """Read the member named ``wanted`` (or, with ``*/RECORD``, the top-level dist-info RECORD).

    Raises the client's errors unchanged and ``CgActionError`` for an archive that cannot be
    read (the caller reports it as ``unavailable``).
    """
    reader = _RangeReader(client, index, url)
    for length in (TAIL_BYTES, EOCD_SEARCH_BYTES):
        is_whole = not reader.fetch_suffix(length)
        eocd_in_tail = _find_eocd(reader.tail)
        # done when the suffix is the whole file, or holds the EOCD and any ZIP64 end records
        if is_whole or (eocd_in_tail is not None and eocd_in_tail >= _ZIP64_TRAILER):
            break
    if eocd_in_tail is None:
        raise _BadArchive("no End of Central Directory record: not a ZIP archive")
    if not is_whole:
        reader.place_tail(_tail_start(reader.tail, eocd_in_tail))
    eocd_at = reader.tail_start + eocd_in_tail
    cd_offset, cd_size, count = _central_directory_span(reader, eocd_at)
    if cd_size > MAX_CENTRAL_DIRECTORY:
        raise _BadArchive(f"the central directory is {cd_size} bytes, over the limit")
    central = reader.fetch(cd_offset, cd_size)
    entry = _pick(_entries(central, count), wanted)
    if entry.compressed_size > MAX_RECORD_BYTES:
        raise _BadArchive(f"{entry.name} is {entry.compressed_size} bytes, over the limit")
    data = _read_member(reader, entry)
    return RemoteMember(
        name=entry.name,
        data=data,
        archive_size=reader.size,
        bytes_fetched=reader.bytes_fetched,
        requests=reader.requests,
    )


def _find_eocd(tail: bytes) -> int | None:
    """Where in ``tail`` (the end of a file) the End of Central Directory record starts.

    The last signature whose comment length reaches exactly the end of the file wins, so a
    signature-like run of bytes inside the comment is not taken for the record.
    """
    at = tail.rfind(_EOCD_SIG)
    while at >= 0:
        if at + _EOCD.size <= len(tail):
            comment_length = _EOCD.unpack_from(tail, at)[7]
            if at + _EOCD.size + comment_length == len(tail):
                return at
        at = tail.rfind(_EOCD_SIG, 0, at)
    return None


def _tail_start(tail: bytes, eocd_in_tail: int) -> int:
    """Where a suffix ``tail`` starts in the file, from the end records inside it.

    Without ZIP64 the central directory ends where the EOCD begins; with ZIP64 the locator
    gives the ZIP64 end record's offset, and that record (56 bytes, no extensible data in
    wheels) sits just before the locator.
    """
    locator_in_tail = eocd_in_tail - _ZIP64_LOCATOR.size
    if locator_in_tail >= 0 and tail[locator_in_tail : locator_in_tail + 4] == _ZIP64_LOCATOR_SIG:
        record_at = _ZIP64_LOCATOR.unpack_from(tail, locator_in_tail)[2]
        record_in_tail = locator_in_tail - _ZIP64_EOCD.size
        if record_in_tail < 0 or tail[record_in_tail : record_in_tail + 4] != _ZIP64_EOCD_SIG:
            raise _BadArchive("the ZIP64 end record is not just before its locator")
        return int(record_at) - record_in_tail
    fields = _EOCD.unpack_from(tail, eocd_in_tail)
    cd_size, cd_offset = fields[5], fields[6]
    return int(cd_offset + cd_size) - eocd_in_tail


def _central_directory_span(reader: _RangeReader, eocd_at: int) -> tuple[int, int, int]:
    """(offset, size, entry count) of the central directory, through ZIP64 when needed."""
    _sig, disk, cd_disk, _on_disk, count, cd_size, cd_offset, _comment = _EOCD.unpack(
        reader.fetch(eocd_at, _EOCD.size)
    )
    if disk not in (0, 0xFFFF) or cd_disk not in (0, 0xFFFF):
        raise _BadArchive("multi-disk archives are not wheels")
    needs_zip64 = 0xFFFFFFFF in (cd_size, cd_offset) or count == 0xFFFF
    locator_at = eocd_at - _ZIP64_LOCATOR.size
    if locator_at >= 0:
        locator = reader.fetch(locator_at, _ZIP64_LOCATOR.size)
        if locator[:4] == _ZIP64_LOCATOR_SIG:
            record_at = _ZIP64_LOCATOR.unpack(locator)[2]
            record = reader.fetch(record_at, _ZIP64_EOCD.size)
            if record[:4] != _ZIP64_EOCD_SIG:
                raise _BadArchive("the ZIP64 locator points at no ZIP64 end record")
            fields = _ZIP64_EOCD.unpack(record)
            return fields[9], fields[8], fields[7]
    if needs_zip64:
        raise _BadArchive("the archive needs ZIP64 but has no ZIP64 locator")
    return cd_offset, cd_size, count


def _entries(central: bytes, count: int) -> Iterable[_Entry]:
    at = 0
    for _ in range(count):
        if central[at : at + 4] != _CENTRAL_SIG or at + _CENTRAL.size > len(central):
            raise _BadArchive(f"central directory entry at {at} is malformed")
        fields = _CENTRAL.unpack_from(central, at)
        flags, method, crc = fields[3], fields[4], fields[7]
        compressed, size = fields[8], fields[9]
        name_length, extra_length, comment_length = fields[10], fields[11], fields[12]
        local_offset = fields[16]
        start = at + _CENTRAL.size
        raw_name = central[start : start + name_length]
        extra = central[start + name_length : start + name_length + extra_length]
        size, compressed, local_offset = _apply_zip64(extra, size, compressed, local_offset)
        name = raw_name.decode("utf-8" if flags & _UTF8_FLAG else "cp437")
        yield _Entry(
            name=name,
            method=method,
            crc=crc,
            compressed_size=compressed,
            size=size,
            local_offset=local_offset,
        )
        at = start + name_length + extra_length + comment_length


def _apply_zip64(extra: bytes, size: int, compressed: int, offset: int) -> tuple[int, int, int]:
    """Replace the 0xFFFFFFFF placeholders with the ZIP64 extra field's 8-byte values."""
    at = 0
    while at + 4 <= len(extra):
        header_id, length = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4 : at + 4 + length]
        if header_id == 0x0001:
            values = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
            if size == 0xFFFFFFFF and values:
                size = values.pop(0)
            if compressed == 0xFFFFFFFF and values:
                compressed = values.pop(0)
            if offset == 0xFFFFFFFF and values:
                offset = values.pop(0)
            break
        at += 4 + length
    return size, compressed, offset


def _pick(entries: Iterable[_Entry], wanted: str) -> _Entry:
    any_dist_info = wanted == "*/RECORD"
    matches = [
        e
        for e in entries
        if e.name == wanted
        or (
            any_dist_info
            and e.name.count("/") == 1
            and e.name.endswith("/RECORD")
            and e.name.split("/", 1)[0].endswith(".dist-info")
        )
    ]
    if len(matches) != 1:
        raise _BadArchive(f"the archive has {len(matches)} members named {wanted}, not 1")
    return matches[0]


def _read_member(reader: _RangeReader, entry: _Entry) -> bytes:
    guess = _LOCAL.size + len(entry.name.encode()) + LOCAL_SLACK + entry.compressed_size
    chunk = reader.fetch(entry.local_offset, min(guess, reader.size - entry.local_offset))
    if chunk[:4] != _LOCAL_SIG or len(chunk) < _LOCAL.size:
        raise _BadArchive(f"no local header for {entry.name} at {entry.local_offset}")
    fields = _LOCAL.unpack_from(chunk)
    data_at = _LOCAL.size + fields[9] + fields[10]
    payload = chunk[data_at : data_at + entry.compressed_size]
    if len(payload) < entry.compressed_size:  # a local extra field longer than the slack
        payload += reader.fetch(
            entry.local_offset + data_at + len(payload), entry.compressed_size - len(payload)
        )
    if entry.method == _STORED:
        data = payload
    elif entry.method == _DEFLATED:
        try:
            data = zlib.decompressobj(-zlib.MAX_WBITS).decompress(payload, MAX_RECORD_BYTES)
        except zlib.error as exc:
            raise _BadArchive(f"{entry.name} does not inflate: {exc}") from exc
    else:
        raise _BadArchive(f"{entry.name} uses compression method {entry.method}")
    if len(data) != entry.size or zlib.crc32(data) != entry.crc:
        raise _BadArchive(f"{entry.name} fails its size or CRC-32 check")
    return data


def choose_wheel(project: IndexProject, version: Version, tags: frozenset[Tag]) -> IndexFile | None:
    """The index's wheel of ``version`` whose tags meet the installed WHEEL ``Tag`` lines.

    Without tags (no WHEEL file) a single wheel of that version is taken; several are ambiguous.
    """
    wheels = [f for f in project.files_for(version) if f.is_wheel]
    if not tags:
        return wheels[0] if len(wheels) == 1 else None
    for wheel in wheels:
        try:
            _name, _version, _build, wheel_tags = parse_wheel_filename(wheel.filename)
        except InvalidWheelFilename:
            continue
        if wheel_tags & tags:
            return wheel
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteRecord:
    """The RECORD of an index's wheel, and what reading it cost."""

    wheel: IndexFile
    text: str
    dist_info: str  # the wheel's dist-info folder name
    bytes_fetched: int
    wheel_size: int


def fetch_wheel_record(
    client: RangeClient,
    index: IndexConfig,
    project: IndexProject,
    version: Version,
    tags: frozenset[Tag],
) -> RemoteRecord | IndexComparison:
    """Find the index's wheel for ``version`` and ``tags`` and read its RECORD in ranges.

    What cannot be had comes back as an ``IndexComparison`` (``no-wheel`` or ``unavailable``)
    for this distribution only; an index that refuses the credentials raises, since no other
    distribution can be compared either.
    """
    wheel = choose_wheel(project, version, tags)
    if wheel is None:
        wanted = ", ".join(sorted(str(t) for t in tags)[:3]) or "any tag"
        return IndexComparison(
            outcome=IndexCheck.NO_WHEEL,
            detail=f"the index has no wheel of {version} for {wanted}",
            index_url=redact_url(index.url),
        )
    try:
        member = read_remote_member(client, index, wheel.url, "*/RECORD")
    except IndexAuthError:
        raise
    except CgActionError as exc:
        logger.debug("cannot read the RECORD of %s: %s", redact_url(wheel.url), exc)
        return IndexComparison(
            outcome=IndexCheck.UNAVAILABLE,
            detail=f"could not read the RECORD of {wheel.filename}: {redact_text(str(exc))}",
            index_url=redact_url(index.url),
            wheel_url=redact_url(wheel.url),
        )
    logger.debug(
        "read %s of %s: %d of %d bytes in %d requests",
        member.name,
        redact_url(wheel.url),
        member.bytes_fetched,
        member.archive_size,
        member.requests,
    )
    return RemoteRecord(
        wheel=wheel,
        text=member.data.decode("utf-8", errors="replace"),
        dist_info=member.name.split("/", 1)[0],
        bytes_fetched=member.bytes_fetched,
        wheel_size=member.archive_size,
    )
