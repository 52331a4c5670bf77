"""Every verdict of ``check`` end to end, through ``main``, against Chainguard-like indexes.

The primary index is ``tests._chainguard_like``: JSON or HTML pages by ``Accept``, built files
under ``/files/``, pass-through files under ``/python-upstream/``, a 302 to a separate storage
host for every file, a 409 for a file withheld by policy, and basic auth when asked. "Upstream"
(PyPI's part) is a pypiserver holding the same releases built with other digests. Lockfiles are
made by the real tools (poetry, pdm, pipenv, uv) against one index or the other. The real
Chainguard index cannot be reached from the tests: these local servers stand for it.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cg_action._cli import main
from tests._chainguard_like import (
    BLOCKLIST,
    ChainguardLike,
    ServedFile,
    chainguard_like,
    served,
)
from tests._devpi import devpi_index
from tests._servers import LocalIndex, pypiserver
from tests._wheels import make_sdist, make_wheel, sha256_file
from tests.lockgen._pdm import pdm_env, pdm_works
from tests.lockgen._pip_compile import run
from tests.lockgen._pipenv import pipenv_lock, write_pipfile
from tests.lockgen._poetry import poetry_lock
from tests.lockgen._poetry import write_project as write_poetry_project
from tests.lockgen._uv import uv_export_pylock, uv_lock

FAKE_USER = "org-5678/pull-token"  # Chainguard usernames contain a slash
FAKE_TOKEN = "fake-token-verdicts-0123456789"
NATIVE_TAG = "cp312-cp312-manylinux_2_28_x86_64"
TARGETS = ("linux-x86_64@3.12", "macos-arm64@3.12", "windows-amd64@3.12")

Report = dict[str, Any]


@dataclass(frozen=True)
class Dists:
    """The folders of built distributions: Chainguard's builds, PyPI's files, remediated builds."""

    rebuilt: Path
    upstream: Path
    remediated: Path

    def wheel(self, folder: Path, name: str, version: str) -> Path:
        """The one py3 wheel of ``name`` ``version`` in ``folder``."""
        return folder / f"{name}-{version}-py3-none-any.whl"

    def chainguard_files(self) -> list[ServedFile]:
        """What the Chainguard-like index lists: its builds, delta blocked, gamma passed through."""
        blocked = {self.wheel(self.rebuilt, "delta", "1.0.0").name: BLOCKLIST}
        return [
            *served(self.rebuilt, blocked=blocked),
            ServedFile(path=self.wheel(self.upstream, "gamma", "0.3.0"), upstream=True),
            # mixed 1.0.0: Chainguard's wheel beside PyPI's sdist passed through
            ServedFile(path=self.upstream / "mixed-1.0.0.tar.gz", upstream=True),
        ]


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    base = tmp_path_factory.mktemp("dists")
    found = Dists(rebuilt=base / "rebuilt", upstream=base / "upstream", remediated=base / "rem")
    for name, version in (("alpha", "1.0.0"), ("alpha", "1.1.0"), ("beta", "2.0.0")):
        make_wheel(found.upstream, name, version, flavour="upstream")
        make_sdist(found.upstream, name, version, flavour="upstream")
        make_wheel(found.rebuilt, name, version, flavour="rebuilt")
    make_wheel(found.upstream, "gamma", "0.3.0", flavour="upstream")  # Chainguard never built it
    make_wheel(found.upstream, "delta", "1.0.0", flavour="upstream")
    make_wheel(found.rebuilt, "delta", "1.0.0", flavour="rebuilt")  # withheld by policy (409)
    make_wheel(found.rebuilt, "native", "1.0.0", tag=NATIVE_TAG, flavour="rebuilt")
    make_sdist(found.rebuilt, "native", "1.0.0", flavour="rebuilt")
    make_wheel(found.rebuilt, "newpy", "1.0.0", requires_python=">=3.13", flavour="rebuilt")
    make_wheel(found.rebuilt, "mixed", "1.0.0", flavour="rebuilt")
    make_sdist(found.upstream, "mixed", "1.0.0", flavour="upstream")
    make_wheel(found.remediated, "alpha", "1.0.0+cgr.1", flavour="remediated")
    make_wheel(found.remediated, "beta", "1.9.0+cgr.1", flavour="remediated")
    return found


@pytest.fixture(scope="module")
def pypi(dists: Dists) -> Iterator[LocalIndex]:
    with pypiserver(dists.upstream) as index:
        yield index


@pytest.fixture(scope="module")
def cg(dists: Dists) -> Iterator[ChainguardLike]:
    """The Chainguard-like index without auth, answering by ``Accept``."""
    with chainguard_like(dists.chainguard_files()) as index:
        yield index


def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), env=env or {}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def check(
    project: Path, index_url: str, *extra: str, env: dict[str, str] | None = None
) -> tuple[int, Report, str]:
    """``check PROJECT --format json`` against ``index_url``; extra options after."""
    code, out, err = run_cli(
        "check",
        str(project),
        "--root",
        str(project),
        "--index-url",
        index_url,
        "--no-cache",
        "--no-netrc",
        "--format",
        "json",
        *extra,
        env=env,
    )
    assert out, err
    return code, json.loads(out), err


def results(report: Report) -> dict[tuple[str, str], Report]:
    """Results by (name, file)."""
    return {(r["name"], r["file"]): r for r in report["results"]}


def line_of(path: Path, pattern: str) -> int:
    """The 1-based number of the first line of ``path`` matching ``pattern``."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if re.search(pattern, line):
            return number
    raise AssertionError(f"{pattern!r} not in {path}")


