"""A repository manager that merges Chainguard and PyPI: PyPI's files are not Chainguard's.

Chainguard builds from source, so its files never carry PyPI's digests: a file the checked
index serves with the very sha256 of the fallback's file is the fallback's file.
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

from cg_action._classify import NEED_FALLBACK, Context, Evidence, classify
from cg_action._models import Absent, Found, IndexFile, IndexProject, Status, Unavailable
from tests.test_classify import CG, PYPI, dep, file, verdict

MANAGER = "https://artifactory.example.com/api/pypi/python-virtual/simple/"
CONTEXT = Context(primary_url=MANAGER, fallback_url=PYPI)
FLASK = canonicalize_name("flask")
PYPI_WHEEL = file("flask-3.0.2-py3-none-any.whl", "a" * 64, base="https://files.pythonhosted.org/")
PYPI_SDIST = file("flask-3.0.2.tar.gz", "d" * 64, base="https://files.pythonhosted.org/")
ON_PYPI = Found(project=IndexProject(name=FLASK, index_url=PYPI, files=(PYPI_WHEEL, PYPI_SDIST)))
MANAGER_FILES = "https://artifactory.example.com/api/pypi/python-virtual/files/"


def _manager(*files: IndexFile) -> Found:
    return Found(project=IndexProject(name=FLASK, index_url=MANAGER, files=files))


def test_the_fallback_is_asked_before_a_served_file_is_counted_as_chainguards() -> None:
    served = _manager(file("flask-3.0.2-py3-none-any.whl", "a" * 64, base=MANAGER_FILES))
    assert classify(dep("==3.0.2"), Evidence(primary=served), CONTEXT) is NEED_FALLBACK


def test_a_file_with_the_fallbacks_digest_is_the_fallbacks() -> None:
    served = _manager(file("flask-3.0.2-py3-none-any.whl", "a" * 64, base=MANAGER_FILES))
    result = verdict(dep("==3.0.2"), Evidence(primary=served, fallback=ON_PYPI), CONTEXT)
    assert result.status is Status.FALLBACK
    assert result.evidence == "the index serves PyPI's file: same sha256 as the fallback's"
    assert result.version is not None
    assert "artifactory.example.com" in result.message
    # a lock that pins those very digests does not make it Chainguard's either
    locked = dep("==3.0.2", hashes=("sha256:" + "a" * 64,), is_locked=True)
    assert verdict(locked, Evidence(primary=served, fallback=ON_PYPI), CONTEXT).status is (
        Status.FALLBACK
    )


def test_a_rebuilt_file_is_chainguards_and_a_mixed_release_says_which_file_is_not() -> None:
    rebuilt = file("flask-3.0.2-py3-none-any.whl", "c" * 64, base=MANAGER_FILES)
    result = verdict(dep("==3.0.2"), Evidence(primary=_manager(rebuilt), fallback=ON_PYPI), CONTEXT)
    assert result.status is Status.CHAINGUARD
    assert result.evidence is None
    sdist = file("flask-3.0.2.tar.gz", "d" * 64, base=MANAGER_FILES)
    mixed = verdict(
        dep("==3.0.2"), Evidence(primary=_manager(rebuilt, sdist), fallback=ON_PYPI), CONTEXT
    )
    assert mixed.status is Status.CHAINGUARD
    assert "flask-3.0.2.tar.gz is the fallback's file (same sha256)" in mixed.message


def test_the_fallback_absent_or_down_leaves_the_verdict_alone() -> None:
    served = _manager(file("flask-3.0.2-py3-none-any.whl", "a" * 64, base=MANAGER_FILES))
    absent = Absent(name=FLASK, index_url=PYPI)
    assert verdict(dep("==3.0.2"), Evidence(primary=served, fallback=absent), CONTEXT).status is (
        Status.CHAINGUARD
    )
    down = Unavailable(name=FLASK, index_url=PYPI, reason="HTTP 503")
    assert verdict(dep("==3.0.2"), Evidence(primary=served, fallback=down), CONTEXT).status is (
        Status.CHAINGUARD
    )


def test_files_without_digests_cannot_be_compared_and_ask_nothing() -> None:
    served = _manager(file("flask-3.0.2-py3-none-any.whl", base=MANAGER_FILES))
    assert verdict(dep("==3.0.2"), Evidence(primary=served), CONTEXT).status is Status.CHAINGUARD


def test_chainguards_own_index_is_not_compared() -> None:
    # Chainguard marks what it passes through (/python-upstream/): no request to the fallback
    served = Found(
        project=IndexProject(
            name=FLASK, index_url=CG, files=(file("flask-3.0.2-py3-none-any.whl", "a" * 64),)
        )
    )
    context = Context(primary_url=CG, fallback_url=PYPI)
    assert verdict(dep("==3.0.2"), Evidence(primary=served), context).status is Status.CHAINGUARD


def test_the_fallback_checked_as_the_index_is_the_fallback() -> None:
    context = Context(primary_url=PYPI, fallback_url="https://pypi.org/simple")
    result = verdict(dep("==3.0.2"), Evidence(primary=ON_PYPI), context)
    assert result.status is Status.FALLBACK
    assert result.evidence == "the index serves PyPI's file: same sha256 as the fallback's"
    bare = Found(
        project=IndexProject(
            name=FLASK,
            index_url=PYPI,
            files=(file("flask-3.0.2-py3-none-any.whl", base="https://files.pythonhosted.org/"),),
        )
    )
    no_digest = verdict(dep("==3.0.2"), Evidence(primary=bare), context)
    assert no_digest.status is Status.FALLBACK
    assert no_digest.evidence == "the index is the fallback index"


def test_another_fallback_is_named_as_such() -> None:
    mirror = "https://mirror.example.com/simple/"
    context = Context(primary_url=MANAGER, fallback_url=mirror)
    theirs = Found(project=IndexProject(name=FLASK, index_url=mirror, files=(PYPI_WHEEL,)))
    served = _manager(file("flask-3.0.2-py3-none-any.whl", "a" * 64, base=MANAGER_FILES))
    result = verdict(dep("==3.0.2"), Evidence(primary=served, fallback=theirs), context)
    assert result.status is Status.FALLBACK
    assert result.evidence == "the index serves the fallback's file: same sha256"
