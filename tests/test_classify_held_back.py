"""A pin Chainguard lacks while its fallback file is new: it may be held back, not refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from cg_action._classify import Context, Evidence
from cg_action._models import Absent, HeldBack, Status
from tests.test_classify import CG, PYPI, dep, file, found, verdict

NOW = dt.datetime(2026, 8, 20, 12, 0, tzinfo=dt.timezone.utc)
CONTEXT = Context(primary_url=CG, fallback_url=PYPI, now=NOW)


def _on_pypi(*uploads: dt.datetime | None, version: str = "3.0.2") -> Evidence:
    names = [f"flask-{version}-py3-none-any.whl", f"flask-{version}.tar.gz"]
    files = [
        replace(file(name, base="https://files.pythonhosted.org/"), upload_time=uploaded)
        for name, uploaded in zip(names, uploads, strict=False)
    ]
    chainguard = found(file("flask-3.0.1-py3-none-any.whl"))
    return Evidence(primary=chainguard, fallback=found(*files, index=PYPI))


def test_a_version_uploaded_within_the_cooldown_is_held_back() -> None:
    uploaded = NOW - dt.timedelta(days=2, hours=3)
    result = verdict(dep("==3.0.2"), _on_pypi(uploaded, uploaded + dt.timedelta(hours=1)), CONTEXT)
    assert result.status is Status.FALLBACK
    assert result.held_back == HeldBack(uploaded=uploaded, cooldown_days=7)
    assert "uploaded to pypi.org on 2026-08-18 (2 days ago)" in result.message
    assert "within the 7-day cooldown" in result.message
    assert "wait" in result.message


def test_the_earliest_file_of_the_version_dates_the_release() -> None:
    old, new = NOW - dt.timedelta(days=30), NOW - dt.timedelta(hours=5)
    # a wheel added to an old release does not make the release new
    result = verdict(dep("==3.0.2"), _on_pypi(new, old), CONTEXT)
    assert result.status is Status.FALLBACK
    assert result.held_back is None
    assert "cooldown" not in result.message


@pytest.mark.parametrize("days", [7, 8, 100])
def test_a_version_older_than_the_cooldown_is_a_plain_fallback(days: int) -> None:
    uploaded = NOW - dt.timedelta(days=days)
    result = verdict(dep("==3.0.2"), _on_pypi(uploaded), CONTEXT)
    assert result.status is Status.FALLBACK
    assert result.held_back is None


def test_the_cooldown_is_a_setting() -> None:
    uploaded = NOW - dt.timedelta(days=10)
    longer = replace(CONTEXT, cooldown_days=14)
    result = verdict(dep("==3.0.2"), _on_pypi(uploaded), longer)
    assert result.held_back == HeldBack(uploaded=uploaded, cooldown_days=14)
    assert "within the 14-day cooldown" in result.message
    assert (
        verdict(dep("==3.0.2"), _on_pypi(uploaded), replace(CONTEXT, cooldown_days=0)).held_back
        is None
    )


def test_without_upload_times_or_a_clock_nothing_is_said() -> None:
    assert verdict(dep("==3.0.2"), _on_pypi(None, None), CONTEXT).held_back is None
    recent = NOW - dt.timedelta(days=1)
    no_clock = replace(CONTEXT, now=None)
    assert verdict(dep("==3.0.2"), _on_pypi(recent), no_clock).held_back is None


def test_a_range_is_never_held_back() -> None:
    recent = NOW - dt.timedelta(days=1)
    result = verdict(dep(">=3.0.2"), _on_pypi(recent), CONTEXT)
    assert result.status is Status.FALLBACK
    assert result.held_back is None


def test_a_project_chainguard_has_never_built_can_be_held_back_too() -> None:
    recent = NOW - dt.timedelta(hours=20)
    evidence = _on_pypi(recent)
    absent = replace(evidence, primary=Absent(name=evidence.fallback.project.name, index_url=CG))  # type: ignore[union-attr]
    result = verdict(dep("==3.0.2"), absent, CONTEXT)
    assert result.status is Status.FALLBACK
    assert result.held_back == HeldBack(uploaded=recent, cooldown_days=7)
    assert "(less than a day ago)" in result.message
