"""Where each table, key and value of a TOML text is, for edits that leave all else alone.

``update-hashes`` changes a few values of a lockfile (a digest, a URL, a size) and must leave
every other byte as it is. tomlkit keeps the layout too, but takes seconds to parse a
1,000-package ``uv.lock``; this module scans the text once, token by token with regular
expressions, and records the span of every table, key/value pair and value (arrays and
inline tables with their items). Strings are decoded only when asked for. Edits are
``(start, end, new text)`` triples applied in one pass (``apply_edits``).

The text is expected to be valid TOML (the lockfile readers have parsed it already); what the
scanner cannot follow raises ``ParseError`` naming the line.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cg_action._errors import ParseError

_BLANK = re.compile(r"[ \t]*")
_FILLER = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")  # whitespace, newlines and comments
_LINE_END = re.compile(r"[ \t]*(?:#[^\n]*)?(?:\r?\n|$)")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_LITERAL = re.compile(r"'[^'\n]*'")
_ML_BASIC_BODY = re.compile(r'(?:[^"\\]|\\[\s\S]|"(?!""))*')
_ML_LITERAL_BODY = re.compile(r"(?:[^']|'(?!''))*")
_SCALAR = re.compile(r"[^\s,\]\}#]+(?: [0-9]{2}:[^\s,\]\}#]*)?")
_DOT = re.compile(r"[ \t]*\.[ \t]*")


class Kind(enum.Enum):
    """What a value is, as far as edits care."""

    STRING = "string"
    ARRAY = "array"
    TABLE = "inline table"
    OTHER = "other"  # numbers, booleans, dates


@dataclass(slots=True, eq=False)
class Value:
    """One value: its span in the text and, for arrays and inline tables, what is inside."""

    source: str
    start: int
    end: int
    kind: Kind
    items: list[Value] = field(default_factory=list)  # arrays
    pairs: list[Pair] = field(default_factory=list)  # inline tables

    @property
    def raw(self) -> str:
        """The value as written."""
        return self.source[self.start : self.end]

    def string(self) -> str | None:
        """The decoded string (None when the value is not a string)."""
        if self.kind is not Kind.STRING:
            return None
        raw = self.raw
        if raw.startswith(("'''", '"""')) or (raw[0] == '"' and "\\" in raw):
            from cg_action._toml import tomllib

            decoded = tomllib.loads(f"v = {raw}")["v"]
            return str(decoded)
        return raw[1:-1]

    def integer(self) -> int | None:
        """The value as an integer (None when it is not a plain decimal integer)."""
        raw = self.raw.replace("_", "")
        if self.kind is Kind.OTHER and raw.lstrip("+-").isdigit():
            return int(raw)
        return None

    @property
    def is_literal(self) -> bool:
        """Whether the value is a single-line literal string (``'...'``)."""
        return (
            self.kind is Kind.STRING and self.raw.startswith("'") and not self.raw.startswith("'''")
        )

    def get(self, key: str) -> Value | None:
        """The value of ``key`` in this inline table (None: absent or not a table)."""
        return next((p.value for p in self.pairs if p.key == (key,)), None)

    def strings(self) -> list[str]:
        """The string items of this array."""
        return [s for item in self.items if (s := item.string()) is not None]


@dataclass(slots=True, eq=False)
class Pair:
    """``key = value``; for pairs of a table, the span of its whole line(s) too."""

    key: tuple[str, ...]
    start: int  # where the key begins
    value: Value
    line_start: int = -1  # tables only: start of the key's line
    line_end: int = -1  # tables only: past the newline that ends the value's line


@dataclass(slots=True, eq=False)
class Table:
    """A ``[table]`` or ``[[array]]`` element (the root table has the path ``()``)."""

    path: tuple[str, ...]
    is_array: bool
    start: int  # start of the header's line (0 for the root table)
    body: int  # past the header's line
    end: int  # start of the next header's line (or the end of the text)
    pairs: list[Pair] = field(default_factory=list)

    def get(self, key: str) -> Value | None:
        """The value of ``key`` (a one-part key) in this table."""
        return next((p.value for p in self.pairs if p.key == (key,)), None)

    def pair(self, key: str) -> Pair | None:
        """The pair of ``key`` in this table."""
        return next((p for p in self.pairs if p.key == (key,)), None)


