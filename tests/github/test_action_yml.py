"""Run action.yml's own steps the way a GitHub runner does, against indexes on 127.0.0.1.

A tiny evaluator substitutes the ``${{ ... }}`` expressions the Action uses in ``env:`` and
``with:`` values (inputs, github.token, runner.*, step outputs) and evaluates its ``if:``
conditions; every ``run:`` step then runs with bash and its ``env:``, in its working directory,
with GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and a pull_request event payload in place. ``uses:``
steps (actions/setup-python, actions/cache) are not run: their ``with:`` values are kept for
the tests to read. The runner's python3 is the real interpreter behind the test's Python (a
venv's base), put first on PATH through a one-line script.

Nothing reaches the internet: the Action's hash-pinned lists are replaced, in the copy of the
Action the runner uses, by lists of the same packages pinned to the wheels of a local wheelhouse
repacked from what the test's Python already has (``tests._offline_install``), with their
hashes; pip installs with --no-index from it. The indexes are pypiserver processes on
127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name, parse_wheel_filename

from cg_action._report._github import OUTPUT_NAMES
from tests._offline_install import base_python, build_wheelhouse, offline_pip_env
from tests._servers import LocalIndex, free_port, pypiserver, write_htpasswd
from tests._wheels import make_wheel

yaml = pytest.importorskip("yaml")

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="the runner stand-in uses POSIX shims; CI runs the Action"
)

ROOT = Path(__file__).resolve().parent.parent.parent
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
COMPARISON = re.compile(r"\s*([A-Za-z][\w.-]*)\s*(==|!=)\s*'([^']*)'\s*")
STATUSES = (
    "chainguard",
    "fallback",
    "locked-upstream",
    "blocked",
    "missing",
    "not-indexed",
    "unknown",
)
RUN_STEPS = ("mask", "mode", "python", "install", "check")
CHAINGUARD_TOKEN = "fake-chainguard-token"
CHAINGUARD_IDENTITY = "fake-identity/abc"
ACTION_PINS = {
    "actions/setup-python": "a26af69be951a213d495a4c3e4e4022e16d87065",
    "actions/cache": "5a3ec84eff668545956fd18022155c47e93e2684",
}


def _action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return data


def _lookup(expression: str, context: dict[str, str]) -> str:
    if expression in context:
        return context[expression]
    if expression.startswith("steps."):
        return ""  # a step that did not run, or an output it did not write: GitHub gives ''
    raise AssertionError(f"the test's evaluator does not know ${{{{ {expression} }}}}")


def _evaluate(text: str, context: dict[str, str]) -> str:
    return EXPRESSION.sub(lambda match: _lookup(match.group(1), context), text)


def _condition(text: str, context: dict[str, str]) -> bool:
    """``if:`` as the Action writes them: comparisons with string literals joined by &&."""
    result = True
    for part in text.split("&&"):
        match = COMPARISON.fullmatch(part)
        if match is None:
            raise AssertionError(f"the test's evaluator does not know if: {text}")
        value = _lookup(match.group(1), context).lower()  # GitHub compares strings so
        result = result and ((value == match.group(3).lower()) == (match.group(2) == "=="))
    return result


def _step_key(step: dict[str, Any]) -> str:
    return str(step.get("id") or step["name"])


def test_the_action_is_well_formed() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    for name, spec in action["inputs"].items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name), name
        assert spec["description"]
        assert "default" in spec, name
    inputs = action["inputs"]
    assert inputs["github-token"]["default"] == "${{ github.token }}"
    assert inputs["comment"]["default"] == "on-findings"
    assert inputs["on-no-credentials"]["default"] == "warn"
    assert inputs["on-index-error"]["default"] == "fail"
    assert inputs["cache"]["default"] == "true"
    assert set(action["outputs"]) == {*STATUSES, "coverage", "checked", "failing", "report"}
    assert set(action["outputs"]) == set(OUTPUT_NAMES)  # what the check step writes
    for name, spec in action["outputs"].items():
        assert spec["description"], name
        assert spec["value"] == f"${{{{ steps.check.outputs.{name} }}}}", name
    steps = action["runs"]["steps"]
    assert "::add-mask::" in steps[0]["run"]  # masking comes before anything else
    assert [s["id"] for s in steps[1:] if "run" in s] == list(RUN_STEPS[1:])
    for step in steps:
        if "run" in step:
            assert "${{" not in step["run"], f"inputs must reach scripts via env: {step['name']}"
            assert step["shell"] == "bash"
            assert "--system-site-packages" not in step["run"]
        if step.get("id") == "setup-python":
            # the mode step asks for it only when it runs: no runner Python 3.10+, or an input
            assert step["if"] == "steps.mode.outputs.setup-python == 'true'"
            assert step["with"] == {"python-version": "${{ steps.mode.outputs.python-version }}"}
        elif step is not steps[0] and step.get("id") != "mode":
            assert "steps.mode.outputs.run == 'true'" in step["if"], step["name"]
    uses = [s for s in steps if "uses" in s]
    assert [s["uses"].split("@")[0] for s in uses] == [
        "actions/setup-python",
        "actions/cache",
        "actions/cache",
    ]
    for step in uses:
        action_name, _, ref = step["uses"].partition("@")
        assert ref == ACTION_PINS[action_name], step["uses"]
    for cache in uses[1:]:
        assert "inputs.cache == 'true'" in cache["if"]
    # Every input reaches a step; none is read only by the docs.
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    for name in action["inputs"]:
        assert f"inputs.{name} }}}}" in text or f"inputs.{name} " in text, name


def test_the_condition_evaluator_refuses_what_it_does_not_know() -> None:
    context = {"inputs.cache": "true", "steps.mode.outputs.run": "true"}
    assert _condition("steps.mode.outputs.run == 'true' && inputs.cache == 'true'", context)
    assert not _condition("inputs.cache != 'true'", context)
    assert _condition("inputs.cache == 'TRUE'", context)
    with pytest.raises(AssertionError):
        _condition("always()", context)
    with pytest.raises(AssertionError):
        _evaluate("${{ inputs.nope }}", context)


# -- the runner stand-in -----------------------------------------------------------------------


def _pinned_lists(wheelhouse: Path) -> dict[str, str]:
    """requirements/action.txt and action-build.txt for the wheelhouse: the same packages,
    pinned to its wheels with their sha256."""
    build_names = {
        canonicalize_name(line.split("==")[0])
        for line in (ROOT / "requirements" / "action-build.txt").read_text().splitlines()
        if "==" in line
    }
    lists: dict[str, list[str]] = {"action.txt": [], "action-build.txt": []}
    for wheel in sorted(wheelhouse.glob("*.whl")):
        name, version, _build, _tags = parse_wheel_filename(wheel.name)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        target = "action-build.txt" if name in build_names else "action.txt"
        lists[target].append(f"{name}=={version} \\\n    --hash=sha256:{digest}")
    return {name: "\n".join(lines) + "\n" for name, lines in lists.items()}


def _action_path(tmp_path: Path, wheelhouse: Path) -> Path:
    """A copy of the project as the runner checks it out for ``uses: ./``, its pinned lists
    made for the offline wheelhouse."""
    target = tmp_path / "action"
    target.mkdir()
    for name in ("action.yml", "pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("cg_action", "scripts", "requirements"):
        shutil.copytree(ROOT / folder, target / folder, ignore=ignore)
    for name, text in _pinned_lists(wheelhouse).items():
        (target / "requirements" / name).write_text(text, encoding="utf-8")
    return target


@dataclass
class Runner:
    """What the runner has for every run: the wheelhouse, the Action's folder, PATH, RUNNER_TEMP."""

    root: Path
    wheelhouse: Path
    action_path: Path
    runner_temp: Path
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Run:
    """One run of the Action's steps."""

    results: dict[str, subprocess.CompletedProcess[str]]
    outputs: dict[str, str]
    written: dict[str, dict[str, str]]
    context: dict[str, str]
    step_env: dict[str, dict[str, str]]
    summary: str


