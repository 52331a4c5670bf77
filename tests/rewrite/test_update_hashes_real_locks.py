"""update-hashes on locks the real tools make: untouched by the same index, native wheels moved.

Two sets of distributions, both built by ``tests._wheels``:

* "PyPI": ``alpha 1.0`` (pure wheel and sdist) and ``nativepkg 3.0.4``, one wheel per CPython
  3.9-3.12 and platform with PyPI's compound tags
  (``cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64``, aarch64, macOS arm64, Windows),
  and an sdist; served by ``_json_index`` with PEP 691 JSON and PEP 700 ``size`` and
  ``upload-time``, as PyPI serves them.
* "Chainguard": the same releases rebuilt (every digest differs). For the native test with
  Chainguard's own tags: one wheel per CPython 3.10-3.13 and platform, ``manylinux_2_28`` and
  ``manylinux_2_39``, x86_64 and aarch64 only, an sdist for ``nativepkg`` and none for
  ``alpha``; for the layout test under PyPI's file names.

Each lockfile is made by the real tool (uv, ``uv export`` to pylock.toml, pip-compile, Poetry,
PDM, pipenv) against the PyPI index, offline. Then:

1. update-hashes against the index the lock was made from changes nothing, byte for byte;
2. against a Chainguard-like index with the same file names, only digests and URLs change:
   with every digest and URL masked the file reads the same (sizes, upload times, order,
   spacing kept);
3. against Chainguard's native builds, the lock names Chainguard's files that fit it, lists the
   platforms they lack, and the real tool installs from it with its hash check (pip
   ``--require-hashes``, ``uv pip sync``, ``uv sync --frozen``, ``poetry sync``, ``pdm sync``,
   ``pipenv sync``), from indexes on 127.0.0.1 only.

uv, pip and pylock installs go to ``tests._chainguard_like`` (which redirects each file to a
storage host). Poetry, PDM and pipenv record a hash of the project's configuration, which
names the index, so for them the index keeps its URL while its files change from PyPI's to
Chainguard's, as when a repository manager is switched over.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cg_action._cli import main
from cg_action._toml import tomllib
from tests._chainguard_like import chainguard_like, served
from tests._wheels import make_sdist, make_wheel, sha256_file
from tests.lockgen._pdm import pdm_env, pdm_works
from tests.lockgen._pip_compile import offline_env, pip_compile, run
from tests.lockgen._pipenv import pipenv_env, pipenv_lock, write_pipfile
from tests.lockgen._poetry import poetry_env, poetry_lock
from tests.lockgen._poetry import write_project as write_poetry_project
from tests.lockgen._uv import uv_env
from tests.rewrite._json_index import json_index

pytestmark = [pytest.mark.tools, pytest.mark.slow]

TOOLS = ["uv", "pylock", "pip-compile", "poetry", "pdm", "pipenv"]
REQUIREMENTS = ["alpha==1.0", "nativepkg==3.0.4"]
PYPI_PLATFORMS = (
    "manylinux2014_x86_64.manylinux_2_17_x86_64",
    "manylinux2014_aarch64.manylinux_2_17_aarch64",
    "macosx_11_0_arm64",
    "win_amd64",
)
CHAINGUARD_PLATFORMS = (
    "manylinux_2_28_x86_64",
    "manylinux_2_28_aarch64",
    "manylinux_2_39_x86_64",
    "manylinux_2_39_aarch64",
)
LOCK_NAMES = {
    "uv": "uv.lock",
    "pylock": "pylock.toml",
    "pip-compile": "requirements.txt",
    "poetry": "poetry.lock",
    "pdm": "pdm.lock",
    "pipenv": "Pipfile.lock",
}


@dataclass(frozen=True)
class Builds:
    pypi: Path
    rebuilt_same_names: Path  # PyPI's file names, Chainguard's digests
    chainguard: Path  # Chainguard's file names and digests


def build_pypi(root: Path, flavour: str) -> Path:
    make_wheel(root, "alpha", "1.0", flavour=flavour)
    make_sdist(root, "alpha", "1.0", flavour=flavour)
    for python in ("cp39", "cp310", "cp311", "cp312"):
        for platform in PYPI_PLATFORMS:
            make_wheel(
                root, "nativepkg", "3.0.4", tag=f"{python}-{python}-{platform}", flavour=flavour
            )
    make_sdist(root, "nativepkg", "3.0.4", flavour=flavour)
    return root


def build_chainguard(root: Path) -> Path:
    make_wheel(root, "alpha", "1.0", flavour="rebuilt")
    for python in ("cp310", "cp311", "cp312", "cp313"):
        for platform in CHAINGUARD_PLATFORMS:
            make_wheel(
                root, "nativepkg", "3.0.4", tag=f"{python}-{python}-{platform}", flavour="rebuilt"
            )
    make_sdist(root, "nativepkg", "3.0.4", flavour="rebuilt")
    return root


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    root = tmp_path_factory.mktemp("builds")
    return Builds(
        pypi=build_pypi(root / "pypi", "upstream"),
        rebuilt_same_names=build_pypi(root / "rebuilt-same-names", "rebuilt"),
        chainguard=build_chainguard(root / "chainguard"),
    )


def digests(folder: Path) -> set[str]:
    return {sha256_file(p) for p in folder.iterdir()}


def update_hashes(lock: Path, index_url: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    argv = ["update-hashes", "--index-url", index_url, "--no-netrc", "--no-cache", str(lock)]
    code = main(argv, env={}, out=out, err=err)
    assert (code, err.getvalue()) == (0, ""), out.getvalue()
    return out.getvalue()


def tool(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300
    )


def make_lock(name: str, project: Path, index_url: str, home: Path) -> Path:
    """Lock ``REQUIREMENTS`` with the real tool ``name`` against ``index_url`` only."""
    project.mkdir(parents=True, exist_ok=True)
    if name in ("uv", "pylock"):
        (project / "pyproject.toml").write_text(
            '[project]\nname = "p"\nversion = "0"\nrequires-python = ">=3.10"\n'
            f'dependencies = ["{REQUIREMENTS[0]}", "{REQUIREMENTS[1]}"]\n\n'
            "[tool.uv]\npackage = false\n"
        )
        run(["uv", "lock", "--default-index", index_url], project, uv_env(home))
        if name == "pylock":
            command = ["uv", "export", "--frozen", "--format", "pylock.toml", "-o", "pylock.toml"]
            run(command, project, uv_env(home))
    elif name == "pip-compile":
        pip_compile(project, index_url, REQUIREMENTS, home=home, emit_index_url=False)
    elif name == "poetry":
        write_poetry_project(project, index_url, REQUIREMENTS)
        poetry_lock(project, home)
    elif name == "pdm":
        why = pdm_works(home)
        if why is not None:
            pytest.skip(f"pdm cannot run here: {why}")
        (project / "pyproject.toml").write_text(
            '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
            f'dependencies = ["{REQUIREMENTS[0]}", "{REQUIREMENTS[1]}"]\n\n'
            "[tool.pdm]\ndistribution = false\n\n"
            f'[[tool.pdm.source]]\nname = "pypi"\nurl = "{index_url}"\n'
        )
        run(["pdm", "lock"], project, pdm_env(home))
    else:
        packages = [f'{r.split("==")[0]} = "=={r.split("==")[1]}"' for r in REQUIREMENTS]
        write_pipfile(project, {"local": index_url}, {"packages": packages})
        pipenv_lock(project, home, index_url)
    return project / LOCK_NAMES[name]


_DIGEST = re.compile(r"[0-9a-f]{64}")
_LOCAL_URL = re.compile(r"https?://127\.0\.0\.1:\d+/(?:[^\s\"'/]+/)*")
_SIZE = re.compile(r"\bsize = \d+")


def masked(text: str) -> str:
    """The text with every digest, size and local URL's path (all but the file name) hidden."""
    return _SIZE.sub("size = <n>", _LOCAL_URL.sub("<url>/", _DIGEST.sub("<digest>", text)))


