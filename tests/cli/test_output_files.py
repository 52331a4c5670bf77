"""Report files: atomic for regular files, and devices such as /dev/null left devices."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cg_action._commands._output import write_file


def test_regular_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    write_file(target, "first")
    write_file(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]  # no temp file left


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_dev_null_stays_a_device() -> None:
    write_file(Path("/dev/null"), "discarded")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_file(fifo, "through the pipe")
        assert os.read(reader, 100) == b"through the pipe"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
