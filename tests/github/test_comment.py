"""The pull-request comment against a stand-in GitHub API on 127.0.0.1.

GitHub's real API cannot be reached from the tests, so ``tests/_fake_github.py`` answers
instead and checks every request against GitHub's own OpenAPI description (path template,
method, parameter types, JSON body with the required fields). Each test asserts that no
request broke that description.
"""

from __future__ import annotations

import logging

import pytest

from cg_action._errors import GitHubError
from cg_action._github._comment import CommentAction, upsert_pr_comment
from cg_action._report import COMMENT_MARKER
from tests._fake_github import FakeGitHub

TOKEN = "fake-token"


def test_creates_then_updates_then_leaves_alone(github_api: FakeGitHub) -> None:
    github_api.add_comment(7, "an unrelated comment")
    first = upsert_pr_comment(
        api_url=github_api.url, repository="octo/app", pr_number=7, token=TOKEN, body="one"
    )
    assert first.action is CommentAction.CREATED
    assert first.warning is None
    assert github_api.comments[7][-1]["body"] == f"{COMMENT_MARKER}\none"
    second = upsert_pr_comment(
        api_url=github_api.url,
        repository="octo/app",
        pr_number=7,
        token=TOKEN,
        body=f"{COMMENT_MARKER}\ntwo",
    )
    assert second.action is CommentAction.UPDATED
    assert second.comment_id == first.comment_id
    assert [c["body"] for c in github_api.comments[7]] == [
        "an unrelated comment",
        f"{COMMENT_MARKER}\ntwo",
    ]
    third = upsert_pr_comment(
        api_url=github_api.url,
        repository="octo/app",
        pr_number=7,
        token=TOKEN,
        body=f"{COMMENT_MARKER}\ntwo",
    )
    assert third.action is CommentAction.UNCHANGED
    calls = [(r.method, r.operation) for r in github_api.requests]
    assert calls == [
        ("GET", "list-comments"),
        ("POST", "create-comment"),
        ("GET", "list-comments"),
        ("PATCH", "update-comment"),
        ("GET", "list-comments"),
    ]
    assert all(r.path.startswith("/repos/octo/app/") for r in github_api.requests)
    assert github_api.requests[0].path.endswith("/7/comments")
    assert github_api.requests[3].path.endswith(f"/comments/{first.comment_id}")
    assert github_api.requests[0].query == {"per_page": ["100"]}
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in github_api.requests)
    assert github_api.requests[1].headers["Content-Type"].startswith("application/json")
    assert github_api.violations == []


def test_follows_pagination_and_checks_the_author(github_api: FakeGitHub) -> None:
    for i in range(150):
        github_api.add_comment(7, f"chatter {i}")
    github_api.add_comment(7, f"{COMMENT_MARKER}\nposted by a person", login="mallory")
    ours = github_api.add_comment(7, f"{COMMENT_MARKER}\nold", login="github-actions[bot]")
    outcome = upsert_pr_comment(
        api_url=github_api.url,
        repository="octo/app",
        pr_number=7,
        token=TOKEN,
        body="new",
        bot_login="github-actions[bot]",
    )
    assert outcome.action is CommentAction.UPDATED
    assert outcome.comment_id == ours
    pages = [r.query.get("page", ["1"])[0] for r in github_api.requests if r.method == "GET"]
    assert pages == ["1", "2"]
    assert github_api.comments[7][-2]["body"].endswith("posted by a person")
    assert github_api.violations == []


def test_no_creation_when_asked_not_to(github_api: FakeGitHub) -> None:
    outcome = upsert_pr_comment(
        api_url=github_api.url,
        repository="octo/app",
        pr_number=7,
        token=TOKEN,
        body="all clear",
        create=False,
    )
    assert outcome.action is CommentAction.SKIPPED
    assert [r.method for r in github_api.requests] == ["GET"]


@pytest.mark.parametrize("status", [403, 404])
def test_read_only_token_gives_a_warning(
    github_api: FakeGitHub, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    github_api.force_status["POST"] = status
    with caplog.at_level(logging.WARNING):
        outcome = upsert_pr_comment(
            api_url=github_api.url, repository="octo/app", pr_number=7, token=TOKEN, body="x"
        )
    assert outcome.action is CommentAction.WARNING
    assert outcome.warning == outcome.message
    assert f"HTTP {status}" in outcome.message
    assert "pull-requests: write" in outcome.message
    assert TOKEN not in outcome.message
    assert TOKEN not in caplog.text
    assert github_api.violations == []


def test_bad_credentials_raise_without_the_token(github_api: FakeGitHub) -> None:
    with pytest.raises(GitHubError) as info:
        upsert_pr_comment(
            api_url=github_api.url,
            repository="octo/app",
            pr_number=7,
            token="wrong-fake-token",
            body="x",
        )
    assert "HTTP 401" in str(info.value)
    assert "wrong-fake-token" not in info.value.diagnostics()


def test_refuses_bad_input() -> None:
    with pytest.raises(GitHubError, match="owner/name"):
        upsert_pr_comment(
            api_url="https://api.github.example",
            repository="app",
            pr_number=1,
            token=TOKEN,
            body="",
        )
    with pytest.raises(GitHubError, match="http"):
        upsert_pr_comment(
            api_url="file:///etc", repository="o/a", pr_number=1, token=TOKEN, body=""
        )


def test_unreachable_api_raises(github_api: FakeGitHub) -> None:
    url = github_api.url
    closed = url.rsplit(":", 1)[0] + ":1"
    with pytest.raises(GitHubError, match="could not be reached"):
        upsert_pr_comment(api_url=closed, repository="o/a", pr_number=1, token=TOKEN, body="x")