# -- 2 and 6: the ordinary verdicts, in both page forms --------------------------------------


def write_requirements(project: Path, dists: Dists) -> Path:
    project.mkdir(parents=True, exist_ok=True)
    upstream_alpha = sha256_file(dists.wheel(dists.upstream, "alpha", "1.1.0"))
    rebuilt_beta = sha256_file(dists.wheel(dists.rebuilt, "beta", "2.0.0"))
    path = project / "requirements.txt"
    path.write_text(
        "alpha==1.0.0\n"
        "beta>=1.5\n"
        "gamma==0.3.0\n"
        "zzz-absent==1.0\n"
        f"alpha==1.1.0 --hash=sha256:{upstream_alpha}\n"
        f"beta==2.0.0 --hash=sha256:{rebuilt_beta}\n"
    )
    return path


EXPECTED = {
    1: ("alpha", "chainguard", "1.0.0", None),
    2: ("beta", "chainguard", "2.0.0", None),
    3: ("gamma", "fallback", "0.3.0", None),
    4: ("zzz-absent", "missing", None, None),
    5: ("alpha", "locked-upstream", "1.1.0", "digests"),
    6: ("beta", "chainguard", "2.0.0", "digests"),
}


@pytest.mark.parametrize("form", ["json", "html", None])
def test_verdicts_are_the_same_in_json_and_html(
    tmp_path: Path, dists: Dists, pypi: LocalIndex, form: str | None
) -> None:
    write_requirements(tmp_path, dists)
    with chainguard_like(dists.chainguard_files(), form=form) as index:
        code, report, err = check(tmp_path, index.url, "--fallback-index-url", pypi.url)
        pages = [r for r in index.log.requests if r.path.startswith("/python/simple/")]
    assert code == 1, err  # zzz-absent is missing: the default --fail-on
    got = {
        r["line"]: (r["name"], r["status"], r["matched_version"], r["evidence"])
        for r in report["results"]
    }
    assert got == EXPECTED
    assert {r.path for r in pages} == {
        f"/python/simple/{n}/" for n in ("alpha", "beta", "gamma", "zzz-absent")
    }
    # one request per distinct project; the client asks JSON first (PEP 691)
    assert len(pages) == 4
    assert all("application/vnd.pypi.simple.v1+json" in r.headers["accept"] for r in pages)
    by_line = {r["line"]: r for r in report["results"]}
    named = f"the index at {index.url.split('/')[2]}"  # a local index is named by its host
    assert by_line[3]["message"] == (
        f"gamma 0.3.0: {named} serves 0.3.0 only through Chainguard's upstream fallback (files "
        "under /python-upstream/): it comes from PyPI, not built by Chainguard. "
        f"{named.capitalize()} serves no version of it yet: request a build"
    )
    assert (
        f"match none of the 1 file(s) {named} serves for 1.1.0; they match the fallback index's"
        in (by_line[5]["message"])
    )
    assert by_line[4]["available_versions"] == []
    assert f"served neither by {named} nor by" in by_line[4]["message"]
    assert report["summary"]["fallback"] == 1
    assert report["summary"]["missing"] == 1
    assert report["summary"]["locked-upstream"] == 1
    assert not index.file_requests  # verdicts never need a file


