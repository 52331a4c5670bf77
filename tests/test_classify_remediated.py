"""Remediated builds are matched to a pin as PEP 440 versions, never as text."""

from __future__ import annotations

from packaging.version import Version

from cg_action._classify import Context, Evidence
from cg_action._models import Status
from tests.test_classify import CG, PYPI, REMEDIATED, dep, file, found, verdict

CONTEXT = Context(primary_url=CG, fallback_url=PYPI, remediated_url=REMEDIATED)


def test_a_short_release_takes_the_remediated_build_of_the_same_release() -> None:
    # The standard index lists "3.7"; the remediated index "3.7.0+cgr.1": ==3.7 matches it.
    evidence = Evidence(
        primary=found(file("flask-3.7-py3-none-any.whl")),
        remediated=found(file("flask-3.7.0+cgr.1-py3-none-any.whl"), index=REMEDIATED),
    )
    result = verdict(dep("==3.7"), evidence, CONTEXT)
    assert result.status is Status.CHAINGUARD
    assert result.version == Version("3.7")
    assert result.remediated_version == Version("3.7.0+cgr.1")
    assert "the remediated index serves it for this pin" in result.message
    assert "as an upgrade" not in result.message


def test_a_locked_short_release_is_told_to_relock() -> None:
    evidence = Evidence(
        primary=found(file("flask-3.7-py3-none-any.whl")),
        remediated=found(file("flask-3.7.0+cgr.2-py3-none-any.whl"), index=REMEDIATED),
    )
    result = verdict(dep("==3.7", is_locked=True), evidence, CONTEXT)
    assert result.remediated_version == Version("3.7.0+cgr.2")
    assert "re-lock to take it" in result.message


def test_another_release_is_not_a_remediated_build_of_the_pin() -> None:
    evidence = Evidence(
        primary=found(file("flask-3.7-py3-none-any.whl")),
        remediated=found(file("flask-3.7.1+cgr.1-py3-none-any.whl"), index=REMEDIATED),
    )
    result = verdict(dep("==3.7"), evidence, CONTEXT)
    assert result.remediated_version is None
