"""verify's exit codes through the command line: a comparison that could not be made is 3."""

from __future__ import annotations

import io
from pathlib import Path

from cg_action._cli import main
from tests._servers import free_port
from tests._wheels import make_wheel


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), env={}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_unreachable_index_is_exit_3(tmp_path: Path) -> None:
    make_wheel(tmp_path / "wheels", "alpha", "1.0.0")
    dead = f"http://127.0.0.1:{free_port()}/simple/"
    code, out, err = run("verify", str(tmp_path / "wheels"), "--index-url", dead, "--no-cache")
    assert code == 3
    assert "Verified packages: 0 of 1" in out
    assert "could not be compared" in err


def test_without_index_no_sbom_is_reported_and_fail_under_decides(tmp_path: Path) -> None:
    make_wheel(tmp_path / "wheels", "alpha", "1.0.0")
    code, out, _ = run("verify", str(tmp_path / "wheels"))
    assert code == 0
    assert "Verification coverage: 0.00%" in out
    code, _, err = run("verify", str(tmp_path / "wheels"), "--fail-under", "50")
    assert code == 1
    assert "below --fail-under 50%" in err


def test_not_a_verifiable_path_is_exit_2(tmp_path: Path) -> None:
    code, _, err = run("verify", str(tmp_path))
    assert code == 2
    assert str(tmp_path) in err
