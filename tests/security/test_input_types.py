"""Values of the wrong type in pyproject.toml's uv tables are input errors, never ignored.

``[tool.uv.sources]`` and ``[[tool.uv.index]]`` decide where a dependency comes from: a value
that is not what uv reads (``git = 3``, ``index = ["a"]``, ``name = 5``) must stop the check
with the file, the line and the key path, not silently leave the dependency on PyPI.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cg_action._cli import main
from cg_action._models import Dependency
from cg_action._sources._pyproject import parse_pyproject

HEAD = '[project]\nname = "p"\nversion = "1"\ndependencies = ["x", "y"]\n\n'


@pytest.mark.parametrize(
    ("body", "line", "key", "expected"),
    [
        ("[tool.uv.sources]\nx = { git = 3 }\n", 7, "tool.uv.sources.x.git", "a string"),
        ("[tool.uv.sources]\nx = { index = ['a'] }\n", 7, "tool.uv.sources.x.index", "a string"),
        ("[tool.uv.sources]\nx = { path = true }\n", 7, "tool.uv.sources.x.path", "a string"),
        (
            "[tool.uv.sources]\nx = { path = 'a', editable = 'yes' }\n",
            7,
            "tool.uv.sources.x.editable",
            "a boolean",
        ),
        ("[tool.uv.sources]\nx = { url = 1.5 }\n", 7, "tool.uv.sources.x.url", "a string"),
        (
            "[tool.uv.sources]\nx = { git = 'https://h/r', rev = 1 }\n",
            7,
            "tool.uv.sources.x.rev",
            "a string",
        ),
        ("[tool.uv.sources]\nx = 'main'\n", 7, "tool.uv.sources.x", "a table"),
        ("[tool.uv.sources]\nx = [{ index = 1 }]\n", 7, "tool.uv.sources.x[0].index", "a string"),
        ("[tool.uv]\nsources = 3\n", 7, "tool.uv.sources", "a table"),
        (
            "[[tool.uv.index]]\nname = 5\nurl = 'https://h/simple'\n",
            7,
            "tool.uv.index[0].name",
            "a string",
        ),
        (
            "[[tool.uv.index]]\nname = 'a'\nurl = 'https://h/simple'\n\n"
            "[[tool.uv.index]]\nname = 'b'\nurl = true\n",
            12,
            "tool.uv.index[1].url",
            "a string",
        ),
        (
            "[[tool.uv.index]]\nname = 'a'\nurl = 'https://h/simple'\nexplicit = 'yes'\n",
            9,
            "tool.uv.index[0].explicit",
            "a boolean",
        ),
        ("[tool.uv]\nindex = 'https://h/simple'\n", 7, "tool.uv.index", "an array"),
        ("[tool.uv]\nindex = ['https://h/simple']\n", 7, "tool.uv.index[0]", "a table"),
    ],
)
def test_wrong_types_are_problems_at_their_line_and_key(
    tmp_path: Path, body: str, line: int, key: str, expected: str
) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(HEAD + body)
    source = parse_pyproject(path)
    assert any(
        problem.key == key and problem.line == line and f"expected {expected}" in problem.message
        for problem in source.problems
    ), [str(p) for p in source.problems]
    out, err = io.StringIO(), io.StringIO()
    assert main(["list", str(path)], env={}, out=out, err=err) == 2
    assert f"pyproject.toml:{line}: {key}: expected {expected}" in err.getvalue()


def test_right_types_are_no_problem(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        HEAD
        + "[tool.uv.sources]\n"
        + "x = { git = 'https://h/r.git', rev = 'v1', subdirectory = 's' }\n"
        + "y = [{ index = 'internal', marker = 'sys_platform == \"linux\"' }, "
        + "{ index = 'internal' }]\n\n"
        + "[[tool.uv.index]]\nname = 'internal'\nurl = 'https://h/simple'\nexplicit = true\n"
    )
    source = parse_pyproject(path)
    assert source.problems == ()
    by_name: dict[str, Dependency] = {d.name: d for d in source.dependencies}
    assert by_name["x"].url == "git+https://h/r.git@v1#subdirectory=s"
    assert by_name["y"].index == "https://h/simple"