def recorded_sizes(name: str, text: str) -> dict[str, int]:
    """File name -> the size a uv.lock or pylock.toml records for it."""
    data = tomllib.loads(text)
    found = {}
    for package in data.get("package" if name == "uv" else "packages", []):
        sdist = [package["sdist"]] if "sdist" in package else []
        for entry in [*sdist, *package.get("wheels", [])]:
            if "size" in entry:
                found[entry["url"].rsplit("/", 1)[-1]] = entry["size"]
    return found


@pytest.fixture
def pypi(builds: Builds) -> Iterator[str]:
    with json_index(builds.pypi) as index:
        yield index.url


@pytest.mark.parametrize("name", TOOLS)
def test_same_index_keeps_the_lock_and_a_rebuild_changes_only_digests_and_urls(
    name: str, builds: Builds, pypi: str, tmp_path: Path
) -> None:
    lock = make_lock(name, tmp_path / "project", pypi, tmp_path / "home")
    before = lock.read_bytes()

    out = update_hashes(lock, pypi)
    assert lock.read_bytes() == before
    assert out == f"unchanged {lock}: 0 packages changed\n"

    with chainguard_like(served(builds.rebuilt_same_names)) as chainguard:
        out = update_hashes(lock, chainguard.url)
    after = lock.read_text()
    assert "now use Chainguard's files" in out
    assert masked(after) == masked(before.decode())  # sizes, times, order and spacing kept
    assert set(_DIGEST.findall(after)) & digests(builds.pypi) == set()
    recorded = set(_DIGEST.findall(after)) - {_content_hash(after)}
    assert recorded <= digests(builds.rebuilt_same_names)
    if name in ("uv", "pylock"):  # every size recorded is the new file's (the index was asked)
        sizes = recorded_sizes(name, after)
        assert sizes
        assert sizes == {f: (builds.rebuilt_same_names / f).stat().st_size for f in sizes}
        assert len(sizes) == len(recorded_sizes(name, before.decode()))
    if name == "uv":  # the index gave no upload time: the recorded ones stay
        assert after.count("upload-time = ") == before.decode().count("upload-time = ") > 0


