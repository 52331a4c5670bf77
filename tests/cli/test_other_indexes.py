"""``check`` end to end on a real uv.lock that pins packages to other indexes.

The lock is made by the real uv against local indexes on 127.0.0.1 (one server, several
indexes): ``pypi`` (the default), ``pytorch-cu128`` (named like PyTorch's CUDA 12.8 index; it
holds ``torch 2.7.0+cu128``) and ``company`` (a private package). ``[tool.uv.sources]`` pins
torch and the private package to their indexes, so the lock records them with
``source = { registry = ... }``. A second server stands for Chainguard: ``/python/simple/``
and, beside it, ``/cu128/simple/`` with its own build of torch, both behind basic auth.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cg_action._cli import main
from tests._multi_index import Listed, MultiIndex, multi_index
from tests._wheels import make_wheel
from tests.lockgen._pip_compile import run
from tests.lockgen._uv import uv_env

USER, TOKEN = "org-1234/pull-token", "fake-token-other-indexes-0123"
ENV = {"CHAINGUARD_PYTHON_IDENTITY_ID": USER, "CHAINGUARD_PYTHON_TOKEN": TOKEN}
TORCH = "torch-2.7.0+cu128-py3-none-any.whl"

pytestmark = pytest.mark.skipif(shutil.which("uv") is None, reason="uv is in the test extra")


@dataclass(frozen=True)
class Setup:
    upstream: MultiIndex  # pypi, pytorch-cu128, company: what the lock was made against
    chainguard: MultiIndex  # python and cu128, behind basic auth
    project: Path


def _pyproject(upstream: MultiIndex, torch_index: str) -> str:
    return f"""\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["alpha==1.0.0", "torch==2.7.0", "acme-auth==1.2.0"]

[[tool.uv.index]]
name = "pypi-local"
url = "{upstream.url("pypi")}"
default = true

[[tool.uv.index]]
name = "pytorch-cu128"
url = "{torch_index}"
explicit = true

[[tool.uv.index]]
name = "company"
url = "{upstream.url("company")}"
explicit = true