def test_fallback_version_fails_only_when_asked(
    tmp_path: Path, cg: ChainguardLike, pypi: LocalIndex
) -> None:
    """A version listed only under /python-upstream/ is ``fallback``, whatever PyPI holds."""
    (tmp_path / "requirements.txt").write_text("# fallback only\ngamma==0.3.0\n")
    code, report, _ = check(tmp_path, cg.url, "--no-fallback")
    (gamma,) = report["results"]
    assert (gamma["status"], gamma["line"], gamma["matched_version"]) == ("fallback", 2, "0.3.0")
    assert code == 0  # the default --fail-on is missing
    code, _, _ = check(tmp_path, cg.url, "--no-fallback", "--fail-on", "fallback")
    assert code == 1
    code, text, _ = run_cli(
        "check", str(tmp_path), "--root", str(tmp_path), "--index-url", cg.url,
        "--no-fallback", "--no-cache", "--no-netrc", "--fail-on", "fallback",
    )  # fmt: skip
    assert code == 1
    assert "requirements.txt:2" in text
    assert "/python-upstream/" in text


@pytest.mark.slow
def test_devpi_gives_the_same_verdicts_as_pypiserver(
    tmp_path: Path, dists: Dists, pypi: LocalIndex
) -> None:
    """Same files on devpi (PEP 691 JSON) and pypiserver (PEP 503 HTML): same verdicts."""
    project = tmp_path / "project"
    path = write_requirements(project, dists)
    path.write_text(path.read_text().replace("gamma==0.3.0\n", "native==1.0.0\n"))
    files = sorted(p for p in dists.rebuilt.iterdir() if p.suffix in (".whl", ".gz"))
    verdicts = {}
    with pypiserver(dists.rebuilt) as plain, devpi_index(tmp_path / "devpi", files) as devpi:
        for label, index in (("pypiserver", plain), ("devpi", devpi)):
            code, report, err = check(project, index.url, "--fallback-index-url", pypi.url)
            assert code == 1, err
            verdicts[label] = {
                r["line"]: (
                    r["name"],
                    r["status"],
                    r["matched_version"],
                    r["evidence"],
                    r["available_versions"],
                    r["platform_gaps"],
                    r["message"]
                    .replace(index.url, "INDEX")
                    .replace(index.url.split("/")[2], "HOST"),
                )
                for r in report["results"]
            }
    assert verdicts["devpi"] == verdicts["pypiserver"]
    statuses = {line: v[1] for line, v in verdicts["devpi"].items()}
    assert statuses == {
        1: "chainguard",
        2: "chainguard",
        3: "chainguard",
        4: "missing",
        5: "locked-upstream",
        6: "chainguard",
    }


# -- 3: blocked files, and what probing asks -------------------------------------------------