def _make_runner(root: Path, runner_temp: Path | None = None) -> Runner:
    root.mkdir(parents=True, exist_ok=True)
    wheelhouse = build_wheelhouse(root / "wheelhouse")
    env = offline_pip_env(wheelhouse)
    # The runner's python3: the real interpreter, whatever PATH holds (a script, not a symlink,
    # so the venv the Action makes records the interpreter's own folder as its home).
    shims = root / "shims"
    shims.mkdir()
    python3 = shims / "python3"
    python3.write_text(f'#!/bin/sh\nexec {shlex.quote(str(base_python()))} "$@"\n')
    python3.chmod(0o755)
    env["PATH"] = f"{shims}{os.pathsep}{os.environ['PATH']}"
    temp = runner_temp or root / "runner-temp"
    temp.mkdir(exist_ok=True)
    return Runner(root, wheelhouse, _action_path(root, wheelhouse), temp, env)


def _run_action(
    runner: Runner,
    tmp_path: Path,
    inputs: dict[str, str],
    workspace: Path,
    *,
    stop_after: str | None = None,
) -> Run:
    """Run the steps (up to ``stop_after`` and the uses: steps after it); their results, the
    Action's outputs, what each step wrote and the context the expressions saw."""
    action = _action()
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(inputs)
    tmp_path.mkdir(parents=True, exist_ok=True)
    summary = tmp_path / "summary.md"
    summary.touch()
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
    shutil.rmtree(runner.runner_temp / "cg-action-index-cache", ignore_errors=True)
    base_env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(runner.action_path),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_SHA": "0123abcd",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_API_URL": "http://127.0.0.1:9",  # comment: never in these runs
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(runner.runner_temp),
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
        **runner.env,
    }
    context = {f"inputs.{k}": v for k, v in values.items()}
    context["github.token"] = "fake-github-token"
    context["runner.temp"] = str(runner.runner_temp)
    context["runner.os"] = "Linux"
    context["runner.arch"] = "X64"
    results: dict[str, subprocess.CompletedProcess[str]] = {}
    written: dict[str, dict[str, str]] = {}
    step_env: dict[str, dict[str, str]] = {}
    stopped = False
    for index, step in enumerate(action["runs"]["steps"]):
        key = _step_key(step)
        if "if" in step and not _condition(step["if"], context):
            continue
        if stopped and "run" in step:
            break  # the uses: steps up to the next run: step are still read
        if "uses" in step:
            for name, value in (step.get("with") or {}).items():
                context[f"with.{key}.{name}"] = _evaluate(str(value), context)
            continue
        output_file = tmp_path / f"output-{index}"
        output_file.write_text("")
        env = dict(base_env)
        env["GITHUB_OUTPUT"] = str(output_file)
        for name, value in (step.get("env") or {}).items():
            env[name] = _evaluate(str(value), context)
        step_env[key] = env
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
        results[key] = result
        step_outputs = _read_outputs(output_file)
        written[key] = step_outputs
        for name, value in step_outputs.items():
            context[f"steps.{key}.outputs.{name}"] = value
        if result.returncode != 0:
            break
        stopped = key == stop_after
    outputs = {name: _evaluate(spec["value"], context) for name, spec in action["outputs"].items()}
    return Run(results, outputs, written, context, step_env, summary.read_text())


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


