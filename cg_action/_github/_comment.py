"""The pull-request comment: find ours by its hidden marker, then update it or post a new one.

Talks to GitHub's REST API through the tool's one HTTP stack (``_index._rest``): list the issue
comments (100 a page, following the ``Link`` header), PATCH the one that starts with the marker,
or POST a new one. A redirect is followed only on the API's own host, and only for a GET. A
token that may not comment (a fork's read-only token, no ``pull-requests: write``) gives a
warning outcome, not an error: the check itself still stands. The token is sent only to the API
host and never appears in a message.

Only a comment the token's own identity wrote is ever edited: anyone can post a comment that
starts with the marker. The workflow's ``GITHUB_TOKEN`` cannot ask GitHub who it is
(``GET /user`` refuses installation tokens), but what it posts is always authored by
``github-actions[bot]``, a login no person can register; another identity (a personal token,
an app's token) is named by the caller.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from cg_action import __version__
from cg_action._compat import StrEnum
from cg_action._errors import GitHubError
from cg_action._report._markdown import COMMENT_MARKER

logger = logging.getLogger(__name__)

_TIMEOUT = 30.0
_MAX_PAGES = 100  # 10,000 comments: more than any pull request has
_MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# GitHub keeps pull-request conversation comments under the issue endpoints.
_ISSUE_PATH = "issue" + "s"
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
ACTIONS_BOT_LOGIN = "github-actions[bot]"  # the author of what GITHUB_TOKEN posts


class CommentAction(StrEnum):
    """What happened to the comment."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # ours already says exactly this
    SKIPPED = "skipped"  # nothing to say and no earlier comment to update
    WARNING = "warning"  # the token may not comment here; nothing was written


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentOutcome:
    """The result of ``upsert_pr_comment``."""

    action: CommentAction
    comment_id: int | None = None
    url: str | None = None
    message: str = ""

    @property
    def warning(self) -> str | None:
        """The warning to show when the comment could not be written, else None."""
        return self.message if self.action is CommentAction.WARNING else None


class _HTTPFailure(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"HTTP {status} {reason}")
        self.status = status
        self.reason = reason


