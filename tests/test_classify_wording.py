"""Messages name the index that answered: "Chainguard" only for Chainguard's own indexes."""

from __future__ import annotations

import pytest
from packaging.utils import canonicalize_name

from cg_action._classify import Context, Evidence, index_name
from cg_action._models import Absent, FileProbe, Found, IndexProject, Status
from tests.test_classify import CG, PYPI, dep, file, found, verdict

LOCAL = "http://127.0.0.1:8080/simple/"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (CG, "Chainguard"),
        ("https://libraries.cgr.dev/python-remediated/simple/", "Chainguard"),
        ("https://libraries.cgr.dev/cu128/simple/", "Chainguard's cu128 index"),
        (
            "https://artifactory.example.com/api/pypi/python/simple/",
            "the index at artifactory.example.com",
        ),
        (LOCAL, "the index at 127.0.0.1:8080"),
        ("http://127.0.0.1:8080/cu128/simple/", "the cu128 index at 127.0.0.1:8080"),
        ("https://user:secret@mirror.example.com/simple/", "the index at mirror.example.com"),
    ],
)
def test_index_name(url: str, name: str) -> None:
    assert index_name(url) == name


def _local(*files: object) -> Found:
    return found(*files, index=LOCAL)  # type: ignore[arg-type]


LOCAL_FILE = "http://127.0.0.1:8080/files/"


def test_a_pin_another_index_serves_is_served_by_it_not_built_by_chainguard() -> None:
    context = Context(primary_url=LOCAL, fallback_url=PYPI)
    served = _local(file("flask-3.0.2-py3-none-any.whl", base=LOCAL_FILE))
    result = verdict(dep("==3.0.2"), Evidence(primary=served), context)
    assert result.status is Status.CHAINGUARD
    assert result.message == "flask 3.0.2 is served by the index at 127.0.0.1:8080"
    ranged = verdict(dep(">=3"), Evidence(primary=served), context)
    assert ranged.message == "flask >=3: the index at 127.0.0.1:8080 serves it; newest match 3.0.2"
    on_chainguard = verdict(
        dep("==3.0.2"), Evidence(primary=found(file("flask-3.0.2-py3-none-any.whl")))
    )
    assert on_chainguard.message == "flask 3.0.2 is built by Chainguard"


def test_missing_and_fallback_name_the_index_and_list_versions_once() -> None:
    context = Context(primary_url=LOCAL)
    served = _local(file("flask-2.0.0-py3-none-any.whl", base=LOCAL_FILE))
    result = verdict(dep("==3.0.2"), Evidence(primary=served), context)
    assert result.status is Status.MISSING
    assert "Chainguard" not in result.message
    assert "127.0.0.1:8080" in result.message
    assert result.message.count("2.0.0") == 1
    with_fallback = Context(primary_url=LOCAL, fallback_url=PYPI)
    absent = Absent(name=canonicalize_name("flask"), index_url=LOCAL)
    on_pypi = Found(
        project=IndexProject(
            name=canonicalize_name("flask"),
            index_url=PYPI,
            files=(file("flask-3.0.2-py3-none-any.whl", base="https://files.pythonhosted.org/"),),
        )
    )
    fallback = verdict(dep("==3.0.2"), Evidence(primary=absent, fallback=on_pypi), with_fallback)
    assert fallback.status is Status.FALLBACK
    assert "Chainguard" not in fallback.message
    assert "the index at 127.0.0.1:8080" in fallback.message
    neither = verdict(
        dep("==3.0.2"),
        Evidence(primary=absent, fallback=Absent(name=absent.name, index_url=PYPI)),
        with_fallback,
    )
    assert neither.message.startswith(
        "flask 3.0.2 is served neither by the index at 127.0.0.1:8080 nor by https://pypi.org/simple/"
    )


def test_locked_upstream_and_blocked_name_the_index() -> None:
    context = Context(primary_url=LOCAL, fallback_url=PYPI)
    f = file("flask-3.0.2-py3-none-any.whl", "b" * 64, base=LOCAL_FILE)
    locked = dep("==3.0.2", hashes=("sha256:" + "a" * 64,), is_locked=True)
    # PyPI does not hold this file: the index's file is its own
    absent = Absent(name=canonicalize_name("flask"), index_url=PYPI)
    result = verdict(locked, Evidence(primary=_local(f), fallback=absent), context)
    assert result.status is Status.LOCKED_UPSTREAM
    assert "Chainguard" not in result.message
    assert (
        "match none of the 1 file(s) the index at 127.0.0.1:8080 serves for 3.0.2" in result.message
    )
    assert result.message.endswith("re-lock against the index at 127.0.0.1:8080")
    probe = FileProbe(url=f.url, status_code=409, blocked_reason="POLICY_COOLDOWN")
    blocked = verdict(
        dep("==3.0.2"), Evidence(primary=_local(f), fallback=absent, probes={f.url: probe}), context
    )
    assert blocked.status is Status.BLOCKED
    assert blocked.message.startswith("flask 3.0.2 is listed by the index at 127.0.0.1:8080, but")