def _index_with(root: Path, wheels: dict[str, str], flavour: str) -> Path:
    root.mkdir(parents=True)
    for name, version in wheels.items():
        make_wheel(root, name, version, flavour=flavour)
    return root


def _example_workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "workspace"
    project = workspace / "examples" / "github-action"
    project.mkdir(parents=True)
    shutil.copy2(ROOT / "examples/github-action/requirements.txt", project / "requirements.txt")
    return workspace


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """A runner whose RUNNER_TEMP holds the Action's environment, installed once, as a restored
    cache would: later runs in this module reuse it."""
    root = tmp_path_factory.mktemp("runner")
    runner = _make_runner(root)
    first = _run_action(
        runner,
        root,
        {"index-url": "http://127.0.0.1:9/simple/", "token": "t"},
        _example_workspace(root),
        stop_after="install",
    )
    install = first.results["install"]
    assert install.returncode == 0, install.stdout + install.stderr
    assert "cg-action: installed in" in install.stdout
    return runner


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalIndex, LocalIndex]]:
    """The Chainguard stand-in and the fallback, for the whole module."""
    root = tmp_path_factory.mktemp("indexes")
    primary = _index_with(root / "chainguard", {"flask": "3.0.2", "werkzeug": "3.0.2"}, "rebuilt")
    fallback = _index_with(root / "pypi", {"itsdangerous": "2.1.2"}, "upstream")
    with pypiserver(primary) as cg_index, pypiserver(fallback) as pypi_index:
        yield cg_index, pypi_index


