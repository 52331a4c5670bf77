"""A real virtual environment with wheels installed by pip, and a local index that serves them.

Installed (pip, ``--no-index --no-deps``, into ``python -m venv --without-pip``):

=================  ==============================================  ===========================
project            what its wheel carries                          verdict without an index
=================  ==============================================  ===========================
aiohttp 3.9.1+cgr.1  Chainguard SBOM listing two patches           verified
bigblob 1.0        Chainguard SBOM, 3 MB of incompressible data    verified
flask 3.0.2        Chainguard SBOM                                 verified
itsdangerous 2.1.2 an SBOM written by someone else                 not verified
jinja2 3.1.3       Chainguard SBOM, edited after install           not verified (modified)
markupsafe 2.1.5   Chainguard SBOM describing 2.1.4                not verified (mismatch)
requests 2.31.0    no SBOM                                         not verified
six 1.16.0         no SBOM                                         not verified
legacy-thing 0.1   an ``.egg-info`` made by hand                   not verified (egg-info)
=================  ==============================================  ===========================
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests._servers import LocalIndex, pypiserver
from tests._wheels import make_wheel
from tests.verify._builders import SBOM_MEMBER, rezip, spdx_sbom

PAYLOAD_BYTES = 3 * 1024 * 1024
LONG_COMMENT = b"a long archive comment, as some build tools write. " * 450


@dataclass(frozen=True)
class Wheelhouse:
    """The wheels that were installed, by project name."""

    root: Path
    wheels: dict[str, Path]


@dataclass(frozen=True)
class Venv:
    """A virtual environment made by ``python -m venv`` with the wheelhouse installed."""

    path: Path
    site_packages: Path
    python: Path


def _sbom(name: str, version: str, **kwargs: Any) -> dict[str, bytes]:
    return {SBOM_MEMBER: spdx_sbom(name, version, **kwargs)}


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Wheelhouse:
    """Build the wheels of the table in the module docstring."""
    root = tmp_path_factory.mktemp("wheelhouse")
    payload = random.Random(770).randbytes(PAYLOAD_BYTES)  # noqa: S311 - test data, not secrets
    wheels = {
        "aiohttp": make_wheel(
            root,
            "aiohttp",
            "3.9.1+cgr.1",
            flavour="chainguard",
            extra_files=_sbom(
                "aiohttp",
                "3.9.1+cgr.1",
                tag="v3.9.1",
                patches=["CVE-2024-23334.patch"],
                patch_files=["CVE-2024-23829.patch"],
            ),
        ),
        "bigblob": make_wheel(
            root,
            "bigblob",
            "1.0",
            flavour="chainguard",
            extra_files={**_sbom("bigblob", "1.0"), "bigblob/payload.bin": payload},
        ),
        "flask": make_wheel(
            root, "Flask", "3.0.2", flavour="chainguard", extra_files=_sbom("flask", "3.0.2")
        ),
        "itsdangerous": make_wheel(
            root,
            "itsdangerous",
            "2.1.2",
            extra_files=_sbom(
                "itsdangerous",
                "2.1.2",
                creators=["Tool: Syft", "Organization: Example Corp"],
                supplier="Organization: Pallets",
            ),
        ),
        "jinja2": make_wheel(
            root, "Jinja2", "3.1.3", flavour="chainguard", extra_files=_sbom("jinja2", "3.1.3")
        ),
        "markupsafe": make_wheel(
            root,
            "MarkupSafe",
            "2.1.5",
            flavour="chainguard",
            extra_files=_sbom("markupsafe", "2.1.4"),
        ),
        "requests": make_wheel(root, "requests", "2.31.0"),
        "six": make_wheel(root, "six", "1.16.0", tag="py2.py3-none-any"),
    }
    return Wheelhouse(root=root, wheels=wheels)


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Wheelhouse) -> Venv:
    """A fresh virtual environment with the wheelhouse installed by pip, then tampered."""
    path = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--disable-pip-version-check",
            "--root-user-action=ignore",
            *(str(w) for w in wheelhouse.wheels.values()),
        ],
        check=True,
    )
    found = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    )
    site_packages = Path(found.stdout.strip())
    # Edit jinja2's SBOM after install: claim another commit.
    sbom_path = site_packages / "jinja2-3.1.3.dist-info" / "sboms" / "sbom.spdx.json"
    document = json.loads(sbom_path.read_text())
    document["packages"][0]["sourceInfo"] = document["packages"][0]["sourceInfo"].replace(
        "commit id: ", "commit id: ffff"
    )
    sbom_path.write_text(json.dumps(document))
    # A legacy egg-info folder, as setup.py develop or old installers left them.
    egg = site_packages / "legacy_thing-0.1-py3.11.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: legacy-thing\nVersion: 0.1\n")
    return Venv(path=path, site_packages=site_packages, python=python)


@pytest.fixture(scope="session")
def index_root(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Wheelhouse) -> Path:
    """What the local index serves (see test_remote.py's module docstring)."""
    root = tmp_path_factory.mktemp("index") / "packages"
    root.mkdir()
    wheels = wheelhouse.wheels
    for name in ("aiohttp", "jinja2", "six"):
        shutil.copy(wheels[name], root / wheels[name].name)
    rezip(wheels["flask"], root / wheels["flask"].name, comment=b"built by the tests")
    rezip(wheels["bigblob"], root / wheels["bigblob"].name, comment=LONG_COMMENT, zip64=True)
    make_wheel(root, "requests", "2.31.0", flavour="chainguard")  # other content, same version
    make_wheel(root, "itsdangerous", "2.1.2", tag="cp311-cp311-manylinux_2_28_x86_64")
    # Served only, for reading RECORDs directly: a plain big wheel, and one with RECORD first.
    payload = {"blob/payload.bin": random.Random(691).randbytes(PAYLOAD_BYTES)}  # noqa: S311 - test data
    make_wheel(root, "plainblob", "1.0", extra_files=payload)
    front = make_wheel(root.parent / "build", "frontblob", "1.0", extra_files=payload)
    rezip(front, root / front.name, first="*/RECORD")
    (root / "notzip-1.0-py3-none-any.whl").write_bytes(b"this is not a ZIP archive\n" * 2000)
    return root


@pytest.fixture(scope="session")
def local_index(index_root: Path) -> Iterator[LocalIndex]:
    """pypiserver on 127.0.0.1 serving ``index_root`` (it answers range requests)."""
    with pypiserver(index_root) as index:
        yield index
