"""The TOML span scanner under update-hashes: it reads what tomllib reads, and edits in place.

The scanned document is turned back into Python values (strings decoded by the scanner,
other scalars by tomllib) and compared with ``tomllib.loads`` of the same text, for every
TOML file committed under tests/data (real-world pyproject.toml and lockfiles among them)
and for a text full of awkward spellings.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from cg_action._errors import ParseError
from cg_action._rewrite._hashes_toml import (
    Document,
    Edit,
    Kind,
    Value,
    apply_edits,
    scan,
    toml_string,
)
from cg_action._toml import tomllib

AWKWARD = '''\
# comment
"quoted key" = "a \\"b\\" \\u00e9"  # trailing comment
'literal key' = 'C:\\path'
dotted . key = 1_000
date = 1979-05-27 07:32:00Z
day = 1979-05-27
floats = [ 1.5, -2e3, inf, nan ]
ml = """
two "quotes"" and \\
  a continued line"""
ml2 = \'\'\'raw \'\' text\'\'\'\'
nested = [[1, 2], ["x", {a = 1, b.c = "d"}],]
empty = {}
multi = [
    # a comment in an array
    { url = "u", hash = "h" },  # after an item
    { url = "v", hash = "w" },
]

[table . "sub"]
x = true

[[aot]]
n = 1

[aot.inner]
y = "z"

[[aot]]
n = 2

[[aot.list]]
k = 1
'''


def to_python(document: Document) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for table in document.tables:
        target = root
        if table.path:
            container = root
            for part in table.path[:-1]:
                found = container.setdefault(part, {})
                container = found[-1] if isinstance(found, list) else found
            if table.is_array:
                container.setdefault(table.path[-1], []).append({})
                target = container[table.path[-1]][-1]
            else:
                target = container.setdefault(table.path[-1], {})
        for pair in table.pairs:
            put(target, pair.key, convert(pair.value))
    return root


def put(target: dict[str, Any], key: tuple[str, ...], value: Any) -> None:
    for part in key[:-1]:
        target = target.setdefault(part, {})
    target[key[-1]] = value


def convert(value: Value) -> Any:
    if value.kind is Kind.STRING:
        return value.string()
    if value.kind is Kind.ARRAY:
        return [convert(item) for item in value.items]
    if value.kind is Kind.TABLE:
        table: dict[str, Any] = {}
        for pair in value.pairs:
            put(table, pair.key, convert(pair.value))
        return table
    return tomllib.loads(f"v = {value.raw}")["v"]


def same(left: Any, right: Any) -> bool:
    """Equality that takes nan as equal to nan."""
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def toml_files(data_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in data_dir.rglob("*")
        if p.is_file() and (p.suffix in (".toml", ".lock") and p.name != "Pipfile.lock")
    )


def test_scanner_reads_what_tomllib_reads(data_dir: Path) -> None:
    files = toml_files(data_dir)
    assert len(files) > 20
    read = 0
    for path in files:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        try:
            expected = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue  # files that are invalid on purpose
        assert same(to_python(scan(text, path)), expected), path
        read += 1
    assert read > 20


def test_scanner_reads_awkward_spellings() -> None:
    document = scan(AWKWARD, Path("awkward.toml"))
    assert same(to_python(document), tomllib.loads(AWKWARD))
    assert [len(e.children) for e in document.elements(("aot",))] == [1, 1]
    multi = document.root.get("multi")
    assert multi is not None
    assert [item.raw for item in multi.items] == [
        '{ url = "u", hash = "h" }',
        '{ url = "v", hash = "w" }',
    ]


def test_a_value_that_cannot_be_followed_names_the_line() -> None:
    with pytest.raises(ParseError) as caught:
        scan('a = 1\nb = [1, 2\nc = "x"\n', Path("bad.toml"))
    assert "bad.toml:3" in str(caught.value)


def test_edits_change_only_their_spans() -> None:
    text = 'x = "a"\ny = [1, 2]\n'
    document = scan(text, Path("t.toml"))
    x, y = document.root.get("x"), document.root.get("y")
    assert x is not None
    assert y is not None
    edits = [Edit(y.items[1].start, y.items[1].end, "3"), Edit(x.start, x.end, toml_string("b"))]
    assert apply_edits(text, edits) == 'x = "b"\ny = [1, 3]\n'
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits(text, [Edit(0, 5, ""), Edit(3, 6, "")])


def test_strings_are_written_the_way_they_were() -> None:
    literal = scan("v = 'x'\n", Path("t.toml")).root.get("v")
    assert toml_string("https://x/y", like=literal) == "'https://x/y'"
    assert toml_string("it's", like=literal) == '"it\'s"'
    assert toml_string('a"b\\c\x01') == '"a\\"b\\\\c\\u0001"'
    assert tomllib.loads(f"v = {toml_string(chr(1) + 'é')}")["v"] == "\x01é"
