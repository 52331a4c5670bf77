"""``TomlLines`` counts lines as TOML does: only ``\\n`` (alone or in ``\\r\\n``) ends one.

``str.splitlines`` also breaks at ``\\x85``, ``\\u2028``, ``\\u2029``, form feeds and more, which
TOML allows inside a string (``\\x85``, ``\\u2028``, ``\\u2029``): counted that way, every line
after such a string would be reported too far down the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from cg_action._sources._pyproject import parse_pyproject
from cg_action._sources._typed import TomlLines

# Characters str.splitlines() breaks at and TOML does not.
NOT_NEWLINES = ["\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\r"]


@pytest.mark.parametrize("character", NOT_NEWLINES)
def test_only_a_newline_ends_a_line(character: str) -> None:
    text = f'a = "x{character}y"\n[b]\nc = "{character}"\n[d]\n'
    assert len(text.splitlines()) > 4  # what the count must not follow
    lines = TomlLines(text)
    assert len(lines.lines) == 4
    assert lines.headers("b") == [2]
    assert lines.key("c") == 3
    assert lines.next_header(2) == 4
    assert lines.string(character) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("a = 1", ["a = 1"]),
        ("a = 1\n", ["a = 1"]),
        ("a = 1\n\n", ["a = 1", ""]),
        ("a = 1\r\n[b]\r\nc = 2\r\n", ["a = 1", "[b]", "c = 2"]),
        ("\n[b]", ["", "[b]"]),
    ],
)
def test_lines_are_those_between_newlines(text: str, expected: list[str]) -> None:
    assert TomlLines(text).lines == expected


@pytest.mark.parametrize("character", ["\x85", "\u2028", "\u2029"])
def test_a_pyproject_dependency_after_such_a_string_keeps_its_line(
    tmp_path: Path, character: str
) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        "[project]\n"
        'name = "me"\n'
        f'description = "one{character}two{character}three"\n'
        "dependencies = [\n"
        '  "flask==3.0",\n'
        "]\n"
        "[dependency-groups]\n"
        'dev = ["pytest>=8"]\n',
        encoding="utf-8",
    )
    source = parse_pyproject(path)
    assert source.problems == ()
    lines = {dep.name: dep.location.line for dep in source.dependencies}
    assert lines == {canonicalize_name("flask"): 5, canonicalize_name("pytest"): 8}
