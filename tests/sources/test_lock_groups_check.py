"""check --extras/--groups on pdm.lock, Pipfile.lock and poetry.lock, end to end.

An index on 127.0.0.1 holds one Linux-only wheel of each package; the check runs for Windows,
so a package the selection installs there has a platform gap and one it leaves out has none.
Each lock has a package of the project's own dependencies (always installed), one of the
``dev`` group and (pdm, Poetry) one only an extra ``cli`` installs.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cg_action._cli import main
from tests._chainguard_like import chainguard_like, served
from tests._wheels import make_wheel

LINUX_TAG = "cp312-cp312-manylinux_2_28_x86_64"

PDM_LOCK = """\
[metadata]
groups = ["default", "cli", "dev"]
strategy = ["inherit_metadata"]
lock_version = "4.5.0"

[[package]]
name = "alpha"
version = "1.0.0"
groups = ["default"]
files = [{{file = "alpha-1.0.0-{tag}.whl", hash = "sha256:{alpha}"}}]

[[package]]
name = "beta"
version = "1.0.0"
groups = ["dev"]
files = [{{file = "beta-1.0.0-{tag}.whl", hash = "sha256:{beta}"}}]

[[package]]
name = "gamma"
version = "1.0.0"
groups = ["cli"]
files = [{{file = "gamma-1.0.0-{tag}.whl", hash = "sha256:{gamma}"}}]
"""
PDM_PYPROJECT = """\
[project]
name = "app"
version = "0.1.0"
dependencies = ["alpha"]
[project.optional-dependencies]
cli = ["gamma"]
[dependency-groups]
dev = ["beta"]
"""
POETRY_LOCK = """\
[[package]]
name = "alpha"
version = "1.0.0"
groups = ["main"]
files = [{{file = "alpha-1.0.0-{tag}.whl", hash = "sha256:{alpha}"}}]

[[package]]
name = "beta"
version = "1.0.0"
groups = ["dev"]
files = [{{file = "beta-1.0.0-{tag}.whl", hash = "sha256:{beta}"}}]

[[package]]
name = "gamma"
version = "1.0.0"
optional = true
groups = ["main"]
markers = "extra == \\"cli\\""
files = [{{file = "gamma-1.0.0-{tag}.whl", hash = "sha256:{gamma}"}}]

[extras]
cli = ["gamma"]

[metadata]
lock-version = "2.1"
python-versions = ">=3.10"
content-hash = "0"
"""
# Poetry 1.x: lock 2.0 records neither groups nor markers; the pyproject.toml beside it says
# what the walk starts from. delta comes only through alpha, on Linux only.
POETRY_LOCK_2_0 = """\
[[package]]
name = "alpha"
version = "1.0.0"
optional = false
files = [{{file = "alpha-1.0.0-{tag}.whl", hash = "sha256:{alpha}"}}]

[package.dependencies]
delta = {{version = ">=1", markers = "sys_platform == \\"linux\\""}}

[[package]]
name = "beta"
version = "1.0.0"
optional = false
files = [{{file = "beta-1.0.0-{tag}.whl", hash = "sha256:{beta}"}}]

[[package]]
name = "delta"
version = "1.0.0"
optional = false
files = [{{file = "delta-1.0.0-{tag}.whl", hash = "sha256:{delta}"}}]

[[package]]
name = "gamma"
version = "1.0.0"
optional = true
files = [{{file = "gamma-1.0.0-{tag}.whl", hash = "sha256:{gamma}"}}]

[extras]
cli = ["gamma"]

[metadata]
lock-version = "2.0"
python-versions = "^3.10"
content-hash = "0"
"""
POETRY_PYPROJECT = """\
[tool.poetry]
name = "app"
version = "0.1.0"
[tool.poetry.dependencies]
python = "^3.10"
alpha = "^1.0"
gamma = {version = "*", optional = true}
[tool.poetry.extras]
cli = ["gamma"]
[tool.poetry.group.dev.dependencies]
beta = "*"
"""


@pytest.fixture(scope="module")
def linux_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The index's URL and the sha256 of each project's one (Linux-only) wheel."""
    folder = tmp_path_factory.mktemp("linux-only")
    for name in ("alpha", "beta", "gamma", "delta"):
        make_wheel(folder, name, "1.0.0", tag=LINUX_TAG)
    files = served(folder)
    with chainguard_like(files) as index:
        yield index.url, {f.name: f.sha256 for f in files}


def _write(project: Path, kind: str, digests: dict[str, str]) -> None:
    project.mkdir(parents=True, exist_ok=True)
    if kind == "pdm.lock":
        (project / "pdm.lock").write_text(PDM_LOCK.format(tag=LINUX_TAG, **digests))
        (project / "pyproject.toml").write_text(PDM_PYPROJECT)
    elif kind == "poetry.lock":
        (project / "poetry.lock").write_text(POETRY_LOCK.format(tag=LINUX_TAG, **digests))
    elif kind == "poetry.lock 2.0":
        (project / "poetry.lock").write_text(POETRY_LOCK_2_0.format(tag=LINUX_TAG, **digests))
        (project / "pyproject.toml").write_text(POETRY_PYPROJECT)
    else:
        lock = {
            "_meta": {"sources": [{"name": "pypi", "url": "https://pypi.org/simple"}]},
            "default": {"alpha": {"version": "==1.0.0", "hashes": [f"sha256:{digests['alpha']}"]}},
            "develop": {"beta": {"version": "==1.0.0", "hashes": [f"sha256:{digests['beta']}"]}},
        }
        (project / "Pipfile.lock").write_text(json.dumps(lock, indent=4))


