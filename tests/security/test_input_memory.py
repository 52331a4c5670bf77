"""Memory grows with a requirements file's size by a small factor, and is bounded.

A 50 MB requirements file once took 3.1 GB: every line copied at once, a dependency object per
line without end. Now lines are split a chunk at a time, a file stops after 50,000
requirements or 1,000 problems, and no input file is read past 20 MB.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from cg_action._sources._requirements import (
    MAX_PROBLEMS,
    MAX_REQUIREMENTS,
    _reader,
    parse_requirements,
)

SIZE = 512 * 1024
HASH = " \\\n    --hash=sha256:" + "0" * 64

# (text of about SIZE characters, at most this many bytes of memory per byte of text)
SHAPES: dict[str, tuple[Callable[[int], str], int]] = {
    # a dependency costs about 1 KB (names, a specifier, a version, its place): 20-byte pins
    # cost about 50 bytes a byte; the cap on requirements bounds it
    "pins": (lambda n: "package-name==1.2.3\n" * (n // 20), 64),
    "pins with hashes": (lambda n: ("package-name==1.2.3" + HASH * 3 + "\n") * (n // 280), 16),
    "empty lines": (lambda n: "\n" * n, 8),
    "comments": (lambda n: ("# " + "c" * 70 + "\n") * (n // 73), 8),
    "one long line": (lambda n: "a" * n, 8),
    "lines that are not requirements": (lambda n: "not a requirement!\n" * (n // 19), 8),
}


def _peak(path: Path) -> int:
    tracemalloc.start()
    try:
        parse_requirements(path, environ={}, root=path.parent)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_peak_memory_is_a_small_multiple_of_the_size(tmp_path: Path, shape: str) -> None:
    make, factor = SHAPES[shape]
    path = tmp_path / "requirements.txt"
    path.write_text(make(SIZE))
    size = path.stat().st_size
    peak = _peak(path)
    assert peak < factor * size, f"{shape}: {peak / size:.1f} bytes of memory a byte"


def test_a_file_stops_after_the_most_requirements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_reader, "MAX_REQUIREMENTS", 100)
    path = tmp_path / "requirements.txt"
    path.write_text("".join(f"p{n}==1.0\n" for n in range(150)))
    source = parse_requirements(path, environ={})
    assert len(source.dependencies) == 100
    (problem,) = source.problems
    assert problem.line == 101
    assert "more than 100 requirements" in problem.message


def test_the_most_requirements_hold_far_more_than_real_files() -> None:
    assert MAX_REQUIREMENTS >= 50_000


def test_a_file_stops_after_the_most_problems(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("not a requirement!\n" * (MAX_PROBLEMS + 500) + "late==1.0\n")
    source = parse_requirements(path, environ={})
    assert len(source.problems) == MAX_PROBLEMS + 1
    assert f"more than {MAX_PROBLEMS} problems" in source.problems[-1].message
    assert source.problems[-1].line == MAX_PROBLEMS + 1
    assert source.dependencies == ()  # nothing after the stop is read