# -- the runs ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_runs_like_a_runner(
    runner: Runner, indexes: tuple[LocalIndex, LocalIndex], tmp_path: Path
) -> None:
    cg_index, pypi_index = indexes
    workspace = _example_workspace(tmp_path)
    project = workspace / "examples" / "github-action"
    run = _run_action(
        runner,
        tmp_path,
        {
            "working-directory": "examples/github-action",
            "index-url": cg_index.url,
            "fallback-index-url": pypi_index.url,
            "identity-id": CHAINGUARD_IDENTITY,
            "token": CHAINGUARD_TOKEN,
            "comment": "never",
            "sarif-file": "cg.sarif",
            "report-files": "cyclonedx=sbom.cdx.json, json=report.json",
            "timeout": "120",
        },
        workspace,
    )
    assert list(run.results) == list(RUN_STEPS), {k: r.stderr for k, r in run.results.items()}
    mask, install, check = run.results["mask"], run.results["install"], run.results["check"]
    assert mask.stdout.splitlines() == [
        f"::add-mask::{CHAINGUARD_TOKEN}",
        f"::add-mask::{CHAINGUARD_IDENTITY}",
    ]
    assert install.returncode == 0, install.stderr
    assert "the virtual environment from the cache is used" in install.stdout
    assert check.returncode == 1, check.stderr  # blinker is missing: fail-on missing
    for key, result in run.results.items():
        if key != "mask":  # the one place it is said, to the runner, so that it is masked
            assert CHAINGUARD_TOKEN not in result.stdout + result.stderr, key
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
    outputs = run.outputs
    assert outputs["chainguard"] == "2"
    assert outputs["fallback"] == "1"
    assert outputs["missing"] == "1"
    assert outputs["coverage"] == "50.0"
    assert outputs["checked"] == "4"
    assert outputs["failing"] == "1"
    # Every output the check step writes is declared, and every declared one is written.
    assert set(run.written["check"]) == set(_action()["outputs"])
    report = json.loads(Path(outputs["report"]).read_text())
    assert report["summary"]["missing"] == 1
    assert "## Chainguard Libraries coverage: 2 of 4 (50.0%)" in run.summary
    assert "blinker==1.7.0" in run.summary
    assert "nothing was checked" not in run.summary
    sarif = json.loads((project / "cg.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    # report-files and timeout reach the command
    assert json.loads((project / "report.json").read_text())["summary"]["missing"] == 1
    assert json.loads((project / "sbom.cdx.json").read_text())["bomFormat"] == "CycloneDX"
    env = run.step_env["check"]
    assert env["CG_ACTION_TIMEOUT"] == "120"
    assert env["CG_ACTION_NETWORK_ERRORS"] == "fail"  # credentials given: on-index-error
    # the index answers went to the folder the cache step keeps
    cache_dir = Path(env["CG_ACTION_CACHE_DIR"])
    assert cache_dir == Path(run.context["with.Restore the index cache.path"])
    assert cache_dir.is_relative_to(runner.runner_temp)
    assert any(p.is_file() for p in cache_dir.rglob("*")), "nothing was cached"


def _no_credentials(
    runner: Runner, index: LocalIndex, tmp_path: Path, mode: str
) -> tuple[Run, Path]:
    workspace = _example_workspace(tmp_path)
    run = _run_action(
        runner,
        tmp_path,
        {
            "working-directory": "examples/github-action",
            "index-url": index.url,
            "comment": "never",
            "on-no-credentials": mode,
        },
        workspace,
    )
    return run, workspace


@pytest.fixture(scope="module")
def locked_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIndex]:
    """An index that answers 401 to anyone without credentials, as Chainguard's does."""
    root = tmp_path_factory.mktemp("locked")
    served = _index_with(root / "served", {"flask": "3.0.2"}, "rebuilt")
    htpasswd = write_htpasswd(root / "htpasswd", {"someone": "secret"})
    with pypiserver(served, htpasswd=htpasswd) as index:
        yield index


@pytest.mark.slow
def test_no_credentials_warn_says_nothing_was_checked_and_why(
    runner: Runner, locked_index: LocalIndex, tmp_path: Path
) -> None:
    run, _ = _no_credentials(runner, locked_index, tmp_path, "warn")
    check = run.results["check"]
    assert check.returncode == 0, check.stderr
    assert run.step_env["check"]["CG_ACTION_NETWORK_ERRORS"] == "warn"
    assert "## cg-action: nothing was checked" in run.summary
    assert "needs credentials (HTTP 401)" in run.summary
    assert "No credentials were given" in run.summary
    assert "Dependabot" in run.summary
    assert "fork" in run.summary
    assert "::warning title=cg-action::nothing was checked" in check.stderr


@pytest.mark.slow
def test_no_credentials_fail_exits_3(
    runner: Runner, locked_index: LocalIndex, tmp_path: Path
) -> None:
    run, _ = _no_credentials(runner, locked_index, tmp_path, "fail")
    check = run.results["check"]
    assert check.returncode == 3, check.stderr
    assert "needs credentials (HTTP 401)" in check.stderr
    assert "nothing was checked" not in run.summary


def test_no_credentials_skip_does_nothing_but_one_summary_line(
    runner: Runner, locked_index: LocalIndex, tmp_path: Path
) -> None:
    run, workspace = _no_credentials(runner, locked_index, tmp_path, "skip")
    assert list(run.results) == ["mask", "mode"]  # no Python, no install, no check
    assert run.results["mode"].returncode == 0
    lines = run.summary.splitlines()
    assert len(lines) == 1, lines
    assert "skipped" in lines[0]
    assert "Dependabot" in lines[0]
    assert all(value == "" for value in run.outputs.values())
    assert not any(p.is_file() for p in workspace.rglob("*") if p.name != "requirements.txt")


def test_credentials_given_the_mode_follows_on_index_error(
    runner: Runner, locked_index: LocalIndex, tmp_path: Path
) -> None:
    for inputs, expected in (
        ({"token": "t", "on-no-credentials": "skip"}, "fail"),
        ({"token": "t", "on-index-error": "warn"}, "warn"),
        ({"identity-id": "i", "on-no-credentials": "warn"}, "fail"),
        ({"index-url": "https://u:p@mirror.example/simple/", "on-no-credentials": "skip"}, "fail"),
        ({"on-no-credentials": "fail", "on-index-error": "warn"}, "fail"),
        ({"on-no-credentials": "warn", "on-index-error": "fail"}, "warn"),
    ):
        run = _run_action(
            runner, tmp_path, inputs, _example_workspace(tmp_path / "ws"), stop_after="mode"
        )
        shutil.rmtree(tmp_path / "ws")
        assert run.written["mode"]["run"] == "true", inputs
        assert run.written["mode"]["network-errors"] == expected, inputs


@pytest.mark.parametrize(
    ("name", "value"),
    [("on-no-credentials", "ignore"), ("on-index-error", "skip"), ("cache", "yes")],
)
def test_a_wrong_mode_input_stops_with_exit_2(
    runner: Runner, tmp_path: Path, name: str, value: str
) -> None:
    run = _run_action(runner, tmp_path, {name: value}, _example_workspace(tmp_path))
    mode = run.results["mode"]
    assert mode.returncode == 2
    assert f"the input {name} takes" in mode.stdout
    assert list(run.results) == ["mask", "mode"]


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("cooldown-days", "soon", "CG_ACTION_COOLDOWN_DAYS='soon' is not a number"),
        ("extras", "all,cli", "--extras: give names, or 'all' or 'none' alone"),
        ("groups", "none dev", "--groups: give names, or 'all' or 'none' alone"),
        ("counterpart-indexes", "no-equals-sign", "CG_ACTION_COUNTERPART_INDEXES"),
        ("cert", "no-such-ca.pem", "no-such-ca.pem: the --cert file (CG_ACTION_CERT) does not"),
    ],
)
def test_the_check_inputs_reach_the_check(
    runner: Runner, tmp_path: Path, name: str, value: str, said: str
) -> None:
    # a value the check refuses shows that the input reached it (exit 2, before any request)
    inputs = {
        "working-directory": "examples/github-action",
        "index-url": f"http://127.0.0.1:{free_port()}/simple/",
        "token": CHAINGUARD_TOKEN,
        "comment": "never",
        name: value,
    }
    run = _run_action(runner, tmp_path, inputs, _example_workspace(tmp_path))
    check = run.results["check"]
    assert check.returncode == 2, check.stdout + check.stderr
    assert said in check.stdout + check.stderr


