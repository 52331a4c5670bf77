"""Run action.yml's own steps the way a GitHub runner does, against indexes on 127.0.0.1.

A tiny evaluator substitutes the ``${{ ... }}`` expressions the Action uses in ``env:`` values
(inputs, github.token, runner.temp, step outputs); every ``run:`` step then runs with bash and
its ``env:``, in its working directory, with GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and a
pull_request event payload in place. ``uses:`` steps (actions/setup-python) are skipped: the
runner's python3 is the real interpreter behind the test's Python (a venv's base), put first on
PATH through a one-line script. Nothing reaches the internet: pip installs with --no-index from
a wheelhouse repacked from what the test's Python already has (``tests._offline_install``), and
the indexes are pypiserver processes on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cg_action._report._github import OUTPUT_NAMES
from tests._offline_install import base_python, build_wheelhouse, offline_pip_env
from tests._servers import pypiserver
from tests._wheels import make_wheel

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent.parent
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
STATUSES = (
    "chainguard",
    "fallback",
    "locked-upstream",
    "blocked",
    "missing",
    "not-indexed",
    "unknown",
)


def _action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return data


def _evaluate(text: str, context: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression not in context:
            raise AssertionError(f"the test's evaluator does not know ${{{{ {expression} }}}}")
        return context[expression]

    return EXPRESSION.sub(one, text)


def test_the_action_is_well_formed() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    for name, spec in action["inputs"].items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name), name
        assert spec["description"]
        assert "default" in spec, name
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert action["inputs"]["comment"]["default"] == "on-findings"
    assert set(action["outputs"]) == {*STATUSES, "coverage", "checked", "failing", "report"}
    assert set(action["outputs"]) == set(OUTPUT_NAMES)  # what the check step writes
    for name, spec in action["outputs"].items():
        assert spec["description"], name
        assert spec["value"] == f"${{{{ steps.check.outputs.{name} }}}}", name
    steps = action["runs"]["steps"]
    assert "::add-mask::" in steps[0]["run"]  # masking comes before anything else
    for step in steps:
        if "run" in step:
            assert "${{" not in step["run"], f"inputs must reach scripts via env: {step['name']}"
            assert step["shell"] == "bash"
    uses = [s for s in steps if "uses" in s]
    assert [s["uses"] for s in uses] == ["actions/setup-python@v5"]
    assert uses[0]["if"] == "inputs.python-version != ''"


def _index_with(root: Path, wheels: dict[str, str], flavour: str) -> Path:
    root.mkdir(parents=True)
    for name, version in wheels.items():
        make_wheel(root, name, version, flavour=flavour)
    return root


def _action_path(tmp_path: Path) -> Path:
    """A copy of the project as the runner checks it out for ``uses: ./``."""
    target = tmp_path / "action"
    target.mkdir()
    for name in ("action.yml", "pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(
        ROOT / "cg_action", target / "cg_action", ignore=shutil.ignore_patterns("__pycache__")
    )
    return target


def _run_action(
    tmp_path: Path, inputs: dict[str, str], workspace: Path, extra_env: dict[str, str]
) -> tuple[list[subprocess.CompletedProcess[str]], dict[str, str], dict[str, dict[str, str]]]:
    """Run the steps; their results, the Action's outputs, and what each step id wrote."""
    action = _action()
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(inputs)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    summary = tmp_path / "summary.md"
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "number": 5,
                "pull_request": {
                    "number": 5,
                    "head": {"sha": "0123abcd"},
                    "base": {"sha": "fedc3210"},
                },
            }
        )
    )
    base_env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(_action_path(tmp_path)),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_SHA": "0123abcd",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_API_URL": "http://127.0.0.1:9",  # comment: never in these runs
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(runner_temp),
        **extra_env,
    }
    context = {f"inputs.{k}": v for k, v in values.items()}
    context["github.token"] = "fake-github-token"
    context["runner.temp"] = str(runner_temp)
    results = []
    outputs: dict[str, str] = {}
    written: dict[str, dict[str, str]] = {}
    for index, step in enumerate(action["runs"]["steps"]):
        if "uses" in step:
            continue
        output_file = tmp_path / f"output-{index}"
        output_file.touch()
        env = dict(base_env)
        env["GITHUB_OUTPUT"] = str(output_file)
        for key, value in (step.get("env") or {}).items():
            env[key] = _evaluate(str(value), context)
        cwd = workspace / _evaluate(step.get("working-directory", "."), context)
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        results.append(result)
        step_outputs = _read_outputs(output_file)
        if "id" in step:
            written[step["id"]] = step_outputs
            for name, value in step_outputs.items():
                context[f"steps.{step['id']}.outputs.{name}"] = value
        if result.returncode != 0:
            break
    for name, spec in action["outputs"].items():
        try:
            outputs[name] = _evaluate(spec["value"], context)
        except AssertionError:
            outputs[name] = ""
    return results, outputs, written


