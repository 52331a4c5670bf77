"""Reading a workflow run's GITHUB_* values and event payload (as a runner writes them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cg_action._errors import InputError
from cg_action._github._env import base_ref_from, github_context, is_github_actions, path_prefix


def _event(tmp_path: Path, payload: object) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return str(path)


def test_pull_request(tmp_path: Path) -> None:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": _event(
            tmp_path,
            {
                "number": 12,
                "pull_request": {
                    "number": 12,
                    "head": {"sha": "head123", "ref": "feature"},
                    "base": {"sha": "base456", "ref": "main"},
                },
            },
        ),
        "GITHUB_SHA": "merge789",
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_BASE_REF": "main",
        "GITHUB_SERVER_URL": "https://github.example/",
        "GITHUB_API_URL": "https://github.example/api/v3",
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
    }
    context = github_context(env)
    assert is_github_actions(env)
    assert context.is_pull_request
    assert context.pr_number == 12
    assert context.sha == "head123"
    assert context.base_ref == "base456"
    assert base_ref_from(env) == "base456"
    assert context.server_url == "https://github.example"
    assert context.api_url == "https://github.example/api/v3"
    assert context.output_file == tmp_path / "out"
    (tmp_path / "svc").mkdir()
    assert path_prefix(context, tmp_path / "svc") == "svc"
    assert path_prefix(context, tmp_path) == ""


def test_push_and_plain_runs(tmp_path: Path) -> None:
    push = github_context(
        {
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_EVENT_PATH": _event(tmp_path, {"before": "abc", "after": "def"}),
            "GITHUB_SHA": "def",
        }
    )
    assert push.base_ref == "abc"
    assert push.pr_number is None
    new_branch = github_context(
        {"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": _event(tmp_path, {"before": "0" * 40})}
    )
    assert new_branch.base_ref is None
    local = github_context({})
    assert local.repository is None
    assert local.api_url == "https://api.github.com"
    assert not is_github_actions({})
    assert path_prefix(local, tmp_path) == ""


def test_unreadable_event(tmp_path: Path) -> None:
    bad = tmp_path / "event.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="event payload"):
        github_context({"GITHUB_EVENT_PATH": str(bad)})
    assert github_context({"GITHUB_EVENT_PATH": str(tmp_path / "absent.json")}).pr_number is None