def _gaps(project: Path, kind: str, index_url: str, *options: str) -> dict[str, bool]:
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "check", str(project / kind), "--root", str(project), "--index-url", index_url,
        "--no-fallback", "--no-cache", "--no-netrc", "--format", "json",
        "--target", "windows-amd64@3.12", *options,
    ]  # fmt: skip
    code = main(argv, env={}, out=out, err=err)
    assert code == 0, err.getvalue()
    report: dict[str, Any] = json.loads(out.getvalue())
    return {r["name"]: bool(r["platform_gaps"]) for r in report["results"]}


@pytest.mark.parametrize("kind", ["pdm.lock", "poetry.lock", "Pipfile.lock"])
def test_groups_and_extras_narrow_what_is_checked(
    kind: str, tmp_path: Path, linux_only: tuple[str, dict[str, str]]
) -> None:
    url, digests = linux_only
    _write(tmp_path, kind, digests)
    has_extra = kind != "Pipfile.lock"
    everything = {"alpha": True, "beta": True, **({"gamma": True} if has_extra else {})}
    assert _gaps(tmp_path, kind, url) == everything
    nothing = {name: name == "alpha" for name in everything}
    assert _gaps(tmp_path, kind, url, "--groups", "none", "--extras", "none") == nothing
    assert _gaps(tmp_path, kind, url, "--groups", "dev", "--extras", "none") == {
        **nothing,
        "beta": True,
    }
    if has_extra:
        assert _gaps(tmp_path, kind, url, "--groups", "none", "--extras", "cli") == {
            **nothing,
            "gamma": True,
        }


def test_an_older_poetry_lock_is_narrowed_through_its_pyproject(
    tmp_path: Path, linux_only: tuple[str, dict[str, str]]
) -> None:
    """Lock 2.0 (Poetry 1.x) has no groups or markers: the walk from pyproject.toml gives them,
    and delta, which only alpha needs and only on Linux, is never checked for Windows."""
    url, digests = linux_only
    _write(tmp_path, "poetry.lock 2.0", digests)
    lock = "poetry.lock"
    assert _gaps(tmp_path, lock, url) == {
        "alpha": True,
        "beta": True,
        "gamma": True,
        "delta": False,
    }
    nothing = {"alpha": True, "beta": False, "gamma": False, "delta": False}
    assert _gaps(tmp_path, lock, url, "--groups", "none", "--extras", "none") == nothing
    assert _gaps(tmp_path, lock, url, "--groups", "dev", "--extras", "none") == {
        **nothing,
        "beta": True,
    }
    assert _gaps(tmp_path, lock, url, "--groups", "none", "--extras", "cli") == {
        **nothing,
        "gamma": True,
    }
    # without the pyproject.toml nothing narrows: every package is checked everywhere
    (tmp_path / "pyproject.toml").unlink()
    assert _gaps(tmp_path, lock, url, "--groups", "none", "--extras", "none") == {
        "alpha": True,
        "beta": True,
        "gamma": True,
        "delta": True,
    }


def test_a_pyproject_linked_from_outside_the_repository_is_not_walked(
    tmp_path: Path, linux_only: tuple[str, dict[str, str]]
) -> None:
    """The walk reads the pyproject.toml beside the lock under the rules of every input file:
    one that is a link out of the repository is not read, and the lock is read unnarrowed (the
    check as a whole refuses such a pyproject.toml already, naming it: exit 2)."""
    from cg_action._sources._dispatch import parse_file

    url, digests = linux_only
    project = tmp_path / "repo"
    _write(project, "poetry.lock 2.0", digests)
    walked = parse_file(project / "poetry.lock", root=project)
    assert {d.name: d.marker is None for d in walked.dependencies} == {
        "alpha": True,
        "beta": False,
        "gamma": False,
        "delta": False,
    }
    outside = tmp_path / "elsewhere.toml"
    (project / "pyproject.toml").rename(outside)
    (project / "pyproject.toml").symlink_to(outside)
    alone = parse_file(project / "poetry.lock", root=project)
    assert all(d.marker is None for d in alone.dependencies)
    out, err = io.StringIO(), io.StringIO()
    argv = ["check", str(project / "poetry.lock"), "--root", str(project), "--index-url", url]
    assert main([*argv, "--no-fallback", "--no-cache"], env={}, out=out, err=err) == 2
    assert "pyproject.toml: the file is a symbolic link to a place outside" in err.getvalue()


def test_the_policy_file_selects_extras_and_groups_and_the_options_win(
    tmp_path: Path, linux_only: tuple[str, dict[str, str]]
) -> None:
    url, digests = linux_only
    _write(tmp_path, "poetry.lock 2.0", digests)
    (tmp_path / ".cg-action.toml").write_text('groups = "none"\nextras = ["cli"]\n')
    nothing = {"alpha": True, "beta": False, "gamma": False, "delta": False}
    assert _gaps(tmp_path, "poetry.lock", url) == {**nothing, "gamma": True}
    assert _gaps(tmp_path, "poetry.lock", url, "--groups", "dev", "--extras", "none") == {
        **nothing,
        "beta": True,
    }
