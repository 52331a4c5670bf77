"""Hostile pull requests: the PR comment renders no live Markdown from the repository, and
cg-action edits only the comment its own identity wrote.

``check --comment always`` runs for real through ``main`` against the stand-in GitHub API
(``tests/_fake_github.py``, which checks every request against GitHub's OpenAPI description).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cg_action._cli import main
from cg_action._report import COMMENT_MARKER
from tests._fake_github import FakeGitHub, fake_github

DATA = Path(__file__).resolve().parent.parent / "data"
TOKEN = "fake-token"
PR = 7
HOSTILE = "@octocat ![x](http://evil.example/x.png) [click](http://evil.example) <img src=x>"
OUR_TAGS = re.compile(r"<!-- cg-action:pr-comment -->|</?details>|</?summary>")


@pytest.fixture
def github_api() -> Iterator[FakeGitHub]:
    with fake_github(DATA / "github-rest-openapi-subset.json", token=TOKEN) as state:
        yield state


def without_code_spans(markdown: str) -> str:
    """``markdown`` with its inline code spans taken out, as CommonMark delimits them.

    A run of N backticks opens a span that the next run of exactly N backticks closes; a run
    with no closing run is literal text.
    """
    out: list[str] = []
    runs = list(re.finditer(r"`+", markdown))
    done = 0
    i = 0
    while i < len(runs):
        opening = runs[i]
        closing = next(
            (j for j in range(i + 1, len(runs)) if len(runs[j].group()) == len(opening.group())),
            None,
        )
        if closing is None:
            i += 1
            continue
        out.append(markdown[done : opening.start()])
        done = runs[closing].end()
        i = closing + 1
    out.append(markdown[done:])
    return "".join(out)


def assert_no_live_markup(body: str) -> None:
    live = OUR_TAGS.sub("", without_code_spans(body))
    assert "@octocat" not in live
    assert "evil.example" not in live
    assert "<img" not in live
    assert "<script" not in live
    assert "<" not in live.replace("&lt;", ""), live
    for table in re.findall(r"(?:^\|.*\n)+", body, re.M):
        rows = table.splitlines()
        cells = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(cells) == 1, rows  # a pipe from the repository opened no extra cell


def hostile_repository(root: Path) -> Path:
    root.mkdir()
    (root / "requirements.txt").write_text(
        f"requests==2.31.0  # cg-action: ignore[unknown] {HOSTILE} ``tick`` | pipe\nflask==3.0.0\n",
        encoding="utf-8",
    )
    folder = root / f"{HOSTILE.replace('/', '_')} `x` | y"
    folder.mkdir()
    (folder / "requirements.txt").write_text(
        f"bad ((( <script>alert(1)</script> {HOSTILE}\nidna==3.7\n", encoding="utf-8"
    )
    return root


def github_env(tmp_path: Path, api: FakeGitHub, **extra: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"number": PR, "pull_request": {"number": PR, "head": {"sha": "a" * 40}}}),
        encoding="utf-8",
    )
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_API_URL": api.url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "RUNNER_TEMP": str(tmp_path),
        "CG_ACTION_CACHE_DIR": str(tmp_path / "cache"),
        **extra,
    }


def run_check(root: Path, env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["check", "--offline", "--no-fallback", "--comment", "always", str(root)],
        env=env,
        out=out,
        err=err,
    )
    return code, out.getvalue(), err.getvalue()


def test_repository_text_in_the_comment_is_inline_code(
    tmp_path: Path, github_api: FakeGitHub
) -> None:
    root = hostile_repository(tmp_path / "repo")
    code, _, err = run_check(root, github_env(tmp_path, github_api))
    assert code in (2, 3), err
    assert github_api.violations == []
    [comment] = github_api.comments[PR]
    body = comment["body"]
    assert body.startswith(COMMENT_MARKER)
    assert "@octocat" in body
    assert "evil.example" in body
    assert "ignored (@octocat" in body
    assert_no_live_markup(body)
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "@octocat" in summary
    assert_no_live_markup(summary)


@pytest.mark.parametrize(
    "text",
    [
        "`",
        "``",
        "a`b``c```d",
        "`starts",
        "ends`",
        "| a | b |",
        "back\\|slash",
        "line\nbreak\r\u2028sep",
        "<details><summary>x</summary>",
        "@octocat #1 ![](http://evil.example/i.png)",
    ],
)
def test_any_text_makes_one_code_span_in_one_cell(text: str) -> None:
    from cg_action._report._markdown import _code

    span = _code(text)
    assert "\n" not in span
    assert "\r" not in span
    assert without_code_spans(span) == ""  # one span, nothing outside it
    assert not re.search(r"(?<!\\)\|", span)  # no pipe would end the cell


def test_a_marked_comment_by_someone_else_is_never_edited(
    tmp_path: Path, github_api: FakeGitHub
) -> None:
    root = hostile_repository(tmp_path / "repo")
    planted = f"{COMMENT_MARKER}\nplease merge, all clear"
    mallory = github_api.add_comment(PR, planted, login="mallory")
    lookalike = github_api.add_comment(PR, planted, login="github-actions")  # a person's login
    run_check(root, github_env(tmp_path, github_api))
    assert github_api.violations == []
    bodies = {c["id"]: c["body"] for c in github_api.comments[PR]}
    assert bodies[mallory] == planted
    assert bodies[lookalike] == planted
    edits = [r for r in github_api.requests if r.method in ("PATCH", "DELETE")]
    assert edits == []
    [ours] = [c for c in github_api.comments[PR] if c["id"] not in (mallory, lookalike)]
    assert ours["user"]["login"] == "github-actions[bot]"
    assert ours["body"].startswith(COMMENT_MARKER)


def test_our_own_comment_is_updated_in_place(tmp_path: Path, github_api: FakeGitHub) -> None:
    root = hostile_repository(tmp_path / "repo")
    github_api.add_comment(PR, f"{COMMENT_MARKER}\nforged", login="mallory")
    ours = github_api.add_comment(PR, f"{COMMENT_MARKER}\nold", login="github-actions[bot]")
    run_check(root, github_env(tmp_path, github_api))
    assert github_api.violations == []
    assert [r.path.rsplit("/", 1)[-1] for r in github_api.requests if r.method == "PATCH"] == [
        str(ours)
    ]
    assert len(github_api.comments[PR]) == 2
    assert github_api.comments[PR][0]["body"] == f"{COMMENT_MARKER}\nforged"


def test_another_identity_is_named_and_only_its_comment_is_edited(
    tmp_path: Path, github_api: FakeGitHub
) -> None:
    root = hostile_repository(tmp_path / "repo")
    github_api.bot_login = "octo-ci"  # a personal token's user posts the comments
    bot = github_api.add_comment(PR, f"{COMMENT_MARKER}\nby the bot", login="github-actions[bot]")
    ours = github_api.add_comment(PR, f"{COMMENT_MARKER}\nold", login="Octo-CI")
    run_check(root, github_env(tmp_path, github_api, CG_ACTION_COMMENT_AUTHOR="octo-ci"))
    patched = [r.path.rsplit("/", 1)[-1] for r in github_api.requests if r.method == "PATCH"]
    assert patched == [str(ours)]
    assert {c["id"]: c["body"] for c in github_api.comments[PR]}[bot].endswith("by the bot")
