"""The sdist and the wheel build offline, without deprecation warnings about the licence.

``python -m build --no-isolation`` builds both with the setuptools of the test environment (no
index is asked); the wheel's METADATA must carry the SPDX expression (PEP 639) and the licence
text, and no line of the build's output may announce a licence deprecation (setuptools stops
accepting ``project.license`` as a TOML table on 2027-02-18).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest

from tests._offline_install import without_installer_settings

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

_NOT_SHIPPED = shutil.ignore_patterns(
    ".git", "tests", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The dist folder of a build of a copy of the project, and everything the build printed."""
    source = tmp_path_factory.mktemp("packaging") / "cg-action"
    shutil.copytree(ROOT, source, ignore=_NOT_SHIPPED)
    env = without_installer_settings(dict(os.environ))
    env["PYTHONWARNINGS"] = "default"  # show every warning, DeprecationWarning included
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", "dist", "."],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return source / "dist", output


def test_no_licence_deprecation_while_building(built: tuple[Path, str]) -> None:
    _, output = built
    assert "Successfully built" in output  # the output read below is the build's
    complaints = [
        line
        for line in output.splitlines()
        if "licen" in line.lower() and ("deprecat" in line.lower() or "2027" in line)
    ]
    assert complaints == []


def test_wheel_metadata_has_the_spdx_expression_and_the_licence(built: tuple[Path, str]) -> None:
    dist, _ = built
    (wheel,) = dist.glob("cg_action-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = HeaderParser().parsestr(archive.read(metadata_name).decode())
        dist_info = metadata_name.rsplit("/", 1)[0]
        licence = archive.read(f"{dist_info}/licenses/LICENSE").decode()
    assert metadata.get_all("License-Expression") == ["Apache-2.0"]
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata.get("License") is None  # the old free-text field is gone
    assert tuple(int(p) for p in metadata["Metadata-Version"].split(".")) >= (2, 4)
    assert licence == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence
    assert "Version 2.0, January 2004" in licence


def test_sdist_ships_the_licence(built: tuple[Path, str]) -> None:
    dist, _ = built
    (sdist,) = dist.glob("cg_action-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name}
        pkg_info = archive.extractfile(f"{sdist.name.removesuffix('.tar.gz')}/PKG-INFO")
        assert pkg_info is not None
        metadata = HeaderParser().parsestr(pkg_info.read().decode())
    assert "LICENSE" in members
    assert metadata.get_all("License-Expression") == ["Apache-2.0"]
