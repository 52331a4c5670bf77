"""Typed getters for untrusted TOML and JSON, and the lines things stand on.

Every getter takes a ``Where`` (file, key path, line) and raises ``ParseError`` naming all
three, e.g. ``uv.lock:118: package[12].wheels[0].hash: expected a string``. ``TomlLines``
finds the 1-based line of a table header or of a string in the text, which ``tomllib`` does
not report.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from cg_action._errors import ParseError
from cg_action._models import DependencyKind

_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_TOML_LINE = re.compile(r"at line (\d+)")


@dataclass(frozen=True, slots=True)
class Where:
    """A place in an input file: the file, the key path to the value, and its line if known."""

    path: Path
    key: str = ""
    line: int | None = None

    def child(self, key: str | int, line: int | None = None) -> Where:
        """The place of a member: ``package`` -> ``package[3]`` -> ``package[3].name``."""
        if isinstance(key, int):
            sub = f"{self.key}[{key}]"
        else:
            sub = f"{self.key}.{key}" if self.key else key
        return Where(self.path, sub, line if line is not None else self.line)

    def at_line(self, line: int | None) -> Where:
        """The same key path, at another line (kept when ``line`` is None)."""
        return Where(self.path, self.key, line if line is not None else self.line)

    def error(self, message: str) -> ParseError:
        """A parse error at this place."""
        return ParseError.at(self.path, self.line, message, key=self.key or None)


def _type_name(value: object) -> str:
    return {
        dict: "a table",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }.get(type(value), type(value).__name__)


def expect_table(value: object, where: Where) -> Mapping[str, Any]:
    """``value`` as a table (dict with string keys)."""
    if not isinstance(value, dict):
        raise where.error(f"expected a table, found {_type_name(value)}")
    return value


def expect_list(value: object, where: Where) -> list[Any]:
    """``value`` as an array."""
    if not isinstance(value, list):
        raise where.error(f"expected an array, found {_type_name(value)}")
    return value


def expect_str(value: object, where: Where) -> str:
    """``value`` as a string."""
    if not isinstance(value, str):
        raise where.error(f"expected a string, found {_type_name(value)}")
    return value


def expect_bool(value: object, where: Where) -> bool:
    """``value`` as a boolean."""
    if not isinstance(value, bool):
        raise where.error(f"expected a boolean, found {_type_name(value)}")
    return value


def expect_int(value: object, where: Where) -> int:
    """``value`` as an integer (not a boolean)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise where.error(f"expected an integer, found {_type_name(value)}")
    return value


def get_str(table: Mapping[str, Any], key: str, where: Where) -> str:
    """A required string member."""
    if key not in table:
        raise where.child(key).error("missing required key")
    return expect_str(table[key], where.child(key))


def get_optional_str(table: Mapping[str, Any], key: str, where: Where) -> str | None:
    """An optional string member."""
    if key not in table:
        return None
    return expect_str(table[key], where.child(key))


def get_optional_table(table: Mapping[str, Any], key: str, where: Where) -> Mapping[str, Any]:
    """An optional table member (empty when absent)."""
    if key not in table:
        return {}
    return expect_table(table[key], where.child(key))


def get_optional_list(table: Mapping[str, Any], key: str, where: Where) -> list[Any]:
    """An optional array member (empty when absent)."""
    if key not in table:
        return []
    return expect_list(table[key], where.child(key))


def is_project_name(raw: str) -> bool:
    """Whether ``raw`` is a valid project name as written (PEP 508)."""
    return _NAME.match(raw) is not None


def parse_name(raw: str, where: Where) -> NormalizedName:
    """A project name, validated (PEP 508) and normalized (PEP 503)."""
    if not is_project_name(raw):
        raise where.error(f"not a valid project name: {excerpt(raw)}")
    return canonicalize_name(raw)


def parse_version(raw: str, where: Where) -> Version:
    """A PEP 440 version."""
    try:
        return Version(raw)
    except InvalidVersion as exc:
        raise where.error(f"not a valid version: {excerpt(raw)}") from exc


def specifier_kind(specifier: SpecifierSet) -> tuple[DependencyKind, Version | None]:
    """``PINNED`` and its version for a single ``==X`` (no wildcard) or ``===X``; else ``RANGE``.

    The version of a ``===`` pin is None when it is not a PEP 440 version (``===`` compares
    strings); ``==`` always carries a valid version (packaging refuses anything else).
    """
    clauses = list(specifier)
    if len(clauses) == 1:
        clause = clauses[0]
        if (clause.operator == "==" and not clause.version.endswith(".*")) or (
            clause.operator == "==="
        ):
            try:
                return DependencyKind.PINNED, Version(clause.version)
            except InvalidVersion:
                return DependencyKind.PINNED, None
    return DependencyKind.RANGE, None