def upsert_pr_comment(
    *,
    api_url: str,
    repository: str,
    pr_number: int,
    token: str,
    body: str,
    bot_login: str = ACTIONS_BOT_LOGIN,
    create: bool = True,
) -> CommentOutcome:
    """Make the pull request carry ``body`` in our comment (the one with the hidden marker).

    Only a marked comment whose author is ``bot_login`` (the token's identity) counts as ours;
    a marked comment by anyone else is left alone. With
    ``create=False`` an existing comment is updated but none is created (the "on-findings"
    mode uses this to turn an old warning into an all-clear without posting new noise).
    Raises ``GitHubError`` for failures other than 403/404/410 (which give a warning outcome).
    """
    if not body.startswith(COMMENT_MARKER):
        body = f"{COMMENT_MARKER}\n{body}"
    owner, _, name = repository.partition("/")
    if not owner or not name or "/" in name:
        raise GitHubError(f"not a repository name of the form owner/name: {repository!r}")
    api = api_url.rstrip("/")
    if urlsplit(api).scheme not in ("http", "https"):
        raise GitHubError(f"the GitHub API URL must be http(s): {api_url!r}")
    repo_path = f"{api}/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
    client = _Client(api=api, token=token)
    thread = f"{repo_path}/{_ISSUE_PATH}/{pr_number}/comments"
    try:
        existing = _find_ours(client, thread, bot_login)
        if existing is not None:
            comment_id = int(existing["id"])
            if existing.get("body") == body:
                return CommentOutcome(
                    action=CommentAction.UNCHANGED,
                    comment_id=comment_id,
                    url=_str_or_none(existing.get("html_url")),
                )
            updated = client.send(
                "PATCH", f"{repo_path}/{_ISSUE_PATH}/comments/{comment_id}", {"body": body}
            )
            return CommentOutcome(
                action=CommentAction.UPDATED,
                comment_id=comment_id,
                url=_str_or_none(updated.get("html_url")) if isinstance(updated, dict) else None,
            )
        if not create:
            return CommentOutcome(action=CommentAction.SKIPPED, message="nothing to report")
        created = client.send(
            "POST", f"{repo_path}/{_ISSUE_PATH}/{pr_number}/comments", {"body": body}
        )
        if not isinstance(created, dict) or not isinstance(created.get("id"), int):
            raise GitHubError("GitHub answered the new comment without an id")
        return CommentOutcome(
            action=CommentAction.CREATED,
            comment_id=created["id"],
            url=_str_or_none(created.get("html_url")),
        )
    except _HTTPFailure as exc:
        if exc.status in (403, 404, 410):
            message = (
                f"could not comment on pull request #{pr_number} of {repository} "
                f"(HTTP {exc.status}): the token may not write pull-request comments "
                "(a pull request from a fork, or the workflow lacks "
                "'permissions: pull-requests: write'); the job summary has the report"
            )
            logger.warning("%s", message)
            return CommentOutcome(action=CommentAction.WARNING, message=message)
        raise GitHubError(
            f"GitHub answered HTTP {exc.status} {exc.reason} while commenting on pull "
            f"request #{pr_number} of {repository}"
        ) from exc


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _find_ours(client: _Client, url: str, bot_login: str) -> dict[str, Any] | None:
    next_url: str | None = f"{url}?per_page=100"
    for _ in range(_MAX_PAGES):
        if next_url is None:
            return None
        page, link = client.get_page(next_url)
        if not isinstance(page, list):
            raise GitHubError("GitHub answered the comment list with something not a list")
        for comment in page:
            if not isinstance(comment, dict):
                continue
            body = comment.get("body")
            if not isinstance(body, str) or not body.startswith(COMMENT_MARKER):
                continue
            user = comment.get("user")
            login = user.get("login") if isinstance(user, dict) else None
            # GitHub logins are case-insensitive; a comment without an author is nobody's.
            if not isinstance(login, str) or login.casefold() != bot_login.casefold():
                continue
            if isinstance(comment.get("id"), int):
                return comment
        next_url = _next_link(link)
    return None


def _next_link(header: str | None) -> str | None:
    if not header:
        return None
    for part in header.split(","):
        match = _NEXT.search(part)
        if match:
            return match.group(1)
    return None


class _Client:
    """Sends JSON requests to one API host with the token; never to another host."""

    def __init__(self, *, api: str, token: str) -> None:
        parts = urlsplit(api)
        self._origin = (parts.scheme, parts.netloc.lower())
        self._token = token

    def _check_origin(self, url: str) -> None:
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) != self._origin:
            raise GitHubError(
                f"refusing to send the token to another host than the GitHub API: {parts.netloc}"
            )

    def _open(self, method: str, url: str, payload: object | None) -> tuple[Any, str | None]:
        from cg_action._index._rest import RestFailure, rest_request

        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": f"cg-action/{__version__}",
        }
        data = None
        if payload is not None:
            data = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        for _hop in range(_MAX_REDIRECTS + 1):
            self._check_origin(url)  # the token goes to the API's host only, redirects included
            try:
                answer = rest_request(
                    method,
                    url,
                    headers={**headers, "Authorization": f"Bearer {self._token}"},
                    body=data,
                    timeout=_TIMEOUT,
                )
            except RestFailure as exc:
                raise GitHubError(f"the GitHub API could not be reached: {exc.reason}") from exc
            location = answer.headers.get("location")
            if answer.status in _REDIRECTS and method == "GET" and location:
                url = urljoin(url, location)
                continue
            if answer.status >= 300:
                raise _HTTPFailure(answer.status, answer.reason)
            try:
                body = json.loads(answer.body) if answer.body else None
            except ValueError as exc:
                raise GitHubError("GitHub answered with something that is not JSON") from exc
            return body, answer.headers.get("link")
        raise GitHubError(f"the GitHub API redirected more than {_MAX_REDIRECTS} times")

    def get_page(self, url: str) -> tuple[Any, str | None]:
        return self._open("GET", url, None)

    def send(self, method: str, url: str, payload: object) -> Any:
        return self._open(method, url, payload)[0]
