"""``check --report-file FORMAT=PATH``: any format of the registry, written beside the main one.

This is how the Action (whose own output is the annotations) writes further formats: through
``CG_ACTION_REPORT_FILES``, a variable a workflow can set.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cg_action._cli import main
from cg_action._demo._server import sample_index
from cg_action._report._formats import ReportFormat


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with sample_index() as url:
        yield url


def _check(project: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    (project / "requirements.txt").write_text("flask==3.0.3\nsix==1.16.0\n")
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["check", str(project), "--root", str(project), "--no-netrc", "--no-cache", *extra],
        env=env or {},
        out=out,
        err=err,
    )
    return code, out.getvalue() + err.getvalue()


def _indexes(base: str) -> list[str]:
    return ["--index-url", f"{base}/python/simple/", "--fallback-index-url", f"{base}/pypi/simple/"]


def test_every_format_can_be_written_to_a_file(tmp_path: Path, base: str) -> None:
    wanted = [f"{fmt.value}={tmp_path / 'out' / f'report.{fmt.value}'}" for fmt in ReportFormat]
    args = [arg for pair in wanted for arg in ("--report-file", pair)]
    code, shown = _check(tmp_path, *_indexes(base), "--format", "text", *args)
    assert code == 0, shown
    assert "six==1.16.0 → fallback" in shown  # the main report still goes to stdout
    for fmt in ReportFormat:
        written = (tmp_path / "out" / f"report.{fmt.value}").read_text(encoding="utf-8")
        assert written, fmt
    document = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert document["summary"]["fallback"] == 1


def test_the_variable_names_the_files(tmp_path: Path, base: str) -> None:
    target = tmp_path / "sbom.sarif"
    env = {"CG_ACTION_REPORT_FILES": f"sarif={target}"}
    code, shown = _check(tmp_path, *_indexes(base), "--format", "json", env=env)
    assert code == 0, shown
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.0"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("yaml=report.yaml", "--report-file: unknown format 'yaml'; use one of text, brief, json"),
        ("report.json", "--report-file: 'report.json' is not FORMAT=PATH"),
        ("json=", "--report-file: 'json=' is not FORMAT=PATH"),
    ],
)
def test_a_bad_value_is_a_usage_error_before_any_request(
    tmp_path: Path, value: str, message: str
) -> None:
    # port 9 (discard) is closed here: a request would be an unknown (exit 3), not exit 2
    code, shown = _check(
        tmp_path, "--index-url", "http://127.0.0.1:9/simple/", "--report-file", value
    )
    assert code == 2, shown
    assert message in shown


def test_a_bad_variable_is_named(tmp_path: Path) -> None:
    env = {"CG_ACTION_REPORT_FILES": "cyclone=x.json"}
    code, shown = _check(tmp_path, "--index-url", "http://127.0.0.1:9/simple/", env=env)
    assert code == 2, shown
    assert "CG_ACTION_REPORT_FILES: unknown format 'cyclone'" in shown
