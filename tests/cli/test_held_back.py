"""``check`` end to end: a pin Chainguard lacks whose fallback release is new is held back.

The primary and the fallback are two indexes of one local server; the fallback's JSON pages give
PEP 700 upload times, written relative to the moment the test runs.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from cg_action._cli import main
from tests._multi_index import Listed, multi_index
from tests._wheels import make_wheel


def _ago(days: float) -> str:
    moment = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check(
    project: Path, primary: str, fallback: str, *extra: str, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "check",
        str(project),
        "--root",
        str(project),
        "--index-url",
        primary,
        "--fallback-index-url",
        fallback,
        "--no-cache",
        "--no-netrc",
        "--format",
        "json",
        *extra,
    ]
    code = main(argv, env=env or {}, out=out, err=err)
    assert out.getvalue(), err.getvalue()
    return code, json.loads(out.getvalue())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "requirements.txt").write_text("fresh==2.0.0\nold==1.0.0\n")
    return folder


def _indexes(tmp_path: Path) -> dict[str, list[Listed]]:
    rebuilt, upstream = tmp_path / "rebuilt", tmp_path / "upstream"
    return {
        "python": [
            Listed(make_wheel(rebuilt, "fresh", "1.0.0", flavour="rebuilt")),
            Listed(make_wheel(rebuilt, "old", "0.9.0", flavour="rebuilt")),
        ],
        "pypi": [
            Listed(make_wheel(upstream, "fresh", "2.0.0"), upload_time=_ago(2)),
            Listed(make_wheel(upstream, "old", "1.0.0"), upload_time=_ago(40)),
        ],
    }


def test_a_new_release_is_held_back_and_an_old_one_is_a_plain_fallback(
    tmp_path: Path, project: Path
) -> None:
    with multi_index(_indexes(tmp_path)) as server:
        code, report = _check(project, server.url("python"), server.url("pypi"))
    assert code == 0
    by_name = {r["name"]: r for r in report["results"]}
    assert {n: r["status"] for n, r in by_name.items()} == {"fresh": "fallback", "old": "fallback"}
    fresh = by_name["fresh"]["message"]
    assert "within the 7-day cooldown" in fresh
    assert "2 days ago" in fresh
    assert "wait for it rather than change the pin" in fresh
    assert "cooldown" not in by_name["old"]["message"]
    # the JSON field a pull request's automation can read
    held = by_name["fresh"]["held_back"]
    assert held["cooldown_days"] == 7
    uploaded = dt.datetime.fromisoformat(held["uploaded"])
    assert dt.timedelta(days=1) < dt.datetime.now(dt.timezone.utc) - uploaded < dt.timedelta(days=3)
    assert by_name["old"]["held_back"] is None


def test_the_cooldown_comes_from_the_option_or_the_environment(
    tmp_path: Path, project: Path
) -> None:
    with multi_index(_indexes(tmp_path)) as server:
        _, by_option = _check(
            project, server.url("python"), server.url("pypi"), "--cooldown-days", "60"
        )
        _, by_env = _check(
            project, server.url("python"), server.url("pypi"), env={"CG_ACTION_COOLDOWN_DAYS": "1"}
        )
    messages = {r["name"]: r["message"] for r in by_option["results"]}
    assert "within the 60-day cooldown" in messages["old"]
    assert all("cooldown" not in r["message"] for r in by_env["results"])


@pytest.mark.parametrize("value", ["-1", "nan", "soon"])
def test_a_bad_cooldown_is_a_usage_error(project: Path, value: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["check", str(project), "--no-cache", "--cooldown-days", value]
    env: dict[str, str] = {}
    if value == "soon":  # through the environment: named in the message
        argv = argv[:-2]
        env = {"CG_ACTION_COOLDOWN_DAYS": value}
    assert main(argv, env=env, out=out, err=err) == 2
    assert "COOLDOWN" in err.getvalue().upper()


def test_the_policy_file_sets_the_cooldown_and_the_option_wins(
    tmp_path: Path, project: Path
) -> None:
    (project / ".cg-action.toml").write_text("cooldown-days = 60\n")
    with multi_index(_indexes(tmp_path)) as server:
        _, by_policy = _check(project, server.url("python"), server.url("pypi"))
        _, by_option = _check(
            project, server.url("python"), server.url("pypi"), "--cooldown-days", "1"
        )
    messages = {r["name"]: r["message"] for r in by_policy["results"]}
    assert "within the 60-day cooldown" in messages["old"]
    assert all("cooldown" not in r["message"] for r in by_option["results"])


@pytest.mark.parametrize("value", ['"7"', "-1", "nan", "true"])
def test_a_bad_cooldown_in_the_policy_file_names_its_line(project: Path, value: str) -> None:
    (project / ".cg-action.toml").write_text(f'fail-on = "missing"\ncooldown-days = {value}\n')
    out, err = io.StringIO(), io.StringIO()
    argv = ["check", str(project), "--root", str(project), "--no-cache"]
    assert main(argv, env={}, out=out, err=err) == 2
    assert ".cg-action.toml:2" in err.getvalue()
    assert "number of days" in err.getvalue()
