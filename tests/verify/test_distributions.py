"""Which PATHs ``verify`` accepts and how it finds distributions in each."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.tags import Tag
from packaging.version import Version

from cg_action._cli import main
from cg_action._errors import UsageError
from cg_action._verify._check import verify_paths
from cg_action._verify._distributions import (
    find_distributions,
    locate,
    read_wheel,
    site_packages_of,
)
from cg_action._verify._model import (
    SBOM_MODIFIED_IN_WHEEL,
    DistributionKind,
    PackageResult,
    TargetKind,
    Verdict,
)
from tests._wheels import make_wheel
from tests.verify._builders import SBOM_MEMBER, spdx_sbom
from tests.verify.conftest import Venv, Wheelhouse


def _install_by_hand(wheel: Path, site_packages: Path) -> None:
    """Unpack a pure wheel the way an installer lays it out (RECORD paths relative to it)."""
    import zipfile

    site_packages.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site_packages)


def test_windows_layout_venv(tmp_path: Path, wheelhouse: Wheelhouse) -> None:
    venv = tmp_path / "winenv"
    (venv / "Scripts").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = C:\\Python312\nversion = 3.12.4\n")
    site = venv / "Lib" / "site-packages"
    _install_by_hand(wheelhouse.wheels["flask"], site)
    _install_by_hand(wheelhouse.wheels["requests"], site)
    target = locate(venv)
    assert target.kind is TargetKind.VENV
    assert target.searched == (site,)
    report = verify_paths([venv])
    assert [(p.name, p.verdict) for p in report.packages] == [
        ("flask", Verdict.VERIFIED),
        ("requests", Verdict.NOT_VERIFIED),
    ]


def test_posix_venv_with_lib64_link_is_searched_once(tmp_path: Path) -> None:
    venv = tmp_path / "env"
    site = venv / "lib" / "python3.13t" / "site-packages"
    site.mkdir(parents=True)
    (venv / "lib64").symlink_to("lib")
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert site_packages_of(venv) == (site,)


def test_pypy_venv(tmp_path: Path) -> None:
    venv = tmp_path / "env"
    site = venv / "lib" / "pypy3.10" / "site-packages"
    site.mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert locate(venv).searched == (site,)


def test_wheel_path(wheelhouse: Wheelhouse) -> None:
    report = verify_paths([wheelhouse.wheels["aiohttp"]])
    assert report.targets[0].kind is TargetKind.WHEEL
    (package,) = report.packages
    assert package.kind is DistributionKind.WHEEL
    assert package.version == Version("3.9.1+cgr.1")
    assert package.verdict is Verdict.VERIFIED
    assert package.provenance is not None
    assert package.provenance.patches == (
        "CVE-2024-23334.patch",
        "./patches/CVE-2024-23829.patch",
    )


def test_wheel_directory_path(wheelhouse: Wheelhouse) -> None:
    report = verify_paths([wheelhouse.root])
    assert report.targets[0].kind is TargetKind.WHEEL_DIR
    assert len(report.packages) == 8
    assert sorted(p.name for p in report.packages if p.is_verified) == [
        "aiohttp",
        "bigblob",
        "flask",
        "jinja2",  # not edited in the wheel: only the installed copy was
    ]
    assert {p.kind for p in report.packages} == {DistributionKind.WHEEL}


def test_wheel_tags_are_read_from_the_wheel_file(wheelhouse: Wheelhouse) -> None:
    dist = read_wheel(wheelhouse.wheels["six"])
    assert dist.tags == frozenset({Tag("py2", "none", "any"), Tag("py3", "none", "any")})
    assert dist.dist_info == "six-1.16.0.dist-info"


def test_wheel_whose_sbom_does_not_match_its_record(tmp_path: Path) -> None:
    import zipfile

    wheel = make_wheel(
        tmp_path / "build", "flask", "3.0.2", extra_files={SBOM_MEMBER: spdx_sbom("flask", "3.0.2")}
    )
    edited = tmp_path / "edited" / wheel.name
    edited.parent.mkdir()
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(edited, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("sbom.spdx.json"):
                data = data.replace(b"github.com/example", b"github.com/elsewhere")
            target.writestr(info, data)
    (package,) = verify_paths([edited]).packages
    assert package.verdict is Verdict.NOT_VERIFIED
    assert package.reason.startswith(SBOM_MODIFIED_IN_WHEEL)


def test_broken_wheel_is_reported_not_raised(tmp_path: Path, wheelhouse: Wheelhouse) -> None:
    folder = tmp_path / "wheels"
    folder.mkdir()
    shutil.copy(wheelhouse.wheels["flask"], folder)
    (folder / "broken-1.0-py3-none-any.whl").write_bytes(b"not a zip archive")
    report = verify_paths([folder])
    by_name: dict[str, PackageResult] = {p.name: p for p in report.packages}
    assert by_name["flask"].is_verified
    assert by_name["broken"].verdict is Verdict.NOT_VERIFIED
    assert by_name["broken"].reason.startswith("not a readable wheel")
    assert by_name["broken"].version == Version("1.0")


def test_dist_info_without_record(tmp_path: Path, wheelhouse: Wheelhouse) -> None:
    site = tmp_path / "site-packages"
    _install_by_hand(wheelhouse.wheels["flask"], site)
    (site / "flask-3.0.2.dist-info" / "RECORD").unlink()
    (package,) = verify_paths([site]).packages
    assert package.verdict is Verdict.NOT_VERIFIED
    assert package.reason == "no RECORD: cannot tell whether any file was changed"


def test_several_paths_add_up(venv: Venv, wheelhouse: Wheelhouse) -> None:
    report = verify_paths([venv.path, wheelhouse.wheels["flask"]])
    assert [t.kind for t in report.targets] == [TargetKind.VENV, TargetKind.WHEEL]
    assert len(report.packages) == 10
    assert report.verified_count == 4


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda p: p / "missing", "it does not exist"),
        (lambda p: _write(p / "notes.txt"), "it is a file, but not a wheel"),
        (lambda p: _mkdir(p / "empty"), "it holds no pyvenv.cfg"),
        (lambda p: _write(_mkdir(p / "venv") / "pyvenv.cfg").parent, "no lib/python3.X/site"),
    ],
)
def test_paths_of_no_accepted_kind(tmp_path: Path, make: Callable[[Path], Path], why: str) -> None:
    path = make(tmp_path)
    with pytest.raises(UsageError, match=why):
        locate(path)
    out, err = io.StringIO(), io.StringIO()
    assert main(["verify", str(path)], env={}, out=out, err=err) == 2
    assert err.getvalue().startswith(f"cg-action: error: {path}: cannot verify: ")
    assert "hint: give a virtual environment" in err.getvalue()
    assert out.getvalue() == ""


def _write(path: Path) -> Path:
    path.write_text("x\n")
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def test_empty_site_packages(tmp_path: Path) -> None:
    site = _mkdir(tmp_path / "site-packages")
    report = verify_paths([site])
    assert report.packages == ()
    assert report.coverage_percent is None
    out, err = io.StringIO(), io.StringIO()
    assert main(["verify", str(site), "--fail-under", "90"], env={}, out=out, err=err) == 0
    assert out.getvalue().splitlines()[:3] == [
        "Verification coverage: n/a",
        "Verified packages: 0 of 0",
        f"No distributions found in {site}.",
    ]


def test_find_distributions_sorts_by_name(venv: Venv) -> None:
    names = [d.name for d in find_distributions(locate(venv.site_packages))]
    assert names == sorted(names)
