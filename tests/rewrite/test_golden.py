"""Golden before/after files for every configuration format, and idempotence on them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cg_action._rewrite._files import config_format, plan_rewrite
from cg_action._rewrite._interface import RewriteOptions

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "rewrite"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "before").is_dir())


def options_for(case: str) -> RewriteOptions:
    """The case's name says what it asks for: ``nofallback``, ``remediated``."""
    return RewriteOptions(fallback="nofallback" not in case, remediated="remediated" in case)


def test_every_format_has_a_golden_case() -> None:
    names = {f.name for case in CASES for f in (GOLDEN / case / "before").iterdir() if f.is_file()}
    assert {"pip.conf", "pip.ini", "requirements.txt", "requirements.in", "pyproject.toml"} <= names
    assert {"uv.toml", "Pipfile"} <= names


@pytest.mark.parametrize("case", CASES)
def test_rewrite_matches_golden(case: str, tmp_path: Path) -> None:
    work = tmp_path / case
    shutil.copytree(GOLDEN / case / "before", work)
    options = options_for(case)
    for before in sorted(p for p in work.iterdir() if p.is_file()):
        fmt = config_format(before, explicit=True)
        assert fmt is not None
        plan = plan_rewrite(before, fmt, options)
        if plan is None:  # lockfiles beside a pyproject.toml only mark the tool in use
            continue
        expected = (GOLDEN / case / "after" / before.name).read_bytes()
        assert plan.new_bytes == expected, plan.diff()
        before.write_bytes(plan.new_bytes)
        again = plan_rewrite(before, fmt, options)
        assert again is not None
        assert not again.is_change, f"not idempotent:\n{again.diff()}"


def test_crlf_and_bom_survive() -> None:
    after = (GOLDEN / "pipini-crlf-bom" / "after" / "pip.ini").read_bytes()
    assert after.startswith(b"\xef\xbb\xbf")
    assert after.count(b"\n") == after.count(b"\r\n") == 4


def test_golden_after_files_carry_no_literal_secret() -> None:
    for case in CASES:
        for after in (p for p in (GOLDEN / case / "after").iterdir() if p.is_file()):
            text = after.read_text(encoding="utf-8-sig")
            if "private.example.com" not in text:
                assert "fake-token" not in text, after
