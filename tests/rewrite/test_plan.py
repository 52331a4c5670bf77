"""Reading, diffing and the atomic write: encoding, line endings, permissions, links."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cg_action._errors import ParseError, RewriteError
from cg_action._rewrite._files import find_config_files, plan_rewrite
from cg_action._rewrite._interface import ConfigFormat, RewriteOptions
from cg_action._rewrite._plan import FilePlan, apply_plan, decode_config, read_config


def test_crlf_is_edited_as_lf_and_written_back_as_crlf(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"--index-url https://pypi.org/simple\r\nflask==3.0.2\r\n")
    plan = plan_rewrite(path, ConfigFormat.REQUIREMENTS, RewriteOptions(fallback=False))
    assert plan is not None
    assert "\r" not in plan.new_text
    assert plan.new_bytes == (
        b"--index-url https://libraries.cgr.dev/python/simple/\r\nflask==3.0.2\r\n"
    )


def test_mixed_line_endings_are_left_as_they_are() -> None:
    config = decode_config(Path("x"), b"a\r\nb\nc\r\n")
    assert config.newline == "\n"
    assert config.encode(config.text) == b"a\r\nb\nc\r\n"


def test_not_utf8_is_a_parse_error_with_a_line(tmp_path: Path) -> None:
    path = tmp_path / "pip.conf"
    path.write_bytes(b"[global]\nindex-url = \xff\n")
    with pytest.raises(ParseError, match=r"pip.conf:2"):
        read_config(path)


def test_apply_keeps_permissions_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "pip.conf"
    path.write_text("[global]\nindex-url = https://pypi.org/simple\n")
    path.chmod(0o640)
    plan = plan_rewrite(path, ConfigFormat.PIP_CONF, RewriteOptions(fallback=False))
    assert plan is not None
    assert apply_plan(plan)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_text() == "[global]\nindex-url = https://libraries.cgr.dev/python/simple/\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pip.conf"]


def test_apply_follows_a_symlink_and_keeps_it(tmp_path: Path) -> None:
    real = tmp_path / "real.conf"
    real.write_text("[global]\nindex-url = https://pypi.org/simple\n")
    link = tmp_path / "pip.conf"
    link.symlink_to(real)
    plan = plan_rewrite(link, ConfigFormat.PIP_CONF, RewriteOptions(fallback=False))
    assert plan is not None
    apply_plan(plan)
    assert link.is_symlink()
    assert "libraries.cgr.dev" in real.read_text()


def test_apply_refuses_a_file_changed_since_planning(tmp_path: Path) -> None:
    path = tmp_path / "pip.conf"
    path.write_text("[global]\nindex-url = https://pypi.org/simple\n")
    plan = plan_rewrite(path, ConfigFormat.PIP_CONF, RewriteOptions())
    assert plan is not None
    path.write_text("[global]\ntimeout = 5\n")
    with pytest.raises(RewriteError, match="changed while"):
        apply_plan(plan)
    assert path.read_text() == "[global]\ntimeout = 5\n"


def test_a_failed_replace_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A crash or a full disk at the last step cannot be caused here (tests run as root),
    # so os.replace is made to fail the way it would.
    path = tmp_path / "pip.conf"
    path.write_text("[global]\nindex-url = https://pypi.org/simple\n")
    plan = plan_rewrite(path, ConfigFormat.PIP_CONF, RewriteOptions())
    assert plan is not None

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(RewriteError, match="No space left"):
        apply_plan(plan)
    assert path.read_text() == "[global]\nindex-url = https://pypi.org/simple\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pip.conf"]


def test_diff_marks_a_missing_final_newline() -> None:
    source = decode_config(Path("pip.conf"), b"[global]\nindex-url = https://pypi.org/simple")
    plan = FilePlan(source=source, new_text="[global]\nindex-url = https://x.example/simple/")
    diff = plan.diff()
    assert diff.startswith("--- a/pip.conf\n+++ b/pip.conf\n")
    assert diff.count("\\ No newline at end of file") == 2


def test_discovery_finds_each_kind_and_skips_virtualenvs(tmp_path: Path) -> None:
    for name in (
        "pip.conf",
        "requirements/dev.txt",
        "requirements-test.in",
        "pyproject.toml",
        "sub/uv.toml",
        "Pipfile",
        "uv.lock",
        ".venv/pip.conf",
        "notes.txt",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    local = tmp_path / "ci" / "pip-settings.cfg"
    local.parent.mkdir()
    local.write_text("")
    found = {
        p.relative_to(tmp_path).as_posix(): fmt
        for p, fmt in find_config_files([tmp_path], pip_config_file=local)
    }
    assert found == {
        "pip.conf": ConfigFormat.PIP_CONF,
        "requirements/dev.txt": ConfigFormat.REQUIREMENTS,
        "requirements-test.in": ConfigFormat.REQUIREMENTS,
        "pyproject.toml": ConfigFormat.PYPROJECT,
        "sub/uv.toml": ConfigFormat.UV_TOML,
        "Pipfile": ConfigFormat.PIPFILE,
        "uv.lock": ConfigFormat.LOCK,
        "ci/pip-settings.cfg": ConfigFormat.PIP_CONF,
    }
    outside = find_config_files([tmp_path / "sub"], pip_config_file=local)
    assert [p.name for p, _ in outside] == ["uv.toml"]


def test_corpus_rewrites_are_idempotent(corpus_dir: Path, tmp_path: Path) -> None:
    checked = 0
    for options in (RewriteOptions(), RewriteOptions(fallback=False, remediated=True)):
        for path, fmt in find_config_files([corpus_dir]):
            try:
                plan = plan_rewrite(path, fmt, options)
            except ParseError:
                continue  # malformed on purpose (osv-scalibr's malformed.toml)
            if plan is None:
                continue
            copy = tmp_path / f"{checked}-{path.name}"
            copy.write_bytes(plan.new_bytes)
            again = plan_rewrite(copy, fmt, options)
            assert again is not None
            assert not again.is_change, f"{path}:\n{again.diff()}"
            checked += 1
    assert checked > 100
