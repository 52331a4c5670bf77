"""The client against real index servers on 127.0.0.1: pypiserver (HTML, basic auth) and
devpi-server (PEP 691 JSON), serving real wheels and sdists built by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from cg_action._errors import IndexAuthError
from cg_action._index import IndexClient
from cg_action._models import (
    Absent,
    ClientSettings,
    Credentials,
    Found,
    Hash,
    IndexConfig,
    IndexProject,
)
from tests._devpi import devpi_index
from tests._servers import LocalIndex, pypiserver, write_htpasswd
from tests._wheels import make_sdist, make_wheel, sha256_file

USER = "org-id/identity"  # Chainguard usernames contain a slash
PASSWORD = "fake-token"
SETTINGS = ClientSettings(concurrency=4, read_timeout=10.0, max_retries=1)


def _distributions(directory: Path) -> list[Path]:
    return [
        make_wheel(directory, "Flask", "3.0.2", requires_python=">=3.8"),
        make_sdist(directory, "flask", "3.0.2"),
        make_wheel(directory, "flask", "2.0.0+cgr.1"),
        make_wheel(directory, "python-dateutil", "2.9.0.post0", tag="py2.py3-none-any"),
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return _distributions(tmp_path_factory.mktemp("dists") / "packages")


@pytest.fixture(scope="module")
def pypi_index(built: list[Path]) -> Iterator[LocalIndex]:
    root = built[0].parent
    htpasswd = write_htpasswd(root.parent / "htpasswd", {USER: PASSWORD})
    with pypiserver(root, htpasswd=htpasswd) as index:
        yield index


@pytest.fixture(scope="module")
def devpi(built: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIndex]:
    with devpi_index(tmp_path_factory.mktemp("devpi"), built) as index:
        yield index


def _check_flask(project: IndexProject, built: list[Path]) -> None:
    by_name = {f.filename: f for f in project.files}
    for path in built[:3]:
        listed = by_name[path.name]
        assert Hash(algorithm="sha256", value=sha256_file(path)) in listed.hashes
    assert project.versions == (Version("2.0.0+cgr.1"), Version("3.0.2"))


def test_pypiserver_with_basic_auth(pypi_index: LocalIndex, built: list[Path]) -> None:
    index = IndexConfig(
        url=pypi_index.url,
        credentials=Credentials(username=USER, password=PASSWORD),
        use_netrc=False,
    )
    names = [canonicalize_name(n) for n in ("flask", "python-dateutil", "not-there")]
    with IndexClient(SETTINGS) as client:
        answers = client.get_projects(index, names)
        flask = answers[names[0]]
        assert isinstance(flask, Found)
        _check_flask(flask.project, built)
        dateutil = answers[names[1]]
        assert isinstance(dateutil, Found)
        assert dateutil.project.versions == (Version("2.9.0.post0"),)
        assert isinstance(answers[names[2]], Absent)
        # the listed URL serves the file: probe it, then read its zip directory remotely
        wheel = flask.project.files_for(Version("3.0.2"))[0]
        probe = client.probe_files(index, [wheel.url])[wheel.url]
        assert probe.status_code in (200, 206)
        data = built[0].read_bytes()
        assert client.file_size(index, wheel.url) == len(data)
        assert client.fetch_range(index, wheel.url, -22, None) == data[-22:]


@pytest.mark.parametrize(
    ("credentials", "message"),
    [
        (None, r"needs credentials \(HTTP 401\)"),
        # pypiserver answers wrong credentials with 403
        (Credentials(username=USER, password="wrong"), r"denied access \(HTTP 403\)"),
    ],
)
def test_pypiserver_refuses_missing_or_wrong_credentials(
    pypi_index: LocalIndex, credentials: Credentials | None, message: str
) -> None:
    index = IndexConfig(url=pypi_index.url, credentials=credentials, use_netrc=False)
    with IndexClient(SETTINGS) as client, pytest.raises(IndexAuthError, match=message):
        client.get_projects(index, [canonicalize_name("flask")])


def test_pypiserver_with_netrc(pypi_index: LocalIndex, tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1\nlogin {USER}\npassword {PASSWORD}\n")
    index = IndexConfig(url=pypi_index.url, netrc_path=netrc)
    with IndexClient(SETTINGS) as client:
        answer = client.get_projects(index, [canonicalize_name("flask")])
    assert isinstance(answer[canonicalize_name("flask")], Found)


@pytest.mark.slow
def test_devpi_serves_pep691_json(devpi: LocalIndex, built: list[Path]) -> None:
    index = IndexConfig(url=devpi.url, use_netrc=False)
    names = [canonicalize_name(n) for n in ("Flask", "python_dateutil", "nope")]
    with IndexClient(SETTINGS) as client:
        answers = client.get_projects(index, names)
        flask = answers[names[0]]
        assert isinstance(flask, Found)
        _check_flask(flask.project, built)
        assert all(f.url.startswith(devpi.url.split("+simple/")[0]) for f in flask.project.files)
        assert isinstance(answers[names[1]], Found)
        assert isinstance(answers[names[2]], Absent)
        sdist = next(f for f in flask.project.files if not f.is_wheel)
        assert client.fetch_range(index, sdist.url, 0, 1) == b"\x1f\x8b"  # gzip magic
