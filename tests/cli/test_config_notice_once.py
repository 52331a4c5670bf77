"""``check`` says to run ``rewrite`` once when a requirements file points pip at PyPI.

The ``pypi-index-url`` trap carried its advice in its message, and the fallback findings of the
same file brought the same advice again under "What to do next": every report said it twice.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cg_action._cli import main
from cg_action._demo._server import sample_index

REWRITE = re.compile(r"cg[-_]action rewrite`")


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with sample_index() as url:
        yield url


def _check(project: Path, base: str, fmt: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "check",
            str(project),
            "--root",
            str(project),
            "--index-url",
            f"{base}/python/simple/",
            "--fallback-index-url",
            f"{base}/pypi/simple/",
            "--no-netrc",
            "--no-cache",
            "--format",
            fmt,
        ],
        env={},
        out=out,
        err=err,
    )
    assert code == 0, err.getvalue()
    return code, out.getvalue()


def _project(tmp_path: Path, *, pypi_first: bool) -> Path:
    first = "--index-url https://pypi.org/simple/\n" if pypi_first else ""
    # flask is built by Chainguard in the sample; leftpad-ng comes from the fallback only
    (tmp_path / "requirements.txt").write_text(f"{first}flask==3.0.3\nleftpad-ng==0.4.1\n")
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_rewrite_advice_is_given_once(tmp_path: Path, base: str, fmt: str) -> None:
    _, text = _check(_project(tmp_path, pypi_first=True), base, fmt)
    assert "--index-url points at PyPI" in text
    assert "leftpad-ng" in text
    assert len(REWRITE.findall(text)) == 1, text


def test_without_the_trap_the_advice_comes_from_the_fallback_findings(
    tmp_path: Path, base: str
) -> None:
    _, text = _check(_project(tmp_path, pypi_first=False), base, "text")
    assert "--index-url points at PyPI" not in text
    assert "point your tools at the Chainguard index first" in text
    assert len(REWRITE.findall(text)) == 1, text


def test_the_json_notice_keeps_the_trap_and_the_advice_apart(tmp_path: Path, base: str) -> None:
    _, text = _check(_project(tmp_path, pypi_first=True), base, "json")
    (notice,) = json.loads(text)["configuration"]
    assert notice["code"] == "pypi-index-url"
    assert notice["line"] == 1
    assert notice["message"] == "--index-url points at PyPI (https://pypi.org/simple/)"
    assert notice["hint"] == "run `cg-action rewrite` to point it at Chainguard"


def test_rewrite_check_gives_the_advice_once(tmp_path: Path) -> None:
    project = _project(tmp_path, pypi_first=True)
    out, err = io.StringIO(), io.StringIO()
    code = main(["rewrite", "--check", str(project)], env={}, out=out, err=err)
    assert code == 1, err.getvalue()
    # stdout: the diff and each trap with its fix; stderr closes with the one-line summary
    text = out.getvalue()
    assert "--index-url points at PyPI" in text
    assert len(REWRITE.findall(text)) == 1, text