def test_blocked_only_with_probe_files_and_probes_never_download(
    tmp_path: Path, dists: Dists
) -> None:
    (tmp_path / "requirements.txt").write_text("alpha==1.0.0\ndelta==1.0.0\ngamma==0.3.0\n")
    with chainguard_like(dists.chainguard_files()) as index:
        code, report, err = check(tmp_path, index.url, "--no-fallback", "--fail-on", "blocked")
        assert code == 0, err
        assert {r["name"]: r["status"] for r in report["results"]} == {
            "alpha": "chainguard",
            "delta": "chainguard",
            "gamma": "fallback",
        }
        assert index.file_requests == []  # without --probe-files no file is asked for

        code, report, err = check(
            tmp_path, index.url, "--no-fallback", "--fail-on", "blocked", "--probe-files"
        )
        probes = index.file_requests
        storage = index.storage.log
    assert code == 1, err
    found = {r["name"]: r for r in report["results"]}
    delta = found["delta"]
    assert delta["status"] == "blocked"
    assert delta["line"] == 2
    assert delta["blocked_reason"] == "POLICY_ORG_BLOCKLIST"
    assert delta["message"] == (
        f"delta 1.0.0 is listed by the index at {index.url.split('/')[2]}, but the index "
        "withholds its file "
        "(POLICY_ORG_BLOCKLIST: delta-1.0.0-py3-none-any.whl is blocked by your organization)"
    )
    assert delta["failing"] is True
    assert found["alpha"]["status"] == "chainguard"  # its file answered 302: served
    assert found["gamma"]["status"] == "fallback"  # upstream files are never probed
    assert sorted(r.path for r in probes) == [
        "/files/alpha/alpha-1.0.0-py3-none-any.whl",
        "/files/delta/delta-1.0.0-py3-none-any.whl",
    ]
    assert all(r.headers.get("range") == "bytes=0-0" for r in probes)
    # the 302 to the storage host is never followed: nothing asked there, nothing downloaded
    assert storage.requests == []
    assert storage.body_bytes == 0


# -- 4: remediated builds ----------------------------------------------------------------------


def test_remediated_builds_for_pins_and_locks(
    tmp_path: Path, dists: Dists, cg: ChainguardLike
) -> None:
    rebuilt_alpha = sha256_file(dists.wheel(dists.rebuilt, "alpha", "1.0.0"))
    pins = tmp_path / "pins"
    pins.mkdir()
    (pins / "requirements.txt").write_text("alpha==1.0.0\nbeta==1.9.0\nalpha===1.1.0\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "requirements.txt").write_text(
        "#\n# This file is autogenerated by pip-compile with Python 3.12\n#\n"
        f"alpha==1.0.0 \\\n    --hash=sha256:{rebuilt_alpha}\n    # via -r requirements.in\n"
    )
    with chainguard_like(served(dists.remediated)) as remediated:
        extra = ("--no-fallback", "--remediated", "--remediated-index-url", remediated.url)
        code, report, err = check(pins, cg.url, *extra)
        assert code == 0, err
        assert report["remediated_index_url"] == remediated.url
        by_line = {r["line"]: r for r in report["results"]}
        code, lock_report, err = check(locked, cg.url, *extra)
        assert code == 0, err

    alpha = by_line[1]
    assert (alpha["status"], alpha["matched_version"]) == ("chainguard", "1.0.0")
    assert alpha["remediated_version"] == "1.0.0+cgr.1"
    assert alpha["message"] == (
        f"alpha 1.0.0 is served by the index at {cg.url.split('/')[2]}; a remediated build "
        "1.0.0+cgr.1 exists: the remediated index serves it for this pin"
    )
    beta = by_line[2]  # only the remediated index has 1.9.0 (as 1.9.0+cgr.1)
    assert (beta["status"], beta["matched_version"]) == ("chainguard", "1.9.0+cgr.1")
    assert beta["remediated_version"] == "1.9.0+cgr.1"
    assert beta["message"].endswith("; 1.9.0+cgr.1 is a remediated build (CVE fixes)")
    exact = by_line[3]  # === never matches a local label, and 1.1.0 has no remediated build
    assert (exact["status"], exact["remediated_version"]) == ("chainguard", None)

    (locked_alpha,) = lock_report["results"]
    assert locked_alpha["locked"] is True
    assert (locked_alpha["status"], locked_alpha["evidence"]) == ("chainguard", "digests")
    assert locked_alpha["remediated_version"] == "1.0.0+cgr.1"
    assert locked_alpha["message"] == (
        f"alpha 1.0.0 is served by the index at {cg.url.split('/')[2]} (evidence: digests); a "
        "remediated build 1.0.0+cgr.1 exists: re-lock to take it"
    )