MAX_FILE_BYTES = 20 * 1024 * 1024
"""The largest input file read (20 MiB): a lockfile of thousands of packages is a few MB."""


def read_text(path: Path, text: str | None = None, *, root: Path | None = None) -> str:
    """The file's text (``text`` when given), decoded as UTF-8 with an optional BOM.

    Every input file is read here, so the rules for hostile files hold for every format: only
    a regular file is read (a FIFO, device or directory is refused without blocking on it), at
    most ``MAX_FILE_BYTES`` of it, and with ``root`` only when its real path (symbolic links
    followed) lies inside ``root``.
    """
    if text is not None:
        return text.removeprefix("\ufeff")
    data = read_bytes(path, root=root)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError.at(
            path, line, "the file is not UTF-8 text; save it as UTF-8 and try again"
        ) from exc


def in_git_folder(real: Path, root: Path | None) -> bool:
    """Whether ``real`` (a resolved path) lies in a ``.git`` folder (below ``root`` if given).

    git's own files are never read: actions/checkout writes the job's token into .git/config.
    """
    if root is not None and real.is_relative_to(root):
        return ".git" in real.relative_to(root).parts
    return ".git" in real.parts


def read_bytes(path: Path, *, root: Path | None = None) -> bytes:
    """The bytes of ``path`` under the rules of ``read_text`` (any reader of an input file can
    use it): a regular file, at most ``MAX_FILE_BYTES``, inside ``root``, not in ``.git``.

    Raises ParseError naming the file otherwise, or when it cannot be read.
    """
    try:
        real = os.path.realpath(path)
        real_root = Path(os.path.realpath(root)) if root is not None else None
        if real_root is not None and not Path(real).is_relative_to(real_root):
            raise ParseError.at(
                path,
                None,
                "the file is a symbolic link to a place outside the repository; "
                "cg-action does not read it: commit the file itself",
            )
        if in_git_folder(Path(real), real_root):
            raise ParseError.at(
                path,
                None,
                "the file is in a .git folder; cg-action never reads git's own files (they can "
                "hold credentials)",
            )
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        descriptor = os.open(real, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ParseError.at(path, None, f"cannot read the file: {exc.strerror or exc}") from exc
    except ValueError as exc:  # e.g. a NUL byte in the path
        raise ParseError.at(path, None, f"cannot read the file: {exc}") from exc
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise ParseError.at(
                path, None, f"{_file_kind(status.st_mode)}, not a file; cg-action does not read it"
            )
        chunks: list[bytes] = []
        total = 0
        wanted = min(status.st_size, MAX_FILE_BYTES) + 1  # one read for most files
        while total <= MAX_FILE_BYTES:
            chunk = os.read(descriptor, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            wanted = min(1 << 20, MAX_FILE_BYTES + 1 - total)
    except OSError as exc:
        raise ParseError.at(path, None, f"cannot read the file: {exc.strerror or exc}") from exc
    finally:
        os.close(descriptor)
    if total > MAX_FILE_BYTES:
        raise ParseError.at(
            path,
            None,
            f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, the most cg-action "
            "reads; a dependency file this large is not one a person wrote: check what it is",
        )
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


EXCERPT_LIMIT = 60
"""The most characters of an input line a message quotes."""

_LEADING_USERINFO = re.compile(r"[^\s/@:'\"]+:[^\s/@'\"]*@")
_REDACTIONS = (
    # user-info of a URL, with or without its scheme: https://u:p@h, git+https://tok@h, u:p@h/x
    (re.compile(r"(?<=://)[^/@\s'\"]*@"), "<redacted>@"),
    (re.compile(r"(?<![^\s'\"=(,])[^\s/@:'\"=(,]+:[^\s/@'\"]*@"), "<redacted>@"),
    # Authorization: basic|bearer VALUE, and such words before a value on their own
    (
        re.compile(r"(?i)(authorization\s*[:=]\s*)(?:(?:basic|bearer|token)\s+)?\S+"),
        r"\1<redacted>",
    ),
    (re.compile(r"(?i)\b(basic|bearer)\s+\S+"), r"\1 <redacted>"),
    # token=..., password: ..., api_key = ...
    (
        re.compile(
            r"(?i)([\w.-]*(?:token|passw(?:or)?d|pwd|secret|api[_-]?key|auth|credential)[\w.-]*"
            r"[\"']?\s*(?::|=(?!=))\s*)[^\s,;&=][^\s,;&]*"
        ),
        r"\1<redacted>",
    ),
    # long runs that look like keys (base64, hex): letters and digits, no "-" or "." between
    (
        re.compile(r"(?=[A-Za-z+/_]*[0-9])(?=[0-9+/_]*[A-Za-z])[A-Za-z0-9+/_]{24,}=*"),
        "<redacted>",
    ),
)


def redact_credentials(text: str) -> str:
    """``text`` without what looks like a credential (for text quoted from an input file)."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """A short, quoted, credential-free excerpt of ``text`` for a message.

    An input file is hostile: a message quotes at most ``limit`` characters of a line, with
    user-info, ``Authorization`` values, ``token=``-style values and key-like runs removed.
    """
    window = 1024  # redacted first (the patterns see whole credentials), then shortened
    clean = redact_credentials(text[:window])
    if len(clean) > limit or len(text) > window:
        clean = clean[: limit - 3] + "..."
    return repr(clean)


def without_userinfo(url: str) -> str:
    """``url`` without user-info, in linear time: after ``://``, or at the start without one."""
    url = _REDACTIONS[0][0].sub("", url)
    found = _LEADING_USERINFO.match(url)
    return url[found.end() :] if found is not None else url


def parser_message(exc: BaseException) -> str:
    """The first line of a parser's error (packaging's next lines repeat the input), short and
    redacted, for a message about an input file."""
    return redact_credentials(str(exc).partition("\n")[0][:200])


def load_toml(path: Path, text: str) -> dict[str, Any]:
    """Parse TOML text, turning a syntax error into a ParseError at its line."""
    from cg_action._toml import tomllib

    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        line = int(found.group(1)) if found else None
        message = str(exc).split(" (at line")[0]
        raise ParseError.at(path, line, f"invalid TOML: {message}") from exc
    except (ValueError, RecursionError) as exc:  # e.g. nesting too deep
        raise ParseError.at(path, None, f"invalid TOML: {exc}") from exc


def load_json(path: Path, text: str) -> Any:
    """Parse JSON text, turning a syntax error into a ParseError at its line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError.at(path, exc.lineno, f"invalid JSON: {exc.msg}") from exc
    except (ValueError, RecursionError) as exc:
        raise ParseError.at(path, None, f"invalid JSON: {exc}") from exc


class TomlLines:
    """Finds the lines of table headers, keys and strings in TOML (or JSON) text.

    ``tomllib`` gives no positions; these searches are textual, so they look within the span
    of the table they belong to and fall back to the table's own line.
    """

    def __init__(self, text: str) -> None:
        # TOML (and JSON) end a line at "\n", alone or in "\r\n", and nowhere else: a "\x85",
        # "\u2028" or form feed inside a string starts no line of its own.
        self.lines = text.replace("\r\n", "\n").split("\n")
        if self.lines[-1] == "":  # the newline that ends the last line starts no line
            self.lines.pop()

    def headers(self, name: str) -> list[int]:
        """The 1-based lines of every ``[[name]]`` (or ``[name]``) header, in order."""
        pattern = re.compile(r"^\s*\[\[?\s*" + re.escape(name) + r"\s*\]\]?\s*(#.*)?$")
        return [i + 1 for i, line in enumerate(self.lines) if pattern.match(line)]

    def next_header(self, after: int) -> int:
        """The line of the first table header after ``after`` (one past the end if none)."""
        for i in range(after, len(self.lines)):
            if self.lines[i].lstrip().startswith("["):
                stripped = self.lines[i].strip()
                if re.match(r"^\[\[?[A-Za-z0-9_.\"' -]+\]\]?\s*(#.*)?$", stripped):
                    return i + 1
        return len(self.lines) + 1

    def key(self, key: str, start: int = 1, end: int | None = None) -> int | None:
        """The first line in [start, end) that assigns ``key`` (bare or quoted)."""
        pattern = re.compile(r"^\s*(\"|')?" + re.escape(key) + r"(\"|')?\s*[=:]")
        return self._search(pattern, start, end)

    def string(self, value: str, start: int = 1, end: int | None = None) -> int | None:
        """The first line in [start, end) holding ``value`` as a quoted string."""
        escaped = json.dumps(value)[1:-1]
        needles = {f'"{value}"', f"'{value}'", f'"{escaped}"'}
        stop = len(self.lines) + 1 if end is None else end
        for i in range(max(start, 1) - 1, min(stop, len(self.lines) + 1) - 1):
            if any(n in self.lines[i] for n in needles):
                return i + 1
        return None

    def _search(self, pattern: re.Pattern[str], start: int, end: int | None) -> int | None:
        stop = len(self.lines) + 1 if end is None else end
        for i in range(max(start, 1) - 1, min(stop, len(self.lines) + 1) - 1):
            if pattern.match(self.lines[i]):
                return i + 1
        return None
