"""``verify --index-url`` with an index that is not Chainguard's: a RECORD match never verifies.

Only Chainguard's own index serves Chainguard's builds for sure; any other index (a repository
manager, a mirror, PyPI) may serve the upstream wheel, whose files then match too. There the
match is reported as separate evidence (``other-index-record``) and only an intact Chainguard
SBOM verifies. The local index (conftest.py) serves six's installed wheel as it is.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from cg_action._cli import main
from cg_action._index import IndexClient
from cg_action._models import ClientSettings, IndexConfig
from cg_action._verify._check import verify_paths
from cg_action._verify._model import Evidence, IndexCheck, PackageResult, Verdict
from tests._servers import LocalIndex
from tests.verify.conftest import Venv


@pytest.fixture
def client() -> Iterator[IndexClient]:
    with IndexClient(ClientSettings(cache_dir=None, max_retries=0)) as index_client:
        yield index_client


def _by_name(packages: tuple[PackageResult, ...]) -> dict[str, PackageResult]:
    return {p.name: p for p in packages}


def test_a_record_match_on_another_index_is_evidence_not_verification(
    venv: Venv, local_index: LocalIndex, client: IndexClient
) -> None:
    report = verify_paths([venv.path], index=IndexConfig(url=local_index.url), client=client)
    found = _by_name(report.packages)
    six = found["six"]  # no SBOM; its files match the local index's wheel
    assert six.verdict is Verdict.NOT_VERIFIED
    assert six.index is not None
    assert six.index.outcome is IndexCheck.MATCHED
    assert six.evidence == (Evidence.OTHER_INDEX_RECORD,)
    host = local_index.url.split("/")[2]
    assert six.reason == (
        "no Chainguard SBOM: upstream or locally built; files match the wheel RECORD of the "
        f"index at {host}, which is not Chainguard's (only a Chainguard SBOM verifies there)"
    )
    flask = found["flask"]  # an intact SBOM verifies; the match is told beside it
    assert flask.verdict is Verdict.VERIFIED
    assert flask.evidence == (Evidence.SBOM, Evidence.OTHER_INDEX_RECORD)
    # what differs still undoes a verdict, whichever index says so
    assert found["jinja2"].verdict is Verdict.NOT_VERIFIED
    verified = sorted(p.name for p in report.packages if p.is_verified)
    alone = verify_paths([venv.path])
    assert verified == sorted(p.name for p in alone.packages if p.is_verified)


def test_the_same_match_on_a_chainguard_index_verifies(
    venv: Venv, local_index: LocalIndex, client: IndexClient
) -> None:
    index = IndexConfig(url=local_index.url)
    report = verify_paths([venv.path], index=index, client=client, index_is_chainguard=True)
    six = _by_name(report.packages)["six"]
    assert six.verdict is Verdict.VERIFIED
    assert six.evidence == (Evidence.INDEX_RECORD,)


def test_the_cli_counts_only_verified_packages(venv: Venv, local_index: LocalIndex) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["verify", str(venv.path), "--index-url", local_index.url, "--no-cache", "--no-netrc"]
    assert main(argv, env={}, out=out, err=err) == 0, err.getvalue()
    plain, plain_err = io.StringIO(), io.StringIO()
    assert main(["verify", str(venv.path)], env={}, out=plain, err=plain_err) == 0
    # the coverage is the SBOMs' alone: the index matched files, it verified none
    assert out.getvalue().splitlines()[:2] == plain.getvalue().splitlines()[:2]
    (six,) = [line for line in out.getvalue().splitlines() if line.startswith("six ")]
    assert six.split(None, 3)[2] == "not-verified"
    assert "which is not Chainguard's" in six