def test_arbitrary_equality_pin_is_not_offered_a_remediated_build(
    tmp_path: Path, dists: Dists, cg: ChainguardLike
) -> None:
    (tmp_path / "requirements.txt").write_text("alpha===1.0.0\n")
    with chainguard_like(served(dists.remediated)) as remediated:
        _, report, _ = check(
            tmp_path, cg.url, "--no-fallback", "--remediated-index-url", remediated.url
        )
    (alpha,) = report["results"]
    assert alpha["status"] == "chainguard"
    assert "serves it for this pin" not in alpha["message"]


# -- 5: platform gaps --------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["json", "html"])
def test_platform_gaps_per_target(tmp_path: Path, dists: Dists, form: str) -> None:
    (tmp_path / "requirements.txt").write_text("native==1.0.0\nnewpy==1.0.0\n")
    linux_only = tmp_path / "linux"
    linux_only.mkdir()
    (linux_only / "requirements.txt").write_text("native==1.0.0 ; sys_platform == 'linux'\n")
    targets = [word for target in TARGETS for word in ("--target", target)]
    with chainguard_like(dists.chainguard_files(), form=form) as cg:
        code, report, err = check(tmp_path, cg.url, "--no-fallback", *targets)
        _, newer, _ = check(tmp_path, cg.url, "--no-fallback", "--target", "linux-x86_64@3.13")
    assert code == 0, err  # gaps inform; they are not a failing status
    found = results(report)
    native = found[("native", "requirements.txt")]
    assert native["status"] == "chainguard"
    sdist_reason = "no wheel for this platform: the install builds from the sdist"
    assert native["platform_gaps"] == [
        {"target": "macos-arm64@3.12", "reason": sdist_reason},
        {"target": "windows-amd64@3.12", "reason": sdist_reason},
    ]
    assert found[("native", "linux/requirements.txt")]["platform_gaps"] == []
    newpy = found[("newpy", "requirements.txt")]
    assert newpy["platform_gaps"] == [
        {"target": target, "reason": "Requires-Python >=3.13 excludes Python 3.12"}
        for target in TARGETS
    ]
    assert results(newer)[("newpy", "requirements.txt")]["platform_gaps"] == []


# -- 7: policy ---------------------------------------------------------------------------------


POLICY = """\
[tool.cg-action]
fail-on = ["missing"]

[[tool.cg-action.ignore]]
name = "zzz-absent"
reason = "vendored until upstream publishes"

[[tool.cg-action.ignore]]
name = "zzz-old"
reason = "temporary"
until = "2020-01-01"
"""


def test_policy_ignore_marks_the_finding_and_passes(tmp_path: Path, cg: ChainguardLike) -> None:
    (tmp_path / "pyproject.toml").write_text(POLICY)
    (tmp_path / "requirements.txt").write_text("zzz-absent==1.0\n")
    code, report, err = check(tmp_path, cg.url, "--no-fallback")
    assert code == 0, err
    (absent,) = report["results"]
    assert absent["status"] == "missing"
    assert absent["ignored"] == {
        "reason": "vendored until upstream publishes",
        "source": f"pyproject.toml:{line_of(tmp_path / 'pyproject.toml', 'zzz-absent')}",
    }
    assert absent["failing"] is False
    assert report["summary"]["ignored"] == 1