def _read_outputs(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            values[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        name, _, value = line.partition("=")
        values[name] = value
        i += 1
    return values


@pytest.mark.slow
def test_runs_like_a_runner(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    project = workspace / "examples" / "github-action"
    project.mkdir(parents=True)
    shutil.copy2(ROOT / "examples/github-action/requirements.txt", project / "requirements.txt")
    primary = _index_with(
        tmp_path / "chainguard", {"flask": "3.0.2", "werkzeug": "3.0.2"}, "rebuilt"
    )
    fallback = _index_with(tmp_path / "pypi", {"itsdangerous": "2.1.2"}, "upstream")
    offline_pip = offline_pip_env(build_wheelhouse(tmp_path / "wheelhouse"))
    # The runner's python3: the real interpreter, whatever PATH holds (a script, not a symlink,
    # so the venv the Action makes records the interpreter's own folder as its home).
    shims = tmp_path / "shims"
    shims.mkdir()
    python3 = shims / "python3"
    python3.write_text(f'#!/bin/sh\nexec {shlex.quote(str(base_python()))} "$@"\n')
    python3.chmod(0o755)
    offline_pip["PATH"] = f"{shims}{os.pathsep}{os.environ['PATH']}"
    with pypiserver(primary) as cg_index, pypiserver(fallback) as pypi_index:
        results, outputs, written = _run_action(
            tmp_path,
            {
                "working-directory": "examples/github-action",
                "index-url": cg_index.url,
                "fallback-index-url": pypi_index.url,
                "identity-id": "fake-identity/abc",
                "token": "fake-chainguard-token",
                "comment": "never",
                "sarif-file": "cg.sarif",
            },
            workspace,
            offline_pip,
        )
    assert len(results) == 3, results[-1].stdout + results[-1].stderr  # a step failed early
    mask, install, check = results
    assert mask.stdout.splitlines() == [
        "::add-mask::fake-chainguard-token",
        "::add-mask::fake-identity/abc",
    ]
    assert install.returncode == 0, install.stderr
    assert check.returncode == 1, check.stderr  # blinker is missing: fail-on missing
    assert "fake-chainguard-token" not in check.stdout + check.stderr
    annotations = check.stdout.splitlines()
    assert any(
        line.startswith("::error file=examples/github-action/requirements.txt,line=5,")
        and "blinker" in line
        for line in annotations
    ), annotations
    assert any(
        line.startswith("::warning file=examples/github-action/requirements.txt,line=4,")
        and "itsdangerous" in line
        for line in annotations
    ), annotations
    assert outputs["chainguard"] == "2"
    assert outputs["fallback"] == "1"
    assert outputs["missing"] == "1"
    assert outputs["coverage"] == "50.0"
    assert outputs["checked"] == "4"
    assert outputs["failing"] == "1"
    # Every output the check step writes is declared, and every declared one is written.
    assert set(written["check"]) == set(_action()["outputs"])
    report = json.loads(Path(outputs["report"]).read_text())
    assert report["summary"]["missing"] == 1
    summary = (tmp_path / "summary.md").read_text()
    assert "## Chainguard Libraries coverage: 2 of 4 (50.0%)" in summary
    assert "blinker==1.7.0" in summary
    sarif = json.loads((project / "cg.sarif").read_text())
    assert sarif["version"] == "2.1.0"
