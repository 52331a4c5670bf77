"""``check`` through a repository that merges a rebuilt index and a PyPI-like one (devpi).

devpi-server on 127.0.0.1 holds three indexes: ``rebuilt`` (Chainguard's part: builds from
source, other digests), ``pypi`` (PyPI's files) and ``merged``, which inherits from both
(``bases``), as a repository manager's virtual repository does. Checked through ``merged`` with
``pypi`` as the fallback, a pin ``merged`` serves from ``pypi`` is the fallback's file (same
sha256), not Chainguard's; and with ``pypi`` as both index and fallback every pin is.
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
from tests._devpi import USER, _call, _devpi_command, create_index, devpi_server, upload
from tests._wheels import make_sdist, make_wheel, sha256_file

pytestmark = pytest.mark.skipif(
    shutil.which(_devpi_command("devpi-server")[0]) is None,
    reason="devpi-server is in the test extra",
)

# the fallback here is a local index, not pypi.org: the evidence names it as the fallback
EVIDENCE = "the index serves the fallback's file: same sha256"


@dataclass(frozen=True)
class Devpi:
    """The running server's simple URLs, and the digests of the files it was given."""

    base: str
    rebuilt_digests: frozenset[str]
    upstream_digests: frozenset[str]

    def url(self, index: str) -> str:
        return f"{self.base}/{USER}/{index}/+simple/"


@pytest.fixture(scope="module")
def devpi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devpi]:
    work = tmp_path_factory.mktemp("devpi")
    rebuilt = [
        make_wheel(work / "rebuilt", "alpha", "1.0.0", flavour="rebuilt"),
        make_wheel(work / "rebuilt", "delta", "1.0.0", flavour="rebuilt"),
    ]
    upstream = [
        make_wheel(work / "upstream", "alpha", "1.0.0"),
        make_wheel(work / "upstream", "beta", "2.0.0"),
        make_sdist(work / "upstream", "beta", "2.0.0"),
        make_sdist(work / "upstream", "delta", "1.0.0"),  # the rebuilt index has only a wheel
    ]
    with devpi_server(work) as (base, auth):
        create_index(base, auth, "rebuilt")
        create_index(base, auth, "pypi")
        # rebuilt first, as documented
        create_index(base, auth, "merged", [f"{USER}/rebuilt", f"{USER}/pypi"])
        upload(base, auth, "rebuilt", rebuilt)
        upload(base, auth, "pypi", upstream)
        yield Devpi(
            base=base,
            rebuilt_digests=frozenset(sha256_file(p) for p in rebuilt),
            upstream_digests=frozenset(sha256_file(p) for p in upstream),
        )


def _check(project: Path, index: str, fallback: str, *extra: str) -> tuple[int, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "check",
        str(project),
        "--root",
        str(project),
        "--index-url",
        index,
        "--fallback-index-url",
        fallback,
        "--no-cache",
        "--no-netrc",
        "--format",
        "json",
        *extra,
    ]
    code = main(argv, env={}, out=out, err=err)
    assert out.getvalue(), err.getvalue()
    return code, json.loads(out.getvalue())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "requirements.txt").write_text("alpha==1.0.0\nbeta==2.0.0\ndelta==1.0.0\n")
    return tmp_path


def _verdicts(report: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {r["name"]: (r["status"], r["evidence"]) for r in report["results"]}


def test_the_merged_index_serves_what_each_base_holds(devpi: Devpi) -> None:
    # the premise: through the merged index, beta's files are PyPI's very files
    accept = {"Accept": "application/vnd.pypi.simple.v1+json"}
    page = json.loads(_call("GET", devpi.url("merged") + "beta/", headers=accept))
    served = {f["hashes"]["sha256"] for f in page["files"]}
    assert served
    assert served <= devpi.upstream_digests


def test_pypis_files_through_a_merging_repository_are_the_fallbacks(
    devpi: Devpi, project: Path
) -> None:
    code, report = _check(project, devpi.url("merged"), devpi.url("pypi"), "--fail-on", "fallback")
    assert code == 1
    verdicts = _verdicts(report)
    assert verdicts["beta"] == ("fallback", EVIDENCE)
    # the rebuilt alpha wheel is served first: Chainguard's
    assert verdicts["alpha"][0] == "chainguard"
    assert verdicts["alpha"][1] is None
    # delta: the rebuilt wheel, and PyPI's sdist beside it through the merge
    delta = {r["name"]: r for r in report["results"]}["delta"]
    assert delta["status"] == "chainguard"
    assert "delta-1.0.0.tar.gz is the fallback's file (same sha256)" in delta["message"]
    beta = {r["name"]: r for r in report["results"]}["beta"]
    assert f"the index at 127.0.0.1:{devpi.base.rsplit(':', 1)[1]}" in beta["message"]
    assert beta["matched_version"] == "2.0.0"


def test_the_rebuilt_index_alone_is_chainguard(devpi: Devpi, project: Path) -> None:
    (project / "requirements.txt").write_text("alpha==1.0.0\ndelta==1.0.0\n")
    code, report = _check(project, devpi.url("rebuilt"), devpi.url("pypi"))
    assert code == 0
    assert _verdicts(report) == {"alpha": ("chainguard", None), "delta": ("chainguard", None)}


def test_pypi_as_both_index_and_fallback_is_fallback_for_every_pin(
    devpi: Devpi, project: Path
) -> None:
    code, report = _check(project, devpi.url("pypi"), devpi.url("pypi"))
    assert code == 0
    assert _verdicts(report) == {
        "alpha": ("fallback", EVIDENCE),
        "beta": ("fallback", EVIDENCE),
        "delta": ("fallback", EVIDENCE),
    }