def test_policy_expired_ignore_fails_with_a_note(tmp_path: Path, cg: ChainguardLike) -> None:
    (tmp_path / "pyproject.toml").write_text(POLICY)
    (tmp_path / "requirements.txt").write_text("zzz-old==1.0\n")
    code, report, _ = check(tmp_path, cg.url, "--no-fallback")
    assert code == 1
    (old,) = report["results"]
    assert (old["status"], old["ignored"], old["failing"]) == ("missing", None, True)
    source = f"pyproject.toml:{line_of(tmp_path / 'pyproject.toml', 'zzz-old')}"
    note = f"{source}: the ignore of zzz-old expired on 2020-01-01 and no longer applies"
    assert report["notes"] == [note]
    code, text, _ = run_cli(
        "check", str(tmp_path), "--root", str(tmp_path), "--index-url", cg.url,
        "--no-fallback", "--no-cache", "--no-netrc",
    )  # fmt: skip
    assert code == 1
    assert note in text


def test_inline_ignore_needs_the_matching_status(tmp_path: Path, cg: ChainguardLike) -> None:
    (tmp_path / "requirements.txt").write_text(
        "zzz-inline==1.0  # cg-action: ignore[missing] vendored fork\n"
        "zzz-wrong==1.0  # cg-action: ignore[fallback] not this status\n"
    )
    code, report, _ = check(tmp_path, cg.url, "--no-fallback")
    found = {r["name"]: r for r in report["results"]}
    assert found["zzz-inline"]["ignored"] == {"reason": "vendored fork", "source": "inline comment"}
    assert found["zzz-wrong"]["ignored"] is None
    assert code == 1  # zzz-wrong still fails
    (tmp_path / "requirements.txt").write_text(
        "zzz-inline==1.0  # cg-action: ignore[missing] vendored fork\n"
    )
    code, report, _ = check(tmp_path, cg.url, "--no-fallback")
    assert code == 0
    assert report["summary"]["failing"] == 0


# -- 8: credentials ----------------------------------------------------------------------------


def test_credentials_reach_the_index_and_never_the_storage_host(
    tmp_path: Path, dists: Dists
) -> None:
    (tmp_path / "requirements.txt").write_text("alpha==1.0.0\ndelta==1.0.0\n")
    env = {"CHAINGUARD_PYTHON_IDENTITY_ID": FAKE_USER, "CHAINGUARD_PYTHON_TOKEN": FAKE_TOKEN}
    expected = "Basic " + base64.b64encode(f"{FAKE_USER}:{FAKE_TOKEN}".encode()).decode()
    wheel = dists.wheel(dists.rebuilt, "alpha", "1.0.0")
    with chainguard_like(dists.chainguard_files(), auth=(FAKE_USER, FAKE_TOKEN)) as index:
        code, report, err = check(tmp_path, index.url, "--no-fallback", "--probe-files", env=env)
        assert code == 0, err
        assert {r["name"]: r["status"] for r in report["results"]} == {
            "alpha": "chainguard",
            "delta": "blocked",
        }
        assert index.storage.log.requests == []
        # verify follows the 302 to read the index wheel's RECORD: the storage host is asked
        code, out, verify_err = run_cli(
            "verify", str(wheel), "--index-url", index.url, "--no-cache", "--no-netrc", env=env
        )
        index_requests = list(index.log.requests)
        storage_requests = list(index.storage.log.requests)
    assert code == 0, out + verify_err
    # the local index is not Chainguard's: the RECORD match is told, it verifies nothing
    assert "files match the wheel RECORD of the index at 127.0.0.1:" in out
    assert index_requests, "the index was asked"
    # sent up front: every request carried the header, none was refused
    assert all(r.headers.get("authorization") == expected for r in index_requests)
    assert storage_requests, "verify read the wheel through the redirect"
    assert all("authorization" not in r.headers for r in storage_requests)
    assert all(r.path.startswith("/r2/") for r in storage_requests)
    shown = json.dumps(report) + err + out + verify_err
    assert FAKE_TOKEN not in shown
    assert base64.b64encode(f"{FAKE_USER}:{FAKE_TOKEN}".encode()).decode() not in shown