@dataclass(slots=True, eq=False)
class Element:
    """One element of an array of tables, with the sub-tables written under it."""

    table: Table
    children: list[Table]

    def get(self, key: str) -> Value | None:
        """The value of ``key`` written in the element's own table."""
        return self.table.get(key)

    def child(self, key: str) -> Table | None:
        """The sub-table ``[<path>.<key>]`` (None when there is none)."""
        wanted = (*self.table.path, key)
        return next((t for t in self.children if t.path == wanted and not t.is_array), None)

    def child_array(self, key: str) -> list[Table]:
        """The elements of ``[[<path>.<key>]]`` written under this element."""
        wanted = (*self.table.path, key)
        return [t for t in self.children if t.path == wanted and t.is_array]

    def child_elements(self, key: str) -> list[Element]:
        """The elements of ``[[<path>.<key>]]``, each with the sub-tables written under it
        (``[<path>.<key>.hashes]``)."""
        wanted = (*self.table.path, key)
        found: list[Element] = []
        current: Element | None = None
        for table in self.children:
            if table.path == wanted and table.is_array:
                current = Element(table=table, children=[])
                found.append(current)
            elif current is not None and table.path[: len(wanted)] == wanted:
                current.children.append(table)
            else:
                current = None
        return found

    def child_element(self, key: str) -> Element | None:
        """The sub-table ``[<path>.<key>]`` with the sub-tables written under it."""
        table = self.child(key)
        if table is None:
            return None
        wanted = table.path
        after = self.children[self.children.index(table) + 1 :]
        nested = []
        for child in after:
            if child.path[: len(wanted)] != wanted or len(child.path) == len(wanted):
                break
            nested.append(child)
        return Element(table=table, children=nested)

    @property
    def start(self) -> int:
        """Where the element's header line begins."""
        return self.table.start

    @property
    def end(self) -> int:
        """Where the element's last sub-table (or its own table) ends."""
        return self.children[-1].end if self.children else self.table.end

    @property
    def pairs(self) -> list[Pair]:
        """The pairs of the element's own table."""
        return self.table.pairs


@dataclass(slots=True, eq=False)
class Document:
    """A scanned TOML text: its tables in the order written."""

    text: str
    tables: list[Table]

    @property
    def root(self) -> Table:
        """The pairs before the first header."""
        return self.tables[0]

    def elements(self, path: Sequence[str]) -> list[Element]:
        """The elements of the array of tables ``[[path]]``, each with its sub-tables."""
        wanted = tuple(path)
        found: list[Element] = []
        current: Element | None = None
        for table in self.tables[1:]:
            if table.path == wanted and table.is_array:
                current = Element(table=table, children=[])
                found.append(current)
            elif current is not None and table.path[: len(wanted)] == wanted:
                current.children.append(table)
            elif not _is_prefix(table.path, wanted):
                current = None
        return found

    def table(self, path: Sequence[str]) -> Table | None:
        """The table ``[path]`` (the root for ``()``)."""
        wanted = tuple(path)
        return next((t for t in self.tables if t.path == wanted and not t.is_array), None)

    def line_of(self, position: int) -> int:
        """The 1-based line number of a position."""
        return self.text.count("\n", 0, position) + 1


def _is_prefix(path: tuple[str, ...], of: tuple[str, ...]) -> bool:
    return len(path) < len(of) and of[: len(path)] == path


