"""Pins a lock records from another index: asked of Chainguard's counterpart, never "missing".

A lock may pin a package to an index other than the one checked: PyTorch's CUDA indexes
(``https://download.pytorch.org/whl/cu128``), a company index. Chainguard serves CUDA builds
from indexes beside its Python index (``https://libraries.cgr.dev/cu128/simple/``), so such a
pin is asked there; a pin from an index with no counterpart is reported as coming from it.
"""

from __future__ import annotations

import pytest
from packaging.utils import canonicalize_name

from cg_action._classify import (
    Context,
    Evidence,
    counterpart_for,
    counterpart_index,
    cuda_variant,
)
from cg_action._models import (
    Absent,
    Artifact,
    Dependency,
    Found,
    Hash,
    IndexProject,
    Status,
    Unavailable,
)
from tests.test_classify import CG, PYPI, dep, file, verdict

CU128 = "https://libraries.cgr.dev/cu128/simple/"
PYTORCH = "https://download.pytorch.org/whl/cu128"
COMPANY = "https://pypi.example.com/simple"
CTX = Context(primary_url=CG, fallback_url=PYPI)


# -- the mapping, a pure function ----------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "variant"),
    [
        ("https://download.pytorch.org/whl/cu128", "cu128"),
        ("https://download.pytorch.org/whl/cu126/", "cu126"),
        ("https://DOWNLOAD.pytorch.org/whl/cu129/simple/", "cu129"),
        ("https://download-r2.pytorch.org/whl/cu128/torch-2.7.0%2Bcu128-cp311-none.whl", "cu128"),
        ("https://libraries.cgr.dev/cu128/simple/", "cu128"),
        ("https://libraries.cgr.dev/cu129/simple", "cu129"),
        # CUDA builds Chainguard does not make, and indexes that are not CUDA ones
        ("https://download.pytorch.org/whl/cu118", None),
        ("https://download.pytorch.org/whl/cpu", None),
        ("https://download.pytorch.org/whl/nightly/cu128", None),
        ("https://libraries.cgr.dev/python/simple/", None),
        ("https://mirror.example.com/whl/cu128", None),
        ("https://pypi.org/simple/", None),
        ("not a url", None),
    ],
)
def test_cuda_variant(recorded: str, variant: str | None) -> None:
    assert cuda_variant(recorded) == variant


@pytest.mark.parametrize(
    ("recorded", "primary", "expected"),
    [
        # Chainguard's own python index: the CUDA index sits beside it, same host
        (PYTORCH, CG, CU128),
        ("https://download.pytorch.org/whl/cu126/", CG, "https://libraries.cgr.dev/cu126/simple/"),
        (CU128, CG, CU128),
        # any index laid out like Chainguard's: beside it, on the same host and port
        (PYTORCH, "http://127.0.0.1:8080/python/simple/", "http://127.0.0.1:8080/cu128/simple/"),
        (
            PYTORCH,
            "https://cgr.example.com/python/simple",
            "https://cgr.example.com/cu128/simple/",
        ),
        # the CUDA index beside a Chainguard-like index is its own counterpart; elsewhere not
        (
            "http://127.0.0.1:8080/cu128/simple",
            "http://127.0.0.1:8080/python/simple/",
            "http://127.0.0.1:8080/cu128/simple/",
        ),
        ("http://127.0.0.1:9090/cu128/simple/", "http://127.0.0.1:8080/python/simple/", None),
        # Chainguard's host under another path: the documented URL
        (PYTORCH, "https://libraries.cgr.dev/python-remediated/simple/", CU128),
        # another index (a repository manager): no known counterpart
        (PYTORCH, "https://artifactory.example.com/api/pypi/python/simple/", None),
        (PYTORCH, "https://cgr.example.com/org/python/simple/", None),
        # no CUDA index, or one Chainguard does not build
        (COMPANY, CG, None),
        ("https://download.pytorch.org/whl/cu118", CG, None),
    ],
)
def test_counterpart_index(recorded: str, primary: str, expected: str | None) -> None:
    assert counterpart_index(recorded, Context(primary_url=primary)) == expected


def test_a_configured_counterpart_wins_and_may_name_a_variant() -> None:
    mirror = "https://mirror.example.com/pytorch-cu128/simple/"
    context = Context(
        primary_url="http://127.0.0.1:8080/python/simple/",
        counterparts={
            mirror: "cu128",
            COMPANY + "/": "https://cgr.example.com/company/simple/",
        },
    )
    assert counterpart_index(mirror.rstrip("/"), context) == "http://127.0.0.1:8080/cu128/simple/"
    assert counterpart_index(COMPANY, context) == "https://cgr.example.com/company/simple/"


# -- verdicts --------------------------------------------------------------------------------


def _torch(*filenames: str, digest: str = "", index: str = CU128) -> Found:
    files = tuple(file(f, digest, base=index.replace("/simple/", "/files/")) for f in filenames)
    return Found(
        project=IndexProject(
            name=canonicalize_name("torch"),
            index_url=index,
            files=files,
            versions=tuple(sorted({f.version for f in files if f.version})),
        )
    )


TORCH_WHEEL = "torch-2.7.0+cu128-cp311-cp311-manylinux_2_28_x86_64.whl"
PYTORCH_DIGEST = "a" * 64


def _locked_torch(index: str | None = PYTORCH, *, digest: str = PYTORCH_DIGEST) -> Dependency:
    artifact = Artifact(
        filename=TORCH_WHEEL,
        url=f"https://download.pytorch.org/whl/cu128/{TORCH_WHEEL.replace('+', '%2B')}",
        hashes=(Hash(algorithm="sha256", value=digest),) if digest else (),
    )
    return dep("==2.7.0+cu128", name="torch", index=index, artifacts=(artifact,), is_locked=True)


