"""dump_document: new tables are set off by a blank line, in time linear in the file's length.

The lines an edit introduced used to be found with ``difflib.SequenceMatcher``, whose time
grows with the square of the number of lines (100 s on a 1,000-package uv.lock). These tests
fix what the spacing does and that no quadratic diff runs.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from cg_action._rewrite._tomledit import dump_document, load_document, new_table


def add_index(text: str, name: str = "chainguard") -> str:
    document = load_document(text, Path("pyproject.toml"))
    document["tool"]["uv"]["index"].append(
        new_table({"name": name, "url": "https://libraries.cgr.dev/python/simple/"})
    )
    return dump_document(document, text)


BEFORE = (
    '[project]\nname = "p"\n[tool.compact]\nx = 1\n\n[tool.uv]\npackage = false\n\n'
    '[[tool.uv.index]]\nname = "pypi"\nurl = "https://pypi.org/simple/"\n'
    "[tool.after]\ny = 2\n"
)


def test_a_new_table_gets_a_blank_line_and_compact_old_ones_stay() -> None:
    after = add_index(BEFORE)
    assert after == (
        '[project]\nname = "p"\n[tool.compact]\nx = 1\n\n[tool.uv]\npackage = false\n\n'
        '[[tool.uv.index]]\nname = "pypi"\nurl = "https://pypi.org/simple/"\n\n'
        '[[tool.uv.index]]\nname = "chainguard"\nurl = "https://libraries.cgr.dev/python/simple/"'
        "\n\n[tool.after]\ny = 2\n"
    )


def test_no_quadratic_diff_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("SequenceMatcher is quadratic in the number of lines")

    monkeypatch.setattr(difflib, "SequenceMatcher", refuse)
    filler = "".join(f"[tool.filler{i}]\nvalue = {i}\n\n" for i in range(2000))
    after = add_index(BEFORE.replace("[tool.after]", filler + "[tool.after]"))
    assert after.count('name = "chainguard"') == 1


def test_an_insertion_is_found_among_changed_and_repeated_lines() -> None:
    """The first index's URL changes too, and the lines between (another ``[[tool.uv.index]]``
    table) repeat the new table's header."""
    text = BEFORE.replace(
        "[tool.after]\ny = 2\n",
        '[[tool.uv.index]]\nname = "other"\nurl = "https://x.example/simple/"\n',
    )
    document = load_document(text, Path("pyproject.toml"))
    indexes = document["tool"]["uv"]["index"]
    indexes[0]["url"] = "https://pypi.example/simple/"
    indexes.append(new_table({"name": "chainguard", "url": "https://c.example/simple/"}))
    after = dump_document(document, text)
    assert 'url = "https://pypi.example/simple/"\n[[tool.uv.index]]\nname = "other"' in after
    assert '"https://x.example/simple/"\n\n[[tool.uv.index]]\nname = "chainguard"' in after
