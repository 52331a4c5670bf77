"""Rewritten files read back by the real tools: pip, uv (resolving against local indexes), Poetry.

The uv test also proves the layout the uv module documents: with PyPI declared as the default
index after Chainguard, a project Chainguard serves comes from Chainguard and one it lacks
comes from PyPI; with ``--no-fallback`` nothing comes from PyPI.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from cg_action._rewrite._files import plan_rewrite
from cg_action._rewrite._interface import ConfigFormat, RewriteOptions
from cg_action._rewrite._plan import apply_plan
from tests._servers import pypiserver
from tests._wheels import make_wheel

pytestmark = pytest.mark.tools


def rewrite(path: Path, fmt: ConfigFormat, options: RewriteOptions) -> None:
    plan = plan_rewrite(path, fmt, options)
    assert plan is not None
    apply_plan(plan)


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_", "POETRY_"))}
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    return env


def test_pip_reads_the_rewritten_pip_conf(tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text("# ours\n[global]\nindex-url = https://pypi.org/simple\ntimeout = 30\n")
    rewrite(conf, ConfigFormat.PIP_CONF, RewriteOptions(remediated=True))
    env = {**clean_env(tmp_path), "PIP_CONFIG_FILE": str(conf)}
    listed = subprocess.run(
        ["python3", "-m", "pip", "config", "list"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    assert listed.returncode == 0, listed.stderr
    values = dict(re.findall(r"^(\S+)='(.*)'$", listed.stdout, re.M))
    assert values["global.index-url"] == "https://libraries.cgr.dev/python/simple/"
    assert values["global.extra-index-url"].replace("\\n", " ").split() == [
        "https://libraries.cgr.dev/python-remediated/simple/",
        "https://pypi.org/simple/",
    ]
    assert values["global.timeout"] == "30"


@pytest.mark.slow
def test_uv_resolves_through_the_rewritten_indexes(tmp_path: Path) -> None:
    pypi_root, cg_root = tmp_path / "pypi", tmp_path / "cg"
    make_wheel(pypi_root, "alpha", "1.0", flavour="upstream")
    make_wheel(pypi_root, "beta", "1.0", flavour="upstream")
    make_wheel(cg_root, "alpha", "1.0", flavour="rebuilt")
    with pypiserver(pypi_root) as pypi, pypiserver(cg_root) as chainguard:
        for fallback in (True, False):
            project = tmp_path / f"fallback-{fallback}"
            project.mkdir()
            pyproject = project / "pyproject.toml"
            pyproject.write_text(
                '[project]\nname = "p"\nversion = "0"\nrequires-python = ">=3.10"\n'
                'dependencies = ["alpha", "beta"]\n\n[tool.uv]\npackage = false\n\n'
                f'[[tool.uv.index]]\nname = "mirror"\nurl = "{pypi.url}"\n'
            )
            options = RewriteOptions(
                index_url=chainguard.url, fallback=fallback, fallback_index_url=pypi.url
            )
            rewrite(pyproject, ConfigFormat.PYPROJECT, options)
            # authenticate = "always": uv wants the credentials the notes name
            env = {
                **clean_env(tmp_path),
                "UV_INDEX_CHAINGUARD_USERNAME": "fake-user",
                "UV_INDEX_CHAINGUARD_PASSWORD": "fake-token",
            }
            done = subprocess.run(
                ["uv", "lock", "--no-cache"],
                check=False,
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
            )
            lock = project / "uv.lock"
            if not fallback:
                assert done.returncode != 0  # beta exists only on "PyPI"
                assert "beta" in done.stderr
                continue
            assert done.returncode == 0, done.stderr
            sources = dict(
                re.findall(
                    r'name = "(\w+)"\nversion = "[^"]+"\nsource = \{ registry = "([^"]+)" \}',
                    lock.read_text(),
                )
            )
            assert sources == {"alpha": chainguard.url, "beta": pypi.url}


def test_poetry_reads_the_rewritten_sources(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "p"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n\n'
        "[tool.poetry]\npackage-mode = false\n"
    )
    rewrite(pyproject, ConfigFormat.PYPROJECT, RewriteOptions(remediated=True))
    shown = subprocess.run(
        ["poetry", "source", "show"],
        check=False,
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stderr
    blocks = [
        dict(re.findall(r"^\s*(\w+)\s*:\s*(.*?)\s*$", block, re.M))
        for block in shown.stdout.strip().split("\n\n")
    ]
    assert [(b["name"], b.get("url", ""), b["priority"]) for b in blocks] == [
        ("chainguard-remediated", "https://libraries.cgr.dev/python-remediated/simple/", "primary"),
        ("chainguard", "https://libraries.cgr.dev/python/simple/", "primary"),
        ("PyPI", "", "supplemental"),
    ]
    assert json.dumps(blocks)  # plain values, nothing else parsed out
