"""A rewrite never gives a Chainguard-only configuration a PyPI fallback it did not have.

By default PyPI stays a lower-priority source only where the file already let it in (named,
or as the tool's implicit default); ``--fallback`` adds it, ``--no-fallback`` removes it.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cg_action._cli import main

CG = "https://libraries.cgr.dev/python/simple/"

CHAINGUARD_ONLY = {
    "requirements.txt": f"--index-url {CG}\nflask==3.0.2\n",
    "pip.conf": f"[global]\nindex-url = {CG}\n",
    "pyproject.toml": (
        '[project]\nname = "x"\nversion = "1"\n\n[[tool.uv.index]]\nname = "chainguard"\n'
        f'url = "{CG}"\nauthenticate = "always"\ndefault = true\n'
    ),
    "Pipfile": f'[[source]]\nname = "chainguard"\nurl = "{CG}"\nverify_ssl = true\n\n[packages]\n',
}
WITH_PYPI = {
    "requirements.txt": "--index-url https://pypi.org/simple/\nflask==3.0.2\n",
    "pip.conf": "[global]\nextra-index-url = https://private.example.invalid/simple/\n",
    "pyproject.toml": '[project]\nname = "x"\nversion = "1"\n\n[tool.uv]\ndev-dependencies = []\n',
    "Pipfile": "[packages]\nflask = '*'\n",
}


def rewrite(path: Path, *flags: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(["rewrite", str(path), *flags], env={}, out=out, err=err)
    assert code == 0, err.getvalue()
    return path.read_text()


@pytest.mark.parametrize("name", sorted(CHAINGUARD_ONLY))
def test_chainguard_only_gains_no_pypi(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(CHAINGUARD_ONLY[name])
    assert "pypi.org" not in rewrite(path)
    assert "pypi.org" in rewrite(path, "--fallback")  # asked for: added
    assert "pypi.org" not in rewrite(path, "--no-fallback")


@pytest.mark.parametrize("name", sorted(WITH_PYPI))
def test_where_pypi_was_used_it_stays_as_the_fallback(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(WITH_PYPI[name])
    text = rewrite(path)
    assert "libraries.cgr.dev/python/simple" in text
    assert "pypi.org" in text
    assert rewrite(path) == text  # a second run changes nothing
    assert "pypi.org" not in rewrite(path, "--no-fallback")
