"""Make Pipfile.lock files with the real pipenv against a local index, and source trees.

pipenv runs with its virtualenv inside the project, its caches under ``home``, ``PIP_INDEX_URL``
set to the local index and no network beyond 127.0.0.1 (``offline_env``). Local projects
that pipenv must build (path and git entries) get an in-tree PEP 517 backend that needs no
download, so they build offline.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.lockgen._pip_compile import offline_env, run

_BACKEND = '''\
"""A PEP 517 backend that needs nothing but the standard library (test projects only)."""

import base64
import hashlib
import io
import os
import tarfile
import zipfile

NAME = {name!r}
VERSION = {version!r}
DIST = NAME.replace("-", "_")
INFO = f"{{DIST}}-{{VERSION}}.dist-info"
METADATA = f"Metadata-Version: 2.1\\nName: {{NAME}}\\nVersion: {{VERSION}}\\n\\n"
WHEEL = (
    "Wheel-Version: 1.0\\nGenerator: test-backend\\n"
    "Root-Is-Purelib: true\\nTag: py3-none-any\\n"
)


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_sdist = get_requires_for_build_wheel


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    os.makedirs(os.path.join(metadata_directory, INFO), exist_ok=True)
    for name, text in (("METADATA", METADATA), ("WHEEL", WHEEL)):
        with open(os.path.join(metadata_directory, INFO, name), "w") as out:
            out.write(text)
    return INFO


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def _wheel(directory, files):
    files = dict(files)
    files[f"{{INFO}}/METADATA"] = METADATA.encode()
    files[f"{{INFO}}/WHEEL"] = WHEEL.encode()
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{{path}},sha256={{digest}},{{len(data)}}")
    record.append(f"{{INFO}}/RECORD,,")
    files[f"{{INFO}}/RECORD"] = ("\\n".join(record) + "\\n").encode()
    name = f"{{DIST}}-{{VERSION}}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {{f"{{DIST}}/__init__.py": b""}})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    here = os.path.dirname(os.path.abspath(__file__))
    return _wheel(wheel_directory, {{f"_{{DIST}}.pth": (here + "\\n").encode()}})


def build_sdist(sdist_directory, config_settings=None):
    base = f"{{DIST}}-{{VERSION}}"
    here = os.path.dirname(os.path.abspath(__file__))
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as archive:
        for item in ("pyproject.toml", "_test_backend.py", DIST):
            archive.add(os.path.join(here, item), arcname=f"{{base}}/{{item}}")
        info = tarfile.TarInfo(f"{{base}}/PKG-INFO")
        info.size = len(METADATA)
        archive.addfile(info, io.BytesIO(METADATA.encode()))
    return name
'''


def make_source_tree(directory: Path, name: str, version: str, *, git: bool = False) -> str:
    """A buildable project in ``directory``; with ``git``, committed, and its commit returned."""
    directory.mkdir(parents=True, exist_ok=True)
    dist = name.replace("-", "_")
    (directory / dist).mkdir(exist_ok=True)
    (directory / dist / "__init__.py").write_text("")
    (directory / "_test_backend.py").write_text(_BACKEND.format(name=name, version=version))
    (directory / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "_test_backend"\nbackend-path = ["."]\n\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\n'
    )
    if not git:
        return ""
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    identity = ["-c", "user.name=cg-action tests", "-c", "user.email=tests@example.invalid"]
    for command in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "."],
        ["git", *identity, "commit", "-q", "-m", "test project"],
    ):
        subprocess.run(command, cwd=directory, env=env, check=True, capture_output=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=directory, env=env, check=True, capture_output=True
    )
    return head.stdout.decode().strip()


def pipenv_env(home: Path, index_url: str) -> dict[str, str]:
    """Environment for pipenv: in-project virtualenv, caches under ``home``, local index."""
    return offline_env(
        home,
        {
            "PIPENV_VENV_IN_PROJECT": "1",
            "PIPENV_CACHE_DIR": str(home / "pipenv-cache"),
            "PIPENV_NOSPIN": "1",
            "PIPENV_YES": "1",
            "PIPENV_IGNORE_VIRTUALENVS": "1",
            "PIPENV_DONT_LOAD_ENV": "1",
            "PIPENV_VERBOSITY": "-1",
            "WORKON_HOME": str(home / "virtualenvs"),
            "PIP_INDEX_URL": index_url,
            "NO_COLOR": "1",
        },
    )


def write_pipfile(
    project: Path,
    sources: Mapping[str, str],
    categories: Mapping[str, Sequence[str]],
) -> Path:
    """A Pipfile: ``sources`` name -> url, and per category (``packages``, ``dev-packages``,
    or a custom one) its entries as TOML lines (``alpha = "==1.0.0"``)."""
    project.mkdir(parents=True, exist_ok=True)
    parts = [
        f'[[source]]\nname = "{name}"\nurl = "{url}"\nverify_ssl = false\n'
        for name, url in sources.items()
    ]
    parts.extend(
        f"[{category}]\n" + "".join(f"{line}\n" for line in lines)
        for category, lines in categories.items()
    )
    path = project / "Pipfile"
    path.write_text("\n".join(parts))
    return path


def pipenv_lock(project: Path, home: Path, index_url: str) -> Path:
    """Run ``pipenv lock`` in ``project`` and return Pipfile.lock."""
    run([_pipenv(), "lock"], project, pipenv_env(home, index_url))
    return project / "Pipfile.lock"


def pipenv_requirements(
    project: Path, home: Path, index_url: str, *, category: str | None = None
) -> list[str]:
    """``pipenv requirements`` (for one category when given): its requirement lines only."""
    command = [_pipenv(), "requirements"]
    if category is not None:
        command += ["--categories", category]
    out = run(command, project, pipenv_env(home, index_url))
    return [line for line in out.splitlines() if line and not line.startswith("-")]


def _pipenv() -> str:
    found = shutil.which("pipenv")
    if found is None:
        raise RuntimeError("pipenv is not installed (it is in the test extra)")
    return found


def make_demo_pipfile(project: Path, index_url: str, sources: Path, *, with_git: bool) -> Path:
    """The Pipfile every pipenv test locks: two sources (the second with fake credentials),
    ``default``, ``develop`` and a custom ``docs`` category, a package in two categories, and
    path, file (and git) entries. Local projects are made under ``sources``."""
    make_source_tree(sources / "localdir", "localdir", "0.5.0")
    files_url = index_url.replace("/simple/", "/packages/")
    second = index_url.replace("://", "://fake-user:fake-token@", 1)
    packages = [
        'alpha = "==1.0.0"',
        'gamma-pkg = {version = ">=0.3", markers = "sys_platform != \'win32\'"}',
        'devtool = {version = "*", index = "second"}',
        f'localdir = {{path = "{_relative(sources / "localdir", project)}", editable = true}}',
    ]
    if with_git:
        commit = make_source_tree(sources / "gitdep", "gitdep", "0.7.0", git=True)
        packages.append(f'gitdep = {{git = "{(sources / "gitdep").as_uri()}", ref = "{commit}"}}')
    return write_pipfile(
        project,
        {"local": index_url, "second": second},
        {
            "packages": packages,
            "dev-packages": ['alpha = "==1.0.0"', 'beta = "*"'],
            "docs": [f'devtool = {{file = "{files_url}devtool-5.0.0-py3-none-any.whl"}}'],
        },
    )


def _relative(target: Path, start: Path) -> str:
    import os

    return Path(os.path.relpath(target, start)).as_posix()


def _main(argv: Sequence[str]) -> int:
    """Regenerate tests/data/locks/pipfile/demo/ (``python -m tests.lockgen._pipenv DIR``)."""
    import sys
    import tempfile

    from tests._servers import pypiserver
    from tests.lockgen._pip_compile import make_demo_packages

    dest = Path(argv[0] if argv else sys.exit("usage: python -m tests.lockgen._pipenv DIR"))
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        with pypiserver(make_demo_packages(base / "packages")) as index:
            project = base / "demo"
            make_demo_pipfile(project, index.url, base, with_git=False)
            lock = pipenv_lock(project, base / "home", index.url)
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy(project / "Pipfile", dest / "Pipfile")
            shutil.copy(lock, dest / "Pipfile.lock")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