def test_missing_credentials_are_exit_3(tmp_path: Path, dists: Dists) -> None:
    (tmp_path / "requirements.txt").write_text("alpha==1.0.0\n")
    with chainguard_like(dists.chainguard_files(), auth=(FAKE_USER, FAKE_TOKEN)) as index:
        code, out, err = run_cli(
            "check", str(tmp_path), "--index-url", index.url, "--no-fallback", "--no-cache",
            "--no-netrc",
        )  # fmt: skip
    assert code == 3
    assert out == ""
    assert "needs credentials (HTTP 401)" in err
    assert "CHAINGUARD_PYTHON_TOKEN" in err


# -- 1: lockfiles made by the real tools --------------------------------------------------------


def lock_both(tmp_path: Path, cg: ChainguardLike, pypi: LocalIndex, make: Any) -> dict[str, Path]:
    """Run ``make(project, index_url, home)`` against each index; the lock files by label."""
    locks = {}
    for label, url in (("upstream", pypi.url), ("rebuilt", cg.url)):
        project = tmp_path / label
        project.mkdir()
        locks[label] = make(project, url, tmp_path / f"home-{label}")
    return locks


def table_line(lock: Path, name: str) -> int:
    """The line of the ``[[package]]`` (or ``[[packages]]``) header above ``name = "NAME"``."""
    lines = lock.read_text().splitlines()
    number = line_of(lock, rf'^name = "{name}"$')
    while not lines[number - 1].startswith("[["):
        number -= 1
    return number


def pipfile_line(lock: Path, name: str) -> int:
    """The line of ``"NAME": {`` in a Pipfile.lock."""
    return line_of(lock, rf'^\s*"{name}": \{{')


def assert_lock_verdicts(
    locks: dict[str, Path],
    cg: ChainguardLike,
    pypi: LocalIndex,
    names: tuple[str, ...],
    entry_line: Callable[[Path, str], int],
) -> None:
    """Upstream locks: locked-upstream by digests; Chainguard locks: chainguard by digests."""
    for label, lock in locks.items():
        code, report, err = check(lock.parent, cg.url, "--fallback-index-url", pypi.url)
        assert code == 0, err
        found = results(report)
        for name in names:
            result = found[(name, lock.name)]
            assert result["locked"] is True
            assert result["line"] == entry_line(lock, name)
            assert result["evidence"] == "digests", result
            if label == "upstream":
                assert result["status"] == "locked-upstream", result
                assert "they match the fallback index's files" in result["message"]
                assert f"re-lock against the index at {cg.url.split('/')[2]}" in result["message"]
            else:
                assert result["status"] == "chainguard", result
        assert FAKE_TOKEN not in lock.read_text()


@pytest.mark.tools
def test_poetry_lock(tmp_path: Path, cg: ChainguardLike, pypi: LocalIndex) -> None:
    def make(project: Path, url: str, home: Path) -> Path:
        write_poetry_project(project, url, ["alpha==1.0.0", "beta==2.0.0"])
        return poetry_lock(project, home)

    locks = lock_both(tmp_path, cg, pypi, make)
    assert_lock_verdicts(locks, cg, pypi, ("alpha", "beta"), table_line)


