"""Writing reports: rendered by the format registry, written atomically, and GitHub's extras.

Inside GitHub Actions a ``check`` also appends the job summary, writes the step outputs and the
JSON report, and keeps the pull request comment up to date. The values of ``GITHUB_*`` variables
come in through ``env``; nothing here reads the process environment.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from cg_action._errors import UsageError
from cg_action._models import Report
from cg_action._urls import redact_text

if TYPE_CHECKING:
    from cg_action._report._formats import ReportFormat


def render(report: Report, fmt: ReportFormat, *, path_prefix: str = "") -> str:
    """The report in ``fmt``, written by the format's module (``_report._formats.renderer``).

    ``path_prefix`` is put before file paths where GitHub reads them from the workspace root
    (annotations, SARIF, Markdown links) when the run's root is a folder inside it. Whatever a
    repository wrote that looks like user-info of a URL is removed from the whole text, wherever
    the parsers put it (a name, a URL, a quoted line).
    """
    from cg_action._report._formats import renderer

    return redact_text(renderer(fmt).render(report, path_prefix=path_prefix))


def write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path``: atomically for a regular file, directly for anything else.

    A regular file gets a temporary file beside it and a rename, so a reader never sees half a
    report. ``/dev/null``, ``/dev/stdout``, a FIFO or any other existing non-regular file is
    written in place: renaming over it would replace the device with a file. A folder, or a
    place that cannot be written, is a usage error (exit 2) naming the path.
    """
    from cg_action._report._escape import printable

    path = path.expanduser()
    shown = printable(str(path))
    if path.is_dir():
        raise UsageError(f"{shown}: a folder; give the name of a file to write the report to")
    try:
        if path.exists() and not path.is_file():
            with path.open("w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            return
        directory = path.parent
        for folder in (directory, *directory.parents):
            if folder.exists():
                if not folder.is_dir():
                    raise UsageError(f"{shown}: {printable(str(folder))} is a file, not a folder")
                break
        directory.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UsageError(f"{shown}: cannot write the report: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise UsageError(f"{shown}: cannot write the report: {exc.strerror or exc}") from exc
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def github_path_prefix(report: Report, env: Mapping[str, str]) -> str:
    """The root's path inside the GitHub workspace ('' outside GitHub or at the workspace root)."""
    from cg_action._github._env import github_context, is_github_actions, path_prefix

    if not is_github_actions(env):
        return ""
    return path_prefix(github_context(env), report.root)


def publish_github(
    report: Report,
    *,
    env: Mapping[str, str],
    comment: str,
    json_file: Path | None,
    err: TextIO,
) -> None:
    """Job summary, step outputs, JSON report and PR comment, as a GitHub workflow wants them."""
    from cg_action._github._env import github_context, path_prefix
    from cg_action._report._github import (
        append_step_summary,
        render_github_commands,
        write_outputs,
    )
    from cg_action._report._json import render_json
    from cg_action._report._markdown import needs_attention, render_markdown, render_pr_comment

    context = github_context(env)
    prefix = path_prefix(context, report.root)
    markdown = redact_text(
        render_markdown(
            report,
            repository=context.repository,
            sha=context.sha,
            server_url=context.server_url,
            path_prefix=prefix,
        )
    )
    _, not_annotated = render_github_commands(report, path_prefix=prefix)
    if not_annotated:
        markdown += (
            f"\n> {not_annotated} finding(s) were not annotated: GitHub shows at most 10 errors "
            "and 10 warnings per step and 50 per job. The tables above list every one.\n"
        )
    if context.summary_file:
        append_step_summary(markdown, context.summary_file)
    json_path = json_file or Path(env.get("RUNNER_TEMP") or tempfile.gettempdir()) / (
        "cg-action-report.json"
    )
    write_file(json_path, redact_text(render_json(report)))
    if context.output_file:
        write_outputs(report, output_file=context.output_file, json_report=json_path)
    if comment == "never":
        return
    if context.pr_number is None or not context.repository:
        err.write("cg-action: --comment: not a pull request event; no comment written\n")
        return
    token = env.get("GITHUB_TOKEN") or ""
    if not token:
        _warn(err, "no GITHUB_TOKEN; the pull request comment was skipped")
        return
    from cg_action._errors import GitHubError
    from cg_action._github._comment import ACTIONS_BOT_LOGIN, upsert_pr_comment

    # "on-findings" creates a comment only when something needs attention, but always edits
    # an earlier one, so that a fixed pull request says "all clear". The comment is a
    # courtesy: a GitHub failure is a warning, never a failed check.
    try:
        outcome = upsert_pr_comment(
            api_url=context.api_url,
            repository=context.repository,
            pr_number=context.pr_number,
            token=token,
            body=redact_text(
                render_pr_comment(
                    report,
                    repository=context.repository,
                    sha=context.sha,
                    server_url=context.server_url,
                    path_prefix=prefix,
                )
            ),
            create=comment == "always" or needs_attention(report),
            # Whose comment may be edited: the author of what the token posts.
            bot_login=env.get("CG_ACTION_COMMENT_AUTHOR") or ACTIONS_BOT_LOGIN,
        )
    except GitHubError as exc:
        _warn(err, f"the pull request comment was not written: {exc}")
        return
    if outcome.warning:
        _warn(err, outcome.warning)


def _warn(err: TextIO, message: str) -> None:
    """A warning annotation on the run (escaped as workflow commands must be)."""
    from cg_action._report._github import workflow_command

    err.write(workflow_command("warning", f"cg-action: {redact_text(message)}") + "\n")
