"""pip-compile output, made by the real tool, read by the requirements reader.

Expected values come from the tools: pip's own requirements-file parser for the committed
outputs, and for fresh ones ``pip install --dry-run --report`` on the ``.in`` input plus the
digests of the files the local index serves.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

from cg_action._models import DependencyKind, FileFormat, SourceFile
from cg_action._sources._requirements import parse_requirements
from cg_action._urls import redact_url
from tests._servers import pypiserver
from tests._wheels import sha256_file
from tests.lockgen._pip_compile import (
    DEMO_REQUIREMENTS,
    make_demo_packages,
    pip_compile,
    pip_report,
)

FIXTURES = ("with-index-url", "no-emit-index-url")


def _pip_view(path: Path) -> dict[str, tuple[str, str | None, list[str], int]]:
    """pip's own reading: name -> (specifier, marker, hashes, line)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from pip._internal.network.session import PipSession
        from pip._internal.req.req_file import parse_requirements as pip_parse

        session = PipSession()
        try:
            parsed = list(pip_parse(str(path), session=session))
        finally:
            session.close()
    view: dict[str, tuple[str, str | None, list[str], int]] = {}
    for item in parsed:
        requirement = Requirement(item.requirement)
        line = int(item.comes_from.rsplit("line ", 1)[1].rstrip(")"))
        hashes = [
            f"{algorithm}:{digest}"
            for algorithm, digests in (item.options or {}).get("hashes", {}).items()
            for digest in digests
        ]
        view[canonicalize_name(requirement.name)] = (
            str(requirement.specifier),
            str(requirement.marker) if requirement.marker else None,
            sorted(hashes),
            line,
        )
    return view


def _check_against_pip(source: SourceFile, path: Path) -> None:
    expected = _pip_view(path)
    assert {d.name for d in source.dependencies} == set(expected)
    for dep in source.dependencies:
        specifier, marker, hashes, line = expected[dep.name]
        assert dep.kind is DependencyKind.PINNED
        assert dep.is_locked
        assert str(dep.specifier) == specifier
        assert (str(dep.marker) if dep.marker else None) == marker
        assert sorted(str(h) for h in dep.hashes) == hashes
        assert dep.location.line == line


@pytest.mark.parametrize("name", FIXTURES)
def test_committed_pip_compile_output(data_dir: Path, name: str) -> None:
    path = data_dir / "locks" / "pip-compile" / name / "requirements.txt"
    source = parse_requirements(path)
    assert source.format is FileFormat.PIP_COMPILE
    assert source.problems == ()
    _check_against_pip(source, path)
    index_options = [o for o in source.options if o.name == "index-url"]
    assert len(index_options) == (1 if name == "with-index-url" else 0)


def _served(packages: Path) -> dict[tuple[str, str], set[str]]:
    """(name, version) -> sha256 of every file the local index serves for it."""
    served: dict[tuple[str, str], set[str]] = {}
    for file in packages.iterdir():
        if file.suffix == ".whl":
            name, version, *_ = parse_wheel_filename(file.name)
        else:
            name, version = parse_sdist_filename(file.name)
        served.setdefault((name, str(version)), set()).add(f"sha256:{sha256_file(file)}")
    return served


@pytest.mark.tools
@pytest.mark.slow
@pytest.mark.parametrize("emit_index_url", [True, False])
def test_pip_compile_against_a_local_index(tmp_path: Path, emit_index_url: bool) -> None:
    packages = make_demo_packages(tmp_path / "packages")
    with pypiserver(packages) as index:
        secret_url = index.url.replace("://", "://fake-user:fake-token@", 1)
        output = pip_compile(
            tmp_path / "project",
            secret_url,
            DEMO_REQUIREMENTS,
            home=tmp_path / "home",
            emit_index_url=emit_index_url,
        )
        installed = pip_report(
            tmp_path / "project",
            index.url,
            tmp_path / "project" / "requirements.in",
            home=tmp_path / "home",
        )

    text = output.read_text()
    # pip-compile writes the index URL as given, credentials included, unless told not to
    assert ("fake-token" in text) is emit_index_url
    source = parse_requirements(output)
    assert source.format is FileFormat.PIP_COMPILE
    assert source.problems == ()
    _check_against_pip(source, output)
    assert {d.name: str(d.version) for d in source.dependencies} == installed
    served = _served(packages)
    for dep in source.dependencies:
        assert {str(h) for h in dep.hashes} == served[(dep.name, str(dep.version))]
    index_urls = [redact_url(o.value or "") for o in source.options if o.name == "index-url"]
    assert index_urls == ([index.url] if emit_index_url else [])
