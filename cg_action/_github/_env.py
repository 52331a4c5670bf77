"""What a GitHub Actions run tells about itself: GITHUB_* values and the event payload.

Only ``_cli`` reads the process environment; it passes the mapping here. Nothing in this module
reads ``os.environ``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cg_action._errors import InputError

logger = logging.getLogger(__name__)

_PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})


@dataclass(frozen=True, slots=True, kw_only=True)
class GitHubContext:
    """The parts of a workflow run cg-action uses."""

    repository: str | None = None  # owner/name
    sha: str | None = None  # the commit links point at (a pull request's head)
    server_url: str = "https://github.com"
    api_url: str = "https://api.github.com"
    event_name: str | None = None
    pr_number: int | None = None
    base_ref: str | None = None  # the commit --only-changed compares with
    workspace: Path | None = None
    output_file: Path | None = None  # GITHUB_OUTPUT
    summary_file: Path | None = None  # GITHUB_STEP_SUMMARY
    actor: str | None = None

    @property
    def is_pull_request(self) -> bool:
        """Whether the run belongs to a pull request (so a comment can be posted)."""
        return self.pr_number is not None


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def is_github_actions(env: Mapping[str, str]) -> bool:
    """Whether the values come from a GitHub Actions runner."""
    return env.get("GITHUB_ACTIONS") == "true"


def github_context(env: Mapping[str, str]) -> GitHubContext:
    """Read the GITHUB_* values and, for pull requests and pushes, the event payload."""
    event_name = env.get("GITHUB_EVENT_NAME") or None
    event = _read_event(env.get("GITHUB_EVENT_PATH"))
    sha = env.get("GITHUB_SHA") or None
    pr_number: int | None = None
    base_ref: str | None = None
    pull = event.get("pull_request")
    if event_name in _PULL_REQUEST_EVENTS and isinstance(pull, dict):
        number = pull.get("number", event.get("number"))
        pr_number = number if isinstance(number, int) else None
        head = pull.get("head")
        base = pull.get("base")
        if isinstance(head, dict) and isinstance(head.get("sha"), str):
            sha = head["sha"]
        if isinstance(base, dict) and isinstance(base.get("sha"), str):
            base_ref = base["sha"]
    elif event_name == "push":
        before = event.get("before")
        if isinstance(before, str) and before.strip("0"):
            base_ref = before
    if base_ref is None and env.get("GITHUB_BASE_REF"):
        base_ref = f"origin/{env['GITHUB_BASE_REF']}"
    return GitHubContext(
        repository=env.get("GITHUB_REPOSITORY") or None,
        sha=sha,
        server_url=(env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
        api_url=(env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
        event_name=event_name,
        pr_number=pr_number,
        base_ref=base_ref,
        workspace=_path(env.get("GITHUB_WORKSPACE")),
        output_file=_path(env.get("GITHUB_OUTPUT")),
        summary_file=_path(env.get("GITHUB_STEP_SUMMARY")),
        actor=env.get("GITHUB_ACTOR") or None,
    )


def _read_event(path: str | None) -> dict[str, object]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        logger.info("GITHUB_EVENT_PATH %s does not exist", path)
        return {}
    except (OSError, ValueError) as exc:
        raise InputError(
            f"{path}: the GitHub event payload (GITHUB_EVENT_PATH) could not be read: {exc}"
        ) from exc
    return data if isinstance(data, dict) else {}


def path_prefix(context: GitHubContext, root: Path) -> str:
    """Where ``root`` sits inside the workspace, for annotation paths and links ('' if at top)."""
    if context.workspace is None:
        return ""
    try:
        relative = root.resolve().relative_to(context.workspace.resolve())
    except (OSError, ValueError):
        return ""
    text = relative.as_posix()
    return "" if text == "." else text


def base_ref_from(env: Mapping[str, str]) -> str | None:
    """The commit --only-changed compares with, from the run's event (None outside a PR/push)."""
    return github_context(env).base_ref