@pytest.mark.tools
def test_pdm_lock(tmp_path: Path, cg: ChainguardLike, pypi: LocalIndex) -> None:
    why = pdm_works(tmp_path / "probe-home")
    assert why is None, why
    pdm = shutil.which("pdm")
    assert pdm is not None

    def make(project: Path, url: str, home: Path) -> Path:
        (project / "pyproject.toml").write_text(
            '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
            'dependencies = ["alpha==1.0.0", "beta==2.0.0"]\n\n[tool.pdm]\n'
            f'distribution = false\n\n[[tool.pdm.source]]\nname = "pypi"\nurl = "{url}"\n'
        )
        run([pdm, "lock"], project, pdm_env(home))
        return project / "pdm.lock"

    locks = lock_both(tmp_path, cg, pypi, make)
    assert_lock_verdicts(locks, cg, pypi, ("alpha", "beta"), table_line)


@pytest.mark.tools
def test_pipenv_lock(tmp_path: Path, cg: ChainguardLike, pypi: LocalIndex) -> None:
    def make(project: Path, url: str, home: Path) -> Path:
        write_pipfile(
            project, {"local": url}, {"packages": ['alpha = "==1.0.0"', 'beta = "==2.0.0"']}
        )
        return pipenv_lock(project, home, url)

    locks = lock_both(tmp_path, cg, pypi, make)
    assert_lock_verdicts(locks, cg, pypi, ("alpha", "beta"), pipfile_line)


@pytest.mark.tools
def test_uv_export_pylock(tmp_path: Path, cg: ChainguardLike, pypi: LocalIndex) -> None:
    def make(project: Path, url: str, home: Path) -> Path:
        (project / "pyproject.toml").write_text(
            '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
            'dependencies = ["alpha==1.0.0", "beta==2.0.0"]\n'
        )
        uv_lock(project, url, home)
        lock = uv_export_pylock(project, home)
        (project / "uv.lock").unlink()  # only the pylock.toml is checked here
        return lock

    locks = lock_both(tmp_path, cg, pypi, make)
    assert_lock_verdicts(locks, cg, pypi, ("alpha", "beta"), table_line)


def uv_project(project: Path, *dependencies: str) -> Path:
    project.mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        f"dependencies = {json.dumps(list(dependencies))}\n"
    )
    return project


@pytest.mark.tools
def test_uv_lock_of_a_pass_through_version_is_fallback(tmp_path: Path, cg: ChainguardLike) -> None:
    """Locked against Chainguard itself, a version it only passes through is still fallback."""
    project = uv_project(tmp_path / "project", "gamma==0.3.0")
    lock = uv_lock(project, cg.url, tmp_path / "home")
    assert "/python-upstream/simple/gamma/0.3.0/" in lock.read_text()
    code, report, err = check(project, cg.url, "--no-fallback")
    assert code == 0, err
    gamma = results(report)[("gamma", "uv.lock")]
    assert (gamma["status"], gamma["matched_version"]) == ("fallback", "0.3.0")
    assert gamma["line"] == table_line(lock, "gamma")
    assert (
        "only through Chainguard's upstream fallback (files under /python-upstream/)"
        in (gamma["message"])
    )
    code, _, _ = check(project, cg.url, "--no-fallback", "--fail-on", "fallback")
    assert code == 1


@pytest.mark.tools
def test_uv_lock_with_a_built_wheel_and_a_pass_through_sdist_is_chainguard(
    tmp_path: Path, cg: ChainguardLike
) -> None:
    project = uv_project(tmp_path / "project", "mixed==1.0.0")
    lock = uv_lock(project, cg.url, tmp_path / "home")
    text = lock.read_text()
    assert "/files/mixed/mixed-1.0.0-py3-none-any.whl" in text
    assert "/python-upstream/simple/mixed/1.0.0/mixed-1.0.0.tar.gz" in text
    _, report, _ = check(project, cg.url, "--no-fallback")
    mixed = results(report)[("mixed", "uv.lock")]
    assert mixed["status"] == "chainguard", mixed["message"]
