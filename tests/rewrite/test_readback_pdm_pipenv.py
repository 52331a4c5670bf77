"""Rewritten PDM and Pipenv configuration read back by the real pdm and pipenv, offline.

Two local pypiservers stand in for the indexes: "chainguard" serves ``alpha`` rebuilt,
"pypi" serves ``alpha`` as upstream built it plus ``gamma``, which only it has. The builds
differ, so a lock's digests (or URLs) say which index each file came from. pdm's own default
index (``PDM_PYPI_URL``) is the local "pypi", so a rewrite that forgot to replace PyPI would
show: with ``--no-fallback`` gamma must then be unresolvable and alpha must be the rebuilt one.
Proxies point at a closed port (``offline_env``), so nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cg_action._cli import main
from cg_action._toml import tomllib
from tests._servers import LocalIndex, pypiserver
from tests._wheels import make_wheel, sha256_file
from tests.lockgen._pdm import pdm_env, pdm_works
from tests.lockgen._pipenv import pipenv_env

pytestmark = pytest.mark.tools

ALPHA = "alpha-1.0-py3-none-any.whl"


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalIndex, LocalIndex]]:
    """(chainguard, pypi): two local indexes serving different builds of alpha."""
    base = tmp_path_factory.mktemp("indexes")
    make_wheel(base / "cg", "alpha", "1.0", flavour="rebuilt")
    make_wheel(base / "pypi", "alpha", "1.0", flavour="upstream")
    make_wheel(base / "pypi", "gamma", "3.0", flavour="upstream")
    with pypiserver(base / "cg") as chainguard, pypiserver(base / "pypi") as pypi:
        yield chainguard, pypi


def rewrite(path: Path, *options: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(["rewrite", str(path), *options], env={}, out=out, err=err)
    assert code == 0, out.getvalue() + err.getvalue()
    assert f"rewrote {path}" in out.getvalue()
    return out.getvalue()


def tool(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120
    )


# ---------------------------------------------------------------- pdm


def pdm_project(project: Path, dependencies: list[str]) -> Path:
    """A pyproject.toml with a ``[tool.pdm]`` table and no source: pdm would use PyPI."""
    project.mkdir(parents=True)
    path = project / "pyproject.toml"
    path.write_text(
        '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        f"dependencies = {json.dumps(dependencies)}\n\n"
        "# pdm settings\n[tool.pdm]\ndistribution = false\n"
    )
    return path


def pdm_lock(project: Path, home: Path, pypi: LocalIndex) -> subprocess.CompletedProcess[str]:
    env = {**pdm_env(home), "PDM_PYPI_URL": pypi.url}
    pdm = shutil.which("pdm") or "pdm"
    return tool([pdm, "lock", "--strategy", "static_urls"], project, env)


def pdm_file_urls(project: Path) -> dict[str, list[str]]:
    """name -> the URLs of the files pdm.lock records for it."""
    lock = tomllib.loads((project / "pdm.lock").read_text())
    return {p["name"]: [f["url"] for f in p["files"]] for p in lock["package"]}


def files_base(index: LocalIndex) -> str:
    return index.url.removesuffix("simple/")


@pytest.fixture(scope="module")
def pdm_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("pdm-home")
    why = pdm_works(home)
    if why is not None:
        pytest.skip(f"pdm cannot run here: {why}")
    return home


def test_pdm_locks_from_the_rewritten_source_without_fallback(
    indexes: tuple[LocalIndex, LocalIndex], pdm_home: Path, tmp_path: Path
) -> None:
    chainguard, pypi = indexes
    project = tmp_path / "project"
    pyproject = pdm_project(project, ["alpha==1.0"])
    # before the rewrite pdm takes alpha from its default index, the "PyPI" here
    assert pdm_lock(project, pdm_home, pypi).returncode == 0
    assert pdm_file_urls(project)["alpha"][0].startswith(files_base(pypi))
    (project / "pdm.lock").unlink()

    rewrite(pyproject, "--index-url", chainguard.url, "--no-fallback")
    sources = tomllib.loads(pyproject.read_text())["tool"]["pdm"]["source"]
    assert [s["url"] for s in sources] == [chainguard.url]
    assert pyproject.read_text().count("# pdm settings") == 1

    done = pdm_lock(project, pdm_home, pypi)
    assert done.returncode == 0, done.stdout + done.stderr
    urls = pdm_file_urls(project)["alpha"]
    assert urls
    assert all(u.startswith(files_base(chainguard)) for u in urls), urls
    lock = tomllib.loads((project / "pdm.lock").read_text())
    digest = sha256_file(chainguard.root / ALPHA)
    assert lock["package"][0]["files"][0]["hash"] == f"sha256:{digest}"

    # PyPI is gone from pdm's view: a project only "PyPI" serves cannot be resolved
    pyproject.write_text(pyproject.read_text().replace('["alpha==1.0"]', '["alpha", "gamma"]'))
    refused = pdm_lock(project, pdm_home, pypi)
    assert refused.returncode != 0
    assert "gamma" in refused.stdout + refused.stderr


def test_pdm_locks_in_source_order_with_fallback(
    indexes: tuple[LocalIndex, LocalIndex], pdm_home: Path, tmp_path: Path
) -> None:
    chainguard, pypi = indexes
    project = tmp_path / "project"
    pyproject = pdm_project(project, ["alpha", "gamma"])
    rewrite(pyproject, "--index-url", chainguard.url, "--fallback-index-url", pypi.url)
    pdm = tomllib.loads(pyproject.read_text())["tool"]["pdm"]
    assert [s["url"] for s in pdm["source"]] == [chainguard.url, pypi.url]

    done = pdm_lock(project, pdm_home, pypi)
    assert done.returncode == 0, done.stdout + done.stderr
    urls = pdm_file_urls(project)
    # alpha is on both indexes with the same version: Chainguard, listed first, wins
    assert all(u.startswith(files_base(chainguard)) for u in urls["alpha"]), urls
    assert all(u.startswith(files_base(pypi)) for u in urls["gamma"]), urls


# ---------------------------------------------------------------- pipenv


def pipenv_lock(project: Path, home: Path, pypi: LocalIndex) -> dict[str, object]:
    pipenv = shutil.which("pipenv") or "pipenv"
    done = tool([pipenv, "lock"], project, pipenv_env(home, pypi.url))
    assert done.returncode == 0, done.stdout + done.stderr
    data: dict[str, object] = json.loads((project / "Pipfile.lock").read_text())
    return data


def test_pipenv_locks_against_the_rewritten_source(
    indexes: tuple[LocalIndex, LocalIndex], tmp_path: Path
) -> None:
    chainguard, pypi = indexes
    project = tmp_path / "project"
    project.mkdir()
    pipfile = project / "Pipfile"
    pipfile.write_text(
        '# our sources\n[[source]]\nname = "pypi"\nurl = "https://pypi.org/simple"\n'
        'verify_ssl = true\n\n[packages]\nalpha = "==1.0"\n\n[requires]\n'
    )
    rewrite(pipfile, "--index-url", chainguard.url, "--no-fallback")
    assert "# our sources" in pipfile.read_text()

    lock = pipenv_lock(project, tmp_path / "home", pypi)
    meta = lock["_meta"]
    assert isinstance(meta, dict)
    assert [s["url"] for s in meta["sources"]] == [chainguard.url]
    default = lock["default"]
    assert isinstance(default, dict)
    alpha = default["alpha"]
    # the digest is the rebuilt wheel's: the file came from the rewritten source, not "PyPI"
    assert alpha["hashes"] == [f"sha256:{sha256_file(chainguard.root / ALPHA)}"]
    assert alpha["index"] == meta["sources"][0]["name"]