@pytest.mark.slow
def test_index_unreachable_with_on_index_error_warn(runner: Runner, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/simple/"
    run = _run_action(
        runner,
        tmp_path,
        {
            "working-directory": "examples/github-action",
            "index-url": dead,
            "token": CHAINGUARD_TOKEN,
            "comment": "never",
            "on-index-error": "warn",
            "timeout": "20",
        },
        _example_workspace(tmp_path),
    )
    check = run.results["check"]
    assert check.returncode == 0, check.stderr
    assert "## cg-action: nothing was checked" in run.summary
    assert "No credentials were given" not in run.summary
    assert CHAINGUARD_TOKEN not in run.summary + check.stdout + check.stderr


def test_python_is_the_runners_if_new_enough_else_set_up(runner: Runner, tmp_path: Path) -> None:
    workspace = _example_workspace(tmp_path)
    found = _run_action(runner, tmp_path / "found", {"token": "t"}, workspace, stop_after="python")
    assert found.written["mode"]["setup-python"] == "false"
    assert found.written["mode"]["python"] == "python3"  # the runner's, 3.10 or newer
    assert found.written["python"]["python"] == "python3"
    # A runner whose python3 and python are too old (Windows images: 3.9) or a Store stub.
    old = tmp_path / "old-pythons"
    old.mkdir()
    for name in ("python3", "python"):
        (old / name).write_text("#!/bin/sh\necho 'Python was not found' >&2\nexit 9009\n")
        (old / name).chmod(0o755)
    old_runner = Runner(
        runner.root,
        runner.wheelhouse,
        runner.action_path,
        runner.runner_temp,
        {**runner.env, "PATH": f"{old}{os.pathsep}{runner.env['PATH']}"},
    )
    missing = _run_action(old_runner, tmp_path / "old", {"token": "t"}, workspace)
    assert missing.written["mode"]["setup-python"] == "true"
    assert missing.context["with.setup-python.python-version"] == "3.13"
    # actions/setup-python does not run here: the next step says what to do
    assert missing.results["python"].returncode == 2
    assert "set the python-version input" in missing.results["python"].stdout
    given = _run_action(
        runner,
        tmp_path / "given",
        {"token": "t", "python-version": "3.12"},
        workspace,
        stop_after="mode",
    )
    assert given.written["mode"]["setup-python"] == "true"
    assert given.written["mode"]["python"] == ""  # not looked for: the input decides
    assert given.context["with.setup-python.python-version"] == "3.12"


def test_the_cache_keys(runner: Runner, tmp_path: Path) -> None:
    run = _run_action(
        runner,
        tmp_path,
        {"token": "t", "index-url": "http://127.0.0.1:9/simple/"},
        _example_workspace(tmp_path),
        stop_after="python",
    )
    assert run.results["python"].returncode == 0, run.results["python"].stderr
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    date = run.written["mode"]["date"]
    # the runner's clock, in UTC: the test may straddle midnight
    assert date in {today, (dt.date.fromisoformat(today) - dt.timedelta(days=1)).isoformat()}
    context = run.context
    assert context["with.Restore the index cache.key"] == f"cg-action-index-Linux-{date}"
    assert context["with.Restore the index cache.restore-keys"] == "cg-action-index-Linux-"
    venv_key = context["with.Restore the virtual environment.key"]
    assert re.fullmatch(r"cg-action-venv-Linux-X64-[0-9a-f]{40}", venv_key), venv_key
    venv = Path(context["with.Restore the virtual environment.path"])
    assert venv == runner.runner_temp / "cg-action-venv"
    assert (venv / "pyvenv.cfg").is_file()  # the folder the install step fills
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    # with cache: false neither cache step is there
    off = _run_action(
        runner,
        tmp_path / "off",
        {"token": "t", "cache": "false"},
        _example_workspace(tmp_path / "off"),
        stop_after="python",
    )
    assert not any(key.startswith("with.") for key in off.context)


def test_the_environment_key_follows_what_the_environment_is_made_of(
    runner: Runner, tmp_path: Path
) -> None:
    def key(action_path: Path) -> str:
        return subprocess.run(
            [
                str(base_python()),
                str(action_path / "scripts" / "action_venv_key.py"),
                str(action_path),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()

    copy = tmp_path / "copy"
    shutil.copytree(runner.action_path, copy)
    first = key(copy)
    assert re.fullmatch(r"[0-9a-f]{40}", first)
    assert key(copy) == first
    (copy / "cg_action" / "__pycache__").mkdir(exist_ok=True)
    (copy / "cg_action" / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    assert key(copy) == first  # byte code is not the source
    for changed in (
        "requirements/action.txt",
        "requirements/action-build.txt",
        "cg_action/_cli.py",
    ):
        path = copy / changed
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert key(copy) != first, changed
        path.write_bytes(original)
    assert key(copy) == first


@pytest.mark.slow
def test_the_install_is_hash_checked(tmp_path: Path) -> None:
    """A wheel that is not the one pinned stops the install; the pinned ones install."""
    fresh = _make_runner(tmp_path / "fresh")
    wheel = next(fresh.wheelhouse.glob("tomlkit-*.whl"))
    pinned = wheel.read_bytes()
    # The same name and version, other bytes: what a compromised index would serve.
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("tomlkit/extra.py", "x = 1\n")
    run = _run_action(
        fresh,
        tmp_path,
        {"token": "t", "index-url": "http://127.0.0.1:9/simple/"},
        _example_workspace(tmp_path),
    )
    install = run.results["install"]
    assert install.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in install.stderr
    assert "tomlkit" in install.stderr
    assert "check" not in run.results
    # an unpinned dependency is refused too: the lists must be complete
    wheel.write_bytes(pinned)
    action_txt = fresh.action_path / "requirements" / "action.txt"
    pins = action_txt.read_text().split("\n", 2)
    action_txt.write_text("\n".join(pins[2:]))  # the first pin gone
    shutil.rmtree(fresh.runner_temp / "cg-action-venv")
    run = _run_action(
        fresh,
        tmp_path / "second",
        {"token": "t", "index-url": "http://127.0.0.1:9/simple/"},
        _example_workspace(tmp_path / "second"),
    )
    install = run.results["install"]
    assert install.returncode != 0
    assert "hash" in install.stderr.lower()


def test_the_workflows_that_run_the_action_pass_only_its_inputs() -> None:
    inputs = set(_action()["inputs"])
    seen = 0
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job in workflow["jobs"].values():
            for step in job.get("steps", []):
                if step.get("uses") == "./":
                    seen += 1
                    unknown = set(step.get("with") or {}) - inputs
                    assert not unknown, f"{path.name}: {step.get('name')}: {sorted(unknown)}"
    assert seen >= 2, "ci.yml and example.yml run the Action"
