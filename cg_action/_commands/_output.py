"""Writing reports: the format dispatch, atomic file writes, and the GitHub side effects.

Inside GitHub Actions a ``check`` also appends the job summary, writes the step outputs and the
JSON report, and keeps the pull request comment up to date. The values of ``GITHUB_*`` variables
come in through ``env``; nothing here reads the process environment.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from cg_action._errors import UsageError
from cg_action._models import Report, Status


def render(report: Report, fmt: str) -> str:
    """The report in one of the formats: text, json, markdown, github, sarif."""
    from cg_action._report import render_json, render_text

    if fmt == "text":
        return render_text(report)
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        from cg_action._report._markdown import render_markdown

        return render_markdown(report)
    if fmt == "sarif":
        from cg_action._report._sarif import render_sarif

        return render_sarif(report)
    if fmt == "github":
        from cg_action._report._github import render_github_commands

        commands, _ = render_github_commands(report)
        return commands
    raise UsageError(f"unknown format {fmt!r}")


def write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a temporary file beside it, then a rename)."""
    path = path.expanduser()
    directory = path.parent if str(path.parent) else Path()
    directory.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def publish_github(
    report: Report,
    *,
    env: Mapping[str, str],
    comment: str,
    json_file: Path | None,
    err: TextIO,
) -> None:
    """Job summary, step outputs, JSON report and PR comment, as a GitHub workflow wants them."""
    from cg_action._report._github import append_step_summary, render_github_commands, write_outputs
    from cg_action._report._markdown import render_markdown

    repository = env.get("GITHUB_REPOSITORY") or None
    sha = env.get("GITHUB_SHA") or None
    server = env.get("GITHUB_SERVER_URL") or "https://github.com"
    markdown = render_markdown(report, repository=repository, sha=sha, server_url=server)
    _, not_annotated = render_github_commands(report)
    if not_annotated:
        markdown += (
            f"\n> {not_annotated} finding(s) were not annotated: GitHub shows at most 10 errors "
            "and 10 warnings per step. The tables above list every one.\n"
        )
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        append_step_summary(markdown, Path(summary))
    json_path = (
        json_file or Path(env.get("RUNNER_TEMP") or tempfile.gettempdir()) / "cg-action-report.json"
    )
    from cg_action._report import render_json

    write_file(json_path, render_json(report))
    output_file = env.get("GITHUB_OUTPUT")
    if output_file:
        write_outputs(report, output_file=Path(output_file), json_report=json_path)
    if comment != "never":
        _comment(
            report,
            env=env,
            comment=comment,
            markdown_kwargs={"repository": repository, "sha": sha, "server_url": server},
            err=err,
        )


def _comment(
    report: Report,
    *,
    env: Mapping[str, str],
    comment: str,
    markdown_kwargs: dict[str, str | None],
    err: TextIO,
) -> None:
    from cg_action._github._comment import upsert_pr_comment
    from cg_action._report._markdown import render_comment

    pr_number = _pull_request_number(env)
    if pr_number is None:
        err.write("cg-action: --comment: not a pull request event; no comment written\n")
        return
    wrong = [f for f in report.findings if f.status is not Status.CHAINGUARD and f.ignored is None]
    create = comment == "always" or bool(wrong)
    token = env.get("GITHUB_TOKEN") or ""
    if not token:
        err.write("::warning::cg-action: no GITHUB_TOKEN; the pull request comment was skipped\n")
        return
    outcome = upsert_pr_comment(
        api_url=env.get("GITHUB_API_URL") or "https://api.github.com",
        repository=env.get("GITHUB_REPOSITORY") or "",
        pr_number=pr_number,
        token=token,
        body=render_comment(report, **markdown_kwargs),  # type: ignore[arg-type]
        create=create,
    )
    message = getattr(outcome, "warning", None)
    if message:
        err.write(f"::warning::cg-action: {message}\n")


def _pull_request_number(env: Mapping[str, str]) -> int | None:
    event_path = env.get("GITHUB_EVENT_PATH")
    if not event_path:
        return None
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    number = pull.get("number") if isinstance(pull, dict) else None
    return number if isinstance(number, int) else None