[tool.uv.sources]
torch = {{ index = "pytorch-cu128" }}
acme-auth = {{ index = "company" }}
"""


def _uv_env(home: Path, **extra: str) -> dict[str, str]:
    """uv's isolated environment, reading the project's own [tool.uv] (its HOME is empty)."""
    env = {k: v for k, v in uv_env(home).items() if k != "UV_NO_CONFIG"}
    env.update(extra)
    return env


def _lock(project: Path, home: Path, **extra: str) -> Path:
    run([str(shutil.which("uv")), "lock"], project, _uv_env(home, **extra))
    return project / "uv.lock"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    base = tmp_path_factory.mktemp("other-indexes")
    upstream_dir, rebuilt_dir = base / "upstream", base / "rebuilt"
    upstream_files = {
        "pypi": [Listed(make_wheel(upstream_dir, "alpha", "1.0.0"))],
        "pytorch-cu128": [Listed(make_wheel(upstream_dir / "cu128", "torch", "2.7.0+cu128"))],
        "company": [Listed(make_wheel(upstream_dir / "company", "acme-auth", "1.2.0"))],
    }
    chainguard_files = {
        "python": [Listed(make_wheel(rebuilt_dir, "alpha", "1.0.0", flavour="rebuilt"))],
        "cu128": [
            Listed(make_wheel(rebuilt_dir / "cu128", "torch", "2.7.0+cu128", flavour="rebuilt"))
        ],
    }
    with (
        multi_index(upstream_files) as upstream,
        multi_index(chainguard_files, auth=(USER, TOKEN)) as chainguard,
    ):
        project = base / "project"
        project.mkdir()
        (project / "pyproject.toml").write_text(_pyproject(upstream, upstream.url("pytorch-cu128")))
        _lock(project, base / "home")
        yield Setup(upstream=upstream, chainguard=chainguard, project=project)


def _check(setup: Setup, project: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "check",
        str(project / "uv.lock"),
        "--root",
        str(project),
        "--index-url",
        setup.chainguard.url("python"),
        "--fallback-index-url",
        setup.upstream.url("pypi"),
        "--no-cache",
        "--no-netrc",
        "--format",
        "json",
        *extra,
    ]
    code = main(argv, env=ENV, out=out, err=err)
    assert out.getvalue(), err.getvalue()
    return code, json.loads(out.getvalue()), err.getvalue()


def _by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in report["results"]}


def test_the_lock_records_the_other_indexes(setup: Setup) -> None:
    text = (setup.project / "uv.lock").read_text()
    assert f'source = {{ registry = "{setup.upstream.url("pytorch-cu128").rstrip("/")}' in text
    assert 'version = "2.7.0+cu128"' in text
    assert f'source = {{ registry = "{setup.upstream.url("company").rstrip("/")}' in text


def test_without_a_counterpart_no_pin_from_another_index_is_missing(setup: Setup) -> None:
    before = len(setup.upstream.requests)
    code, report, err = _check(setup, setup.project, "--fail-on", "missing")
    assert code == 0, err
    results = _by_name(report)
    assert {n: r["status"] for n, r in results.items()} == {
        "alpha": "locked-upstream",
        "torch": "not-indexed",
        "acme-auth": "not-indexed",
    }
    torch = results["torch"]
    assert torch["evidence"] == f"pinned to another index ({setup.upstream.origin[7:]})"
    assert setup.upstream.url("pytorch-cu128").rstrip("/") in torch["message"]
    assert results["acme-auth"]["evidence"] == torch["evidence"]
    # nothing is asked of the indexes the lock names: only of the checked ones
    asked = {path for path, _ in setup.upstream.requests[before:]}
    assert asked
    assert all(path.startswith("/pypi/") for path in asked)


def test_a_configured_counterpart_is_asked_beside_the_chainguard_index(setup: Setup) -> None:
    recorded = setup.upstream.url("pytorch-cu128")
    before = len(setup.chainguard.requests)
    code, report, err = _check(setup, setup.project, "--counterpart-index", f"{recorded}=cu128")
    assert code == 0, err
    results = _by_name(report)
    torch = results["torch"]
    # Chainguard's cu128 index builds it; the lock still pins PyTorch's file (its digest)
    assert torch["status"] == "locked-upstream"
    assert torch["evidence"] == "digests"
    assert torch["matched_version"] == "2.7.0+cu128"
    assert results["acme-auth"]["status"] == "not-indexed"
    asked = setup.chainguard.requests[before:]
    assert ("/cu128/simple/torch/", True) in asked  # with the primary's credentials
    assert all(had_auth for _, had_auth in asked)
    assert TOKEN not in json.dumps(report) + err


def test_the_counterpart_comes_from_the_environment_too(setup: Setup) -> None:
    recorded = setup.upstream.url("pytorch-cu128")
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "check",
        str(setup.project / "uv.lock"),
        "--root",
        str(setup.project),
        "--no-cache",
        "--no-netrc",
        "--format",
        "json",
    ]
    env = {
        **ENV,
        "CG_ACTION_INDEX_URL": setup.chainguard.url("python"),
        "CG_ACTION_FALLBACK_INDEX_URL": setup.upstream.url("pypi"),
        "CG_ACTION_COUNTERPART_INDEXES": f"{recorded}={setup.chainguard.url('cu128')}",
    }
    assert main(argv, env=env, out=out, err=err) == 0, err.getvalue()
    torch = _by_name(json.loads(out.getvalue()))["torch"]
    assert torch["status"] == "locked-upstream"
    assert torch["matched_version"] == "2.7.0+cu128"


def test_a_lock_recording_pytorchs_own_index_needs_no_option(setup: Setup, tmp_path: Path) -> None:
    # The same lock as uv writes it against download.pytorch.org: only the URLs differ.
    local = setup.upstream.url("pytorch-cu128").rstrip("/")
    text = (setup.project / "uv.lock").read_text()
    text = text.replace(
        local.replace("/simple", "/files"), "https://download.pytorch.org/whl/cu128"
    )
    text = text.replace(local, "https://download.pytorch.org/whl/cu128")
    assert "https://download.pytorch.org/whl/cu128/torch-2.7.0" in text
    project = tmp_path / "pytorch"
    project.mkdir()
    (project / "uv.lock").write_text(text)
    code, report, err = _check(setup, project)
    assert code == 0, err
    torch = _by_name(report)["torch"]
    assert torch["status"] == "locked-upstream"
    assert torch["index"].rstrip("/") == "https://download.pytorch.org/whl/cu128"
    host = setup.chainguard.origin.removeprefix("http://")
    assert f"match none of the 1 file(s) the cu128 index at {host} serves" in torch["message"]


def test_a_lock_made_against_chainguards_cuda_index_is_chainguard(
    setup: Setup, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # uv can lock against the authenticated Chainguard-like cu128 index, credentials in env
    base = tmp_path_factory.mktemp("relocked")
    project = base / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        _pyproject(setup.upstream, setup.chainguard.url("cu128"))
    )
    _lock(
        project,
        base / "home",
        UV_INDEX_PYTORCH_CU128_USERNAME=USER,
        UV_INDEX_PYTORCH_CU128_PASSWORD=TOKEN,
    )
    assert TOKEN not in (project / "uv.lock").read_text()
    code, report, err = _check(setup, project)
    assert code == 0, err
    torch = _by_name(report)["torch"]
    assert torch["status"] == "chainguard", torch["message"]
    assert torch["evidence"] == "digests"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("https://mirror.example.com/simple", "is not RECORDED=URL or RECORDED=cuNNN"),
        ("https://mirror.example.com/simple=cuda", "is not RECORDED=URL or RECORDED=cuNNN"),
        ("ftp://mirror.example.com/simple=cu128", "not an http(s) URL"),
        (
            "https://mirror.example.com/simple=https://user:secret@cgr.example.com/cu128/simple/",
            "without credentials",
        ),
    ],
)
def test_a_bad_counterpart_is_a_usage_error(tmp_path: Path, value: str, says: str) -> None:
    (tmp_path / "requirements.txt").write_text("alpha==1.0.0\n")
    for argv, env in (
        (["--counterpart-index", value], {}),
        ([], {"CG_ACTION_COUNTERPART_INDEXES": value}),
    ):
        out, err = io.StringIO(), io.StringIO()
        code = main(["check", str(tmp_path), "--no-cache", *argv], env=env, out=out, err=err)
        assert code == 2, err.getvalue()
        assert says in err.getvalue()
        assert "secret" not in err.getvalue()
        assert ("CG_ACTION_COUNTERPART_INDEXES" if env else "--counterpart-index") in err.getvalue()
