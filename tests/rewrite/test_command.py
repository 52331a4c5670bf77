"""``cg-action rewrite`` in-process: write, --diff, --check, --check --fix, and no leaks."""

from __future__ import annotations

import io
from pathlib import Path

from cg_action._cli import main

SECRET = "fake-token-0123456789abcdef"


def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["rewrite", *argv], env=env or {}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def project(tmp_path: Path) -> Path:
    (tmp_path / "requirements.txt").write_text(
        "--index-url https://pypi.org/simple\nflask==3.0.2\n"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0"\n\n[tool.uv]\npackage = false\n'
    )
    return tmp_path


def test_check_fails_and_writes_nothing_then_rewrite_makes_it_pass(tmp_path: Path) -> None:
    root = project(tmp_path)
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    code, out, err = run("--check", str(root))
    assert code == 1
    assert "+--index-url https://libraries.cgr.dev/python/simple/" in out
    assert f"{root / 'requirements.txt'}:1: pypi-index-url" in out
    assert "would change" in err
    assert {p.name: p.read_bytes() for p in root.iterdir()} == before

    code, out, _ = run(str(root))
    assert code == 0
    assert "rewrote" in out
    assert "UV_INDEX_CHAINGUARD_USERNAME" in out
    assert run("--check", str(root))[0] == 0
    assert run(str(root))[1].startswith("nothing to change")


def test_diff_prints_and_writes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path)
    before = (root / "pyproject.toml").read_bytes()
    code, out, err = run("--diff", "--no-fallback", str(root))
    assert code == 0
    assert '+name = "chainguard"' in out
    assert "+default = true" in out
    assert "note: uv: credentials" in err  # stdout stays a clean diff
    assert (root / "pyproject.toml").read_bytes() == before


def test_check_fix_writes_and_still_fails_once(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert run("--check", "--fix", str(root))[0] == 1
    assert "libraries.cgr.dev" in (root / "requirements.txt").read_text()
    assert run("--check", "--fix", str(root))[0] == 0


def test_environment_defaults(tmp_path: Path) -> None:
    root = project(tmp_path)
    env = {
        "CG_ACTION_PATHS": str(root),
        "CG_ACTION_INDEX_URL": "https://repo.example.com/api/pypi/cgr/simple",
        "CG_ACTION_NO_FALLBACK": "true",
        "CG_ACTION_DIFF": "1",
    }
    code, out, _ = run(env=env)
    assert code == 0
    assert "+--index-url https://repo.example.com/api/pypi/cgr/simple/" in out
    added = [line for line in out.splitlines() if line.startswith("+") and "+++" not in line]
    assert added
    assert not any("pypi.org" in line for line in added)


def test_credentials_in_a_url_never_leak(tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(
        f"[global]\nindex-url = https://id_user:{SECRET}@libraries.cgr.dev/python/simple/\n"
    )
    code, out, err = run("--check", str(tmp_path))
    assert code == 1
    assert "credentials-in-url" in out
    assert SECRET not in out + err
    code, out, err = run(str(tmp_path))
    assert code == 0
    assert SECRET not in out + err
    assert SECRET not in conf.read_text()
    assert "revoke them" in out


def test_credentials_on_the_command_line_are_refused(tmp_path: Path) -> None:
    code, _, err = run("--index-url", f"https://u:{SECRET}@repo.example.com/simple/", str(tmp_path))
    assert code == 2
    assert SECRET not in err
    assert "carries credentials" in err


def test_pip_config_file_inside_the_project_is_rewritten(tmp_path: Path) -> None:
    local = tmp_path / "ci" / "pip-settings"
    local.parent.mkdir()
    local.write_text("[global]\nindex-url = https://pypi.org/simple\n")
    code, _, _ = run(str(tmp_path), env={"PIP_CONFIG_FILE": str(local)})
    assert code == 0
    assert "libraries.cgr.dev" in local.read_text()


def test_unreadable_toml_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.uv\nx = "')
    code, _, err = run("--check", str(tmp_path))
    assert code == 2
    assert "pyproject.toml:1" in err