class _Scanner:
    def __init__(self, text: str, path: Path) -> None:
        self.text = text
        self.path = path

    def fail(self, position: int, message: str) -> ParseError:
        line = self.text.count("\n", 0, position) + 1
        return ParseError.at(self.path, line, f"cannot follow the TOML here: {message}")

    def scan(self) -> Document:
        text = self.text
        size = len(text)
        current = Table(path=(), is_array=False, start=0, body=0, end=size)
        tables = [current]
        position = 0
        while True:
            position = _FILLER.match(text, position).end()  # type: ignore[union-attr]  # always matches
            if position >= size:
                break
            line_start = text.rfind("\n", 0, position) + 1
            if text[position] == "[":
                current.end = line_start
                is_array = text.startswith("[[", position)
                cursor = _BLANK.match(text, position + (2 if is_array else 1)).end()  # type: ignore[union-attr]  # always matches
                key, cursor = self.key(cursor)
                cursor = _BLANK.match(text, cursor).end()  # type: ignore[union-attr]  # always matches
                closing = "]]" if is_array else "]"
                if not text.startswith(closing, cursor):
                    raise self.fail(cursor, f"expected {closing!r}")
                body = self.line_end(cursor + len(closing))
                current = Table(path=key, is_array=is_array, start=line_start, body=body, end=size)
                tables.append(current)
                position = body
                continue
            pair, position = self.pair(position)
            pair.line_start = line_start
            position = pair.line_end = self.line_end(position)
            current.pairs.append(pair)
        return Document(text=text, tables=tables)

    def line_end(self, position: int) -> int:
        match = _LINE_END.match(self.text, position)
        if match is None:
            raise self.fail(position, "expected the end of the line")
        return match.end()

    def key(self, position: int) -> tuple[tuple[str, ...], int]:
        parts: list[str] = []
        text = self.text
        while True:
            char = text[position] if position < len(text) else ""
            if char == '"':
                match = _BASIC.match(text, position)
                if match is None:
                    raise self.fail(position, "unterminated quoted key")
                raw = match.group(0)
                parts.append(json.loads(raw) if "\\" in raw else raw[1:-1])
            elif char == "'":
                match = _LITERAL.match(text, position)
                if match is None:
                    raise self.fail(position, "unterminated quoted key")
                parts.append(match.group(0)[1:-1])
            else:
                match = _BARE_KEY.match(text, position)
                if match is None:
                    raise self.fail(position, "expected a key")
                parts.append(match.group(0))
            position = match.end()
            dot = _DOT.match(text, position)
            if dot is None:
                return tuple(parts), position
            position = dot.end()

    def pair(self, position: int) -> tuple[Pair, int]:
        key, cursor = self.key(position)
        cursor = _BLANK.match(self.text, cursor).end()  # type: ignore[union-attr]  # always matches
        if not self.text.startswith("=", cursor):
            raise self.fail(cursor, "expected '='")
        cursor = _BLANK.match(self.text, cursor + 1).end()  # type: ignore[union-attr]  # always matches
        value = self.value(cursor)
        return Pair(key=key, start=position, value=value), value.end

    def value(self, position: int) -> Value:
        text = self.text
        if position >= len(text):
            raise self.fail(position, "expected a value")
        char = text[position]
        if char in "\"'":
            return self.string(position, char)
        if char == "[":
            return self.array(position)
        if char == "{":
            return self.inline_table(position)
        match = _SCALAR.match(text, position)
        if match is None:
            raise self.fail(position, "expected a value")
        return Value(text, position, match.end(), Kind.OTHER)

    def string(self, position: int, quote: str) -> Value:
        text = self.text
        if text.startswith(quote * 3, position):
            body = _ML_BASIC_BODY if quote == '"' else _ML_LITERAL_BODY
            closing = body.match(text, position + 3).end()  # type: ignore[union-attr]  # always matches
            run = closing
            while run < len(text) and text[run] == quote and run - closing < 5:
                run += 1
            if run - closing < 3:
                raise self.fail(position, "unterminated multi-line string")
            return Value(text, position, run, Kind.STRING)
        match = (_BASIC if quote == '"' else _LITERAL).match(text, position)
        if match is None:
            raise self.fail(position, "unterminated string")
        return Value(text, position, match.end(), Kind.STRING)

    def array(self, position: int) -> Value:
        text = self.text
        value = Value(text, position, position, Kind.ARRAY)
        cursor = position + 1
        while True:
            cursor = _FILLER.match(text, cursor).end()  # type: ignore[union-attr]  # always matches
            if text.startswith("]", cursor):
                value.end = cursor + 1
                return value
            item = self.value(cursor)
            value.items.append(item)
            cursor = _FILLER.match(text, item.end).end()  # type: ignore[union-attr]  # always matches
            if text.startswith(",", cursor):
                cursor += 1
            elif not text.startswith("]", cursor):
                raise self.fail(cursor, "expected ',' or ']' in an array")

    def inline_table(self, position: int) -> Value:
        text = self.text
        value = Value(text, position, position, Kind.TABLE)
        cursor = position + 1
        while True:
            cursor = _FILLER.match(text, cursor).end()  # type: ignore[union-attr]  # always matches
            if text.startswith("}", cursor):
                value.end = cursor + 1
                return value
            pair, cursor = self.pair(cursor)
            value.pairs.append(pair)
            cursor = _FILLER.match(text, cursor).end()  # type: ignore[union-attr]  # always matches
            if text.startswith(",", cursor):
                cursor += 1
            elif not text.startswith("}", cursor):
                raise self.fail(cursor, "expected ',' or '}' in an inline table")


def scan(text: str, path: Path) -> Document:
    """Scan a TOML text; ``path`` names the file in errors."""
    try:
        return _Scanner(text, path).scan()
    except RecursionError as exc:
        raise ParseError.at(path, None, "cannot follow the TOML: nested too deeply") from exc


# ---------------------------------------------------------------- writing


def toml_string(value: str, *, like: Value | None = None) -> str:
    """``value`` as a TOML string; literal (``'...'``) when ``like`` is one and it can be."""
    plain = _PLAIN.fullmatch(value) is not None
    if like is not None and like.is_literal and plain and "'" not in value:
        return f"'{value}'"
    if plain and '"' not in value:
        return f'"{value}"'
    out = ['"']
    for char in value:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif _needs_escape(char):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


_PLAIN = re.compile(r"[^\x00-\x1f\x7f\\]*")


def _needs_escape(text: str) -> bool:
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` with ``new``."""

    start: int
    end: int
    new: str


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with every edit made; edits must not overlap (insertions may share a point)."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    out: list[str] = []
    position = 0
    for edit in ordered:
        if edit.start < position:
            raise ValueError(f"overlapping edits at {edit.start}")
        out.append(text[position : edit.start])
        out.append(edit.new)
        position = edit.end
    out.append(text[position:])
    return "".join(out)


def line_start(text: str, position: int) -> int:
    """The start of the line ``position`` is on."""
    return text.rfind("\n", 0, position) + 1


def indent_at(text: str, position: int) -> str:
    """The blanks that begin the line ``position`` is on."""
    start = line_start(text, position)
    return _BLANK.match(text, start).group(0)  # type: ignore[union-attr]  # always matches


def walk_values(values: Iterable[Value]) -> Iterator[Value]:
    """Every value, with the items and inline-table values inside it, depth first."""
    for value in values:
        yield value
        yield from walk_values(value.items)
        yield from walk_values(p.value for p in value.pairs)
