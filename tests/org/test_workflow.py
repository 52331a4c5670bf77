"""The reusable workflow .github/workflows/org-report.yml and its example caller.

The YAML is read as GitHub reads it (``on`` is the key ``True`` to PyYAML): its interface, the
matrix made from the input, pinned actions, minimal permissions, no expression inside a
script, the final job. Then its scripts are run as the runner would run them: the list
script on good and bad lists, and the check and merge scripts, in bash, against the
Chainguard-like index on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests._chainguard_like import ServedFile, chainguard_like
from tests._wheels import make_wheel

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "org-report.yml"
EXAMPLE = ROOT / "examples" / "org-report" / "org-report.yml"
# The third-party actions the workflow may use, at these commits only.
PINNED = {
    "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683": "v4.2.2",
    "actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065": "v5.6.0",
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02": "v4.6.2",
    "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093": "v4.3.0",
}

Workflow = dict[Any, Any]


def load(path: Path) -> Workflow:
    document: Workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def triggers(workflow: Workflow) -> dict[str, Any]:
    on: dict[str, Any] = workflow[True] if True in workflow else workflow["on"]
    return on


def all_steps(workflow: Workflow) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def step(workflow: Workflow, job: str, name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        s for s in workflow["jobs"][job]["steps"] if s.get("name") == name
    ]
    assert len(found) == 1, name
    return found[0]


@pytest.fixture(scope="module")
def workflow() -> Workflow:
    return load(WORKFLOW)


def test_workflow_call_inputs_and_secrets(workflow: Workflow) -> None:
    on = triggers(workflow)
    assert set(on) == {"workflow_call"}
    inputs = on["workflow_call"]["inputs"]
    assert inputs["repositories"]["required"] is True
    assert inputs["repositories"]["type"] == "string"
    for name, spec in inputs.items():
        assert spec["type"] == "string", name
        assert spec["description"], name
        if not spec.get("required"):
            assert "default" in spec, name
    secrets = on["workflow_call"]["secrets"]
    assert set(secrets) == {"checkout-token", "identity-id", "token"}
    assert secrets["checkout-token"]["required"] is True


def test_matrix_is_made_from_the_input(workflow: Workflow) -> None:
    listing = workflow["jobs"]["repositories"]
    assert listing["outputs"]["matrix"] == "${{ steps.list.outputs.matrix }}"
    read = step(workflow, "repositories", "Read the list")
    assert read["id"] == "list"
    assert read["env"]["REPOSITORIES"] == "${{ inputs.repositories }}"
    check = workflow["jobs"]["check"]
    assert check["needs"] == "repositories"
    assert check["strategy"]["matrix"] == {
        "include": "${{ fromJSON(needs.repositories.outputs.matrix) }}"
    }
    assert check["strategy"]["fail-fast"] is False
    checkout = step(workflow, "check", "Check out the repository")
    assert checkout["with"]["repository"] == "${{ matrix.repository }}"
    assert checkout["with"]["token"] == "${{ secrets.checkout-token }}"


def test_every_action_is_pinned_by_a_full_sha(workflow: Workflow) -> None:
    used = [s["uses"] for _, s in all_steps(workflow) if "uses" in s]
    assert len(used) == 8
    for uses in used:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses), uses
        assert uses in PINNED, uses
    # ... with the version as a comment on the same line
    lines = [line.strip() for line in WORKFLOW.read_text().splitlines() if "uses:" in line]
    assert len(lines) == len(used)
    for line in lines:
        action = line.split()[1]
        assert line == f"uses: {action} # {PINNED[action]}", line


def test_no_expression_inside_a_script(workflow: Workflow) -> None:
    scripts = [s["run"] for _, s in all_steps(workflow) if "run" in s]
    assert len(scripts) == 5
    for script in scripts:
        assert "${{" not in script, script
        assert not re.search(r"\b(inputs|matrix|secrets|github)\.", script)


def test_permissions_are_minimal(workflow: Workflow) -> None:
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert job["permissions"] in ({}, {"contents": "read"}), name
        assert job["timeout-minutes"] <= 30, name
    for _, found in all_steps(workflow):
        if found.get("uses", "").startswith("actions/checkout@"):
            assert found["with"]["persist-credentials"] is False


def test_secrets_reach_only_the_check_step(workflow: Workflow) -> None:
    text = WORKFLOW.read_text()
    assert text.count("${{ secrets.identity-id }}") == 1
    assert text.count("${{ secrets.token }}") == 1
    assert text.count("${{ secrets.checkout-token }}") == 1
    check = step(workflow, "check", "Check")
    assert check["env"]["CHAINGUARD_PYTHON_IDENTITY_ID"] == "${{ secrets.identity-id }}"
    assert check["env"]["CHAINGUARD_PYTHON_TOKEN"] == "${{ secrets.token }}"
    assert "python -m cg_action check --format json --output" in check["run"]


def test_cg_action_is_installed_from_the_workflows_own_commit(workflow: Workflow) -> None:
    for job in ("check", "report"):
        checkout = step(workflow, job, "Check out cg-action")
        assert checkout["with"]["repository"] == (
            "${{ inputs.cg-action-repository || job.workflow_repository }}"
        )
        assert checkout["with"]["ref"] == "${{ inputs.cg-action-ref || job.workflow_sha }}"
        install = step(workflow, job, "Install cg-action")["run"].strip()
        folder = checkout["with"]["path"]
        # its dependencies hash-checked from the lists it ships, then itself with no index
        assert "--require-hashes" in install
        assert f"-r {folder}/requirements/action.txt" in install
        assert install.endswith(f"--no-index ./{folder}")


def test_the_final_job_merges_every_report(workflow: Workflow) -> None:
    report = workflow["jobs"]["report"]
    assert report["needs"] in ("check", ["check"])
    assert report["if"] == "${{ !cancelled() }}"
    upload = step(workflow, "check", "Upload the report")
    assert upload["with"]["name"] == "cg-report-${{ matrix.slug }}"
    download = step(workflow, "report", "Download the reports")
    assert download["with"]["pattern"] == "cg-report-*"
    assert download["with"]["merge-multiple"] is True
    merge = step(workflow, "report", "Merge the reports")["run"]
    assert "python -m cg_action report" in merge
    assert "--format html --output" in merge
    assert '--format markdown >> "$GITHUB_STEP_SUMMARY"' in merge
    published = step(workflow, "report", "Upload the organisation report")
    assert published["with"]["path"] == "${{ runner.temp }}/cg-org-report/"


def test_the_example_calls_the_workflow_as_declared(workflow: Workflow) -> None:
    example = load(EXAMPLE)
    declared = triggers(workflow)["workflow_call"]
    (job,) = example["jobs"].values()
    path, _, ref = job["uses"].partition("@")
    assert path.endswith("/.github/workflows/org-report.yml")
    assert ref
    given_inputs, given_secrets = set(job["with"]), set(job["secrets"])
    assert given_inputs <= set(declared["inputs"])
    assert given_secrets <= set(declared["secrets"])
    for kind, given in (("inputs", given_inputs), ("secrets", given_secrets)):
        required = {n for n, spec in declared[kind].items() if spec.get("required")}
        assert required <= given, kind
    assert example["permissions"] == {"contents": "read"}  # what the called jobs ask for


# -- the scripts, run ---------------------------------------------------------------------


def run_list_script(workflow: Workflow, text: str, tmp_path: Path) -> tuple[int, str, Any]:
    script = step(workflow, "repositories", "Read the list")
    assert script["shell"] == "python"
    output = tmp_path / "github_output"
    output.write_text("")
    done = subprocess.run(
        [sys.executable, "-c", script["run"]],
        env={"REPOSITORIES": text, "GITHUB_OUTPUT": str(output), "PATH": os.defpath},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    written = output.read_text()
    matrix = json.loads(written.removeprefix("matrix=")) if written else None
    return done.returncode, done.stdout, matrix


@pytest.mark.parametrize(
    "text",
    [
        "acme/api\nacme/web.site\n\n  acme/worker_2  # the queue\nACME/API\n",
        '["acme/api", "acme/web.site", "acme/worker_2", "Acme/Api"]',
    ],
    ids=["lines", "json"],
)
def test_list_script_makes_the_matrix(workflow: Workflow, tmp_path: Path, text: str) -> None:
    code, out, matrix = run_list_script(workflow, text, tmp_path)
    assert code == 0, out
    assert matrix == [
        {"repository": "acme/api", "slug": "acme__api"},
        {"repository": "acme/web.site", "slug": "acme__web.site"},
        {"repository": "acme/worker_2", "slug": "acme__worker_2"},
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no repository given"),
        ("acme", "not owner/name: 'acme'"),
        ("acme/api/x", "not owner/name"),
        ("acme/..", "not owner/name: 'acme/..'"),
        ("acme/$(curl x)", "not owner/name"),
        ("-acme/api", "not owner/name"),
        ('["acme/api", 3]', "a JSON list of owner/name strings is expected"),
        ('{"a": 1}', "not owner/name"),
        ("[acme/api", "not a JSON list"),
        ("\n".join(f"acme/r{n}" for n in range(257)), "257 repositories; a matrix holds at most"),
    ],
)
def test_list_script_refuses_a_bad_list(
    workflow: Workflow, tmp_path: Path, text: str, message: str
) -> None:
    code, out, matrix = run_list_script(workflow, text, tmp_path)
    assert code == 1
    assert matrix is None
    assert out.startswith("::error title=repositories::")
    assert message in out


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    assert bash is not None
    return subprocess.run(
        [bash, "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_and_merge_scripts_run(workflow: Workflow, tmp_path: Path) -> None:
    """The two scripts as the runner runs them (bash -eo pipefail), step env from the YAML."""
    built = tmp_path / "dists"
    files = [ServedFile(path=make_wheel(built, "alpha", "1.0.0", flavour="rebuilt"))]
    files.append(ServedFile(path=make_wheel(built / "up", "gamma", "0.3.0"), upstream=True))
    runner_temp = tmp_path / "runner-temp"
    summary = tmp_path / "summary.md"
    base = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.defpath]),
        "HOME": str(tmp_path / "home"),
        "CG_ACTION_NO_CACHE": "true",
        "CG_ACTION_NO_NETRC": "true",
        "CG_ACTION_NO_FALLBACK": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    check = step(workflow, "check", "Check")
    requirements = {
        "acme/api": "alpha==1.0.0\ngamma==0.3.0\n",
        "acme/web": "alpha==1.0.0\nzzz-absent==1.0\n",
    }
    with chainguard_like(files) as index:
        for repository, text in requirements.items():
            folder = tmp_path / repository.replace("/", "-")
            folder.mkdir()
            (folder / "requirements.txt").write_text(text)
            slug = repository.replace("/", "__")
            env = {
                **base,
                "CHAINGUARD_PYTHON_IDENTITY_ID": "",
                "CHAINGUARD_PYTHON_TOKEN": "",
                "CG_ACTION_PATHS": ".",
                "CG_ACTION_INDEX_URL": index.url,
                "CG_ACTION_FALLBACK_INDEX_URL": "",
                "REPORT": f"{runner_temp}/cg-report/{slug}.json",
                "REPOSITORY": repository,
            }
            assert set(env) - set(base) == set(check["env"])
            done = _bash(check["run"], folder, env)
            assert done.returncode == 0, done.stderr
    reports = runner_temp / "cg-report"
    written = json.loads((reports / "acme__web.json").read_text())
    assert written["repository"] == "acme/web"
    assert written["kind"] == "check"

    merge = step(workflow, "report", "Merge the reports")
    env = {**base, "REPORT_DIR": str(reports), "PAGE_DIR": str(runner_temp / "cg-org-report")}
    assert set(env) - set(base) == set(merge["env"])
    done = _bash(merge["run"], tmp_path, env)
    assert done.returncode == 0, done.stderr
    page = (runner_temp / "cg-org-report" / "org-report.html").read_text()
    assert "<title>Chainguard coverage across 2 repositories</title>" in page
    document = json.loads((runner_temp / "cg-org-report" / "org-report.json").read_text())
    assert [r["name"] for r in document["repositories"]] == ["acme/api", "acme/web"]
    assert [(p["name"], p["repositories"]) for p in document["packages"]] == [
        ("zzz-absent", 1),
        ("gamma", 1),
    ]
    assert summary.read_text().startswith(
        "## Chainguard coverage across 2 repositories: 2 of 4 (50.0%)\n"
    )


def test_merge_script_fails_without_reports(workflow: Workflow, tmp_path: Path) -> None:
    merge = step(workflow, "report", "Merge the reports")
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.defpath]),
        "REPORT_DIR": str(tmp_path / "none"),
        "PAGE_DIR": str(tmp_path / "pages"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    done = _bash(merge["run"], tmp_path, env)
    assert done.returncode == 1
    assert "::error::no repository's report was uploaded" in done.stdout