def _content_hash(text: str) -> str:
    """The lock's own hash of the project's configuration (Poetry, PDM, pipenv): not a file's."""
    found = re.search(r'(?:content-hash|content_hash|"sha256")\W+(?:sha256:)?([0-9a-f]{64})', text)
    return found.group(1) if found else ""


@pytest.mark.parametrize("name", TOOLS)
def test_native_wheels_move_to_chainguard_builds_and_install(
    name: str, builds: Builds, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    project = tmp_path / "project"
    if name in ("uv", "pylock", "pip-compile"):
        with json_index(builds.pypi) as pypi:
            lock = make_lock(name, project, pypi.url, home)
        with chainguard_like(served(builds.chainguard)) as chainguard:
            out = update_hashes(lock, chainguard.url)
            installed = install(name, project, chainguard.url, home)
    else:
        folder = tmp_path / "served"
        shutil.copytree(builds.pypi, folder)
        with json_index(folder) as index:
            lock = make_lock(name, project, index.url, home)
            for old in folder.iterdir():
                old.unlink()
            for new in builds.chainguard.iterdir():
                shutil.copy(new, folder / new.name)
            out = update_hashes(lock, index.url)
            installed = install(name, project, index.url, home)

    assert "2 package(s) now use Chainguard's files" in out
    text = lock.read_text()
    assert set(_DIGEST.findall(text)) & digests(builds.pypi) == set()
    chainguard_files = {p.name: sha256_file(p) for p in builds.chainguard.iterdir()}
    for filename, digest in chainguard_files.items():
        assert digest in text, filename  # every Chainguard file fits Python >= 3.10
        if name not in ("pip-compile", "pipenv"):
            assert filename in text
    if name not in ("pip-compile", "pipenv"):  # formats that name the files
        lacking = (
            "nativepkg==3.0.4: Chainguard has no wheel for macos-arm64 (3.10, 3.11, 3.12), "
            "windows-amd64 (3.10, 3.11, 3.12), which the lock had (there the install builds "
            "Chainguard's sdist)"
        )
        assert f"note: {lock}: {lacking}\n" in out, out
    assert "Chainguard serves none of the locked files" not in out
    for module in ("alpha", "nativepkg"):
        assert "rebuilt build" in installed[module], (module, installed)


def install(name: str, project: Path, index_url: str, home: Path) -> dict[str, str]:
    """Install the lock with the real tool, offline, checking digests; each module's text."""
    sites: list[Path] = []
    if name == "uv":
        done = tool(["uv", "sync", "--frozen", "--no-install-project"], project, uv_env(home))
        assert done.returncode == 0, done.stderr
        sites = list((project / ".venv").glob("lib/python*/site-packages"))
    elif name in ("pylock", "pip-compile"):
        venv = project / "venv"
        made = tool(["uv", "venv", str(venv), "--python", sys.executable], project, uv_env(home))
        assert made.returncode == 0, made.stderr
        source = "pylock.toml" if name == "pylock" else "requirements.txt"
        command = ["uv", "pip", "sync", "--python", str(venv / "bin" / "python")]
        command += ["--index-url", index_url, source]
        if name == "pip-compile":
            command.insert(3, "--require-hashes")
        done = tool(command, project, uv_env(home))
        assert done.returncode == 0, done.stderr
        sites = list(venv.glob("lib/python*/site-packages"))
        if name == "pip-compile":
            target = project / "pip-target"
            command = [sys.executable, "-m", "pip", "install", "--require-hashes", "--no-deps"]
            command += ["--index-url", index_url, "--target", str(target), "-r", source]
            done = tool(command, project, offline_env(home))
            assert done.returncode == 0, done.stdout + done.stderr
            sites.append(target)
    elif name == "poetry":
        done = tool(["poetry", "sync", "--no-ansi", "--no-root"], project, poetry_env(home))
        assert done.returncode == 0, done.stdout + done.stderr
        sites = list((home / "poetry-venvs").glob("*/lib/python*/site-packages"))
    elif name == "pdm":
        done = tool(["pdm", "sync", "--no-self"], project, pdm_env(home))
        assert done.returncode == 0, done.stdout + done.stderr
        sites = [p.parent.parent for p in project.rglob("alpha/__init__.py")]
    else:
        done = tool(["pipenv", "sync"], project, pipenv_env(home, index_url))
        assert done.returncode == 0, done.stdout + done.stderr
        sites = list((project / ".venv").glob("lib/python*/site-packages"))
    assert sites, name
    found: dict[str, str] = {}
    for site in sites:
        for module in ("alpha", "nativepkg"):
            text = (site / module / "__init__.py").read_text()
            assert "rebuilt build" in text, (site, module, text)
            found[module] = text
    return found