def test_a_pin_chainguards_cuda_index_builds_is_locked_upstream_while_the_lock_pins_pytorch() -> (
    None
):
    absent = Absent(name=canonicalize_name("torch"), index_url=CG)
    served = _torch(TORCH_WHEEL, digest="c" * 64)
    result = verdict(_locked_torch(), Evidence(primary=absent, counterparts={CU128: served}))
    assert result.status is Status.LOCKED_UPSTREAM
    assert result.evidence == "digests"
    assert "cu128" in result.message


def test_a_lock_made_against_chainguards_cuda_index_is_chainguard() -> None:
    absent = Absent(name=canonicalize_name("torch"), index_url=CG)
    served = _torch(TORCH_WHEEL, digest="c" * 64)
    locked = _locked_torch(CU128, digest="c" * 64)
    result = verdict(locked, Evidence(primary=absent, counterparts={CU128: served}))
    assert result.status is Status.CHAINGUARD
    # without digests, the recorded index (Chainguard's cu128) is no reason to doubt it either
    bare = _locked_torch(CU128, digest="")
    served_bare = _torch(TORCH_WHEEL)
    result = verdict(bare, Evidence(primary=absent, counterparts={CU128: served_bare}))
    assert result.status is Status.CHAINGUARD


@pytest.mark.parametrize("answer", ["absent", "other-version"])
def test_a_pin_the_counterpart_lacks_comes_from_the_other_index(answer: str) -> None:
    primary = Absent(name=canonicalize_name("torch"), index_url=CG)
    counterpart = (
        Absent(name=canonicalize_name("torch"), index_url=CU128)
        if answer == "absent"
        else _torch("torch-2.6.0+cu128-cp311-cp311-manylinux_2_28_x86_64.whl")
    )
    result = verdict(_locked_torch(), Evidence(primary=primary, counterparts={CU128: counterpart}))
    assert result.status is Status.FALLBACK
    assert result.evidence == "pinned to another index (download.pytorch.org)"
    assert "download.pytorch.org" in result.message
    assert CU128 in result.message


def test_the_counterpart_down_is_unknown() -> None:
    primary = Absent(name=canonicalize_name("torch"), index_url=CG)
    down = Unavailable(name=canonicalize_name("torch"), index_url=CU128, reason="HTTP 503")
    result = verdict(_locked_torch(), Evidence(primary=primary, counterparts={CU128: down}))
    assert result.status is Status.UNKNOWN
    assert "HTTP 503" in result.message
    unasked = verdict(_locked_torch(), Evidence(primary=primary))
    assert unasked.status is Status.UNKNOWN


def test_a_pin_from_an_index_with_no_counterpart_is_never_missing() -> None:
    d = dep("==1.2.0", name="acme-auth", index=COMPANY, is_locked=True)
    absent = Absent(name=d.name, index_url=CG)
    not_on_pypi = Absent(name=d.name, index_url=PYPI)
    result = verdict(d, Evidence(primary=absent, fallback=not_on_pypi))
    assert result.status is Status.NOT_INDEXED
    assert result.evidence == "pinned to another index (pypi.example.com)"
    assert "pypi.example.com" in result.message


def test_a_company_proxy_of_pypi_still_shows_what_chainguard_lacks() -> None:
    # The whole lock names the company's PyPI proxy: a public release Chainguard lacks is
    # still a fallback (PyPI serves it), and one Chainguard serves is still checked.
    d = dep("==3.0.2", index=COMPANY, is_locked=True)
    absent = Absent(name=d.name, index_url=CG)
    on_pypi = Found(
        project=IndexProject(
            name=d.name,
            index_url=PYPI,
            files=(file("flask-3.0.2-py3-none-any.whl", base="https://files.pythonhosted.org/"),),
        )
    )
    result = verdict(d, Evidence(primary=absent, fallback=on_pypi))
    assert result.status is Status.FALLBACK
    assert result.evidence == "pinned to another index (pypi.example.com)"
    served = verdict(
        d,
        Evidence(
            primary=Found(
                project=IndexProject(
                    name=d.name, index_url=CG, files=(file("flask-3.0.2-py3-none-any.whl"),)
                )
            )
        ),
    )
    assert served.status is Status.LOCKED_UPSTREAM


def test_a_pytorch_file_url_names_the_index_when_the_lock_records_none() -> None:
    # pdm.lock and Pipfile.lock entries may carry file URLs but no index URL
    d = _locked_torch(index=None)
    primary = Absent(name=canonicalize_name("torch"), index_url=CG)
    served = _torch(TORCH_WHEEL, digest="c" * 64)
    result = verdict(d, Evidence(primary=primary, counterparts={CU128: served}))
    assert result.status is Status.LOCKED_UPSTREAM


def test_a_declared_range_from_pytorchs_index_is_asked_of_the_counterpart_too() -> None:
    # pyproject.toml with [tool.uv.sources] torch = { index = "pytorch-cu128" } and no lock
    declared = dep(">=2.6", name="torch", index=PYTORCH)
    primary = Absent(name=canonicalize_name("torch"), index_url=CG)
    served = _torch(TORCH_WHEEL, "torch-2.6.0+cu128-cp311-cp311-manylinux_2_28_x86_64.whl")
    context = Context(primary_url=CG, fallback_url=PYPI)
    assert counterpart_for(declared, context) == CU128
    result = verdict(declared, Evidence(primary=primary, counterparts={CU128: served}), context)
    assert result.status is Status.LOCKED_UPSTREAM  # the declaration names PyTorch's index
    assert result.version is not None
    assert str(result.version) == "2.7.0+cu128"
