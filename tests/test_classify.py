"""Verdicts from hand-made index answers: the pure classification rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from cg_action._classify import NEED_FALLBACK, Context, Evidence, classify
from cg_action._models import (
    Absent,
    Artifact,
    Dependency,
    DependencyKind,
    FileProbe,
    Finding,
    Found,
    Hash,
    IndexFile,
    IndexProject,
    Location,
    Status,
    Unavailable,
)
from cg_action._targets import parse_target

CG = "https://libraries.cgr.dev/python/simple/"
PYPI = "https://pypi.org/simple/"
REMEDIATED = "https://libraries.cgr.dev/python-remediated/simple/"


def dep(
    spec: str, *, name: str = "flask", hashes: tuple[str, ...] = (), **kw: object
) -> Dependency:
    specifier = SpecifierSet(spec)
    pinned = (
        len(specifier) == 1 and next(iter(specifier)).operator in ("==", "===") and "*" not in spec
    )
    return Dependency(
        name=canonicalize_name(name),
        display_name=name,
        kind=DependencyKind.PINNED if pinned else DependencyKind.RANGE,
        location=Location(path=Path("requirements.txt"), line=3),
        specifier=specifier,
        version=Version(spec.lstrip("=")) if pinned else None,
        hashes=tuple(Hash.parse(h) for h in hashes),
        **kw,  # type: ignore[arg-type]
    )


def file(
    filename: str, digest: str = "", *, base: str = "https://libraries.cgr.dev/files/", **kw: object
) -> IndexFile:
    from packaging.utils import parse_sdist_filename, parse_wheel_filename

    version = (
        parse_wheel_filename(filename)[1]
        if filename.endswith(".whl")
        else parse_sdist_filename(filename)[1]
    )
    hashes = (Hash(algorithm="sha256", value=digest),) if digest else ()
    return IndexFile(filename=filename, url=base + filename, version=version, hashes=hashes, **kw)  # type: ignore[arg-type]


def found(*files: IndexFile, index: str = CG) -> Found:
    versions = tuple(sorted({f.version for f in files if f.version}))
    return Found(
        project=IndexProject(
            name=canonicalize_name("flask"), index_url=index, files=files, versions=versions
        )
    )


CTX = Context(primary_url=CG, fallback_url=PYPI)


def verdict(d: Dependency, evidence: Evidence, context: Context = CTX) -> Finding:
    result = classify(d, evidence, context)
    assert isinstance(result, Finding)
    return result


def test_pinned_served() -> None:
    result = verdict(dep("==3.0.2"), Evidence(primary=found(file("flask-3.0.2-py3-none-any.whl"))))
    assert result.status is Status.CHAINGUARD
    assert result.version == Version("3.0.2")


def test_pin_matches_local_remediated_label_but_triple_equals_does_not() -> None:
    evidence = Evidence(primary=found(file("flask-2.0.0+cgr.1-py3-none-any.whl")))
    assert verdict(dep("==2.0.0"), evidence).version == Version("2.0.0+cgr.1")
    assert classify(dep("===2.0.0"), evidence, CTX) is NEED_FALLBACK


def test_range_names_newest_match() -> None:
    evidence = Evidence(
        primary=found(file("flask-2.0.0-py3-none-any.whl"), file("flask-3.0.0-py3-none-any.whl"))
    )
    result = verdict(dep(">=2,<3.5"), evidence)
    assert result.status is Status.CHAINGUARD
    assert result.version == Version("3.0.0")


def test_wildcard_is_a_range() -> None:
    evidence = Evidence(
        primary=found(file("flask-1.1.0-py3-none-any.whl"), file("flask-1.4.0-py3-none-any.whl"))
    )
    assert verdict(dep("==1.*"), evidence).version == Version("1.4.0")


def test_absent_needs_fallback_then_fallback_or_missing() -> None:
    d = dep("==3.0.2")
    absent = Absent(name=d.name, index_url=CG)
    assert classify(d, Evidence(primary=absent), CTX) is NEED_FALLBACK
    on_pypi = found(
        file("flask-3.0.2-py3-none-any.whl", base="https://files.pythonhosted.org/"), index=PYPI
    )
    assert verdict(d, Evidence(primary=absent, fallback=on_pypi)).status is Status.FALLBACK
    not_on_pypi = Absent(name=d.name, index_url=PYPI)
    assert verdict(d, Evidence(primary=absent, fallback=not_on_pypi)).status is Status.MISSING


def test_missing_lists_nearest_versions() -> None:
    files = [
        file(f"flask-{v}-py3-none-any.whl") for v in ("1.0", "2.0", "2.1", "3.0", "3.1", "4.0")
    ]
    result = verdict(dep("==2.5"), Evidence(primary=found(*files)), Context(primary_url=CG))
    assert result.status is Status.MISSING
    assert Version("2.1") in result.available_versions
    assert Version("3.0") in result.available_versions


@pytest.mark.parametrize("reason", ["connection refused", "timed out"])
def test_network_failure_is_unknown_never_missing(reason: str) -> None:
    d = dep("==3.0.2")
    assert (
        verdict(d, Evidence(primary=Unavailable(name=d.name, index_url=CG, reason=reason))).status
        is Status.UNKNOWN
    )
    absent = Absent(name=d.name, index_url=CG)
    fallback_down = Unavailable(name=d.name, index_url=PYPI, reason=reason)
    assert verdict(d, Evidence(primary=absent, fallback=fallback_down)).status is Status.UNKNOWN


def test_upstream_path_only_is_fallback() -> None:
    upstream = file(
        "flask-3.0.2-py3-none-any.whl",
        base="https://libraries.cgr.dev/python-upstream/simple/flask/3.0.2/",
    )
    result = verdict(dep("==3.0.2"), Evidence(primary=found(upstream)))
    assert result.status is Status.FALLBACK
    assert "python-upstream" in result.message


def test_digests_of_another_build_are_locked_upstream() -> None:
    d = dep("==3.0.2", hashes=("sha256:" + "a" * 64,), is_locked=True)
    served = found(file("flask-3.0.2-py3-none-any.whl", "b" * 64))
    result = verdict(d, Evidence(primary=served))
    assert result.status is Status.LOCKED_UPSTREAM
    assert result.evidence == "digests"
    ok = dep("==3.0.2", hashes=("sha256:" + "b" * 64,), is_locked=True)
    assert verdict(ok, Evidence(primary=served)).status is Status.CHAINGUARD


def test_without_index_digests_recorded_url_is_the_evidence() -> None:
    artifact = Artifact(
        filename="flask-3.0.2-py3-none-any.whl",
        url="https://files.pythonhosted.org/p/flask-3.0.2-py3-none-any.whl",
        hashes=(Hash(algorithm="sha256", value="a" * 64),),
    )
    d = dep("==3.0.2", artifacts=(artifact,), is_locked=True)
    result = verdict(d, Evidence(primary=found(file("flask-3.0.2-py3-none-any.whl"))))
    assert result.status is Status.LOCKED_UPSTREAM
    assert result.evidence == "recorded URL"


def test_recorded_index_is_evidence_and_no_evidence_says_so() -> None:
    served = Evidence(primary=found(file("flask-3.0.2-py3-none-any.whl")))
    other_index = dep("==3.0.2", index="https://pypi.org/simple", is_locked=True)
    assert verdict(other_index, served).evidence == "recorded index"
    hashed = dep("==3.0.2", hashes=("sha256:" + "a" * 64,), is_locked=True)
    result = verdict(hashed, served)
    assert result.status is Status.CHAINGUARD
    assert result.evidence is not None
    assert "no digests" in result.evidence


def test_blocked_probe() -> None:
    f = file("flask-3.0.2-py3-none-any.whl")
    probe = FileProbe(
        url=f.url, status_code=409, blocked_reason="MALWARE_DETECTED", message="withheld"
    )
    result = verdict(dep("==3.0.2"), Evidence(primary=found(f), probes={f.url: probe}))
    assert result.status is Status.BLOCKED
    assert result.blocked_reason == "MALWARE_DETECTED"


def test_remediated_build_is_reported() -> None:
    context = Context(primary_url=CG, fallback_url=PYPI, remediated_url=REMEDIATED)
    evidence = Evidence(
        primary=found(file("flask-2.0.0-py3-none-any.whl")),
        remediated=found(file("flask-2.0.0+cgr.2-py3-none-any.whl"), index=REMEDIATED),
    )
    locked = dep("==2.0.0", is_locked=True)
    result = verdict(locked, evidence, context)
    assert result.status is Status.CHAINGUARD
    assert result.remediated_version == Version("2.0.0+cgr.2")
    assert "re-lock" in result.message


def test_platform_gaps_per_target_and_markers() -> None:
    from packaging.markers import Marker

    files = found(
        file("flask-3.0.2-cp312-cp312-manylinux_2_28_x86_64.whl"),
        file("flask-3.0.2.tar.gz"),
    )
    targets = (
        parse_target("linux-x86_64@3.12"),
        parse_target("macos-arm64@3.12"),
        parse_target("windows-amd64@3.12"),
    )
    context = Context(primary_url=CG, targets=targets)
    result = verdict(dep("==3.0.2"), Evidence(primary=files), context)
    assert [g.target for g in result.platform_gaps] == ["macos-arm64@3.12", "windows-amd64@3.12"]
    linux_only = dep("==3.0.2", marker=Marker("sys_platform == 'linux'"))
    assert verdict(linux_only, Evidence(primary=files), context).platform_gaps == ()


def test_not_indexed_kinds() -> None:
    d = Dependency(
        name=canonicalize_name("x"),
        display_name="x",
        kind=DependencyKind.VCS,
        location=Location(path=Path("r.txt"), line=1),
        url="git+https://example.invalid/x",
    )
    assert (
        verdict(d, Evidence(primary=Absent(name=d.name, index_url=CG))).status is Status.NOT_INDEXED
    )


def test_remediated_index_down_is_unknown_not_missing() -> None:
    context = Context(primary_url=CG, fallback_url=None, remediated_url=REMEDIATED)
    d = dep("==9.9")
    down = Unavailable(name=d.name, index_url=REMEDIATED, reason="timed out")
    result = verdict(
        d, Evidence(primary=found(file("flask-3.0.2-py3-none-any.whl")), remediated=down), context
    )
    assert result.status is Status.UNKNOWN
    assert "remediated index could not be asked" in result.message


def test_a_range_never_selects_a_yanked_release_but_a_pin_still_matches_it() -> None:
    evidence = Evidence(
        primary=found(
            file("flask-3.0.0-py3-none-any.whl"),
            file("flask-3.1.0-py3-none-any.whl", yanked=True, yanked_reason="broken"),
        )
    )
    assert verdict(dep(">=3"), evidence).version == Version("3.0.0")
    pinned = verdict(dep("==3.1.0"), evidence)
    assert pinned.status is Status.CHAINGUARD
    assert "yanked (broken)" in pinned.message
