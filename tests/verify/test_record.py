"""RECORD files: parsing, digests as pip writes them, and comparing an install with a wheel."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cg_action._errors import ParseError
from cg_action._verify._distributions import DirectoryReader
from cg_action._verify._record import (
    compare_installed,
    installed_path,
    is_compared,
    matches_entry,
    parse_record,
    record_digest,
)
from tests._wheels import make_wheel
from tests.verify.conftest import Venv


@pytest.mark.parametrize(
    ("data", "digest"),
    [
        # Known values: the sha256 of an empty file (as every RECORD lists an empty
        # __init__.py) and of b"abc" (FIPS 180-2's example), in RECORD's urlsafe alphabet.
        (b"", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"),
        (b"abc", "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"),
    ],
)
def test_digest_is_urlsafe_base64_without_padding(data: bytes, digest: str) -> None:
    assert record_digest(data) == digest
    assert record_digest(data, "sha256") == digest


def test_digest_of_another_algorithm() -> None:
    data = b"\xfb\xff" * 100
    found = record_digest(data, "sha512")
    assert not found.endswith("=")
    assert base64.urlsafe_b64decode(found + "==") == hashlib.sha512(data).digest()


def test_pip_written_records_match_the_files_on_disk(venv: Venv) -> None:
    """Every digest pip wrote into RECORD matches its file; ``.pyc`` files are listed bare."""
    reader = DirectoryReader(venv.site_packages)
    record_path = venv.site_packages / "requests-2.31.0.dist-info" / "RECORD"
    entries = parse_record(record_path.read_text(), record_path)
    with_digest = [e for e in entries.values() if e.digest is not None]
    assert any(e.path.endswith(".pyc") and e.digest is None for e in entries.values())
    assert "requests-2.31.0.dist-info/INSTALLER" in entries
    assert entries["requests-2.31.0.dist-info/RECORD"].digest is None
    for entry in with_digest:
        data = reader.read(entry.path)
        assert data is not None
        assert matches_entry(entry, data), entry.path


def test_malformed_rows_are_all_reported() -> None:
    text = "a.py,sha256=abc,3\nb.py,sha256=abc\nc.py,md5,\nd.py,,x\n\ne.py,,\n"
    with pytest.raises(ParseError) as caught:
        parse_record(text, Path("RECORD"))
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (2, "expected 3 columns, found 2"),
        (3, "not a 'algorithm=digest': 'md5'"),
        (4, "size is not a number: 'x'"),
    ]


def test_entry_without_digest_or_with_another_size_never_matches() -> None:
    entries = parse_record(f"a,sha256={record_digest(b'abc')},4\nb,,\n", Path("RECORD"))
    assert not matches_entry(entries["a"], b"abc")  # size 4 recorded, 3 found
    assert not matches_entry(entries["b"], b"")


def test_what_is_compared() -> None:
    dist_info = "x-1.dist-info"
    assert is_compared("x/__init__.py", dist_info)
    assert is_compared("x-1.dist-info/METADATA", dist_info)
    assert not is_compared("x-1.dist-info/INSTALLER", dist_info)
    assert not is_compared("x-1.dist-info/direct_url.json", dist_info)
    assert not is_compared("x/__pycache__/__init__.cpython-312.pyc", dist_info)
    assert not is_compared("../../../bin/x", dist_info)
    assert installed_path("x-1.data/purelib/y.py", dist_info) == "y.py"
    assert installed_path("x-1.data/platlib/z.so", dist_info) == "z.so"
    assert installed_path("x-1.data/scripts/tool", dist_info) is None
    assert installed_path("x/a.py", dist_info) == "x/a.py"


def test_pip_install_with_data_scheme_matches_its_wheel(tmp_path: Path) -> None:
    wheel = make_wheel(
        tmp_path / "wheels",
        "datapkg",
        "1.0",
        extra_files={
            "datapkg-1.0.data/purelib/datapkg_extra.py": b"VALUE = 1\n",
            "datapkg-1.0.data/scripts/datapkg-tool": b"#!python\nprint('hi')\n",
        },
    )
    target = tmp_path / "target"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--disable-pip-version-check",
            "--root-user-action=ignore",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    with zipfile.ZipFile(wheel) as archive:
        wheel_record = parse_record(
            archive.read("datapkg-1.0.dist-info/RECORD").decode(), Path("RECORD")
        )
    record_file = target / "datapkg-1.0.dist-info" / "RECORD"
    installed = parse_record(record_file.read_text(), record_file)
    reader = DirectoryReader(target)
    diff = compare_installed(wheel_record, installed, "datapkg-1.0.dist-info", reader.read)
    assert diff.is_match, diff
    assert diff.compared == 5  # __init__.py, datapkg_extra.py, METADATA, WHEEL, top_level.txt
    (target / "datapkg_extra.py").write_text("VALUE = 2\n")
    diff = compare_installed(wheel_record, installed, "datapkg-1.0.dist-info", reader.read)
    assert diff.mismatched == ("datapkg_extra.py",)
    assert not diff.is_match
